import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeGrantActions, acknowledgeWildcardResource } from './nag';
import { logRetention } from './pipeline-function';
import { removalPolicy } from './removal';

export interface RawStreamArchiveProps {
  /** The stream archived; Firehose reads it as a consumer of its own, no code of ours in the path. */
  readonly stream: kinesis.IStream;
  /** The archive's lifecycle rule is added to it here, one per stream folder. */
  readonly bucket: s3.Bucket;
  readonly encryptionKey: kms.IKey;
  /** The archive's root prefix, e.g. `raw/`. */
  readonly prefix: string;
  /** The folder of this stream under `prefix`, e.g. `trip-start`. */
  readonly streamFolder: string;
  readonly lifecycle: { readonly glacierTransitionDays?: number; readonly expirationDays: number };
  readonly logRetentionDays: number;
  readonly retainData: boolean;
}

/** Few, larger objects: a day replays from a handful of files and S3 requests stay negligible. */
const BUFFERING = { intervalInSeconds: 300, sizeInMBs: 64 } as const;

/**
 * Every record of one Kinesis stream, archived raw to S3 by Amazon Data Firehose:
 * `<prefix><streamFolder>/<UTC date of arrival>/<delivery stream>-<n>-<time>-<id>.gz`, GZIP objects of
 * newline-delimited records (each record is one JSON event, so an object is JSON lines), encrypted with
 * the data key. Records Firehose cannot deliver go to `<prefix>errors/<streamFolder>/<error type>/<date>/`.
 *
 * The L1 resource on purpose: the L2 destination grants its role read-write on the whole bucket, where
 * this role may only read its one stream and put objects under its own two prefixes.
 */
export class RawStreamArchive extends Construct {
  readonly deliveryStream: firehose.CfnDeliveryStream;
  readonly role: iam.Role;
  /** Where the archived records land, without the date folder. */
  readonly dataPrefix: string;
  readonly errorPrefix: string;

  constructor(scope: Construct, id: string, props: RawStreamArchiveProps) {
    super(scope, id);
    this.dataPrefix = `${props.prefix}${props.streamFolder}/`;
    this.errorPrefix = `${props.prefix}errors/${props.streamFolder}/`;

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com'),
      description: `Firehose archiving ${props.streamFolder} records to ${this.dataPrefix}`,
    });
    props.stream.grantRead(this.role);
    props.bucket.grantPut(this.role, `${this.dataPrefix}*`);
    props.bucket.grantPut(this.role, `${this.errorPrefix}*`);
    // Firehose looks the bucket up and tidies its own multipart uploads (bucket-level actions, this bucket only).
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
        resources: [props.bucket.bucketArn],
      }),
    );
    // Multipart uploads of SSE-KMS objects read back the data key they were started with.
    props.encryptionKey.grantDecrypt(this.role);
    acknowledgeGrantActions(this.role, ['kms:GenerateDataKey*', 'kms:ReEncrypt*', 's3:Abort*']);
    for (const prefix of [this.dataPrefix, this.errorPrefix]) {
      acknowledgeWildcardResource(
        this.role,
        props.bucket.arnForObjects(`${prefix}*`),
        `Firehose names each object itself (date folder, time, random id), so the grant is on the ${prefix} prefix.`,
      );
    }

    const logGroup = new logs.LogGroup(this, 'DeliveryLogs', {
      retention: logRetention(props.logRetentionDays),
      removalPolicy: removalPolicy(props.retainData),
    });
    const logStream = logGroup.addStream('S3Delivery');
    // A log stream is retained by default, even in dev: it follows its group instead.
    logStream.applyRemovalPolicy(removalPolicy(props.retainData));
    logGroup.grantWrite(this.role);

    this.deliveryStream = new firehose.CfnDeliveryStream(this, 'DeliveryStream', {
      deliveryStreamType: 'KinesisStreamAsSource',
      kinesisStreamSourceConfiguration: { kinesisStreamArn: props.stream.streamArn, roleArn: this.role.roleArn },
      extendedS3DestinationConfiguration: {
        bucketArn: props.bucket.bucketArn,
        roleArn: this.role.roleArn,
        // `timestamp` is the record's arrival time in the stream (ApproximateArrivalTimestamp), in UTC.
        prefix: `${this.dataPrefix}!{timestamp:yyyy-MM-dd}/`,
        errorOutputPrefix: `${this.errorPrefix}!{firehose:error-output-type}/!{timestamp:yyyy-MM-dd}/`,
        compressionFormat: 'GZIP',
        encryptionConfiguration: { kmsEncryptionConfig: { awskmsKeyArn: props.encryptionKey.keyArn } },
        bufferingHints: BUFFERING,
        processingConfiguration: { enabled: true, processors: [{ type: 'AppendDelimiterToRecord' }] },
        cloudWatchLoggingOptions: { enabled: true, logGroupName: logGroup.logGroupName, logStreamName: logStream.logStreamName },
      },
    });
    // Firehose checks its access when the delivery stream is created: the policy must exist first.
    this.deliveryStream.node.addDependency(this.role);
    Validations.of(this.deliveryStream).acknowledge({
      id: 'AwsSolutions-KDF1',
      reason:
        'Firehose refuses delivery-stream SSE when its source is a Kinesis stream: the records stay encrypted at rest in ' +
        'the source stream (aws/kinesis), and the archived objects are encrypted with the data key.',
    });

    const { glacierTransitionDays, expirationDays } = props.lifecycle;
    if (glacierTransitionDays !== undefined && glacierTransitionDays >= expirationDays) {
      throw new Error(`the raw archive must move to Glacier (day ${glacierTransitionDays}) before it expires (day ${expirationDays})`);
    }
    props.bucket.addLifecycleRule({
      id: `raw-archive-${props.streamFolder}`,
      prefix: this.dataPrefix,
      expiration: Duration.days(expirationDays),
      // Instant Retrieval: a replay reads old days directly, without a restore.
      transitions:
        glacierTransitionDays === undefined
          ? []
          : [{ storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(glacierTransitionDays) }],
    });
  }
}
