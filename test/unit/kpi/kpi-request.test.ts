import { InvalidKpiRequestError, resolveKpiRequest } from '../../../kpi/kpi-request';

const clock = { now: new Date('2024-05-26T01:00:00Z'), lookbackDays: 2 };

describe('resolveKpiRequest', () => {
  it.each([
    ['no payload', undefined],
    ['a null payload', null],
    ['an empty object', {}],
    ['an EventBridge scheduled event without time', { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} }],
  ])('treats %s as a scheduled run on the clock', (_case, event) => {
    // Prepare: the event

    // Act
    const request = resolveKpiRequest(event, clock);

    // Assess
    expect(request).toEqual({ kind: 'scheduled', dates: ['2024-05-23', '2024-05-24', '2024-05-25'] });
  });

  it('prefers the scheduled time carried by the event to the clock', () => {
    // Prepare
    const event = { time: '2024-03-01T01:00:00+00:00' };

    // Act
    const request = resolveKpiRequest(event, clock);

    // Assess
    expect(request).toEqual({ kind: 'scheduled', dates: ['2024-02-27', '2024-02-28', '2024-02-29'] });
  });

  it('keeps an explicit date and expands a range', () => {
    // Prepare
    const events = [{ date: '2024-02-29' }, { from: '2024-02-28', to: '2024-03-01' }];

    // Act
    const requests = events.map((event) => resolveKpiRequest(event, clock));

    // Assess
    expect(requests).toEqual([
      { kind: 'date', dates: ['2024-02-29'] },
      { kind: 'range', dates: ['2024-02-28', '2024-02-29', '2024-03-01'] },
    ]);
  });

  it.each([[[]], [42], [{ to: '2024-05-25' }], [{ date: 20240525 }]])('rejects %j as an invalid request', (event) => {
    // Prepare: the event

    // Act
    const resolving = () => resolveKpiRequest(event, clock);

    // Assess
    expect(resolving).toThrow(InvalidKpiRequestError);
  });
});
