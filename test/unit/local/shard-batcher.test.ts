import { outcomeFromResponse, ShardBatcher, type StreamBatchSettings } from '../../../local/shard-batcher';

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
