import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { EncryptedQueuePair, type EncryptedQueuePairProps } from '../../lib/constructs/encrypted-queue-pair';
import { logRetention } from '../../lib/constructs/pipeline-function';
import { ProjectedJsonTable } from '../../lib/constructs/projected-json-table';
import { SecureBucket } from '../../lib/constructs/secure-bucket';

function newStack(): Stack {
  return new Stack(new App(), 'ConstructTest');
}

function queuePairProps(stack: Stack, overrides: Partial<EncryptedQueuePairProps> = {}): EncryptedQueuePairProps {
  return {
    queueName: 'work',
    deadLetterQueueName: 'work-dlq',
    encryptionKey: new kms.Key(stack, 'Key'),
    consumerTimeout: Duration.seconds(40),
    maxReceiveCount: 5,
    retentionPeriod: Duration.days(4),
    deadLetterRetentionPeriod: Duration.days(14),
    retainData: false,
    ...overrides,
  };
}

describe('EncryptedQueuePair', () => {
  it('derives the visibility timeout from the consumer timeout', () => {
    // Prepare
    const stack = newStack();

    // Act
    new EncryptedQueuePair(stack, 'Queues', queuePairProps(stack, { consumerTimeout: Duration.seconds(40) }));

    // Assess
    Template.fromStack(stack).hasResourceProperties('AWS::SQS::Queue', { QueueName: 'work', VisibilityTimeout: 240 });
  });

  it('rejects a redrive policy that would dead-letter on a throttle', () => {
    // Prepare
    const stack = newStack();

    // Act
    const build = () => new EncryptedQueuePair(stack, 'Queues', queuePairProps(stack, { maxReceiveCount: 3 }));

    // Assess
    expect(build).toThrow('maxReceiveCount must be at least 5, got 3');
  });
});

describe('SecureBucket', () => {
  it('uses S3-managed encryption when no key is given, as log targets require', () => {
    // Prepare
    const stack = newStack();

    // Act
    new SecureBucket(stack, 'Logs', { lifecycleRules: [], retainData: true });

    // Assess
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'RetainExceptOnCreate' });
  });
});

describe('logRetention', () => {
  it('accepts CloudWatch retention periods and rejects others', () => {
    // Prepare
    const valid = 30;
    const invalid = 31;

    // Act
    const accepted = logRetention(valid);

    // Assess
    expect(accepted).toBe(30);
    expect(() => logRetention(invalid)).toThrow(/logRetentionDays 31 is not a CloudWatch Logs retention period/);
  });
});

describe('ProjectedJsonTable', () => {
  it('refuses trip_date as a data column, since Athena rejects a column that is also a partition key', () => {
    // Prepare
    const stack = newStack();
    const bucket = s3.Bucket.fromBucketName(stack, 'Bucket', 'some-bucket');

    // Act
    const build = () =>
      new ProjectedJsonTable(stack, 'Table', {
        databaseName: 'db',
        tableName: 't',
        description: 'd',
        bucket,
        prefix: 'p/',
        columns: [{ name: 'trip_date', type: 'string' }],
        firstDate: '2020-01-01',
      });

    // Assess
    expect(build).toThrow(/trip_date is the partition key/);
  });
});
