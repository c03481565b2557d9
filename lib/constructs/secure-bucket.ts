import { Duration } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { removalPolicy } from './removal';

export interface SecureBucketProps {
  readonly bucketName?: string;
  /** Objects are encrypted with this key; without one, S3-managed keys (the only option for log targets). */
  readonly encryptionKey?: kms.IKey;
  /** Where S3 server access logs of this bucket go; only the access-log bucket itself has none. */
  readonly serverAccessLogsBucket?: s3.IBucket;
  readonly serverAccessLogsPrefix?: string;
  readonly lifecycleRules: s3.LifecycleRule[];
  readonly retainData: boolean;
  /**
   * Keep every version, so an overwrite or a delete (a bad KPI re-run, a wrong prune) can be undone, and expire
   * the versions that are no longer current after this many days. Without it the bucket is not versioned
   * (only right for a log target, whose objects are written once).
   */
  readonly noncurrentVersionExpirationDays?: number;
}

/**
 * A bucket that cannot be made public, refuses plain HTTP, is encrypted, owns its objects and cleans up
 * incomplete uploads. Stacks only choose the key, the log target and the lifecycle.
 */
export class SecureBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    const removable = !props.retainData;
    const versioned = props.noncurrentVersionExpirationDays !== undefined;
    if (versioned && !(Number.isInteger(props.noncurrentVersionExpirationDays) && (props.noncurrentVersionExpirationDays ?? 0) >= 1)) {
      throw new Error(`noncurrentVersionExpirationDays must be a positive whole number, got ${props.noncurrentVersionExpirationDays}`);
    }
    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: props.bucketName,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: props.encryptionKey ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
      encryptionKey: props.encryptionKey,
      // One data key per bucket instead of one KMS call per object: the match handler stages many small files.
      bucketKeyEnabled: props.encryptionKey !== undefined,
      serverAccessLogsBucket: props.serverAccessLogsBucket,
      serverAccessLogsPrefix: props.serverAccessLogsPrefix,
      versioned,
      lifecycleRules: [
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        ...(versioned
          ? [
              {
                id: 'expire-noncurrent-versions',
                noncurrentVersionExpiration: Duration.days(props.noncurrentVersionExpirationDays ?? 0),
                expiredObjectDeleteMarker: true,
              },
            ]
          : []),
        ...props.lifecycleRules,
      ],
      removalPolicy: removalPolicy(props.retainData),
      // A disposable environment must be destroyable with data in it; a retained one never empties itself.
      autoDeleteObjects: removable,
    });
  }
}
