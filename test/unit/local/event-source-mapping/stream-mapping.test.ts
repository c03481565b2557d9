import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { matchesFilterPattern } from '../../../../aws/filter-pattern';
import { TRIP_STREAM_FILTERS } from '../../../../domain/trip-item';
import { streamSequenceNumber } from '../../../support/dynamodb-stream';
import { sentMessages } from '../../../support/handler-harness';
import {
  DEAD_LETTER_QUEUE_URL,
  FakeFunction,
  FUNCTION_NAME,
  KINESIS_STREAM,
  kinesisMapping,
  kinesisSdkRecord,
  kinesisSdkRecords,
  mockKinesisShards,
  mockTableStreamShard,
  REGION,
  type Respond,
  runToEnd,
  seq,
  streamSettings,
  TABLE_STREAM_ARN,
  tableStreamMapping,
  tableStreamRecord,
  waitUntil,
} from '../../../support/mapping-harness';

const kinesisMock = mockClient(KinesisClient);
const streamsMock = mockClient(DynamoDBStreamsClient);
const sqsMock = mockClient(SQSClient);
const clients = {
  kinesis: new KinesisClient({ region: REGION }),
  streams: new DynamoDBStreamsClient({ region: REGION }),
  sqs: new SQSClient({ region: REGION }),
};

const SHARD = 'shardId-000000000000';
const FUNCTION_ARN = `arn:aws:lambda:${REGION}:000000000000:function:${FUNCTION_NAME}`;
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const sequences = (...positions: number[]): string[] => positions.map(seq);

/**
 * One open shard whose first page holds records 1 and 2 and points on to iterator `next`; a fresh iterator
 * at record 2 is `at-2`. What the pages after them hold is each test's.
 */
function oneOpenShardReadingRecords1And2(): void {
  kinesisMock.on(ListShardsCommand).resolves({
    Shards: [
      {
        ShardId: SHARD,
        HashKeyRange: { StartingHashKey: '0', EndingHashKey: '1' },
        SequenceNumberRange: { StartingSequenceNumber: seq(0) },
      },
    ],
  });
  kinesisMock.on(GetShardIteratorCommand, { ShardIteratorType: 'TRIM_HORIZON' }).resolves({ ShardIterator: 'from-start' });
  kinesisMock
    .on(GetShardIteratorCommand, { ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: seq(2) })
    .resolves({ ShardIterator: 'at-2' });
  kinesisMock
    .on(GetRecordsCommand, { ShardIterator: 'from-start' })
    .resolves({ Records: kinesisSdkRecords([1, 2]), NextShardIterator: 'next', MillisBehindLatest: 0 });
}
const onFailureRecords = (): Record<string, unknown>[] => sentMessages(sqsMock, DEAD_LETTER_QUEUE_URL).map((message) => message.body);

/** A function that throws whenever its batch holds the record at `position`. */
const throwsOn =
  (position: number): Respond =>
  ({ identifiers }) => {
    if (identifiers.includes(seq(position))) throw new Error(`record ${position} is poison`);
    return undefined;
  };

beforeEach(() => {
  kinesisMock.reset();
  streamsMock.reset();
  sqsMock.reset();
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'on-failure-1' });
});

