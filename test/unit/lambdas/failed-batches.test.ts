import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import {
  GetShardIteratorCommand as GetKinesisIteratorCommand,
  GetRecordsCommand as GetKinesisRecordsCommand,
  KinesisClient,
  type _Record as KinesisSdkRecord,
} from '@aws-sdk/client-kinesis';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { streamSequenceNumber } from '../../support/dynamodb-stream';
import {
  deadLettersSent,
  lambdaContext,
  NOW,
  outcomeTally,
  useHandlerTestLifecycle,
  useTestEnvironment,
} from '../../support/handler-harness';
import { kinesisSequenceNumber, tripEndEvent, tripStartEvent } from '../../support/kinesis';
import { onFailureRecord, sqsEvent, sqsRecord } from '../../support/sqs';

const kinesisMock = mockClient(KinesisClient);
const streamsMock = mockClient(DynamoDBStreamsClient);
const sqsMock = mockClient(SQSClient);
const s3Mock = mockClient(S3Client);

type HandlerModule = typeof import('../../../lambdas/failed-batches/handler');
let handler: HandlerModule['handler'];

beforeAll(() => {
  useTestEnvironment();
  ({ handler } = jest.requireActual<HandlerModule>('../../../lambdas/failed-batches/handler'));
});

useHandlerTestLifecycle([kinesisMock, streamsMock, sqsMock, s3Mock], () => {
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'sent-1' });
  s3Mock.on(PutObjectCommand).resolves({});
});

const context = lambdaContext('tripstream-test-failed-batches');
const START_STREAM_ARN = 'arn:aws:kinesis:eu-west-1:123456789012:stream/tripstream-test-trip-start';
const TABLE_STREAM_ARN = 'arn:aws:dynamodb:eu-west-1:123456789012:table/tripstream-test-trips/stream/2024-05-25T00:00:00.000';
const SHARD = 'shardId-000000000003';
const SENT_AT = new Date('2024-05-25T14:05:03.000Z');
const START_MAPPING_GAVE_UP = 'the tripstream-test-start mapping gave up on it (RetryAttemptsExhausted, 3 invocations)';

/** The start mapping gave up on the Kinesis records at positions `from` to `to`. */
function kinesisPointer(from: number, to: number): Record<string, unknown> {
  return onFailureRecord({
    stream: 'kinesis',
    functionName: 'tripstream-test-start',
    streamArn: START_STREAM_ARN,
    shardId: SHARD,
    startSequenceNumber: kinesisSequenceNumber(from),
    endSequenceNumber: kinesisSequenceNumber(to),
  });
}

/** The match mapping gave up on the table stream records at positions `from` to `to`. */
function tableStreamPointer(from: number, to: number): Record<string, unknown> {
  return onFailureRecord({
    stream: 'dynamodb',
    functionName: 'tripstream-test-match',
    streamArn: TABLE_STREAM_ARN,
    shardId: SHARD,
    startSequenceNumber: streamSequenceNumber(from),
    endSequenceNumber: streamSequenceNumber(to),
  });
}

function kinesisSdkRecord(position: number, payload: unknown, arrivedAt: Date): KinesisSdkRecord {
  return {
    SequenceNumber: kinesisSequenceNumber(position),
    PartitionKey: 'c66ce556bc',
    Data: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)),
    ApproximateArrivalTimestamp: arrivedAt,
  };
}

function namedError(name: string): Error {
  return Object.assign(new Error(`${name} raised`), { name });
}

