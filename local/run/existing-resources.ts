/**
 * Resources an earlier run left in an external emulator (AWS_ENDPOINT_URL, e.g. moto or LocalStack, which
 * outlive a run, unlike the embedded ones). A run must start from empty resources whatever was there: old
 * records in a stream, old items in the table, old messages or old staged trips would be counted again. So
 * before the resources are created, any of the run's own names that already exist are deleted (a bucket is
 * emptied first). Deleting rather than purging: SQS allows one purge per queue a minute.
 */

import { DeleteTableCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteStreamCommand, DescribeStreamSummaryCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { DeleteBucketCommand, DeleteObjectsCommand, HeadBucketCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { DeleteQueueCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';

const GONE_TIMEOUT_MS = 30_000;

export interface EarlierRunClients {
  readonly kinesis: KinesisClient;
  readonly dynamodb: DynamoDBClient;
  readonly sqs: SQSClient;
  readonly s3: S3Client;
}

export interface RunResourceNames {
  readonly streams: readonly string[];
  readonly tables: readonly string[];
  readonly queues: readonly string[];
  readonly buckets: readonly string[];
}

/** Deletes whichever of these resources exist; on a fresh emulator it only asks (one request per name). */
export async function removeEarlierRunResources(clients: EarlierRunClients, names: RunResourceNames): Promise<void> {
  await Promise.all([
    ...names.streams.map((name) => deleteStreamIfPresent(clients.kinesis, name)),
    ...names.tables.map((name) => deleteTableIfPresent(clients.dynamodb, name)),
    ...names.queues.map((name) => deleteQueueIfPresent(clients.sqs, name)),
    ...names.buckets.map((name) => deleteBucketIfPresent(clients.s3, name)),
  ]);
}

function isNotFound(error: unknown): boolean {
  const name = error instanceof Error ? error.name : '';
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  return (
    ['ResourceNotFoundException', 'QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue', 'NotFound', 'NoSuchBucket'].includes(
      name,
    ) || status === 404
  );
}

/** Runs `probe`; false when the resource does not exist. */
async function exists(probe: () => Promise<unknown>): Promise<boolean> {
  try {
    await probe();
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

async function waitUntilGone(what: string, probe: () => Promise<unknown>): Promise<void> {
  const deadline = Date.now() + GONE_TIMEOUT_MS;
  while (await exists(probe)) {
    if (Date.now() > deadline) throw new Error(`${what} of an earlier run was not deleted within ${GONE_TIMEOUT_MS / 1000}s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function deleteStreamIfPresent(kinesis: KinesisClient, name: string): Promise<void> {
  const describe = () => kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
  if (!(await exists(describe))) return;
  await kinesis.send(new DeleteStreamCommand({ StreamName: name, EnforceConsumerDeletion: true }));
  await waitUntilGone(`Kinesis stream ${name}`, describe);
}

async function deleteTableIfPresent(dynamodb: DynamoDBClient, name: string): Promise<void> {
  const describe = () => dynamodb.send(new DescribeTableCommand({ TableName: name }));
  if (!(await exists(describe))) return;
  await dynamodb.send(new DeleteTableCommand({ TableName: name }));
  await waitUntilGone(`DynamoDB table ${name}`, describe);
}

async function deleteQueueIfPresent(sqs: SQSClient, name: string): Promise<void> {
  let url: string | undefined;
  try {
    url = (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
  } catch (error) {
    if (isNotFound(error)) return;
    throw error;
  }
  if (url !== undefined) await sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
}

async function deleteBucketIfPresent(s3: S3Client, bucket: string): Promise<void> {
  if (!(await exists(() => s3.send(new HeadBucketCommand({ Bucket: bucket }))))) return;
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket })) {
    const keys = (page.Contents ?? []).flatMap((object) => (object.Key === undefined ? [] : [{ Key: object.Key }]));
    if (keys.length === 0) continue;
    const { Errors: errors } = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
    if (errors !== undefined && errors.length > 0) {
      throw new Error(
        `could not empty s3://${bucket}: ${errors.map((failure) => `${failure.Key ?? '?'} ${failure.Code ?? ''}`).join(', ')}`,
      );
    }
  }
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
}
