/**
 * The run's AWS clients. The pipeline's go through request counting (aws_requests is the pipeline's traffic);
 * the run's own looks (read-backs, queue depths, the archive Firehose would write) go through uncounted ones.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { clientOptions, withoutSdkLogging, withRequestCounting } from '../../aws/clients';

export interface RunClients {
  readonly kinesis: KinesisClient;
  readonly dynamodb: DynamoDBClient;
  readonly streams: DynamoDBStreamsClient;
  readonly sqs: SQSClient;
  readonly s3: S3Client;
  /** As in the producer CLI: one attempt per request, so the producer's own backoff owns resends. */
  readonly producerKinesis: KinesisClient;
  readonly inspection: {
    readonly kinesis: KinesisClient;
    readonly dynamodb: DynamoDBClient;
    readonly sqs: SQSClient;
    readonly s3: S3Client;
  };
  destroy(): void;
}

export function createRunClients(): RunClients {
  const pipeline = {
    kinesis: withRequestCounting(new KinesisClient({ ...clientOptions('kinesis') })),
    dynamodb: withRequestCounting(new DynamoDBClient({ ...clientOptions('dynamodb') })),
    streams: withRequestCounting(new DynamoDBStreamsClient({ ...clientOptions('dynamodb_streams') })),
    sqs: withRequestCounting(new SQSClient({ ...clientOptions('sqs') })),
    s3: withRequestCounting(new S3Client({ ...clientOptions('s3') })),
    producerKinesis: withRequestCounting(new KinesisClient({ ...clientOptions('kinesis'), maxAttempts: 1 })),
  };
  const inspection = {
    kinesis: withoutSdkLogging(new KinesisClient({ ...clientOptions('kinesis') })),
    dynamodb: withoutSdkLogging(new DynamoDBClient({ ...clientOptions('dynamodb') })),
    sqs: withoutSdkLogging(new SQSClient({ ...clientOptions('sqs') })),
    // Firehose's work on AWS, not the pipeline's.
    s3: withoutSdkLogging(new S3Client({ ...clientOptions('s3') })),
  };
  return {
    ...pipeline,
    inspection,
    destroy() {
      for (const client of [...Object.values(pipeline), ...Object.values(inspection)]) client.destroy();
    },
  };
}
