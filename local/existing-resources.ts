/**
 * Resources an earlier run left in an external emulator (AWS_ENDPOINT_URL, e.g. moto or LocalStack, which
 * outlive a run, unlike the embedded ones). A run must start from empty resources whatever was there: old
 * records in a stream, old items in the table or old staged trips would be counted again. So a stream or
 * table or queue that already exists is deleted and created anew, and the bucket is emptied. (Purging a queue
 * instead would be limited to once a minute.)
 */
import { DeleteStreamCommand, DescribeStreamSummaryCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { DeleteTableCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteQueueCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DeleteObjectsCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';

const GONE_TIMEOUT_MS = 30_000;
const QUEUE_NAME_REUSE_WAIT_MS = 65_000;

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/** Kinesis and DynamoDB say ResourceInUseException when the name is taken; S3 has two names for it. */
export function isAlreadyExists(error: unknown): boolean {
  return ['ResourceInUseException', 'BucketAlreadyOwnedByYou', 'BucketAlreadyExists'].includes(errorName(error) ?? '');
}

function isNotFound(error: unknown): boolean {
  return ['ResourceNotFoundException', 'QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue'].includes(errorName(error) ?? '');
}

/** Runs `create`; if the name is taken, runs `remove` (which returns once the old one is gone) and creates again. */
export async function createAnew(create: () => Promise<unknown>, remove: () => Promise<void>): Promise<void> {
  try {
    await create();
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
    await remove();
    await create();
  }
}

async function waitUntilGone(what: string, probe: () => Promise<unknown>): Promise<void> {
  const deadline = Date.now() + GONE_TIMEOUT_MS;
  for (;;) {
    try {
      await probe();
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    if (Date.now() > deadline) throw new Error(`${what} of an earlier run was not deleted within ${GONE_TIMEOUT_MS / 1000}s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function deleteStream(kinesis: KinesisClient, name: string): Promise<void> {
  await kinesis.send(new DeleteStreamCommand({ StreamName: name, EnforceConsumerDeletion: true }));
  await waitUntilGone(`Kinesis stream ${name}`, () => kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name })));
}

export async function deleteTable(dynamodb: DynamoDBClient, name: string): Promise<void> {
  await dynamodb.send(new DeleteTableCommand({ TableName: name }));
  await waitUntilGone(`DynamoDB table ${name}`, () => dynamodb.send(new DescribeTableCommand({ TableName: name })));
}

/** The URL of a queue of that name, if one exists. */
export async function existingQueueUrl(sqs: SQSClient, name: string): Promise<string | undefined> {
  try {
    return (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export async function deleteQueue(sqs: SQSClient, url: string): Promise<void> {
  await sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
}

/**
 * AWS refuses to create a queue under a name deleted less than 60 seconds ago (QueueDeletedRecently); an
 * emulator that copies that rule gets its minute.
 */
export async function createQueueAfterDeletion<T>(create: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + QUEUE_NAME_REUSE_WAIT_MS;
  for (;;) {
    try {
      return await create();
    } catch (error) {
      const name = errorName(error) ?? '';
      if (!/QueueDeletedRecently/.test(name) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}

/** Deletes every object in the bucket (none in a new one: one list request). */
export async function emptyBucket(s3: S3Client, bucket: string): Promise<void> {
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket })) {
    const keys = (page.Contents ?? []).flatMap((object) => (object.Key === undefined ? [] : [{ Key: object.Key }]));
    if (keys.length === 0) continue;
    const { Errors: errors } = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
    if (errors !== undefined && errors.length > 0) {
      throw new Error(`could not empty s3://${bucket}: ${errors.map((failure) => `${failure.Key ?? '?'} ${failure.Code ?? ''}`).join(', ')}`);
    }
  }
}
