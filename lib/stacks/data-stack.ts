import { Aws, CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { DATA_PREFIXES, type PipelineSettings, RAW_ARCHIVE_STREAMS, STACK_OUTPUTS } from '../config';
import { EncryptedQueuePair } from '../constructs/encrypted-queue-pair';
import { MetricsTable } from '../constructs/metrics-table';
import { RawStreamArchive } from '../constructs/raw-stream-archive';
import { removalPolicy } from '../constructs/removal';
import { SecureBucket } from '../constructs/secure-bucket';
import { TripEventStream } from '../constructs/trip-event-stream';
import { TripsTable } from '../constructs/trips-table';
import { pipelineTopology } from '../topology';
import { operatorPolicy, producerPolicy } from './access-policies';

/** SQS caps a message's DelaySeconds at 15 minutes; the redrive backoff is built on it. */
const SQS_MAX_DELAY_SECONDS = 900;

/**
 * The data bucket's name: the prefix plus account and region, unique without a random suffix. The other
 * stacks derive the bucket from this name in their own scope, so their IAM policies name the bucket
 * (`arn:...:s3:::tripstream-dev-data-<account>-<region>/completed-trips/*`) instead of importing an export,
 * which keeps every policy readable and every cdk-nag acknowledgement exact.
 */
function dataBucketName(settings: PipelineSettings): string {
  return `${settings.prefix}-data-${Aws.ACCOUNT_ID}-${Aws.REGION}`;
}

const DATA_BUCKET_REFERENCE_ID = 'DataBucket';

/** Settings the data stack cannot deploy sensibly, refused at synth. */
function checkDataSettings(settings: PipelineSettings): void {
  if (settings.table.openHalfGraceHours < settings.kinesis.retentionHours) {
    throw new Error(
      `table.openHalfGraceHours (${settings.table.openHalfGraceHours}) must be at least the streams' retention ` +
        `(${settings.kinesis.retentionHours} h): a partner still on its stream must find its half`,
    );
  }
  if (settings.retry.maxDelaySeconds > SQS_MAX_DELAY_SECONDS) {
    throw new Error(`retry.maxDelaySeconds must be at most ${SQS_MAX_DELAY_SECONDS} (the SQS delay limit)`);
  }
}

export interface DataStackProps extends StackProps {
  readonly settings: PipelineSettings;
}

/**
 * Everything that holds data: the key, the streams, the trips table, the buckets and the queues.
 * Kept apart from the stateless stacks so code deploys never replace or risk a stateful resource.
 */
export class DataStack extends Stack {
  readonly dataKey: kms.Key;
  readonly tripStartStream: TripEventStream['stream'];
  readonly tripEndStream: TripEventStream['stream'];
  readonly tripsTable: TripsTable['table'];
  readonly metricsTable: MetricsTable['table'];
  readonly dataBucket: s3.Bucket;
  readonly accessLogBucket: s3.Bucket;
  readonly retryQueue: EncryptedQueuePair['queue'];
  /** The stream mappings' on-failure destination: pointers to discarded records, resolved into dead letters. */
  readonly failedBatchQueue: EncryptedQueuePair['queue'];
  readonly deadLetterQueue: EncryptedQueuePair['deadLetterQueue'];
  private readonly settings: PipelineSettings;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { settings } = props;
    this.settings = settings;
    checkDataSettings(settings);

    // One customer-managed key for the pipeline's data at rest: a single key policy to audit, CloudTrail
    // records of every use, and rotation under our control (AWS-managed keys cannot be shared with EMR).
    this.dataKey = new kms.Key(this, 'DataKey', {
      alias: `alias/${settings.prefix}-data`,
      description: `Encrypts tripstream data at rest (${settings.prefix})`,
      enableKeyRotation: true,
      pendingWindow: Duration.days(settings.retainData ? 30 : 7),
      removalPolicy: removalPolicy(settings.retainData),
    });

    // The same description the local runtime creates its resources from (lib/topology.ts).
    const topology = pipelineTopology(settings);
    this.tripStartStream = new TripEventStream(this, 'TripStartStream', {
      description: topology.streams.tripStart,
      retainData: settings.retainData,
    }).stream;
    this.tripEndStream = new TripEventStream(this, 'TripEndStream', {
      description: topology.streams.tripEnd,
      retainData: settings.retainData,
    }).stream;

    this.tripsTable = new TripsTable(this, 'TripsTable', {
      description: topology.tables.trips,
      encryptionKey: this.dataKey,
      deletionProtection: settings.table.deletionProtection,
      retainData: settings.retainData,
    }).table;

    this.metricsTable = new MetricsTable(this, 'MetricsTable', {
      description: topology.tables.metrics,
      encryptionKey: this.dataKey,
      deletionProtection: settings.table.deletionProtection,
      retainData: settings.retainData,
    }).table;

    this.accessLogBucket = this.createAccessLogBucket(settings);
    this.dataBucket = this.createDataBucket(settings);
    this.archiveRawStreams(settings);

    const { retry, failedBatch, deadLetter } = topology.queues;
    const queues = new EncryptedQueuePair(this, 'RetryQueues', {
      queueName: retry.name,
      deadLetterQueueName: deadLetter.name,
      encryptionKey: this.dataKey,
      consumerTimeout: Duration.seconds(settings.handlers.timeoutSeconds),
      maxReceiveCount: retry.redrivePolicy.maxReceiveCount,
      retentionPeriod: Duration.days(retry.retentionDays),
      deadLetterRetentionPeriod: Duration.days(deadLetter.retentionDays),
      retainData: settings.retainData,
    });
    this.retryQueue = queues.queue;
    this.failedBatchQueue = queues.addQueue('FailedBatchQueue', failedBatch.name);
    this.deadLetterQueue = queues.deadLetterQueue;

    this.addOutputs();
    this.addAccessPolicies(settings);
  }

  private createAccessLogBucket(settings: PipelineSettings): s3.Bucket {
    const accessLogs = new SecureBucket(this, 'AccessLogBucket', {
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(settings.storage.accessLogsExpirationDays) }],
      retainData: settings.retainData,
    });
    Validations.of(accessLogs.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the server access log target of the data bucket; logging its own writes would loop.',
    });
    return accessLogs.bucket;
  }

  private createDataBucket(settings: PipelineSettings): s3.Bucket {
    return new SecureBucket(this, 'DataBucket', {
      bucketName: dataBucketName(settings),
      encryptionKey: this.dataKey,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'data-bucket/',
      retainData: settings.retainData,
      noncurrentVersionExpirationDays: settings.storage.dataNoncurrentVersionExpirationDays,
      lifecycleRules: [
        {
          id: 'staged-trips-to-infrequent-access',
          prefix: DATA_PREFIXES.completedTrips,
          transitions: [
            {
              storageClass: s3.StorageClass.INFREQUENT_ACCESS,
              transitionAfter: Duration.days(settings.storage.stagedTripsInfrequentAccessDays),
            },
          ],
        },
        {
          id: 'expire-athena-results',
          prefix: DATA_PREFIXES.athenaResults,
          expiration: Duration.days(settings.storage.athenaResultsExpirationDays),
        },
        {
          id: 'expire-emr-logs',
          prefix: DATA_PREFIXES.emrLogs,
          expiration: Duration.days(settings.storage.accessLogsExpirationDays),
        },
      ],
    }).bucket;
  }

  /** Firehose archives of both streams' raw records under raw/. */
  private archiveRawStreams(settings: PipelineSettings): void {
    for (const [id, stream, streamFolder] of [
      ['TripStartRawArchive', this.tripStartStream, RAW_ARCHIVE_STREAMS.start],
      ['TripEndRawArchive', this.tripEndStream, RAW_ARCHIVE_STREAMS.end],
    ] as const) {
      new RawStreamArchive(this, id, {
        stream,
        bucket: this.dataBucket,
        encryptionKey: this.dataKey,
        prefix: DATA_PREFIXES.raw,
        streamFolder,
        lifecycle: settings.storage.rawArchive,
        logRetentionDays: settings.handlers.logRetentionDays,
        retainData: settings.retainData,
      });
    }
  }

  private addOutputs(): void {
    this.output(STACK_OUTPUTS.tripStartStreamName, this.tripStartStream.streamName, 'Kinesis stream of trip starts');
    this.output(STACK_OUTPUTS.tripEndStreamName, this.tripEndStream.streamName, 'Kinesis stream of trip ends');
    this.output(STACK_OUTPUTS.tripsTableName, this.tripsTable.tableName, 'DynamoDB table, one item per trip');
    this.output(STACK_OUTPUTS.metricsTableName, this.metricsTable.tableName, 'DynamoDB table of the live metrics windows');
    this.output(STACK_OUTPUTS.dataBucketName, this.dataBucket.bucketName, 'Staged trips, daily KPIs, Spark code');
    this.output(STACK_OUTPUTS.retryQueueUrl, this.retryQueue.queueUrl, 'SQS retry queue of failed events');
    this.output(STACK_OUTPUTS.deadLetterQueueUrl, this.deadLetterQueue.queueUrl, 'SQS dead-letter queue');
    this.output(STACK_OUTPUTS.dataKeyArn, this.dataKey.keyArn, 'KMS key of the data at rest (table, queues, data bucket)');
  }

  /** The managed policies the producer and the operators are given. */
  private addAccessPolicies(settings: PipelineSettings): void {
    const streams = [this.tripStartStream, this.tripEndStream];
    producerPolicy(this, { prefix: settings.prefix, outputKey: STACK_OUTPUTS.producerPolicyArn, streams });
    operatorPolicy(this, {
      prefix: settings.prefix,
      outputKey: STACK_OUTPUTS.operatorPolicyArn,
      deadLetterQueue: this.deadLetterQueue,
      retryQueue: this.retryQueue,
      streams,
      bucket: this.dataBucket,
      key: this.dataKey,
      readPrefixes: [DATA_PREFIXES.raw, DATA_PREFIXES.deadLetterPayloads],
    });
  }

  /** The data bucket as seen from another stack: same bucket and key, named rather than imported. */
  dataBucketIn(scope: Construct): s3.IBucket {
    const existing = scope.node.tryFindChild(DATA_BUCKET_REFERENCE_ID);
    if (existing !== undefined) return existing as s3.IBucket;
    Stack.of(scope).addStackDependency(this, 'The data bucket is created by the data stack');
    return s3.Bucket.fromBucketAttributes(scope, DATA_BUCKET_REFERENCE_ID, {
      bucketName: dataBucketName(this.settings),
      encryptionKey: this.dataKey,
    });
  }

  private output(key: string, value: string, description: string): void {
    new CfnOutput(this, key, { key, value, description });
  }
}
