import { Match } from 'aws-cdk-lib/assertions';
import { TRIP_KEY, TRIP_TTL_ATTRIBUTE } from '../../domain/trip-item';
import { type EnvironmentName, environments, resourceNames, STACK_OUTPUTS } from '../../lib/config';
import { resourcesOf, synthesizeEnvironmentsBeforeAll, synthesizeSettings } from './synth';

const synthesized = synthesizeEnvironmentsBeforeAll();

describe.each<EnvironmentName>(['dev', 'prod'])('data stack (%s)', (environment) => {
  const settings = environments[environment];
  const names = resourceNames(settings);
  const template = () => synthesized[environment].templates.data;

  it('creates encrypted trip-start and trip-end streams with the configured retention', () => {
    // Prepare
    const expected = [names.tripStartStream, names.tripEndStream];

    // Act
    const streams = Object.values(resourcesOf(template(), 'AWS::Kinesis::Stream'));

    // Assess
    expect(streams.map((stream) => stream.Properties.Name).sort()).toEqual([...expected].sort());
    for (const stream of streams) {
      expect(stream.Properties.StreamEncryption).toEqual({ EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' });
      expect(stream.Properties.RetentionPeriodHours).toBe(settings.kinesis.retentionHours);
    }
  });

  it('keeps the trips table on-demand, encrypted, recoverable, expiring and streaming both images', () => {
    // Prepare
    const expectedKey = [{ AttributeName: TRIP_KEY, KeyType: 'HASH' }];

    // Act
    const table = template();

    // Assess
    table.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: names.tripsTable,
      KeySchema: expectedKey,
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: Match.anyValue() },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: TRIP_TTL_ATTRIBUTE, Enabled: true },
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
  });

  it('encrypts every queue with the data key and refuses plain HTTP', () => {
    // Prepare
    const queueNames = [names.retryQueue, names.failedBatchQueue, names.deadLetterQueue];

    // Act
    const queues = Object.values(resourcesOf(template(), 'AWS::SQS::Queue'));
    const policies = Object.values(resourcesOf(template(), 'AWS::SQS::QueuePolicy'));

    // Assess
    expect(queues.map((queue) => queue.Properties.QueueName).sort()).toEqual([...queueNames].sort());
    for (const queue of queues) {
      expect(queue.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^DataKey/), 'Arn'] });
    }
    expect(policies).toHaveLength(3);
    for (const policy of policies) {
      expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    }
  });

  it('dead-letters retry messages after maxReceiveCount and keeps dead letters longer', () => {
    // Prepare
    const days = (n: number) => n * 24 * 3600;

    // Act
    const queues = Object.values(resourcesOf(template(), 'AWS::SQS::Queue'));
    const retry = queues.find((queue) => queue.Properties.QueueName === names.retryQueue);
    const failedBatches = queues.find((queue) => queue.Properties.QueueName === names.failedBatchQueue);
    const deadLetter = queues.find((queue) => queue.Properties.QueueName === names.deadLetterQueue);

    // Assess
    for (const workQueue of [retry, failedBatches]) {
      expect(workQueue?.Properties.RedrivePolicy).toEqual({
        deadLetterTargetArn: { 'Fn::GetAtt': [expect.stringMatching(/DeadLetterQueue/), 'Arn'] },
        maxReceiveCount: settings.queues.maxReceiveCount,
      });
    }
    expect(settings.queues.maxReceiveCount).toBeGreaterThanOrEqual(5);
    expect(retry?.Properties.MessageRetentionPeriod).toBe(days(settings.queues.retryRetentionDays));
    expect(deadLetter?.Properties.MessageRetentionPeriod).toBe(days(settings.queues.deadLetterRetentionDays));
    expect(Number(deadLetter?.Properties.MessageRetentionPeriod)).toBeGreaterThan(Number(retry?.Properties.MessageRetentionPeriod));
  });

  it('sets the retry visibility timeout to at least six times the redrive function timeout', () => {
    // Prepare
    const functionTimeout = settings.handlers.timeoutSeconds;

    // Act
    const retry = Object.values(resourcesOf(template(), 'AWS::SQS::Queue')).find(
      (queue) => queue.Properties.QueueName === names.retryQueue,
    );

    // Assess
    expect(Number(retry?.Properties.VisibilityTimeout)).toBeGreaterThanOrEqual(6 * functionTimeout);
  });

  it('makes every bucket private, encrypted, SSL-only, and expires what is temporary', () => {
    // Prepare
    const blockAll = {
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    };

    // Act
    const buckets = Object.entries(resourcesOf(template(), 'AWS::S3::Bucket'));
    const policies = Object.values(resourcesOf(template(), 'AWS::S3::BucketPolicy'));

    // Assess
    expect(buckets).toHaveLength(2);
    for (const [, bucket] of buckets) {
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual(blockAll);
      expect(bucket.Properties.BucketEncryption).toBeDefined();
      expect(bucket.Properties.LifecycleConfiguration).toBeDefined();
    }
    expect(policies).toHaveLength(2);
    for (const policy of policies) {
      expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    }
  });

  it('encrypts the data bucket with the data key, logs its access and applies the lifecycle rules', () => {
    // Prepare
    const expectedRules = [
      Match.objectLike({
        Prefix: 'completed-trips/',
        Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: settings.storage.stagedTripsInfrequentAccessDays }],
      }),
      Match.objectLike({ Prefix: 'athena-results/', ExpirationInDays: settings.storage.athenaResultsExpirationDays }),
      Match.objectLike({ Prefix: 'emr-logs/', ExpirationInDays: settings.storage.accessLogsExpirationDays }),
    ];

    // Act
    const dataBucket = template();

    // Assess
    dataBucket.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: { 'Fn::Join': ['', [`${settings.prefix}-data-`, { Ref: 'AWS::AccountId' }, '-', { Ref: 'AWS::Region' }]] },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() }, BucketKeyEnabled: true },
        ],
      },
      LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'data-bucket/' },
      LifecycleConfiguration: { Rules: Match.arrayWith(expectedRules) },
    });
  });

  it('rotates the customer-managed data key', () => {
    // Prepare
    const alias = `alias/${settings.prefix}-data`;

    // Act
    const data = template();

    // Assess
    data.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    data.hasResourceProperties('AWS::KMS::Alias', { AliasName: alias });
  });

  it('outputs what the CLIs look up, under the shared output keys', () => {
    // Prepare
    const keys = [
      STACK_OUTPUTS.tripStartStreamName,
      STACK_OUTPUTS.tripEndStreamName,
      STACK_OUTPUTS.tripsTableName,
      STACK_OUTPUTS.dataBucketName,
      STACK_OUTPUTS.retryQueueUrl,
      STACK_OUTPUTS.deadLetterQueueUrl,
    ];

    // Act
    const outputs = template().toJSON().Outputs as Record<string, unknown>;

    // Assess
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(keys));
  });
});

