import {
  type BatchOutcome,
  type DiscardedBatch,
  outcomeFromResponse,
  ShardBatcher,
  type StreamBatchSettings,
} from '../../../../local/event-source-mapping/shard-batcher';

interface TestRecord {
  sequenceNumber: string;
  arrivalMs: number;
}

const NOW = 1_000_000;

function records(count: number, arrivalMs = NOW): TestRecord[] {
  return Array.from({ length: count }, (_unused, index) => ({ sequenceNumber: String(100 + index), arrivalMs }));
}

function batcher(overrides: Partial<StreamBatchSettings> = {}): ShardBatcher<TestRecord> {
  return new ShardBatcher<TestRecord>({
    batchSize: 4,
    maxBatchingWindowSeconds: 1,
    retryAttempts: 2,
    maxRecordAgeSeconds: 3600,
    bisectBatchOnError: false,
    ...overrides,
  });
}

const sequences = (batch: readonly TestRecord[] | null) => batch?.map((record) => record.sequenceNumber) ?? null;

describe('ShardBatcher batching', () => {
  it('hands over a full batch at once and a partial one when the window closes', () => {
    // Prepare
    const shard = batcher();
    shard.add(records(6), NOW);

    // Act
    const full = shard.nextBatch(NOW);
    shard.complete(full ?? [], { kind: 'success' });
    const beforeWindow = shard.nextBatch(NOW + 999);
    const afterWindow = shard.nextBatch(NOW + 1000);

    // Assess
    expect(sequences(full)).toEqual(['100', '101', '102', '103']);
    expect(beforeWindow).toBeNull();
    expect(sequences(afterWindow)).toEqual(['104', '105']);
  });
});

describe('ShardBatcher partial batch failures', () => {
  it('resumes from the lowest failed sequence number', () => {
    // Prepare
    const shard = batcher();
    shard.add(records(4), NOW);
    const batch = shard.nextBatch(NOW) ?? [];

    // Act
    const discarded = shard.complete(batch, { kind: 'partial', failedIdentifiers: ['103', '101'] });
    const retry = shard.nextBatch(NOW);

    // Assess
    expect(discarded).toBeNull();
    expect(sequences(retry)).toEqual(['101', '102', '103']);
  });

  it.each([
    ['an empty identifier', ['']],
    ['an identifier not in the batch', ['999']],
    ['a missing identifier', [null]],
  ])('fails the whole batch on %s', (_name, failedIdentifiers) => {
    // Prepare
    const shard = batcher();
    shard.add(records(4), NOW);
    const batch = shard.nextBatch(NOW) ?? [];

    // Act
    shard.complete(batch, { kind: 'partial', failedIdentifiers });
    const retry = shard.nextBatch(NOW);

    // Assess
    expect(sequences(retry)).toEqual(['100', '101', '102', '103']);
  });

  it('discards the failing records after retryAttempts retries and moves on', () => {
    // Prepare
    const shard = batcher({ retryAttempts: 2 });
    shard.add(records(6), NOW);
    const outcomes = [];

    // Act
    for (let invocation = 0; invocation < 3; invocation += 1) {
      const batch = shard.nextBatch(NOW) ?? [];
      outcomes.push(shard.complete(batch, { kind: 'partial', failedIdentifiers: ['102'] }));
    }
    const next = shard.nextBatch(NOW + 1000);

    // Assess
    expect(outcomes.slice(0, 2)).toEqual([null, null]);
    expect(outcomes[2]).toEqual({
      records: records(6).slice(2, 6),
      condition: 'RetryAttemptsExhausted',
      invokeCount: 3,
    });
    expect(next).toBeNull();
    expect(shard.bufferedCount).toBe(0);
  });
});