describe('StreamMapping over Kinesis: batching and order', () => {
  it('delivers batches of at most batchSize, in shard order', async () => {
    // Prepare
    mockKinesisShards(kinesisMock, { [SHARD]: [kinesisSdkRecords([1, 2, 3, 4, 5, 6, 7])] });
    const fn = new FakeFunction();

    // Act
    await runToEnd(kinesisMapping(fn, clients, streamSettings({ batchSize: 3 })));

    // Assess
    expect(fn.batches).toEqual([sequences(1, 2, 3), sequences(4, 5, 6), sequences(7)]);
    expect(onFailureRecords()).toEqual([]);
  });

  it('polls every shard and keeps the records of each shard in order across reads', async () => {
    // Prepare
    mockKinesisShards(kinesisMock, {
      [SHARD]: [kinesisSdkRecords([1, 2, 3]), kinesisSdkRecords([4, 5])],
      'shardId-000000000001': [kinesisSdkRecords([101, 102]), kinesisSdkRecords([103, 104, 105])],
    });
    const fn = new FakeFunction();

    // Act
    await runToEnd(kinesisMapping(fn, clients, streamSettings({ batchSize: 2 })));

    // Assess
    const delivered = fn.batches.flat();
    expect(delivered.filter((sequenceNumber) => sequences(1, 2, 3, 4, 5).includes(sequenceNumber))).toEqual(sequences(1, 2, 3, 4, 5));
    expect(delivered.filter((sequenceNumber) => sequences(101, 102, 103, 104, 105).includes(sequenceNumber))).toEqual(
      sequences(101, 102, 103, 104, 105),
    );
    expect(delivered).toHaveLength(10);
    expect(fn.batches.every((batch) => batch.length <= 2)).toBe(true);
  });

  it('reads on from the last record after an empty page (record 2 again is dropped), so records still being written when it polled are not skipped', async () => {
    // Prepare: the emulator answers an empty page with an iterator that points past records 3 and 4
    oneOpenShardReadingRecords1And2();
    kinesisMock
      .on(GetRecordsCommand, { ShardIterator: 'next' })
      .resolves({ Records: [], NextShardIterator: 'past-3-and-4', MillisBehindLatest: 0 });
    kinesisMock.on(GetRecordsCommand, { ShardIterator: 'past-3-and-4' }).resolves({ Records: [], MillisBehindLatest: 0 });
    kinesisMock.on(GetRecordsCommand, { ShardIterator: 'at-2' }).resolves({ Records: kinesisSdkRecords([2, 3, 4]), MillisBehindLatest: 0 });
    const fn = new FakeFunction();

    const mapping = kinesisMapping(fn, clients, streamSettings({ batchSize: 10 }));

    // Act: idle right after the empty page, as the old reader was for ever; poll on until 3 and 4 arrive
    await mapping.start();
    try {
      await waitUntil(() => fn.batches.flat().length >= 4 || mapping.error !== undefined, 'records 3 and 4');
    } finally {
      await mapping.stop();
    }

    // Assess
    expect(fn.batches.flat()).toEqual(sequences(1, 2, 3, 4));
  });

  it('counts as settled since a moment only once a read begun after it has found the shard caught up', async () => {
    // Prepare: an open shard with records 1 and 2, then nothing new
    oneOpenShardReadingRecords1And2();
    kinesisMock
      .on(GetRecordsCommand, { ShardIterator: 'next' })
      .resolves({ Records: [], NextShardIterator: 'next', MillisBehindLatest: 0 });
    kinesisMock
      .on(GetRecordsCommand, { ShardIterator: 'at-2' })
      .resolves({ Records: kinesisSdkRecords([2]), NextShardIterator: 'next', MillisBehindLatest: 0 });
    const fn = new FakeFunction();
    const mapping = kinesisMapping(fn, clients, streamSettings({ batchSize: 10 }));
    await mapping.start();
    try {
      await waitUntil(() => (fn.batches.length > 0 && mapping.idle) || mapping.error !== undefined, 'records 1 and 2 delivered');
      const moment = Date.now() + 1;

      // Act / Assess: idle, but no read has begun since the moment yet
      expect(mapping.idle).toBe(true);
      expect(mapping.settledSince(moment)).toBe(false);
      await waitUntil(() => mapping.settledSince(moment) || mapping.error !== undefined, 'a caught-up read after the moment');
      expect(mapping.error).toBeUndefined();
      expect(fn.batches.flat()).toEqual(sequences(1, 2));
    } finally {
      await mapping.stop();
    }
  });

  it('waits for an invocation to finish before handing over the next batch of the shard', async () => {
    // Prepare
    mockKinesisShards(kinesisMock, { [SHARD]: [kinesisSdkRecords([1, 2, 3, 4, 5, 6])] });
    const fn = new FakeFunction(() => new Promise((resolve) => setTimeout(resolve, 5)));

    // Act
    await runToEnd(kinesisMapping(fn, clients, streamSettings({ batchSize: 2 })));

    // Assess
    expect(fn.maxConcurrent).toBe(1);
    expect(fn.batches).toEqual([sequences(1, 2), sequences(3, 4), sequences(5, 6)]);
  });

  it('builds Kinesis events in the shape Lambda delivers', async () => {
    // Prepare
    const arrivedAt = new Date('2024-05-25T14:05:02.250Z');
    mockKinesisShards(kinesisMock, { [SHARD]: [kinesisSdkRecords([1], arrivedAt)] });
    const fn = new FakeFunction();

    // Act
    await runToEnd(kinesisMapping(fn, clients, streamSettings({ maxRecordAgeSeconds: -1 })));

    // Assess
    expect(fn.invocations[0]?.handler).toBe('start');
    expect(fn.invocations[0]?.records).toEqual([
      expect.objectContaining({
        kinesis: expect.objectContaining({
          sequenceNumber: seq(1),
          partitionKey: 'trip-1',
          approximateArrivalTimestamp: arrivedAt.getTime() / 1000,
        }),
        eventSource: 'aws:kinesis',
        eventID: `${SHARD}:${seq(1)}`,
        eventSourceARN: KINESIS_STREAM.arn,
        awsRegion: REGION,
      }),
    ]);
  });
});

