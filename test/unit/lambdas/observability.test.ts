import type { Logger } from '@aws-lambda-powertools/logger';
import { logger, loggerForTrip } from '../../../lambdas/common/observability';

describe('loggerForTrip', () => {
  afterEach(() => jest.restoreAllMocks());

  it('makes no child logger for a record that logs nothing', () => {
    // Prepare
    const createChild = jest.spyOn(logger, 'createChild');

    // Act
    loggerForTrip('trip-1');

    // Assess
    expect(createChild).not.toHaveBeenCalled();
  });

  it("logs every line of a record through one child that carries the record's trip_id", () => {
    // Prepare
    const lines: unknown[][] = [];
    const child = {
      warn: (...line: unknown[]) => lines.push(['warn', ...line]),
      info: (...line: unknown[]) => lines.push(['info', ...line]),
    } as unknown as Logger;
    const createChild = jest.spyOn(logger, 'createChild').mockReturnValue(child);

    // Act
    const log = loggerForTrip('trip-2');
    log.info('Duplicate event ignored', { event_type: 'trip_end' });
    log.warn('Event sent to the dead-letter queue', { reason: 'ORPHAN_END' });

    // Assess
    expect(createChild).toHaveBeenCalledTimes(1);
    expect(createChild).toHaveBeenCalledWith({ persistentKeys: { trip_id: 'trip-2' } });
    expect(lines).toEqual([
      ['info', 'Duplicate event ignored', { event_type: 'trip_end' }],
      ['warn', 'Event sent to the dead-letter queue', { reason: 'ORPHAN_END' }],
    ]);
  });
});
