import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { METRICS_KEY, METRICS_TTL_ATTRIBUTE } from '../domain/live-metrics';
import { SecureTable } from './secure-table';

export interface MetricsTableProps {
  readonly tableName: string;
  readonly encryptionKey: kms.IKey;
  readonly deletionProtection: boolean;
  readonly retainData: boolean;
}

/**
 * The live metrics table (lib/domain/live-metrics.ts): windows under `window#<entity>#<id>` sorted by window
 * start, the open-trips counter, and the per-record markers that expire once no redelivery can come.
 */
export class MetricsTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: MetricsTableProps) {
    super(scope, id);
    this.table = new SecureTable(this, 'Secure', {
      ...props,
      partitionKey: { name: METRICS_KEY.partition, type: dynamodb.AttributeType.STRING },
      sortKey: { name: METRICS_KEY.sort, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: METRICS_TTL_ATTRIBUTE,
    }).table;
  }
}