describe('StreamMapping over Kinesis: ReportBatchItemFailures', () => {
  it('retries from the lowest failed sequence number: records before it are not redelivered, records after it are', async () => {
    // Prepare
    mockKinesisShards(kinesisMock, { [SHARD]: [kinesisSdkRecords([1, 2, 3, 4, 5])] });
    const fn = new FakeFunction((_invocation, index) =>
      index === 0 ? { batchItemFailures: [{ itemIdentifier: seq(4) }, { itemIdentifier: seq(2) }] } : { batchItemFailures: [] },
    );

    // Act
    await runToEnd(kinesisMapping(fn, clients, streamSettings({ batchSize: 5 })));

    // Assess
    expect(fn.batches).toEqual([sequences(1, 2, 3, 4, 5), sequences(2, 3, 4, 5)]);
    expect(onFailureRecords()).toEqual([]);
  });

  it.each([
    ['an empty itemIdentifier', { itemIdentifier: '' }],
    ['a missing itemIdentifier', {}],
    ['an itemIdentifier that is not a string', { itemIdentifier: 2 }],
    ['an itemIdentifier not in the batch', { itemIdentifier: seq(99) }],
  ])('fails the whole batch on %s', async (_name, failure) => {
    // Prepare
    mockKinesisShards(kinesisMock, { [SHARD]: [kinesisSdkRecords([1, 2, 3])] });
    const fn = new FakeFunction((_invocation, index) =>
      index === 0 ? { batchItemFailures: [{ itemIdentifier: seq(3) }, failure] } : undefined,
    );

    // Act
    await runToEnd(kinesisMapping(fn, clients, streamSettings()));

    // Assess
    expect(fn.batches).toEqual([sequences(1, 2, 3), sequences(1, 2, 3)]);
  });

  it('discards the failed records after retryAttempts retries, without a function error', async () => {
    // Prepare
    mockKinesisShards(kinesisMock, { [SHARD]: [kinesisSdkRecords([1, 2, 3, 4])] });
    const fn = new FakeFunction(() => ({ batchItemFailures: [{ itemIdentifier: seq(3) }] }));

    // Act
    await runToEnd(kinesisMapping(fn, clients, streamSettings({ retryAttempts: 1 })));

    // Assess
    expect(fn.batches).toEqual([sequences(1, 2, 3, 4), sequences(3, 4)]);
    const [onFailure] = onFailureRecords();
    expect(onFailure).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 2 },
      KinesisBatchInfo: { startSequenceNumber: seq(3), endSequenceNumber: seq(4), batchSize: 2 },
    });
    expect(onFailure?.responseContext).toEqual({ statusCode: 200, executedVersion: '$LATEST' });
  });
});