describe('data stack per environment', () => {
  it('uses one provisioned shard per stream in dev (no stream-hour charge) and the configured shards in prod', () => {
    // Prepare
    const prodShards = environments.prod.kinesis.shardCount;

    // Act
    const dev = synthesized.dev.templates.data;
    const prod = synthesized.prod.templates.data;

    // Assess
    dev.allResourcesProperties('AWS::Kinesis::Stream', {
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      ShardCount: 1,
    });
    prod.allResourcesProperties('AWS::Kinesis::Stream', {
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      ShardCount: prodShards,
    });
  });

  it('protects the table from deletion and retains data in prod only', () => {
    // Prepare
    const tableType = 'AWS::DynamoDB::Table';

    // Act
    const dev = synthesized.dev.templates.data;
    const prod = synthesized.prod.templates.data;

    // Assess
    dev.hasResource(tableType, { DeletionPolicy: 'Delete', Properties: Match.objectLike({ DeletionProtectionEnabled: false }) });
    prod.hasResource(tableType, {
      DeletionPolicy: 'RetainExceptOnCreate',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
    });
    prod.allResources('AWS::S3::Bucket', { DeletionPolicy: 'RetainExceptOnCreate', UpdateReplacePolicy: 'Retain' });
    expect(synthesized.prod.stacks.data.terminationProtection).toBe(true);
    expect(synthesized.dev.stacks.data.terminationProtection).toBe(false);
  });

  it('expires trip items after the configured number of days in each environment', () => {
    // Prepare
    const ttlDays = { dev: environments.dev.table.ttlDays, prod: environments.prod.table.ttlDays };

    // Act
    const variables = (environment: EnvironmentName) =>
      synthesized[environment].templates.pipeline.findResources('AWS::Lambda::Function', {
        Properties: { Environment: { Variables: { TRIP_TTL_DAYS: String(ttlDays[environment]) } } },
      });

    // Assess
    expect(Object.keys(variables('dev'))).toHaveLength(5);
    expect(Object.keys(variables('prod'))).toHaveLength(5);
    expect(ttlDays.dev).not.toBe(ttlDays.prod);
  });

  it('refuses settings that SQS or the redrive policy cannot honour', () => {
    // Prepare
    const tooLongDelay = { ...environments.dev, retry: { ...environments.dev.retry, maxDelaySeconds: 901 } };
    const tooFewReceives = { ...environments.dev, queues: { ...environments.dev.queues, maxReceiveCount: 4 } };
    const shortDeadLetterRetention = {
      ...environments.dev,
      queues: { ...environments.dev.queues, deadLetterRetentionDays: environments.dev.queues.retryRetentionDays },
    };
    const graceShorterThanRetention = {
      ...environments.dev,
      table: { ...environments.dev.table, openHalfGraceHours: environments.dev.kinesis.retentionHours - 1 },
    };

    // Act
    const attempts = [tooLongDelay, tooFewReceives, shortDeadLetterRetention, graceShorterThanRetention].map(
      (settings) => () => synthesizeSettings(settings),
    );

    // Assess
    expect(attempts[0]).toThrow(/maxDelaySeconds must be at most 900/);
    expect(attempts[1]).toThrow(/maxReceiveCount must be at least 5/);
    expect(attempts[2]).toThrow(/must keep messages longer/);
    expect(attempts[3]).toThrow(/openHalfGraceHours .* must be at least the streams' retention/);
  });
});
