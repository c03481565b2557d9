/**
 * Creates the pipeline's resources in the emulators from the description the data stack deploys
 * (lib/topology.ts): two Kinesis streams, the trips table (key, stream view, TTL), the metrics table, the
 * retry queue and the failed-batch queue with their redrive policies to the DLQ, and the data bucket. What
 * differs locally is named here: on-demand shard count, visibility timeout, bucket name.
 * test/infra/local-topology.test.ts checks the requests below against the synthesized template.
 */

import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, DescribeStreamSummaryCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { PipelineSettings } from '../../lib/config';
import {
  pipelineTopology,
  type QueueDescription,
  type StreamDescription,
  type TableDescription,
  type WorkQueueDescription,
} from '../../lib/topology';
import { removeEarlierRunResources } from './existing-resources';

/**
 * On-demand streams scale by themselves on AWS; locally a fixed count stands in, above one so that
 * per-shard ordering and polling every shard are exercised.
 */
const LOCAL_ON_DEMAND_SHARDS = 2;

export interface LocalResources {
  readonly tripStartStream: { readonly name: string; readonly arn: string };
  readonly tripEndStream: { readonly name: string; readonly arn: string };
  readonly tripsTable: { readonly name: string; readonly streamArn: string };
  readonly retryQueue: { readonly url: string; readonly arn: string };
  readonly failedBatchQueue: { readonly url: string; readonly arn: string };
  readonly deadLetterQueue: { readonly url: string; readonly arn: string };
  readonly dataBucket: string;
  readonly metricsTable: { readonly name: string };
}

export interface ResourceClients {
  readonly kinesis: KinesisClient;
  readonly dynamodb: DynamoDBClient;
  readonly sqs: SQSClient;
  readonly s3: S3Client;
}

function localBucketName(settings: PipelineSettings): string {
  return `${settings.prefix}-data`;
}

/**
 * On AWS the retry queue hides a failed message for six function timeouts. Locally time is scaled down
 * like the retry delays: the longest retry delay, at least one second.
 */
function localVisibilityTimeoutSeconds(settings: PipelineSettings): number {
  return Math.max(1, settings.retry.maxDelaySeconds);
}

export function localShardCount(stream: StreamDescription): number {
  return stream.capacityMode === 'PROVISIONED' ? stream.shardCount : LOCAL_ON_DEMAND_SHARDS;
}

/** The settings with `shards` provisioned shards per Kinesis stream (`npm run local -- --shards <n>`). */
export function withStreamShards<S extends PipelineSettings>(settings: S, shards: number): S {
  return { ...settings, kinesis: { ...settings.kinesis, capacityMode: 'PROVISIONED', shardCount: shards } };
}

/** CreateTable as the local runtime sends it; TTL is switched on after the table is active. */
export function createTableInput(table: TableDescription): CreateTableCommandInput {
  const keys = [
    { AttributeName: table.partitionKey, KeyType: 'HASH' as const },
    ...(table.sortKey === undefined ? [] : [{ AttributeName: table.sortKey, KeyType: 'RANGE' as const }]),
  ];
  return {
    TableName: table.name,
    AttributeDefinitions: keys.map(({ AttributeName }) => ({ AttributeName, AttributeType: 'S' as const })),
    KeySchema: keys,
    BillingMode: 'PAY_PER_REQUEST',
    ...(table.streamViewType === undefined ? {} : { StreamSpecification: { StreamEnabled: true, StreamViewType: table.streamViewType } }),
  };
}

/** CreateQueue attributes of a queue; a work queue's redrive policy points at the given DLQ ARN. */
export function queueAttributes(
  queue: QueueDescription | WorkQueueDescription,
  settings: PipelineSettings,
  deadLetterArn?: string,
): Record<string, string> {
  const retention = { MessageRetentionPeriod: String(queue.retentionDays * 86_400) };
  if (!('redrivePolicy' in queue)) return retention;
  if (deadLetterArn === undefined) throw new Error(`${queue.name} gives up into ${queue.redrivePolicy.deadLetterQueue}: its ARN is needed`);
  return {
    VisibilityTimeout: String(localVisibilityTimeoutSeconds(settings)),
    ...retention,
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetterArn, maxReceiveCount: queue.redrivePolicy.maxReceiveCount }),
  };
}