describe('StreamMapping over Kinesis: each failing record has its own retry budget', () => {
  /** Reports the given record as failed in the invocation of that index, and nothing after the script. */
  const reportsInTurn =
    (...positions: number[]): Respond =>
    (_invocation, index) => {
      const position = positions[index];
      return position === undefined ? undefined : { batchItemFailures: [{ itemIdentifier: seq(position) }] };
    };

  it('loses nothing when records 3, 5 and 7 fail one after another (7 twice) with 3 retries', async () => {
    // Prepare
    mockKinesisShards(kinesisMock, { [SHARD]: [kinesisSdkRecords([1, 2, 3, 4, 5, 6, 7, 8])] });
    const fn = new FakeFunction(reportsInTurn(3, 5, 7, 7));

    // Act
    await runToEnd(kinesisMapping(fn, clients, streamSettings({ retryAttempts: 3, bisectBatchOnError: true })));

    // Assess
    expect(fn.batches).toEqual([
      sequences(1, 2, 3, 4, 5, 6, 7, 8),
      sequences(3, 4, 5, 6, 7, 8),
      sequences(5, 6, 7, 8),
      sequences(7, 8),
      sequences(7, 8),
    ]);
    expect(onFailureRecords()).toEqual([]);
  });

  it('discards a record that failed 4 times with 3 retries alone, and delivers the records behind it', async () => {
    // Prepare
    mockKinesisShards(kinesisMock, { [SHARD]: [kinesisSdkRecords([1, 2, 3, 4, 5])] });
    const fn = new FakeFunction(reportsInTurn(3, 3, 3, 3));

    // Act
    await runToEnd(kinesisMapping(fn, clients, streamSettings({ retryAttempts: 3, bisectBatchOnError: true })));

    // Assess
    expect(fn.batches).toEqual([sequences(1, 2, 3, 4, 5), sequences(3, 4, 5), sequences(3, 4, 5), sequences(3, 4, 5), sequences(4, 5)]);
    expect(onFailureRecords()).toEqual([
      expect.objectContaining({
        requestContext: expect.objectContaining({ condition: 'RetryAttemptsExhausted', approximateInvokeCount: 4 }),
        responseContext: { statusCode: 200, executedVersion: '$LATEST' },
        KinesisBatchInfo: expect.objectContaining({ startSequenceNumber: seq(3), endSequenceNumber: seq(3), batchSize: 1 }),
      }),
    ]);
  });

  it('with bisect, isolates two poison records of one batch and discards each alone after its own retries', async () => {
    // Prepare
    mockKinesisShards(kinesisMock, { [SHARD]: [kinesisSdkRecords([1, 2, 3, 4, 5, 6, 7, 8])] });
    const fn = new FakeFunction(({ identifiers }) => {
      if (identifiers.includes(seq(2)) || identifiers.includes(seq(7))) throw new Error('poison');
      return undefined;
    });

    // Act
    await runToEnd(kinesisMapping(fn, clients, streamSettings({ retryAttempts: 1, bisectBatchOnError: true })));

    // Assess
    const discarded = onFailureRecords().map((record) => record.KinesisBatchInfo);
    expect(discarded).toEqual([
      expect.objectContaining({ startSequenceNumber: seq(2), endSequenceNumber: seq(2), batchSize: 1 }),
      expect.objectContaining({ startSequenceNumber: seq(7), endSequenceNumber: seq(7), batchSize: 1 }),
    ]);
    const deliveredOk = fn.batches.filter((batch) => !batch.includes(seq(2)) && !batch.includes(seq(7))).flat();
    expect(deliveredOk).toEqual(sequences(1, 3, 4, 5, 6, 8));
  });
});

