/**
 * The analysts' side of the analytics stack: the Glue database and its partition-projected tables over staged
 * trips and daily KPIs, the enforced Athena workgroup, and the saved queries people ask first.
 * Built in the stack's own scope (not a nested construct), so the resources keep their logical IDs.
 */
import type { Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { DATA_PREFIXES, GLUE_TABLES, type PipelineSettings } from '../config';
import { COMPLETED_TRIP_COLUMNS, DAILY_KPI_COLUMNS, DIMENSION_KPI_COLUMNS } from './catalog-columns';
import { ProjectedJsonTable } from './projected-json-table';
import { removalPolicy } from './removal';

/** First day the catalog projects partitions for; earlier trips are not expected in this pipeline. */
const FIRST_PARTITION_DATE = '2020-01-01';

/** Glue database names allow lowercase letters, digits and underscores only. */
function glueDatabaseName(settings: PipelineSettings): string {
  return settings.prefix.toLowerCase().replace(/[^a-z0-9]+/g, '_');
}

export interface KpiCatalog {
  readonly database: glue.CfnDatabase;
  readonly databaseName: string;
  readonly workGroup: athena.CfnWorkGroup;
}

export function addKpiCatalog(
  scope: Stack,
  props: { readonly settings: PipelineSettings; readonly bucket: s3.IBucket; readonly dataKey: kms.IKey },
): KpiCatalog {
  const { settings, bucket } = props;
  const bucketUri = `s3://${bucket.bucketName}/`;
  const databaseName = glueDatabaseName(settings);
  const database = new glue.CfnDatabase(scope, 'Database', {
    catalogId: scope.account,
    databaseInput: { name: databaseName, description: 'Tripstream staged trips and daily KPIs' },
  });
  const tables = [
    new ProjectedJsonTable(scope, 'DailyKpisTable', {
      databaseName,
      tableName: GLUE_TABLES.dailyKpis,
      description: 'One row per trip_date, written by the daily KPI Spark job',
      bucket,
      prefix: DATA_PREFIXES.dailyKpis,
      columns: DAILY_KPI_COLUMNS,
      firstDate: FIRST_PARTITION_DATE,
    }),
    new ProjectedJsonTable(scope, 'DailyKpisByDimensionTable', {
      databaseName,
      tableName: GLUE_TABLES.dailyKpisByDimension,
      description: 'One row per trip_date, dimension and value, written by the daily KPI Spark job',
      bucket,
      prefix: DATA_PREFIXES.dailyKpisByDimension,
      columns: DIMENSION_KPI_COLUMNS,
      firstDate: FIRST_PARTITION_DATE,
    }),
    new ProjectedJsonTable(scope, 'CompletedTripsTable', {
      databaseName,
      tableName: GLUE_TABLES.completedTrips,
      description: 'Completed trips as staged by the match handler (at-least-once; dedupe on trip_id)',
      bucket,
      prefix: DATA_PREFIXES.completedTrips,
      columns: COMPLETED_TRIP_COLUMNS,
      firstDate: FIRST_PARTITION_DATE,
    }),
  ];
  for (const table of tables) table.node.addDependency(database);

  const workGroup = new athena.CfnWorkGroup(scope, 'WorkGroup', {
    name: settings.prefix,
    description: 'Queries over tripstream staged trips and daily KPIs',
    state: 'ENABLED',
    recursiveDeleteOption: !settings.retainData,
    workGroupConfiguration: {
      enforceWorkGroupConfiguration: true,
      publishCloudWatchMetricsEnabled: true,
      bytesScannedCutoffPerQuery: settings.athena.bytesScannedCutoffPerQuery,
      resultConfiguration: {
        outputLocation: `${bucketUri}${DATA_PREFIXES.athenaResults}`,
        encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: props.dataKey.keyArn },
      },
    },
  });
  workGroup.applyRemovalPolicy(removalPolicy(settings.retainData));

  for (const query of namedQueries()) {
    const named = new athena.CfnNamedQuery(scope, query.id, {
      name: query.name,
      description: query.description,
      database: databaseName,
      workGroup: workGroup.ref,
      queryString: query.sql,
    });
    for (const table of tables) named.node.addDependency(table);
  }

  return { database, databaseName, workGroup };
}

