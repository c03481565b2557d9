import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { removalPolicy } from './removal';

export interface SecureTableProps {
  readonly tableName: string;
  readonly partitionKey: dynamodb.Attribute;
  readonly sortKey?: dynamodb.Attribute;
  readonly timeToLiveAttribute: string;
  readonly encryptionKey: kms.IKey;
  readonly deletionProtection: boolean;
  readonly retainData: boolean;
  readonly stream?: dynamodb.StreamViewType;
}

/**
 * A table of the pipeline with the defaults every one of its tables has: on-demand, encrypted with the
 * pipeline's customer-managed key, point-in-time recoverable, expiring items by TTL, and retained or
 * protected as the environment says.
 */
export class SecureTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: SecureTableProps) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      tableName: props.tableName,
      partitionKey: props.partitionKey,
      ...(props.sortKey === undefined ? {} : { sortKey: props.sortKey }),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: props.timeToLiveAttribute,
      ...(props.stream === undefined ? {} : { stream: props.stream }),
      deletionProtection: props.deletionProtection,
      removalPolicy: removalPolicy(props.retainData),
    });
  }
}