describe('StreamMapping over Kinesis: function errors', () => {
  it('retries the whole batch when the function throws', async () => {
    // Prepare
    mockKinesisShards(kinesisMock, { [SHARD]: [kinesisSdkRecords([1, 2, 3])] });
    const fn = new FakeFunction((_invocation, index) => {
      if (index === 0) throw new Error('Task timed out after 30.00 seconds');
      return undefined;
    });

    // Act
    await runToEnd(kinesisMapping(fn, clients, streamSettings()));

    // Assess
    expect(fn.batches).toEqual([sequences(1, 2, 3), sequences(1, 2, 3)]);
    expect(onFailureRecords()).toEqual([]);
  });

  it('sends an on-failure invocation record of AWS shape after retryAttempts retries, then moves on', async () => {
    // Prepare
    const firstArrival = new Date(Date.now() - 2_000);
    const secondArrival = new Date(Date.now() - 1_000);
    mockKinesisShards(kinesisMock, {
      [SHARD]: [[kinesisSdkRecord(1, firstArrival), kinesisSdkRecord(2, secondArrival), ...kinesisSdkRecords([3, 4])]],
    });
    const fn = new FakeFunction(throwsOn(1));

    // Act
    await runToEnd(kinesisMapping(fn, clients, streamSettings({ batchSize: 2, retryAttempts: 2 })));

    // Assess
    expect(fn.batches).toEqual([sequences(1, 2), sequences(1, 2), sequences(1, 2), sequences(3, 4)]);
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 1);
    expect(onFailureRecords()).toEqual([
      {
        requestContext: {
          requestId: expect.any(String),
          functionArn: FUNCTION_ARN,
          condition: 'RetryAttemptsExhausted',
          approximateInvokeCount: 3,
        },
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
        version: '1.0',
        timestamp: expect.stringMatching(ISO_TIMESTAMP),
        KinesisBatchInfo: {
          shardId: SHARD,
          startSequenceNumber: seq(1),
          endSequenceNumber: seq(2),
          approximateArrivalOfFirstRecord: firstArrival.toISOString(),
          approximateArrivalOfLastRecord: secondArrival.toISOString(),
          batchSize: 2,
          streamArn: KINESIS_STREAM.arn,
        },
      },
    ]);
  });

  it('with bisectBatchOnError splits a failing batch until the bad record is alone, then discards only it', async () => {
    // Prepare
    mockKinesisShards(kinesisMock, { [SHARD]: [kinesisSdkRecords([1, 2, 3, 4])] });
    const fn = new FakeFunction(throwsOn(3));

    // Act
    await runToEnd(kinesisMapping(fn, clients, streamSettings({ batchSize: 4, retryAttempts: 1, bisectBatchOnError: true })));

    // Assess
    expect(fn.batches).toEqual([sequences(1, 2, 3, 4), sequences(1, 2), sequences(3, 4), sequences(3), sequences(3), sequences(4)]);
    expect(onFailureRecords()).toEqual([
      expect.objectContaining({
        requestContext: expect.objectContaining({ condition: 'RetryAttemptsExhausted' }),
        KinesisBatchInfo: expect.objectContaining({ startSequenceNumber: seq(3), endSequenceNumber: seq(3), batchSize: 1 }),
      }),
    ]);
  });

  it('without bisectBatchOnError retries the failing batch whole', async () => {
    // Prepare
    mockKinesisShards(kinesisMock, { [SHARD]: [kinesisSdkRecords([1, 2, 3, 4])] });
    const fn = new FakeFunction(throwsOn(3));

    // Act
    await runToEnd(kinesisMapping(fn, clients, streamSettings({ batchSize: 4, retryAttempts: 1, bisectBatchOnError: false })));

    // Assess
    expect(fn.batches).toEqual([sequences(1, 2, 3, 4), sequences(1, 2, 3, 4)]);
    expect(onFailureRecords()).toEqual([
      expect.objectContaining({
        KinesisBatchInfo: expect.objectContaining({ startSequenceNumber: seq(1), endSequenceNumber: seq(4), batchSize: 4 }),
      }),
    ]);
  });
});

