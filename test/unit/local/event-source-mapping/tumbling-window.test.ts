import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { dynamoDbStreamShards, ShardReaderLimit, splitShards } from '../../../../local/event-source-mapping/stream-mapping';
import { streamSequenceNumber } from '../../../support/dynamodb-stream';
import { sentMessages } from '../../../support/handler-harness';
import {
  DEAD_LETTER_QUEUE_URL,
  FakeFunction,
  type Invocation,
  mockTableStreamShard,
  REGION,
  runToEnd,
  streamSettings,
  TABLE_STREAM_ARN,
  tableStreamMapping,
  tableStreamRecord,
} from '../../../support/mapping-harness';

const streamsMock = mockClient(DynamoDBStreamsClient);
const sqsMock = mockClient(SQSClient);
const clients = { streams: new DynamoDBStreamsClient({ region: REGION }), sqs: new SQSClient({ region: REGION }) };
const SHARD = 'shardId-00000001-abc';
const everything = (): boolean => true;
const changes = (...positions: number[]) =>
  positions.map((position) => tableStreamRecord({ position, eventName: 'INSERT', status: 'STARTED' }));
const sequences = (...positions: number[]): string[] => positions.map(streamSequenceNumber);

/** A function that keeps a window's state as a tumbling-window handler does: the identifiers it saw. */
const countingState = (invocation: Invocation): unknown => {
  const before = (invocation.eventFields.state as { seen?: string[] } | undefined)?.seen ?? [];
  return {
    state: invocation.eventFields.isFinalInvokeForWindow === true ? {} : { seen: [...before, ...invocation.identifiers] },
    batchItemFailures: [],
  };
};

beforeEach(() => {
  streamsMock.reset();
  sqsMock.reset();
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'on-failure-1' });
});

describe('StreamMapping with a tumbling window', () => {
  it('hands each invocation the shard, the window and the state the last one returned, and closes the window with a final invocation', async () => {
    // Prepare: one page (so one window: a record's window is the one it was read in), two batches
    mockTableStreamShard(streamsMock, SHARD, [changes(1, 2, 3)]);
    const fn = new FakeFunction(countingState);

    // Act
    await runToEnd(tableStreamMapping(fn, clients, streamSettings({ batchSize: 2, tumblingWindowSeconds: 0.2 }), everything));

    // Assess
    const [first, second, final] = fn.invocations;
    expect(fn.batches).toEqual([sequences(1, 2), sequences(3), []]);
    expect(first?.eventFields).toMatchObject({
      shardId: SHARD,
      eventSourceARN: TABLE_STREAM_ARN,
      state: {},
      isFinalInvokeForWindow: false,
      isWindowTerminatedEarly: false,
    });
    expect(second?.eventFields).toMatchObject({ state: { seen: sequences(1, 2) }, isFinalInvokeForWindow: false });
    expect(final?.eventFields).toMatchObject({
      state: { seen: sequences(1, 2, 3) },
      isFinalInvokeForWindow: true,
      window: first?.eventFields.window,
    });
    const window = first?.eventFields.window as { start: string; end: string };
    expect(Date.parse(window.end) - Date.parse(window.start)).toBe(200);
  });

  it('treats an answer without a state as a failed invocation and retries it with the state it had', async () => {
    // Prepare
    mockTableStreamShard(streamsMock, SHARD, [changes(1, 2)]);
    const fn = new FakeFunction((invocation, index) => (index === 0 ? { batchItemFailures: [] } : countingState(invocation)));

    // Act
    await runToEnd(tableStreamMapping(fn, clients, streamSettings({ batchSize: 2, tumblingWindowSeconds: 0.2 }), everything));

    // Assess
    expect(fn.batches).toEqual([sequences(1, 2), sequences(1, 2), []]);
    expect(fn.invocations[1]?.eventFields.state).toEqual({});
    expect(fn.invocations[2]?.eventFields.state).toEqual({ seen: sequences(1, 2) });
  });

  it("retries a failing final invocation, then sends the window's records to the on-failure destination", async () => {
    // Prepare
    mockTableStreamShard(streamsMock, SHARD, [changes(1, 2)]);
    const fn = new FakeFunction((invocation) => {
      if (invocation.eventFields.isFinalInvokeForWindow === true) throw new Error('the partials could not be written');
      return countingState(invocation);
    });

    // Act
    await runToEnd(
      tableStreamMapping(fn, clients, streamSettings({ batchSize: 2, tumblingWindowSeconds: 0.2, retryAttempts: 2 }), everything),
    );

    // Assess
    expect(fn.batches).toEqual([sequences(1, 2), [], [], []]);
    const pointers = sentMessages(sqsMock, DEAD_LETTER_QUEUE_URL).map((message) => message.body);
    expect(pointers).toEqual([
      expect.objectContaining({
        requestContext: expect.objectContaining({ condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3 }) as unknown,
        DDBStreamBatchInfo: expect.objectContaining({
          shardId: SHARD,
          startSequenceNumber: streamSequenceNumber(1),
          endSequenceNumber: streamSequenceNumber(2),
          batchSize: 2,
        }) as unknown,
      }),
    ]);
  });

  it('tells of a window once its final invocation has succeeded, with the records it counted, and never of a failed one', async () => {
    // Prepare: the first final invocation fails, its retry succeeds; a second mapping's final invocations all fail
    mockTableStreamShard(streamsMock, SHARD, [changes(1, 2, 3)]);
    let finals = 0;
    const fn = new FakeFunction((invocation) => {
      if (invocation.eventFields.isFinalInvokeForWindow === true && (finals += 1) === 1) throw new Error('throttled');
      return countingState(invocation);
    });
    const closed: { sequences: string[]; finalsBefore: number }[] = [];
    const onWindowClosed = (records: readonly DynamoDBRecord[]): void => {
      closed.push({ sequences: records.map((record) => record.dynamodb?.SequenceNumber ?? ''), finalsBefore: finals });
    };
    const settings = streamSettings({ batchSize: 2, tumblingWindowSeconds: 0.2, retryAttempts: 2 });

    // Act
    await runToEnd(tableStreamMapping(fn, clients, settings, everything, { onWindowClosed }));
    const failing = new FakeFunction((invocation) => {
      if (invocation.eventFields.isFinalInvokeForWindow === true) throw new Error('the partials could not be written');
      return countingState(invocation);
    });
    const neverClosed: unknown[] = [];
    await runToEnd(tableStreamMapping(failing, clients, settings, everything, { onWindowClosed: (records) => neverClosed.push(records) }));

    // Assess
    expect(closed).toEqual([{ sequences: sequences(1, 2, 3), finalsBefore: 2 }]);
    expect(neverClosed).toEqual([]);
  });
});