/** Answers each invocation with the next scripted outcome (success once the script is used up); returns what was delivered and discarded. */
function drive(
  shard: ShardBatcher<TestRecord>,
  script: readonly BatchOutcome[],
  nowMs = NOW,
): { delivered: string[][]; discarded: DiscardedBatch<TestRecord>[] } {
  const delivered: string[][] = [];
  const discarded: DiscardedBatch<TestRecord>[] = [];
  for (let invocation = 0; invocation < 50 && shard.bufferedCount > 0; invocation += 1) {
    const batch = shard.nextBatch(nowMs + 1000) ?? [];
    delivered.push(sequences(batch) ?? []);
    const result = shard.complete(batch, script[invocation] ?? { kind: 'success' });
    if (result !== null) discarded.push(result);
  }
  return { delivered, discarded };
}

const failed = (...identifiers: string[]): BatchOutcome => ({ kind: 'partial', failedIdentifiers: identifiers });
const FUNCTION_ERROR: BatchOutcome = { kind: 'error' };

describe('ShardBatcher retry budget: each record has its own', () => {
  it.each([true, false])(
    'discards nothing when different records fail one after another within their budgets (bisect %s)',
    (bisectBatchOnError) => {
      // Prepare: record 103 fails once, then 105 once, then 107 twice; 4 failures in all, 3 retries each
      const shard = batcher({ batchSize: 10, retryAttempts: 3, bisectBatchOnError });
      shard.add(records(10), NOW);

      // Act
      const { delivered, discarded } = drive(shard, [failed('103'), failed('105'), failed('107'), failed('107')]);

      // Assess
      expect(discarded).toEqual([]);
      expect(delivered).toEqual([
        sequences(records(10)),
        ['103', '104', '105', '106', '107', '108', '109'],
        ['105', '106', '107', '108', '109'],
        ['107', '108', '109'],
        ['107', '108', '109'],
      ]);
      expect(shard.bufferedCount).toBe(0);
    },
  );

  it('with bisect, discards a record that failed retryAttempts + 1 times alone and delivers the records behind it', () => {
    // Prepare
    const shard = batcher({ batchSize: 6, retryAttempts: 3, bisectBatchOnError: true });
    shard.add(records(6), NOW);

    // Act: 102 fails in four invocations in a row; 104 fails once, after 102 has been discarded
    const { delivered, discarded } = drive(shard, [
      failed('102', '104'),
      failed('102'),
      failed('102'),
      failed('104', '102'),
      failed('104'),
    ]);

    // Assess
    expect(discarded).toEqual([{ records: [records(6)[2]], condition: 'RetryAttemptsExhausted', invokeCount: 4 }]);
    expect(delivered).toEqual([
      ['100', '101', '102', '103', '104', '105'],
      ['102', '103', '104', '105'],
      ['102', '103', '104', '105'],
      ['102', '103', '104', '105'],
      ['103', '104', '105'],
      ['104', '105'],
    ]);
    expect(shard.bufferedCount).toBe(0);
  });

  it('without bisect, discards the batch being retried once its first record has failed retryAttempts + 1 times', () => {
    // Prepare
    const shard = batcher({ batchSize: 6, retryAttempts: 1, bisectBatchOnError: false });
    shard.add(records(6), NOW);

    // Act
    const { delivered, discarded } = drive(shard, [failed('101'), failed('102'), failed('102')]);

    // Assess
    expect(discarded).toEqual([{ records: records(6).slice(2), condition: 'RetryAttemptsExhausted', invokeCount: 2 }]);
    expect(delivered).toEqual([sequences(records(6)), ['101', '102', '103', '104', '105'], ['102', '103', '104', '105']]);
  });

  it("counts a record's failures across reported failures and function errors, and not those of the records before it", () => {
    // Prepare
    const shard = batcher({ batchSize: 4, retryAttempts: 1, bisectBatchOnError: true });
    shard.add(records(4), NOW);

    // Act: 101 fails once (reported), the retry throws and is split, then 102 fails once (reported)
    const { delivered, discarded } = drive(shard, [failed('101'), FUNCTION_ERROR, failed('102')]);

    // Assess
    expect(discarded).toEqual([]);
    expect(delivered).toEqual([['100', '101', '102', '103'], ['101', '102', '103'], ['101', '102'], ['102'], ['103']]);
  });

  it('retries a failing record forever when retryAttempts is -1, until it is too old', () => {
    // Prepare
    const shard = batcher({ batchSize: 3, retryAttempts: -1, maxRecordAgeSeconds: 60 });
    shard.add(
      [
        { sequenceNumber: '100', arrivalMs: NOW - 30_000 },
        ...records(2, NOW).map((record, index) => ({ ...record, sequenceNumber: String(101 + index) })),
      ],
      NOW,
    );
    const outcomes = [];

    // Act
    for (let invocation = 0; invocation < 5; invocation += 1) outcomes.push(shard.complete(shard.nextBatch(NOW) ?? [], failed('100')));
    const expired = shard.takeExpired(NOW + 31_000);
    const next = shard.nextBatch(NOW + 31_000);

    // Assess
    expect(outcomes).toEqual([null, null, null, null, null]);
    expect(expired).toEqual({
      records: [{ sequenceNumber: '100', arrivalMs: NOW - 30_000 }],
      condition: 'RecordAgeExceeded',
      invokeCount: 5,
    });
    expect(sequences(next)).toEqual(['101', '102']);
  });
});

