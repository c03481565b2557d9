/**
 * What the stream and queue mapping tests share: a fake function standing in for the invoker and the
 * deployed handler (it records every invocation and answers as the test says), the record views the local
 * runtime reads records with, SDK records as the emulators return them, mocked shards, and a wait for a
 * mapping to drain.
 */

import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand as GetStreamRecordsCommand,
  GetShardIteratorCommand as GetStreamShardIteratorCommand,
  type AttributeValue as StreamsAttributeValue,
  type ServiceInputTypes as StreamsInput,
  type ServiceOutputTypes as StreamsOutput,
  type _Record as StreamsSdkRecord,
} from '@aws-sdk/client-dynamodb-streams';
import {
  GetRecordsCommand as GetKinesisRecordsCommand,
  GetShardIteratorCommand as GetKinesisShardIteratorCommand,
  type KinesisClient,
  type ServiceInputTypes as KinesisInput,
  type ServiceOutputTypes as KinesisOutput,
  type _Record as KinesisSdkRecord,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, KinesisStreamRecord } from 'aws-lambda';
import type { AwsStub } from 'aws-sdk-client-mock';
import type { QueueMappingSettings, StreamMappingSettings } from '../../lib/config';
import type { InvocationResult, LocalInvoker, RecordView } from '../../local/event-source-mapping/invoker';
import { QueueMapping } from '../../local/event-source-mapping/queue-mapping';
import {
  dynamoDbStreamShards,
  kinesisShards,
  StreamMapping,
  type StreamMappingOptions,
} from '../../local/event-source-mapping/stream-mapping';
import { dynamoDbView, kinesisView, sqsView } from '../../local/run/record-views';
import { completedTripItem, streamSequenceNumber } from './dynamodb-stream';
import { kinesisSequenceNumber, tripStartEvent } from './kinesis';

export const REGION = 'eu-west-1';
export const FUNCTION_NAME = 'tripstream-test-start';
export const KINESIS_STREAM = {
  name: 'tripstream-test-trip-start',
  arn: 'arn:aws:kinesis:eu-west-1:000000000000:stream/tripstream-test-trip-start',
};
export const TABLE_STREAM_ARN = 'arn:aws:dynamodb:eu-west-1:000000000000:table/tripstream-test-trips/stream/2024-05-25T00:00:00.000';
export const DEAD_LETTER_QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/000000000000/tripstream-test-dlq';
export const RETRY_QUEUE = {
  url: 'https://sqs.eu-west-1.amazonaws.com/000000000000/tripstream-test-retry',
  arn: 'arn:aws:sqs:eu-west-1:000000000000:tripstream-test-retry',
};

/** One call of the function: which handler, the batch item identifiers in order, and the records as delivered. */
export interface Invocation {
  readonly handler: string;
  readonly identifiers: readonly string[];
  readonly records: readonly unknown[];
  /** What the event carried beside its records (a tumbling window's fields). */
  readonly eventFields: Readonly<Record<string, unknown>>;
}

/** The function's answer to an invocation (its response), or a thrown error for a function error. */
export type Respond = (invocation: Invocation, index: number) => unknown;

/**
 * Takes the invoker's place: the mappings only call invoke(), and the test answers for the function here
 * instead of loading the deployed handler modules.
 */
export class FakeFunction implements Pick<LocalInvoker, 'invoke'> {
  readonly invocations: Invocation[] = [];
  private running = 0;
  private mostAtOnce = 0;

  constructor(private readonly respond: Respond = () => undefined) {}

  async invoke<R>(
    handler: string,
    records: readonly R[],
    view: RecordView<R>,
    eventFields: Readonly<Record<string, unknown>> = {},
  ): Promise<InvocationResult> {
    const invocation: Invocation = {
      handler,
      identifiers: records.map((record) => view.identifierOf(record)),
      records: [...records],
      eventFields: structuredClone(eventFields),
    };
    const index = this.invocations.push(invocation) - 1;
    this.running += 1;
    this.mostAtOnce = Math.max(this.mostAtOnce, this.running);
    try {
      // Yields a turn of the event loop: a mapping that did not wait for the function would go on meanwhile.
      await new Promise((resolve) => setImmediate(resolve));
      return { ok: true, response: await this.respond(invocation, index) };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error : new Error(String(error)) };
    } finally {
      this.running -= 1;
    }
  }

  /** The identifiers of each invocation, in order. */
  get batches(): string[][] {
    return this.invocations.map((invocation) => [...invocation.identifiers]);
  }

  /** The most invocations that were running at the same time. */
  get maxConcurrent(): number {
    return this.mostAtOnce;
  }
}