interface NamedQuery {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly sql: string;
}

/** The questions people ask first, ready in the Athena console's saved queries. */
function namedQueries(): NamedQuery[] {
  const kpis = GLUE_TABLES.dailyKpis;
  const byDimension = GLUE_TABLES.dailyKpisByDimension;
  const trips = GLUE_TABLES.completedTrips;
  return [
    {
      id: 'KpisForDateRangeQuery',
      name: 'Daily KPIs for a date range',
      description: 'Every KPI per day between two dates (edit the dates)',
      sql: [
        `SELECT trip_date, trip_count, total_fare, average_fare, min_fare, max_fare,`,
        `       total_tips, total_distance, average_trip_duration_minutes`,
        `FROM ${kpis}`,
        `WHERE trip_date BETWEEN '2024-05-01' AND '2024-05-31'`,
        `ORDER BY trip_date;`,
      ].join('\n'),
    },
    {
      id: 'BusiestDaysQuery',
      name: 'Busiest days of the last 90 days',
      description: 'The ten days with the most completed trips, with their fares',
      sql: [
        `SELECT trip_date, trip_count, total_fare, average_fare`,
        `FROM ${kpis}`,
        `WHERE trip_date >= date_format(current_date - interval '90' day, '%Y-%m-%d')`,
        `ORDER BY trip_count DESC`,
        `LIMIT 10;`,
      ].join('\n'),
    },
    {
      id: 'KpisByVendorQuery',
      name: 'Daily KPIs per vendor',
      description: 'Trips, fares and durations per vendor and day between two dates (edit the dates)',
      sql: [
        `SELECT trip_date, dimension_value AS vendor_id, trip_count, total_fare, average_fare,`,
        `       total_tips, total_distance, average_trip_duration_minutes`,
        `FROM ${byDimension}`,
        `WHERE dimension = 'vendor_id' AND trip_date BETWEEN '2024-05-01' AND '2024-05-31'`,
        `ORDER BY trip_date, vendor_id;`,
      ].join('\n'),
    },
    {
      id: 'BusiestPickupLocationsQuery',
      name: 'Busiest pickup locations of a date range',
      description: 'The twenty pickup locations with the most completed trips between two dates (edit the dates)',
      sql: [
        `SELECT dimension_value AS pickup_location_id, sum(trip_count) AS trips, round(sum(total_fare), 2) AS fares`,
        `FROM ${byDimension}`,
        `WHERE dimension = 'pickup_location_id' AND trip_date BETWEEN '2024-05-01' AND '2024-05-31'`,
        `GROUP BY dimension_value`,
        `ORDER BY trips DESC`,
        `LIMIT 20;`,
      ].join('\n'),
    },
    {
      id: 'TripsByPickupHourQuery',
      name: 'Trips by hour of day (UTC)',
      description: 'Completed trips and average fare per UTC pickup hour over a date range (edit the dates)',
      sql: [
        `SELECT dimension_value AS pickup_hour, sum(trip_count) AS trips,`,
        `       round(sum(total_fare) / sum(trip_count), 2) AS average_fare`,
        `FROM ${byDimension}`,
        `WHERE dimension = 'pickup_hour' AND trip_date BETWEEN '2024-05-01' AND '2024-05-31'`,
        `GROUP BY dimension_value`,
        `ORDER BY pickup_hour;`,
      ].join('\n'),
    },
    {
      id: 'StagedTripsOfDayQuery',
      name: 'Staged trips of a day',
      description: 'Completed trips staged for one pickup date, each trip_id once (edit the date)',
      sql: [
        `SELECT *`,
        `FROM (`,
        `  SELECT *, row_number() OVER (PARTITION BY trip_id ORDER BY completed_at) AS copy`,
        `  FROM ${trips}`,
        `  WHERE trip_date = '2024-05-25'`,
        `)`,
        `WHERE copy = 1`,
        `ORDER BY pickup_datetime;`,
      ].join('\n'),
    },
  ];
}
