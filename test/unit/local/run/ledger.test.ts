import type { DeadLetterMessage } from '../../../../domain/envelopes';
import { computeLedger, describeLedger, type LedgerInputs, MOVED_BY_REDRIVE_POLICY, type SentRecord } from '../../../../local/run/ledger';
import { kinesisOrigin, tripEndEvent, tripStartEvent } from '../../../support/kinesis';
import { retryMessage } from '../../../support/sqs';

function sent(kind: SentRecord['kind'], position: number, tripId = `trip-${position}`): SentRecord {
  const origin = kinesisOrigin(position);
  return { kind, tripId, shardId: origin.shard_id, sequenceNumber: origin.sequence_number };
}

function letter(reason: DeadLetterMessage['reason'], event: unknown, position: number | null): DeadLetterMessage {
  return {
    schema_version: 2,
    reason,
    trip_id: 'trip',
    event,
    detail: 'test',
    attempts: 1,
    first_seen_at: '2024-05-25T14:05:02.250Z',
    dead_lettered_at: '2024-05-25T14:05:03.000Z',
    source: 'end',
    origin: position === null ? null : kinesisOrigin(position),
  };
}

const key = (kind: SentRecord['kind'], position: number): string => {
  const origin = kinesisOrigin(position);
  return `${kind}|${origin.shard_id}|${origin.sequence_number}`;
};

function inputs(overrides: Partial<LedgerInputs>): LedgerInputs {
  return { sent: [], items: [], letters: [], movedByRedrivePolicy: [], duplicates: new Set(), ...overrides };
}

describe('computeLedger', () => {
  it('puts every record in exactly one category and balances', () => {
    // Prepare: trip 1 complete, trip 2 open start, record 3 a duplicate start, end 4 an orphan, end 5 redelivered
    const ledgerInputs = inputs({
      sent: [sent('start', 1), sent('end', 11), sent('start', 2), sent('start', 3), sent('end', 4)],
      items: [
        { halves: 2, start_origin: kinesisOrigin(1), end_origin: kinesisOrigin(11) },
        { halves: 1, start_origin: kinesisOrigin(2) },
      ],
      letters: [letter('ORPHAN_END', tripEndEvent(), 4)],
      duplicates: new Set([key('start', 3), key('end', 11)]),
    });

    // Act
    const ledger = computeLedger(ledgerInputs);

    // Assess
    expect(ledger.start).toEqual({ sent: 3, applied: 1, open: 1, duplicates_ignored: 1, dead_lettered: {}, unaccounted: 0 });
    expect(ledger.end).toEqual({ sent: 2, applied: 1, open: 0, duplicates_ignored: 0, dead_lettered: { ORPHAN_END: 1 }, unaccounted: 0 });
    expect(ledger.balanced).toBe(true);
  });

  it('counts a recorded half as applied even when a retry copy of the same record was given up on later', () => {
    // Prepare
    const ledgerInputs = inputs({
      sent: [sent('start', 1), sent('end', 2)],
      items: [{ halves: 2, start_origin: kinesisOrigin(1), end_origin: kinesisOrigin(2) }],
      letters: [letter('PROCESSING_FAILED', tripStartEvent(), 1)],
    });

    // Act
    const ledger = computeLedger(ledgerInputs);

    // Assess
    expect(ledger.start.applied).toBe(1);
    expect(ledger.start.dead_lettered).toEqual({});
  });

  it('counts an end evicted for dropping off before a later start as dead-lettered, not as the duplicate it was also seen as', () => {
    // Prepare
    const ledgerInputs = inputs({
      sent: [sent('end', 1)],
      letters: [letter('DROPOFF_BEFORE_PICKUP', tripEndEvent(), 1)],
      duplicates: new Set([key('end', 1)]),
    });

    // Act
    const ledger = computeLedger(ledgerInputs);

    // Assess
    expect(ledger.end.dead_lettered).toEqual({ DROPOFF_BEFORE_PICKUP: 1 });
    expect(ledger.end.duplicates_ignored).toBe(0);
  });

  it('attributes an invalid payload to its stream by the handler that dead-lettered it', () => {
    // Prepare
    const ledgerInputs = inputs({ sent: [sent('end', 1)], letters: [letter('INVALID_EVENT', 'not json', 1)] });

    // Act
    const ledger = computeLedger(ledgerInputs);

    // Assess
    expect(ledger.end.dead_lettered).toEqual({ INVALID_EVENT: 1 });
    expect(ledger.balanced).toBe(true);
  });

  it('counts retry messages the redrive policy moved to the DLQ under their own reason', () => {
    // Prepare
    const ledgerInputs = inputs({ sent: [sent('end', 1)], movedByRedrivePolicy: [retryMessage({ origin: kinesisOrigin(1) })] });

    // Act
    const ledger = computeLedger(ledgerInputs);

    // Assess
    expect(ledger.end.dead_lettered).toEqual({ [MOVED_BY_REDRIVE_POLICY]: 1 });
  });

  it('names the records in no category and does not balance', () => {
    // Prepare
    const ledgerInputs = inputs({
      sent: [sent('start', 1, 'lost-trip'), sent('start', 2)],
      items: [{ halves: 1, start_origin: kinesisOrigin(2) }],
    });

    // Act
    const ledger = computeLedger(ledgerInputs);
    const lines = describeLedger(ledger);

    // Assess
    expect(ledger.balanced).toBe(false);
    expect(ledger.unaccounted_records).toEqual([
      { kind: 'start', trip_id: 'lost-trip', shard_id: kinesisOrigin(1).shard_id, sequence_number: kinesisOrigin(1).sequence_number },
    ]);
    expect(lines[0]).toBe('start: 2 sent = 0 applied + 1 open + 0 duplicates + 0 dead-lettered + 1 UNACCOUNTED');
  });

  it('fails on an acknowledged record the stream does not hold, and names it apart', () => {
    // Prepare: Kinesis acknowledged starts 1 and 2; the stream holds 2 and an unacknowledged copy at 3
    const ledgerInputs = inputs({
      sent: [sent('start', 1, 'forgotten-trip'), sent('start', 2)],
      items: [{ halves: 1, start_origin: kinesisOrigin(2) }],
      duplicates: new Set([key('start', 3)]),
      onStream: [sent('start', 2), sent('start', 3)],
    });

    // Act
    const ledger = computeLedger(ledgerInputs);
    const lines = describeLedger(ledger);

    // Assess
    expect(ledger.balanced).toBe(false);
    expect(ledger.start.unaccounted).toBe(1);
    expect(ledger.missing_from_stream).toEqual([
      { kind: 'start', trip_id: 'forgotten-trip', shard_id: kinesisOrigin(1).shard_id, sequence_number: kinesisOrigin(1).sequence_number },
    ]);
    expect(ledger.unaccounted_records).toEqual([]);
    expect(ledger.unacknowledged_on_stream).toEqual({ start: 1, end: 0 });
    expect(lines[0]).toContain('1 UNACCOUNTED (1 acknowledged by Kinesis but not on the stream)');
  });

  it('balances when every acknowledged record is on the stream', () => {
    // Prepare
    const ledgerInputs = inputs({
      sent: [sent('start', 1)],
      items: [{ halves: 1, start_origin: kinesisOrigin(1) }],
      onStream: [sent('start', 1)],
    });

    // Act
    const ledger = computeLedger(ledgerInputs);

    // Assess
    expect(ledger.balanced).toBe(true);
    expect(ledger.missing_from_stream).toEqual([]);
  });
});
