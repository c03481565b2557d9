/**
 * Creates the pipeline's resources in the emulators from the same typed settings and names the CDK app
 * deploys: two Kinesis streams, the trips table (key trip_id, NEW_AND_OLD_IMAGES stream, TTL), the retry
 * queue and the failed-batch queue with their redrive policies to the DLQ, and the data bucket.
 */
import { CreateStreamCommand, DescribeStreamSummaryCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import {
  CreateTableCommand,
  DescribeTableCommand,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { resourceNames, type PipelineSettings } from '../../lib/config';
import { removeEarlierRunResources } from './existing-resources';
import { TRIP_KEY, TRIP_TTL_ATTRIBUTE } from '../../lib/domain/trip-item';
import { METRICS_KEY, METRICS_TTL_ATTRIBUTE } from '../../lib/domain/live-metrics';

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

function localShardCount(settings: PipelineSettings): number {
  return settings.kinesis.capacityMode === 'PROVISIONED' ? settings.kinesis.shardCount : LOCAL_ON_DEMAND_SHARDS;
}

export async function createLocalResources(settings: PipelineSettings, clients: ResourceClients): Promise<LocalResources> {
  const names = resourceNames(settings);
  // An external emulator may still hold an earlier run's resources: the run starts from empty ones.
  await removeEarlierRunResources(clients, {
    streams: [names.tripStartStream, names.tripEndStream],
    tables: [names.tripsTable, names.metricsTable],
    queues: [names.retryQueue, names.failedBatchQueue, names.deadLetterQueue],
    buckets: [localBucketName(settings)],
  });
  const [tripStartStream, tripEndStream, tripsTable, queues, dataBucket] = await Promise.all([
    createStream(clients.kinesis, names.tripStartStream, localShardCount(settings)),
    createStream(clients.kinesis, names.tripEndStream, localShardCount(settings)),
    createTable(clients.dynamodb, names.tripsTable),
    createQueues(clients.sqs, names, settings),
    createBucket(clients.s3, localBucketName(settings)),
  ]);
  return {
    tripStartStream,
    tripEndStream,
    tripsTable,
    ...queues,
    dataBucket,
    metricsTable: await createMetricsTable(clients.dynamodb, names.metricsTable),
  };
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

async function createStream(kinesis: KinesisClient, name: string, shardCount: number) {
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shardCount }));
  const arn = await waitFor(`Kinesis stream ${name}`, async () => {
    const { StreamDescriptionSummary: summary } = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    return summary?.StreamStatus === 'ACTIVE' ? summary.StreamARN : undefined;
  });
  return { name, arn };
}

async function createTable(dynamodb: DynamoDBClient, name: string) {
  await dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: TRIP_KEY, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: TRIP_KEY, KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  const streamArn = await waitFor(`DynamoDB table ${name}`, async () => {
    const { Table: table } = await dynamodb.send(new DescribeTableCommand({ TableName: name }));
    return table?.TableStatus === 'ACTIVE' ? table.LatestStreamArn : undefined;
  });
  await dynamodb.send(
    new UpdateTimeToLiveCommand({
      TableName: name,
      TimeToLiveSpecification: { AttributeName: TRIP_TTL_ATTRIBUTE, Enabled: true },
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

type QueueNames = Pick<ReturnType<typeof resourceNames>, 'retryQueue' | 'failedBatchQueue' | 'deadLetterQueue'>;

/** The DLQ, then the work queues that give up into it (as EncryptedQueuePair deploys them). */
async function createQueues(sqs: SQSClient, names: QueueNames, settings: PipelineSettings) {
  const dlq = await sqs.send(
    new CreateQueueCommand({
      QueueName: names.deadLetterQueue,
      Attributes: { MessageRetentionPeriod: String(settings.queues.deadLetterRetentionDays * 86_400) },
    }),
  );
  const deadLetterUrl = required(dlq.QueueUrl, `CreateQueue ${names.deadLetterQueue} returned no QueueUrl`);
  const deadLetterArn = await queueArn(sqs, deadLetterUrl);
  const workQueue = async (name: string) => {
    const created = await sqs.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: {
          VisibilityTimeout: String(localVisibilityTimeoutSeconds(settings)),
          MessageRetentionPeriod: String(settings.queues.retryRetentionDays * 86_400),
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetterArn, maxReceiveCount: settings.queues.maxReceiveCount }),
        },
      }),
    );
    const url = required(created.QueueUrl, `CreateQueue ${name} returned no QueueUrl`);
    return { url, arn: await queueArn(sqs, url) };
  };
  return {
    retryQueue: await workQueue(names.retryQueue),
    failedBatchQueue: await workQueue(names.failedBatchQueue),
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

/** The live metrics table: key pk/sk, TTL on its markers, as the data stack's MetricsTable construct. */
async function createMetricsTable(dynamodb: DynamoDBClient, name: string) {
  await dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [
        { AttributeName: METRICS_KEY.partition, AttributeType: 'S' },
        { AttributeName: METRICS_KEY.sort, AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: METRICS_KEY.partition, KeyType: 'HASH' },
        { AttributeName: METRICS_KEY.sort, KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await waitFor(`DynamoDB table ${name}`, async () => {
    const { Table: table } = await dynamodb.send(new DescribeTableCommand({ TableName: name }));
    return table?.TableStatus === 'ACTIVE' ? true : undefined;
  });
  await dynamodb.send(
    new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { AttributeName: METRICS_TTL_ATTRIBUTE, Enabled: true } }),
  );
  return { name };
}