describe('splitShards', () => {
  it("presents a shard as parts that each get their keys' records, in order, and nothing twice", async () => {
    // Prepare
    const records = changes(1, 2, 3, 4, 5, 6, 7, 8);
    mockTableStreamShard(streamsMock, SHARD, [records.slice(0, 5), records.slice(5)]);
    const fn = new FakeFunction();

    // Act
    const mapping = tableStreamMapping(fn, clients, streamSettings({ batchSize: 100 }), everything, {
      listShards: splitShards(
        dynamoDbStreamShards(clients.streams, TABLE_STREAM_ARN, REGION),
        3,
        (record: DynamoDBRecord) => record.dynamodb?.Keys?.trip_id?.S ?? '',
      ),
    });
    await runToEnd(mapping);

    // Assess
    const delivered = fn.batches.flat();
    expect([...delivered].sort()).toEqual(sequences(1, 2, 3, 4, 5, 6, 7, 8).sort());
    for (const batch of fn.batches) expect(batch).toEqual([...batch].sort());
    const parts = new Set(fn.invocations.map((invocation) => (invocation.records[0] as DynamoDBRecord).dynamodb?.Keys?.trip_id?.S));
    expect(parts.size).toBeGreaterThan(1);
  });
});

describe('ShardReaderLimit', () => {
  it("refuses a third reader of a shard, counting a split shard's parts as their shard", () => {
    // Prepare
    const limit = new ShardReaderLimit(TABLE_STREAM_ARN, 2);
    limit.acquire(`${SHARD}#0`, 'match');
    limit.acquire(`${SHARD}#1`, 'match');
    limit.acquire(SHARD, 'live-metrics');

    // Act
    const third = () => limit.acquire(`${SHARD}#2`, 'failed-batches');

    // Assess
    expect(third).toThrow(/failed-batches would be reader 3 of shard shardId-00000001-abc .* allows 2 \(already match, live-metrics\)/);
    expect(limit.mostReaders).toBe(2);
  });

  it('fails a third mapping on one stream instead of letting it read', async () => {
    // Prepare
    mockTableStreamShard(streamsMock, SHARD, [changes(1)]);
    const readers = new ShardReaderLimit(TABLE_STREAM_ARN, 2);
    readers.acquire(SHARD, 'match');
    readers.acquire(SHARD, 'live-metrics');
    const fn = new FakeFunction();

    // Act
    const third = runToEnd(tableStreamMapping(fn, clients, streamSettings(), everything, { handler: 'another-consumer', readers }));

    // Assess
    await expect(third).rejects.toThrow(/another-consumer would be reader 3/);
    expect(fn.invocations).toEqual([]);
  });
});
