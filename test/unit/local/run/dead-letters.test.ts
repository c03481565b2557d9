import type { DeadLetterMessage, RetryMessage } from '../../../../domain/envelopes';
import { parseDeadLetterQueueMessage } from '../../../../domain/redrive';
import { tallyDeadLetters } from '../../../../local/run/dead-letters';

const endEvent = (tripId: string) => ({
  schema_version: 1 as const,
  event_type: 'trip_end' as const,
  trip_id: tripId,
  dropoff_datetime: '2024-05-25T14:00:00.000Z',
  rate_code: 1,
  passenger_count: 1,
  trip_distance: 2.5,
  fare_amount: 10,
  tip_amount: null,
  payment_type: 1,
  trip_type: 1,
});

function deadLetter(reason: DeadLetterMessage['reason'], tripId: string | null): string {
  const message: DeadLetterMessage = {
    schema_version: 2,
    reason,
    trip_id: tripId,
    event: tripId === null ? 'not json' : endEvent(tripId),
    detail: 'test',
    attempts: 6,
    first_seen_at: '2024-05-25T14:00:00.000Z',
    dead_lettered_at: '2024-05-25T14:01:00.000Z',
    source: 'redrive',
    origin:
      tripId === null
        ? null
        : { shard_id: 'shardId-000000000000', sequence_number: '49590338271490256608559692538361571095921575989136580001' },
  };
  return JSON.stringify(message);
}

function retryMessage(tripId: string): string {
  const message: RetryMessage = {
    schema_version: 2,
    event: endEvent(tripId),
    reason: 'PROCESSING_FAILED',
    attempts: 2,
    first_seen_at: '2024-05-25T14:00:00.000Z',
    last_error: 'ThrottlingException: Rate exceeded',
    origin: null,
  };
  return JSON.stringify(message);
}

const onFailureRecord = JSON.stringify({
  requestContext: { condition: 'RetryAttemptsExhausted' },
  KinesisBatchInfo: { shardId: 'shardId-000000000000', batchSize: 1 },
});

describe('tallyDeadLetters', () => {
  it('counts distinct trips per reason and keeps pointers and redrive-policy moves apart', () => {
    // Prepare
    const bodies = [
      deadLetter('ORPHAN_END', 'a'),
      deadLetter('ORPHAN_END', 'a'),
      deadLetter('ORPHAN_END', 'b'),
      deadLetter('CONFLICTING_DUPLICATE', 'c'),
      deadLetter('INVALID_EVENT', null),
      deadLetter('INVALID_EVENT', null),
      onFailureRecord,
      retryMessage('d'),
      'garbage',
    ];

    // Act
    const tally = tallyDeadLetters(bodies.map(parseDeadLetterQueueMessage));

    // Assess
    expect(tally).toEqual({
      total: 5,
      by_reason: { CONFLICTING_DUPLICATE: 1, INVALID_EVENT: 2, ORPHAN_END: 2 },
      messages: 9,
      on_failure_batches: 1,
      moved_by_redrive_policy: 1,
      unrecognized: 1,
    });
  });

  it('classifies a DynamoDB stream pointer as an on-failure record', () => {
    // Act
    const classified = parseDeadLetterQueueMessage(JSON.stringify({ DDBStreamBatchInfo: { shardId: 'x' } }));

    // Assess
    expect(classified.kind).toBe('on-failure');
  });
});

describe('parseDeadLetterQueueMessage, as a local run reads the DLQ', () => {
  it('does not take a version 1 letter (before origins) for a dead letter', () => {
    // Prepare
    const letter = JSON.parse(deadLetter('ORPHAN_END', 'a')) as Record<string, unknown>;
    delete letter.origin;
    const versionOne = JSON.stringify({ ...letter, schema_version: 1 });

    // Act
    const classified = parseDeadLetterQueueMessage(versionOne);

    // Assess
    expect(classified.kind).toBe('other');
  });
});