describe('failed-batches handler', () => {
  describe('a Kinesis on-failure record', () => {
    it('reads the range back from its sequence number and dead-letters every record in it with its full event and origin', async () => {
      // Prepare: the range is positions 1-2; position 3 follows it on the shard.
      const first = tripStartEvent({ trip_id: 'trip-1' });
      const second = tripStartEvent({ trip_id: 'trip-2' });
      const arrivals = [new Date('2024-05-25T14:05:02.250Z'), new Date('2024-05-25T14:05:02.900Z')];
      kinesisMock.on(GetKinesisIteratorCommand).resolves({ ShardIterator: 'iterator-1' });
      kinesisMock.on(GetKinesisRecordsCommand, { ShardIterator: 'iterator-1' }).resolves({
        Records: [
          kinesisSdkRecord(1, first, arrivals[0] ?? NOW),
          kinesisSdkRecord(2, second, arrivals[1] ?? NOW),
          kinesisSdkRecord(3, tripStartEvent({ trip_id: 'trip-3' }), NOW),
        ],
        NextShardIterator: 'iterator-2',
        MillisBehindLatest: 0,
      });

      // Act
      const response = await handler(sqsEvent([kinesisPointer(1, 2)]), context);

      // Assess
      expect(response).toEqual({ batchItemFailures: [] });
      expect(kinesisMock).toHaveReceivedCommandTimes(GetKinesisIteratorCommand, 1);
      expect(kinesisMock).toHaveReceivedCommandWith(GetKinesisIteratorCommand, {
        StreamName: 'tripstream-test-trip-start',
        ShardId: SHARD,
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        StartingSequenceNumber: kinesisSequenceNumber(1),
      });
      expect(kinesisMock).toHaveReceivedCommandTimes(GetKinesisRecordsCommand, 1);
      expect(kinesisMock).toHaveReceivedCommandWith(GetKinesisRecordsCommand, { ShardIterator: 'iterator-1' });
      expect(deadLettersSent(sqsMock)).toEqual(
        [first, second].map((event, index) => ({
          body: {
            schema_version: 2,
            reason: 'PROCESSING_FAILED',
            trip_id: event.trip_id,
            event,
            detail: START_MAPPING_GAVE_UP,
            attempts: 1,
            first_seen_at: arrivals[index]?.toISOString(),
            dead_lettered_at: NOW.toISOString(),
            source: 'start',
            origin: { shard_id: SHARD, sequence_number: kinesisSequenceNumber(index + 1) },
          },
          delaySeconds: undefined,
          attributes: { reason: 'PROCESSING_FAILED', trip_id: event.trip_id },
        })),
      );
      expect(outcomeTally()).toEqual({ 'DeadLettered:PROCESSING_FAILED': 2 });
    });

    it('follows the shard iterator across pages until the range is read', async () => {
      // Prepare: an empty page first (the shard is behind), then the range's two records and the end of the data.
      kinesisMock.on(GetKinesisIteratorCommand).resolves({ ShardIterator: 'iterator-1' });
      kinesisMock
        .on(GetKinesisRecordsCommand, { ShardIterator: 'iterator-1' })
        .resolves({ Records: [], NextShardIterator: 'iterator-2', MillisBehindLatest: 5_000 });
      kinesisMock
        .on(GetKinesisRecordsCommand, { ShardIterator: 'iterator-2' })
        .resolves({ Records: [kinesisSdkRecord(1, tripStartEvent(), NOW)], NextShardIterator: 'iterator-3', MillisBehindLatest: 1_000 });
      kinesisMock.on(GetKinesisRecordsCommand, { ShardIterator: 'iterator-3' }).resolves({
        Records: [kinesisSdkRecord(2, tripStartEvent({ trip_id: 'trip-2' }), NOW)],
        NextShardIterator: 'iterator-4',
        MillisBehindLatest: 0,
      });
      kinesisMock
        .on(GetKinesisRecordsCommand, { ShardIterator: 'iterator-4' })
        .resolves({ Records: [], NextShardIterator: 'iterator-5', MillisBehindLatest: 0 });

      // Act
      const response = await handler(sqsEvent([kinesisPointer(1, 2)]), context);

      // Assess
      expect(response).toEqual({ batchItemFailures: [] });
      expect(kinesisMock).toHaveReceivedCommandTimes(GetKinesisRecordsCommand, 4);
      expect(deadLettersSent(sqsMock).map(({ body }) => body.trip_id)).toEqual(['c66ce556bc', 'trip-2']);
    });

    it('dead-letters a record whose payload is not a valid trip event as INVALID_EVENT, with the payload as it was', async () => {
      // Prepare
      kinesisMock.on(GetKinesisIteratorCommand).resolves({ ShardIterator: 'iterator-1' });
      kinesisMock.on(GetKinesisRecordsCommand).resolves({
        Records: [kinesisSdkRecord(1, 'c66ce556bc,93,93', NOW), kinesisSdkRecord(2, tripEndEvent(), NOW)],
        MillisBehindLatest: 0,
      });

      // Act
      const response = await handler(sqsEvent([kinesisPointer(1, 1)]), context);

      // Assess
      expect(response).toEqual({ batchItemFailures: [] });
      const letters = deadLettersSent(sqsMock);
      expect(letters).toHaveLength(1);
      expect(letters[0]?.body).toMatchObject({
        reason: 'INVALID_EVENT',
        trip_id: null,
        event: 'c66ce556bc,93,93',
        origin: { shard_id: SHARD, sequence_number: kinesisSequenceNumber(1) },
      });
      expect(letters[0]?.body.detail).toMatch(
        new RegExp(`^${escapeRegExp(START_MAPPING_GAVE_UP)}; the payload is not a valid trip event: not JSON: `),
      );
    });
    it('dead-letters an end read back from the start stream as INVALID_EVENT, as the start handler would have', async () => {
      // Prepare
      const end = tripEndEvent();
      kinesisMock.on(GetKinesisIteratorCommand).resolves({ ShardIterator: 'iterator-1' });
      kinesisMock.on(GetKinesisRecordsCommand).resolves({ Records: [kinesisSdkRecord(1, end, NOW)], MillisBehindLatest: 0 });

      // Act
      await handler(sqsEvent([kinesisPointer(1, 1)]), context);

      // Assess
      expect(deadLettersSent(sqsMock).map(({ body }) => [body.reason, body.trip_id, body.event])).toEqual([
        ['INVALID_EVENT', end.trip_id, end],
      ]);
    });

    it('dead-letters an invalid record too large for one SQS message whole: its payload in S3, the letter pointing at it', async () => {
      // Prepare: the record a trip handler failed because its letter would not fit (200 KB that JSON escapes sixfold).
      const hostile = '\u0001'.repeat(200_000);
      kinesisMock.on(GetKinesisIteratorCommand).resolves({ ShardIterator: 'iterator-1' });
      kinesisMock.on(GetKinesisRecordsCommand).resolves({ Records: [kinesisSdkRecord(1, hostile, NOW)], MillisBehindLatest: 0 });

      // Act
      const response = await handler(sqsEvent([kinesisPointer(1, 1)]), context);

      // Assess
      expect(response).toEqual({ batchItemFailures: [] });
      const stored = s3Mock.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
      expect(stored).toHaveLength(1);
      expect(String(stored[0]?.Body)).toBe(JSON.stringify(hostile));
      expect(stored[0]?.Key).toMatch(/^dead-letter-payloads\/start\/[0-9a-f]{64}\.json$/);
      const [letter] = deadLettersSent(sqsMock);
      expect(letter?.body).toMatchObject({
        reason: 'INVALID_EVENT',
        event: null,
        event_location: { s3_uri: `s3://tripstream-test-data/${stored[0]?.Key ?? ''}`, bytes: JSON.stringify(hostile).length },
        source: 'start',
        origin: { shard_id: SHARD, sequence_number: kinesisSequenceNumber(1) },
      });
    });
  });

  describe('a DynamoDB Streams on-failure record', () => {
    it('dead-letters the pointer as it is, without reading the trips table stream (two readers per shard: its consumers)', async () => {
      // Prepare
      const pointer = tableStreamPointer(1, 4);

      // Act
      const response = await handler({ Records: [sqsRecord(pointer, { sentAt: SENT_AT })] }, context);

      // Assess
      expect(response).toEqual({ batchItemFailures: [] });
      expect(streamsMock.calls()).toHaveLength(0);
      const letters = deadLettersSent(sqsMock).map(({ body }) => body);
      expect(letters).toEqual([
        expect.objectContaining({
          reason: 'PROCESSING_FAILED',
          trip_id: null,
          event: pointer,
          source: 'failed-batches',
          first_seen_at: SENT_AT.toISOString(),
        }),
      ]);
      expect(letters[0]?.detail).toMatch(/not read back \(two readers per shard: its consumers\)/);
    });
  });

  it.each([
    ['trimmed', 'TrimmedDataAccessException'],
    ['behind an expired iterator', 'ExpiredIteratorException'],
    ['of a stream that is gone', 'ResourceNotFoundException'],
  ])('dead-letters the pointer itself when the range is %s (%s)', async (_case, errorName) => {
    // Prepare
    const pointer = kinesisPointer(1, 2);
    kinesisMock.on(GetKinesisIteratorCommand).rejects(namedError(errorName));

    // Act
    const response = await handler({ Records: [sqsRecord(pointer, { sentAt: SENT_AT })] }, context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(deadLettersSent(sqsMock).map(({ body }) => body)).toEqual([
      {
        schema_version: 2,
        reason: 'PROCESSING_FAILED',
        trip_id: null,
        // The whole record as Lambda sent it: nothing of the pointer is dropped.
        event: pointer,
        detail: `${START_MAPPING_GAVE_UP}; its records could not be read back from the stream`,
        attempts: 1,
        first_seen_at: SENT_AT.toISOString(),
        dead_lettered_at: NOW.toISOString(),
        source: 'failed-batches',
        origin: null,
      },
    ]);
  });

  it('dead-letters the pointer itself when the range reads back empty', async () => {
    // Prepare
    kinesisMock.on(GetKinesisIteratorCommand).resolves({ ShardIterator: 'iterator-1' });
    kinesisMock.on(GetKinesisRecordsCommand).resolves({ Records: [kinesisSdkRecord(5, tripStartEvent(), NOW)], MillisBehindLatest: 0 });

    // Act
    const response = await handler(sqsEvent([kinesisPointer(1, 2)]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    const letters = deadLettersSent(sqsMock);
    expect(letters.map(({ body }) => [body.reason, body.trip_id, body.origin])).toEqual([['PROCESSING_FAILED', null, null]]);
    expect(letters[0]?.body.detail).toBe(`${START_MAPPING_GAVE_UP}; its records could not be read back from the stream`);
  });

  it('dead-letters a message that is not an on-failure record, saying so', async () => {
    // Prepare
    const body = { KinesisBatchInfo: { shardId: SHARD } };

    // Act
    const response = await handler({ Records: [sqsRecord(body, { sentAt: SENT_AT })] }, context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(kinesisMock.calls()).toHaveLength(0);
    const [letter] = deadLettersSent(sqsMock);
    expect(letter?.body).toMatchObject({ reason: 'PROCESSING_FAILED', trip_id: null, event: body, source: 'failed-batches', origin: null });
    expect(letter?.body.detail).toMatch(/^not an on-failure invocation record: /);
  });

  it('reports a message failed on any other error, so SQS delivers it again, and settles the others', async () => {
    // Prepare: message-1 cannot be read (throttled); message-2 is read back and dead-lettered.
    kinesisMock
      .on(GetKinesisIteratorCommand, { StartingSequenceNumber: kinesisSequenceNumber(1) })
      .rejects(namedError('ProvisionedThroughputExceededException'));
    kinesisMock
      .on(GetKinesisIteratorCommand, { StartingSequenceNumber: kinesisSequenceNumber(7) })
      .resolves({ ShardIterator: 'iterator-7' });
    kinesisMock
      .on(GetKinesisRecordsCommand, { ShardIterator: 'iterator-7' })
      .resolves({ Records: [kinesisSdkRecord(7, tripStartEvent(), NOW)], MillisBehindLatest: 0 });

    // Act
    const response = await handler(sqsEvent([kinesisPointer(1, 2), kinesisPointer(7, 7)]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'message-1' }] });
    expect(deadLettersSent(sqsMock).map(({ body }) => body.origin)).toEqual([
      { shard_id: SHARD, sequence_number: kinesisSequenceNumber(7) },
    ]);
  });

  it('reports the message failed when the DLQ cannot take its letters', async () => {
    // Prepare
    kinesisMock.on(GetKinesisIteratorCommand).resolves({ ShardIterator: 'iterator-1' });
    kinesisMock.on(GetKinesisRecordsCommand).resolves({ Records: [kinesisSdkRecord(1, tripStartEvent(), NOW)], MillisBehindLatest: 0 });
    sqsMock.on(SendMessageCommand).rejects(new Error('SQS unavailable'));

    // Act
    const response = await handler(sqsEvent([kinesisPointer(1, 1)]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'message-1' }] });
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