export async function createLocalResources(settings: PipelineSettings, clients: ResourceClients): Promise<LocalResources> {
  const { streams, tables, queues: queueDescriptions } = pipelineTopology(settings);
  // An external emulator may still hold an earlier run's resources: the run starts from empty ones.
  await removeEarlierRunResources(clients, {
    streams: [streams.tripStart.name, streams.tripEnd.name],
    tables: [tables.trips.name, tables.metrics.name],
    queues: [queueDescriptions.retry.name, queueDescriptions.failedBatch.name, queueDescriptions.deadLetter.name],
    buckets: [localBucketName(settings)],
  });
  const [tripStartStream, tripEndStream, tripsTable, metricsTable, queues, dataBucket] = await Promise.all([
    createStream(clients.kinesis, streams.tripStart),
    createStream(clients.kinesis, streams.tripEnd),
    createTable(clients.dynamodb, tables.trips),
    createTable(clients.dynamodb, tables.metrics),
    createQueues(clients.sqs, queueDescriptions, settings),
    createBucket(clients.s3, localBucketName(settings)),
  ]);
  return { tripStartStream, tripEndStream, tripsTable, ...queues, dataBucket, metricsTable: { name: metricsTable.name } };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not become ready within ${timeoutMs / 1000}s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function createStream(kinesis: KinesisClient, stream: StreamDescription) {
  const { name } = stream;
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: localShardCount(stream) }));
  const arn = await waitFor(`Kinesis stream ${name}`, async () => {
    const { StreamDescriptionSummary: summary } = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    return summary?.StreamStatus === 'ACTIVE' ? summary.StreamARN : undefined;
  });
  return { name, arn };
}

/** Creates the table, waits until it is active, then turns on TTL; streamArn is '' for a table without a stream. */
async function createTable(dynamodb: DynamoDBClient, description: TableDescription) {
  const { name } = description;
  await dynamodb.send(new CreateTableCommand(createTableInput(description)));
  const streamArn = await waitFor(`DynamoDB table ${name}`, async () => {
    const { Table: table } = await dynamodb.send(new DescribeTableCommand({ TableName: name }));
    if (table?.TableStatus !== 'ACTIVE') return undefined;
    return description.streamViewType === undefined ? '' : table.LatestStreamArn;
  });
  await dynamodb.send(
    new UpdateTimeToLiveCommand({
      TableName: name,
      TimeToLiveSpecification: { AttributeName: description.ttlAttribute, Enabled: true },
    }),
  );
  return { name, streamArn };
}

async function queueArn(sqs: SQSClient, url: string): Promise<string> {
  const { Attributes: attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  const arn = attributes?.QueueArn;
  if (arn === undefined) throw new Error(`queue ${url} has no QueueArn`);
  return arn;
}

/** The DLQ, then the work queues that give up into it (as EncryptedQueuePair deploys them). */
async function createQueues(sqs: SQSClient, queues: ReturnType<typeof pipelineTopology>['queues'], settings: PipelineSettings) {
  const { deadLetter } = queues;
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: deadLetter.name, Attributes: queueAttributes(deadLetter, settings) }));
  const deadLetterUrl = required(dlq.QueueUrl, `CreateQueue ${deadLetter.name} returned no QueueUrl`);
  const deadLetterArn = await queueArn(sqs, deadLetterUrl);
  const workQueue = async (queue: WorkQueueDescription) => {
    if (queue.redrivePolicy.deadLetterQueue !== deadLetter.name)
      throw new Error(`${queue.name} gives up into ${queue.redrivePolicy.deadLetterQueue}, not ${deadLetter.name}`);
    const created = await sqs.send(
      new CreateQueueCommand({ QueueName: queue.name, Attributes: queueAttributes(queue, settings, deadLetterArn) }),
    );
    const url = required(created.QueueUrl, `CreateQueue ${queue.name} returned no QueueUrl`);
    return { url, arn: await queueArn(sqs, url) };
  };
  return {
    retryQueue: await workQueue(queues.retry),
    failedBatchQueue: await workQueue(queues.failedBatch),
    deadLetterQueue: { url: deadLetterUrl, arn: deadLetterArn },
  };
}

async function createBucket(s3: S3Client, name: string): Promise<string> {
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  return name;
}

function required<T>(value: T | undefined, message: string): T {
  if (value === undefined) throw new Error(message);
  return value;
}
