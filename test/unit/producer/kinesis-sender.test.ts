import {
  KinesisClient,
  ProvisionedThroughputExceededException,
  PutRecordsCommand,
  type PutRecordsCommandInput,
  type PutRecordsResultEntry,
  ResourceNotFoundException,
} from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import {
  backoffDelayMs,
  isRetryableRequestError,
  KINESIS_LIMITS,
  KinesisBatchSender,
  type SenderSettings,
} from '../../../producer/kinesis-sender';
import { outgoingRecord, outgoingRecords, recordingEvents } from './outgoing-records';

const kinesis = new KinesisClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const kinesisMock = mockClient(kinesis);

function settings(overrides: Partial<SenderSettings> = {}): SenderSettings {
  return { kinesis, concurrency: 2, maxAttempts: 4, retryBaseDelayMs: 1, retryMaxDelayMs: 1, sleep: async () => undefined, ...overrides };
}

const accepted = (input: PutRecordsCommandInput) => ({
  FailedRecordCount: 0,
  Records: (input.Records ?? []).map(
    (_, index): PutRecordsResultEntry => ({ SequenceNumber: String(index), ShardId: 'shardId-000000000000' }),
  ),
});

const throttled: PutRecordsResultEntry = { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded for shard' };

function sentPartitionKeys(callIndex: number): string[] {
  const call = kinesisMock.commandCalls(PutRecordsCommand)[callIndex];
  return (call?.args[0].input.Records ?? []).map((entry) => entry.PartitionKey ?? '');
}

beforeEach(() => {
  kinesisMock.reset();
});

describe('KinesisBatchSender batching', () => {
  it('puts at most 500 records in one PutRecords call', async () => {
    // Prepare
    kinesisMock.on(PutRecordsCommand).callsFake(accepted);
    const { events, seen } = recordingEvents();
    const sender = new KinesisBatchSender(settings(), events);

    // Act
    for (const record of outgoingRecords(1201)) await sender.add(record);
    await sender.flush();

    // Assess
    const sizes = kinesisMock.commandCalls(PutRecordsCommand).map((call) => call.args[0].input.Records?.length);
    expect(sizes).toEqual([500, 500, 201]);
    expect(seen.sent).toEqual({ start: 1201, end: 0 });
    expect(seen.batches).toBe(3);
  });

  it('closes a batch before partition keys and data would pass 5 MiB', async () => {
    // Prepare
    kinesisMock.on(PutRecordsCommand).callsFake(accepted);
    const { events, seen } = recordingEvents();
    const sender = new KinesisBatchSender(settings(), events);
    const nearlyOneMiB = KINESIS_LIMITS.bytesPerRecord - 100;
    const records = outgoingRecords(11, { dataBytes: nearlyOneMiB });

    // Act
    for (const record of records) await sender.add(record);
    await sender.flush();

    // Assess
    const calls = kinesisMock.commandCalls(PutRecordsCommand);
    const requestBytes = calls.map((call) =>
      (call.args[0].input.Records ?? []).reduce(
        (sum, entry) => sum + Buffer.byteLength(entry.PartitionKey ?? '') + (entry.Data?.byteLength ?? 0),
        0,
      ),
    );
    expect(calls.map((call) => call.args[0].input.Records?.length)).toEqual([5, 5, 1]);
    expect(Math.max(...requestBytes)).toBeLessThanOrEqual(KINESIS_LIMITS.bytesPerRequest);
    expect(seen.sent.start).toBe(11);
  });

  it('keeps each stream in its own batches', async () => {
    // Prepare
    kinesisMock.on(PutRecordsCommand).callsFake(accepted);
    const { events, seen } = recordingEvents();
    const sender = new KinesisBatchSender(settings(), events);

    // Act
    await sender.add(outgoingRecord({ sequence: 1 }));
    await sender.add(outgoingRecord({ sequence: 2, kind: 'end', stream: 'trip-end' }));
    await sender.add(outgoingRecord({ sequence: 3 }));
    await sender.flush();

    // Assess
    expect(kinesisMock).toHaveReceivedCommandWith(PutRecordsCommand, {
      StreamName: 'trip-start',
      Records: [expect.objectContaining({ PartitionKey: 'trip-1' }), expect.objectContaining({ PartitionKey: 'trip-3' })],
    });
    expect(kinesisMock).toHaveReceivedCommandWith(PutRecordsCommand, {
      StreamName: 'trip-end',
      Records: [expect.objectContaining({ PartitionKey: 'trip-2' })],
    });
    expect(seen.sent).toEqual({ start: 2, end: 1 });
  });

  it('never has more batches in flight than the concurrency allows', async () => {
    // Prepare
    let inFlight = 0;
    let mostInFlight = 0;
    kinesisMock.on(PutRecordsCommand).callsFake(async (input: PutRecordsCommandInput) => {
      inFlight += 1;
      mostInFlight = Math.max(mostInFlight, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
      return accepted(input);
    });
    const { events, seen } = recordingEvents();
    const sender = new KinesisBatchSender(settings({ concurrency: 3 }), events);

    // Act
    for (const record of outgoingRecords(5000)) await sender.add(record);
    await sender.flush();

    // Assess
    expect(mostInFlight).toBe(3);
    expect(seen.sent.start).toBe(5000);
  });
});

describe('KinesisBatchSender resending', () => {
  it('resends exactly the entries the response marks as failed', async () => {
    // Prepare
    kinesisMock
      .on(PutRecordsCommand)
      .resolvesOnce({
        FailedRecordCount: 2,
        Records: [
          { SequenceNumber: '1', ShardId: 's' },
          throttled,
          { SequenceNumber: '3', ShardId: 's' },
          { ErrorCode: 'InternalFailure', ErrorMessage: 'oops' },
        ],
      })
      .callsFake(accepted);
    const { events, seen } = recordingEvents();
    const sender = new KinesisBatchSender(settings(), events);

    // Act
    for (const record of outgoingRecords(4)) await sender.add(record);
    await sender.flush();

    // Assess
    expect(kinesisMock).toHaveReceivedCommandTimes(PutRecordsCommand, 2);
    expect(sentPartitionKeys(1)).toEqual(['trip-2', 'trip-4']);
    expect(seen.sent.start).toBe(4);
    expect(seen.retried).toBe(2);
    expect(seen.unsent).toEqual([]);
  });

  it('retries a whole request that was throttled', async () => {
    // Prepare
    kinesisMock
      .on(PutRecordsCommand)
      .rejectsOnce(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: { httpStatusCode: 400 } }))
      .callsFake(accepted);
    const { events, seen } = recordingEvents();
    const sender = new KinesisBatchSender(settings(), events);

    // Act
    for (const record of outgoingRecords(3)) await sender.add(record);
    await sender.flush();

    // Assess
    expect(kinesisMock).toHaveReceivedCommandTimes(PutRecordsCommand, 2);
    expect(sentPartitionKeys(1)).toEqual(['trip-1', 'trip-2', 'trip-3']);
    expect(seen.retried).toBe(3);
    expect(seen.sent.start).toBe(3);
  });

  it('gives up after the attempt budget and hands back each unsent record with its reason', async () => {
    // Prepare
    kinesisMock.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => ({
      FailedRecordCount: 1,
      Records: (input.Records ?? []).map((entry) => (entry.PartitionKey === 'trip-2' ? throttled : { SequenceNumber: '1', ShardId: 's' })),
    }));
    const { events, seen } = recordingEvents();
    const sender = new KinesisBatchSender(settings({ maxAttempts: 3 }), events);

    // Act
    for (const record of outgoingRecords(3)) await sender.add(record);
    await sender.flush();

    // Assess
    expect(kinesisMock).toHaveReceivedCommandTimes(PutRecordsCommand, 3);
    expect(sentPartitionKeys(2)).toEqual(['trip-2']);
    expect(seen.sent.start).toBe(2);
    expect(seen.retried).toBe(2);
    expect(seen.unsent).toEqual([
      {
        record: expect.objectContaining({ partitionKey: 'trip-2', lineNumber: 3 }),
        reason: 'ProvisionedThroughputExceededException: Rate exceeded for shard',
        attempts: 3,
      },
    ]);
  });

  it('does not retry a request the service rejects for good', async () => {
    // Prepare
    kinesisMock
      .on(PutRecordsCommand)
      .rejects(new ResourceNotFoundException({ message: 'Stream trip-start not found', $metadata: { httpStatusCode: 400 } }));
    const { events, seen } = recordingEvents();
    const sender = new KinesisBatchSender(settings(), events);

    // Act
    for (const record of outgoingRecords(2)) await sender.add(record);
    await sender.flush();

    // Assess
    expect(kinesisMock).toHaveReceivedCommandTimes(PutRecordsCommand, 1);
    expect(seen.unsent.map(({ reason, attempts }) => ({ reason, attempts }))).toEqual([
      { reason: 'ResourceNotFoundException: Stream trip-start not found', attempts: 1 },
      { reason: 'ResourceNotFoundException: Stream trip-start not found', attempts: 1 },
    ]);
  });
});