/** Settings that make every batch ready as soon as it is read; tests override what they exercise. */
export function streamSettings(overrides: Partial<StreamMappingSettings> = {}): StreamMappingSettings {
  return {
    batchSize: 10,
    maxBatchingWindowSeconds: 0,
    retryAttempts: 2,
    maxRecordAgeSeconds: 3600,
    bisectBatchOnError: false,
    parallelizationFactor: 1,
    ...overrides,
  };
}

/** Kinesis sequence number of the record at `position` (increasing with it). */
export const seq = kinesisSequenceNumber;

/** A GetRecords record carrying a trip start, arrived at `arrivedAt` (now by default). */
export function kinesisSdkRecord(position: number, arrivedAt: Date = new Date()): KinesisSdkRecord {
  const tripId = `trip-${position}`;
  return {
    SequenceNumber: seq(position),
    PartitionKey: tripId,
    Data: Buffer.from(JSON.stringify(tripStartEvent({ trip_id: tripId }))),
    ApproximateArrivalTimestamp: arrivedAt,
  };
}

export function kinesisSdkRecords(positions: readonly number[], arrivedAt?: Date): KinesisSdkRecord[] {
  return positions.map((position) => kinesisSdkRecord(position, arrivedAt));
}

type KinesisStub = AwsStub<KinesisInput, KinesisOutput, KinesisClient['config']>;
type StreamsStub = AwsStub<StreamsInput, StreamsOutput, DynamoDBStreamsClient['config']>;

/**
 * Closed shards of KINESIS_STREAM, each read from TRIM_HORIZON as the given GetRecords pages; the iterator
 * after the last page is absent, so the shard ends there.
 */
