import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { TableDescription } from '../topology';
import { SecureTable } from './secure-table';

export interface MetricsTableProps {
  /** Name, keys and TTL attribute, as the local runtime creates the table too. */
  readonly description: TableDescription;
  readonly encryptionKey: kms.IKey;
  readonly deletionProtection: boolean;
  readonly retainData: boolean;
}

/**
 * The live metrics table (domain/live-metrics.ts): each shard's partials of the 5-minute windows under
 * `window#<entity>` sorted by window start (one item per window, entity kind and shard, every id's sums in it),
 * and each shard's open-trips partial; window partials expire after their retention.
 */
export class MetricsTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: MetricsTableProps) {
    super(scope, id);
    const { description, ...rest } = props;
    this.table = new SecureTable(this, 'Secure', {
      ...rest,
      tableName: description.name,
      partitionKey: { name: description.partitionKey, type: dynamodb.AttributeType.STRING },
      ...(description.sortKey === undefined ? {} : { sortKey: { name: description.sortKey, type: dynamodb.AttributeType.STRING } }),
      timeToLiveAttribute: description.ttlAttribute,
    }).table;
  }
}
