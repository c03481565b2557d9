import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { TableDescription } from '../topology';
import { removalPolicy } from './removal';

export interface TripsTableProps {
  /** Name, key, TTL attribute and stream view, as the local runtime creates the table too. */
  readonly description: TableDescription;
  readonly encryptionKey: kms.IKey;
  readonly deletionProtection: boolean;
  readonly retainData: boolean;
}

/**
 * The one-item-per-trip table. Always on-demand, customer-key encrypted, point-in-time recoverable,
 * expiring items through TTL, and streaming new and old images (the match handler reads the new image;
 * the old one lets an operator see what a MODIFY changed).
 */
export class TripsTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: TripsTableProps) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      tableName: props.description.name,
      partitionKey: { name: props.description.partitionKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: props.description.ttlAttribute,
      ...(props.description.streamViewType === undefined ? {} : { stream: dynamodb.StreamViewType[props.description.streamViewType] }),
      deletionProtection: props.deletionProtection,
      removalPolicy: removalPolicy(props.retainData),
    });
  }
}