export function mockKinesisShards(kinesisMock: KinesisStub, shards: Record<string, readonly KinesisSdkRecord[][]>): void {
  kinesisMock.on(ListShardsCommand, { StreamName: KINESIS_STREAM.name }).resolves({
    Shards: Object.keys(shards).map((ShardId) => ({
      ShardId,
      HashKeyRange: { StartingHashKey: '0', EndingHashKey: '340282366920938463463374607431768211455' },
      SequenceNumberRange: { StartingSequenceNumber: seq(0) },
    })),
  });
  for (const [shardId, pages] of Object.entries(shards)) {
    kinesisMock
      .on(GetKinesisShardIteratorCommand, { StreamName: KINESIS_STREAM.name, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' })
      .resolves({ ShardIterator: `${shardId}/0` });
    pages.forEach((page, index) => {
      kinesisMock.on(GetKinesisRecordsCommand, { ShardIterator: `${shardId}/${index}` }).resolves({
        Records: page,
        MillisBehindLatest: 0,
        ...(index + 1 < pages.length ? { NextShardIterator: `${shardId}/${index + 1}` } : {}),
      });
    });
  }
}

export function kinesisMapping(
  fn: FakeFunction,
  clients: { kinesis: KinesisClient; sqs: SQSClient },
  settings: StreamMappingSettings,
): StreamMapping<KinesisStreamRecord> {
  return new StreamMapping<KinesisStreamRecord>({
    handler: 'start',
    kind: 'kinesis',
    region: REGION,
    functionName: FUNCTION_NAME,
    streamArn: KINESIS_STREAM.arn,
    settings,
    invoker: fn,
    view: kinesisView,
    onFailure: { sqs: clients.sqs, queueUrl: DEAD_LETTER_QUEUE_URL },
    listShards: kinesisShards(clients.kinesis, KINESIS_STREAM, REGION, FUNCTION_NAME),
  });
}

export interface TripChange {
  readonly position: number;
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly status: 'STARTED' | 'COMPLETED';
}

/** A trips-table change as GetRecords of DynamoDB Streams returns it (NEW_AND_OLD_IMAGES). */
export function tableStreamRecord({ position, eventName, status }: TripChange): StreamsSdkRecord {
  const tripId = `trip-${position}`;
  const item = (itemStatus: string): Record<string, StreamsAttributeValue> =>
    marshall(completedTripItem({ trip_id: tripId, halves: itemStatus === 'COMPLETED' ? 2 : 1 }), { removeUndefinedValues: true });
  return {
    eventID: `event-${position}`,
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: REGION,
    dynamodb: {
      ApproximateCreationDateTime: new Date(),
      Keys: { trip_id: { S: tripId } },
      ...(eventName === 'REMOVE' ? {} : { NewImage: item(status) }),
      ...(eventName === 'MODIFY' ? { OldImage: item('STARTED') } : {}),
      SequenceNumber: streamSequenceNumber(position),
      SizeBytes: 512,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

/** One closed shard of TABLE_STREAM_ARN, read from TRIM_HORIZON as the given GetRecords pages. */
export function mockTableStreamShard(streamsMock: StreamsStub, shardId: string, pages: readonly StreamsSdkRecord[][]): void {
  streamsMock
    .on(DescribeStreamCommand, { StreamArn: TABLE_STREAM_ARN })
    .resolves({ StreamDescription: { Shards: [{ ShardId: shardId }] } });
  streamsMock
    .on(GetStreamShardIteratorCommand, { StreamArn: TABLE_STREAM_ARN, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' })
    .resolves({ ShardIterator: `${shardId}/0` });
  pages.forEach((page, index) => {
    streamsMock.on(GetStreamRecordsCommand, { ShardIterator: `${shardId}/${index}` }).resolves({
      Records: page,
      ...(index + 1 < pages.length ? { NextShardIterator: `${shardId}/${index + 1}` } : {}),
    });
  });
}

export function tableStreamMapping(
  fn: FakeFunction,
  clients: { streams: DynamoDBStreamsClient; sqs: SQSClient },
  settings: StreamMappingSettings,
  filter: (record: DynamoDBRecord) => boolean,
  more: Partial<Pick<StreamMappingOptions<DynamoDBRecord>, 'handler' | 'listShards' | 'readers' | 'onWindowClosed'>> = {},
): StreamMapping<DynamoDBRecord> {
  return new StreamMapping<DynamoDBRecord>({
    handler: 'match',
    kind: 'dynamodb',
    region: REGION,
    functionName: FUNCTION_NAME,
    streamArn: TABLE_STREAM_ARN,
    settings,
    invoker: fn,
    view: dynamoDbView,
    filter,
    onFailure: { sqs: clients.sqs, queueUrl: DEAD_LETTER_QUEUE_URL },
    listShards: dynamoDbStreamShards(clients.streams, TABLE_STREAM_ARN, REGION),
    ...more,
  });
}

/** A retry-queue message as ReceiveMessage returns it with every attribute asked for. */
export function queueMessage(id: string, overrides: Partial<Message> = {}): Message {
  return {
    MessageId: id,
    ReceiptHandle: `receipt-${id}`,
    MD5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3',
    Body: JSON.stringify({ schema_version: 1, message: id }),
    Attributes: {
      ApproximateReceiveCount: '2',
      SentTimestamp: '1716646503000',
      SenderId: 'AIDAIENQZJOLO23YVJ4VO',
      ApproximateFirstReceiveTimestamp: '1716646533000',
    },
    ...overrides,
  };
}

export function retryQueueMapping(fn: FakeFunction, sqs: SQSClient, settings: QueueMappingSettings): QueueMapping {
  return new QueueMapping({
    handler: 'redrive',
    region: REGION,
    queue: RETRY_QUEUE,
    settings,
    sqs,
    invoker: fn,
    view: sqsView,
  });
}

const WAIT_LIMIT_MS = 5_000;

/** Polls `condition` until it holds; fails (rather than hang) if it does not within a few seconds. */
export async function waitUntil(condition: () => boolean, what: string): Promise<void> {
  const giveUpAt = Date.now() + WAIT_LIMIT_MS;
  while (!condition()) {
    if (Date.now() > giveUpAt) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Starts a stream mapping over closed shards and waits until every shard has been read and delivered. */
export async function runToEnd<L>(mapping: StreamMapping<L>): Promise<void> {
  await mapping.start();
  try {
    await waitUntil(() => mapping.idle || mapping.error !== undefined, 'the mapping to drain its shards');
  } finally {
    await mapping.stop();
  }
  if (mapping.error !== undefined) throw mapping.error;
}

/** Starts a queue mapping and stops it once `invocations` batches have been handled (deleted or left). */
export async function runUntilInvoked(mapping: QueueMapping, fn: FakeFunction, invocations = 1): Promise<void> {
  mapping.start();
  try {
    await waitUntil(
      () => (fn.invocations.length >= invocations && mapping.idle) || mapping.error !== undefined,
      `${invocations} invocation(s) of the queue mapping`,
    );
  } finally {
    await mapping.stop();
  }
  if (mapping.error !== undefined) throw mapping.error;
}
