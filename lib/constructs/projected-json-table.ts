import { Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface GlueColumn {
  readonly name: string;
  readonly type: string;
}

export interface ProjectedJsonTableProps {
  readonly databaseName: string;
  readonly tableName: string;
  readonly description: string;
  readonly bucket: s3.IBucket;
  /** Key prefix of the table's data, ending in '/'. */
  readonly prefix: string;
  readonly columns: readonly GlueColumn[];
  /** First date of the partition projection range (yyyy-MM-dd); the range always ends at NOW. */
  readonly firstDate: string;
}

/** The partition key of every table: the UTC date of pickup, as in the S3 layout `trip_date=YYYY-MM-DD/`. */
export const PARTITION_KEY = 'trip_date';

/**
 * An external Glue table over JSON-lines files under `<prefix>trip_date=YYYY-MM-DD/`, with partition
 * projection on trip_date: Athena computes the partitions from the query, so no crawler and no
 * MSCK REPAIR is ever needed after a new day lands.
 */
export class ProjectedJsonTable extends Construct {
  readonly table: glue.CfnTable;

  constructor(scope: Construct, id: string, props: ProjectedJsonTableProps) {
    super(scope, id);
    if (props.columns.some((column) => column.name === PARTITION_KEY)) {
      throw new Error(`${PARTITION_KEY} is the partition key; Athena rejects it as a data column too`);
    }
    const location = `s3://${props.bucket.bucketName}/${props.prefix}`;
    this.table = new glue.CfnTable(this, 'Table', {
      catalogId: Stack.of(this).account,
      databaseName: props.databaseName,
      tableInput: {
        name: props.tableName,
        description: props.description,
        tableType: 'EXTERNAL_TABLE',
        parameters: {
          classification: 'json',
          'projection.enabled': 'true',
          [`projection.${PARTITION_KEY}.type`]: 'date',
          [`projection.${PARTITION_KEY}.format`]: 'yyyy-MM-dd',
          [`projection.${PARTITION_KEY}.range`]: `${props.firstDate},NOW`,
          [`projection.${PARTITION_KEY}.interval`]: '1',
          [`projection.${PARTITION_KEY}.interval.unit`]: 'DAYS',
          'storage.location.template': `${location}${PARTITION_KEY}=\${${PARTITION_KEY}}/`,
        },
        partitionKeys: [{ name: PARTITION_KEY, type: 'string' }],
        storageDescriptor: {
          location,
          columns: props.columns.map((column) => ({ name: column.name, type: column.type })),
          inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          serdeInfo: { serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe' },
        },
      },
    });
  }
}
