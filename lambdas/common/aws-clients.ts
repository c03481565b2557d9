/**
 * The handlers' SDK clients, built the project's one way (lib/aws/clients.ts): emulator endpoints when
 * configured, every request counted, the request hooks registered for handler clients applied (none on
 * AWS). Handlers create them once, at module scope.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { clientOptions, withRequestCounting } from '../../lib/aws/clients';

export function createDocumentClient(): DynamoDBDocumentClient {
  // Default marshalling: optional event fields are null, stored as DynamoDB NULL, so every item has every
  // attribute and the staged record can be read back field by field. An undefined value fails the write
  // rather than silently dropping its attribute.
  return DynamoDBDocumentClient.from(withRequestCounting(new DynamoDBClient({ ...clientOptions('dynamodb') }), 'handler'));
}

export function createSqsClient(): SQSClient {
  return withRequestCounting(new SQSClient({ ...clientOptions('sqs') }), 'handler');
}

export function createS3Client(): S3Client {
  return withRequestCounting(new S3Client({ ...clientOptions('s3') }), 'handler');
}

export function createKinesisClient(): KinesisClient {
  return withRequestCounting(new KinesisClient({ ...clientOptions('kinesis') }));
}

export function createDynamoDbStreamsClient(): DynamoDBStreamsClient {
  return withRequestCounting(new DynamoDBStreamsClient({ ...clientOptions('dynamodb_streams') }));
}