describe('StreamMapping over Kinesis: maxRecordAgeSeconds', () => {
  it('discards records older than maxRecordAgeSeconds to the on-failure destination without invoking', async () => {
    // Prepare
    const twoHoursAgo = new Date(Date.now() - 2 * 3600 * 1000);
    mockKinesisShards(kinesisMock, { [SHARD]: [[...kinesisSdkRecords([1, 2], twoHoursAgo), ...kinesisSdkRecords([3, 4])]] });
    const fn = new FakeFunction();

    // Act
    await runToEnd(kinesisMapping(fn, clients, streamSettings({ maxRecordAgeSeconds: 60 })));

    // Assess
    expect(fn.batches).toEqual([sequences(3, 4)]);
    expect(onFailureRecords()).toEqual([
      expect.objectContaining({
        requestContext: expect.objectContaining({ condition: 'RecordAgeExceeded', approximateInvokeCount: 0 }),
        responseContext: { statusCode: 200, executedVersion: '$LATEST' },
        KinesisBatchInfo: expect.objectContaining({
          shardId: SHARD,
          startSequenceNumber: seq(1),
          endSequenceNumber: seq(2),
          approximateArrivalOfFirstRecord: twoHoursAgo.toISOString(),
          batchSize: 2,
        }),
      }),
    ]);
  });

  it('keeps old records when maxRecordAgeSeconds is -1 (infinite)', async () => {
    // Prepare
    const twoHoursAgo = new Date(Date.now() - 2 * 3600 * 1000);
    mockKinesisShards(kinesisMock, { [SHARD]: [kinesisSdkRecords([1, 2], twoHoursAgo)] });
    const fn = new FakeFunction();

    // Act
    await runToEnd(kinesisMapping(fn, clients, streamSettings({ maxRecordAgeSeconds: -1 })));

    // Assess
    expect(fn.batches).toEqual([sequences(1, 2)]);
    expect(onFailureRecords()).toEqual([]);
  });
});

describe('StreamMapping over DynamoDB Streams', () => {
  const completedTrips = (record: unknown): boolean => matchesFilterPattern(TRIP_STREAM_FILTERS.completion, record);
  const changes = [
    tableStreamRecord({ position: 1, eventName: 'MODIFY', status: 'COMPLETED' }),
    tableStreamRecord({ position: 2, eventName: 'INSERT', status: 'STARTED' }),
    tableStreamRecord({ position: 3, eventName: 'MODIFY', status: 'COMPLETED' }),
    tableStreamRecord({ position: 4, eventName: 'REMOVE', status: 'COMPLETED' }),
    tableStreamRecord({ position: 5, eventName: 'MODIFY', status: 'COMPLETED' }),
  ];
  const streamSequences = (...positions: number[]): string[] => positions.map(streamSequenceNumber);

  it('applies the filter before batching: filtered-out records never reach the function, even on retries', async () => {
    // Prepare
    mockTableStreamShard(streamsMock, SHARD, [changes]);
    const fn = new FakeFunction((_invocation, index) => {
      if (index === 0) throw new Error('match failed');
      return undefined;
    });

    // Act
    await runToEnd(tableStreamMapping(fn, clients, streamSettings({ batchSize: 2 }), completedTrips));

    // Assess
    expect(fn.batches).toEqual([streamSequences(1, 3), streamSequences(1, 3), streamSequences(5)]);
    expect(fn.invocations[0]?.records).toEqual([
      expect.objectContaining({ eventName: 'MODIFY', eventSource: 'aws:dynamodb', eventSourceARN: TABLE_STREAM_ARN, awsRegion: REGION }),
      expect.objectContaining({ eventName: 'MODIFY' }),
    ]);
  });

  it('sends a DDBStreamBatchInfo on-failure record when the retries are exhausted', async () => {
    // Prepare
    mockTableStreamShard(streamsMock, SHARD, [changes]);
    const fn = new FakeFunction(() => {
      throw new Error('match failed');
    });

    // Act
    await runToEnd(tableStreamMapping(fn, clients, streamSettings({ batchSize: 5, retryAttempts: 0 }), completedTrips));

    // Assess
    expect(fn.batches).toEqual([streamSequences(1, 3, 5)]);
    expect(onFailureRecords()).toEqual([
      expect.objectContaining({
        requestContext: expect.objectContaining({ condition: 'RetryAttemptsExhausted', approximateInvokeCount: 1 }),
        DDBStreamBatchInfo: expect.objectContaining({
          shardId: SHARD,
          startSequenceNumber: streamSequenceNumber(1),
          endSequenceNumber: streamSequenceNumber(5),
          batchSize: 3,
          streamArn: TABLE_STREAM_ARN,
        }),
      }),
    ]);
  });
});