describe('retry policy', () => {
  it.each([
    ['throttling', new ProvisionedThroughputExceededException({ message: 'x', $metadata: { httpStatusCode: 400 } }), true],
    ['a connection reset', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), true],
    [
      'a server fault',
      Object.assign(new Error('internal'), { name: 'InternalFailure', $fault: 'server', $metadata: { httpStatusCode: 500 } }),
      true,
    ],
    ['a missing stream', new ResourceNotFoundException({ message: 'x', $metadata: { httpStatusCode: 400 } }), false],
  ])('treats %s as retryable: %s', (_label, error, retryable) => {
    // Act
    const result = isRetryableRequestError(error);

    // Assess
    expect(result).toBe(retryable);
  });

  it('draws full-jitter delays below a doubling, capped bound', () => {
    // Prepare
    const almostOne = () => 0.999;

    // Act
    const delays = [1, 2, 3, 4, 5].map((attempt) => backoffDelayMs(attempt, 100, 500, almostOne));

    // Assess
    expect(delays).toEqual([99, 199, 399, 499, 499]);
    expect(backoffDelayMs(3, 100, 500, () => 0)).toBe(0);
  });
});

describe('KinesisBatchSender acknowledgements', () => {
  it('hands over each stored entry with the shard and sequence number Kinesis returned, and none it refused', async () => {
    // Prepare: the second of three entries is throttled once, then stored
    let call = 0;
    kinesisMock.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => {
      call += 1;
      const records = input.Records ?? [];
      return {
        FailedRecordCount: call === 1 ? 1 : 0,
        Records: records.map(
          (_, index): PutRecordsResultEntry =>
            call === 1 && index === 1 ? throttled : { SequenceNumber: `${call}-${index}`, ShardId: `shardId-00000000000${index}` },
        ),
      };
    });
    const { events } = recordingEvents();
    const acknowledged: unknown[] = [];
    const sender = new KinesisBatchSender(settings(), { ...events, onAcknowledged: (records) => acknowledged.push(...records) });

    // Act
    for (const record of outgoingRecords(3)) await sender.add(record);
    await sender.flush();

    // Assess
    expect(acknowledged).toEqual([
      { kind: 'start', stream: 'trip-start', partitionKey: 'trip-1', shardId: 'shardId-000000000000', sequenceNumber: '1-0' },
      { kind: 'start', stream: 'trip-start', partitionKey: 'trip-3', shardId: 'shardId-000000000002', sequenceNumber: '1-2' },
      { kind: 'start', stream: 'trip-start', partitionKey: 'trip-2', shardId: 'shardId-000000000000', sequenceNumber: '2-0' },
    ]);
  });
});