describe('ShardBatcher function errors', () => {
  it('retries the same batch without bisect, then discards it whole', () => {
    // Prepare
    const shard = batcher({ retryAttempts: 1 });
    shard.add(records(3), NOW);

    // Act
    const first = shard.nextBatch(NOW + 1000) ?? [];
    const afterFirst = shard.complete(first, { kind: 'error' });
    const second = shard.nextBatch(NOW) ?? [];
    const afterSecond = shard.complete(second, { kind: 'error' });

    // Assess
    expect(afterFirst).toBeNull();
    expect(sequences(second)).toEqual(['100', '101', '102']);
    expect(afterSecond?.records).toHaveLength(3);
    expect(afterSecond?.invokeCount).toBe(2);
  });

  it('bisects a failing batch down to the bad record without using retries, and delivers the rest', () => {
    // Prepare
    const shard = batcher({ retryAttempts: 0, bisectBatchOnError: true });
    shard.add(records(4), NOW);
    const delivered: string[][] = [];
    const discarded: string[][] = [];

    // Act: record 102 makes every batch containing it fail
    for (let guard = 0; guard < 20 && shard.bufferedCount > 0; guard += 1) {
      const batch = shard.nextBatch(NOW) ?? [];
      const failing = batch.some((record) => record.sequenceNumber === '102');
      delivered.push(sequences(batch) ?? []);
      const result = shard.complete(batch, failing ? { kind: 'error' } : { kind: 'success' });
      if (result !== null) discarded.push(sequences(result.records) ?? []);
    }

    // Assess
    expect(delivered).toEqual([['100', '101', '102', '103'], ['100', '101'], ['102', '103'], ['102'], ['103']]);
    expect(discarded).toEqual([['102']]);
  });
});

describe('ShardBatcher record age', () => {
  it('discards records older than maxRecordAgeSeconds before delivering', () => {
    // Prepare
    const shard = batcher({ maxRecordAgeSeconds: 60 });
    shard.add([...records(2, NOW - 61_000), ...records(1, NOW).map((record) => ({ ...record, sequenceNumber: '200' }))], NOW);

    // Act
    const expired = shard.takeExpired(NOW);
    const batch = shard.nextBatch(NOW + 1000);

    // Assess
    expect(expired?.condition).toBe('RecordAgeExceeded');
    expect(sequences(expired?.records ?? null)).toEqual(['100', '101']);
    expect(sequences(batch)).toEqual(['200']);
  });
});

describe('outcomeFromResponse', () => {
  it.each([
    ['no response', undefined, { kind: 'success' }],
    ['an empty failure list', { batchItemFailures: [] }, { kind: 'success' }],
    ['reported failures', { batchItemFailures: [{ itemIdentifier: '7' }, {}] }, { kind: 'partial', failedIdentifiers: ['7', null] }],
  ])('reads %s', (_name, response, expected) => {
    // Act
    const outcome = outcomeFromResponse(response);

    // Assess
    expect(outcome).toEqual(expected);
  });
});
