/**
 * The names and S3 layout that the handlers share with the stacks and the CLIs, apart from lib/config.ts and
 * re-exported by it: a handler importing them from there bundles every environment's settings too, which esbuild
 * cannot drop (object spreads may run getters), about 3.7 KB of each bundle (ADR 0006).
 */

export const SERVICE_NAME = 'tripstream';
export const METRICS_NAMESPACE = 'Tripstream';
/** The kpi-trigger's freshness gauge: KPI dates late past their deadline, published on every scheduled run. */
export const KPI_DATES_MISSING_METRIC = 'KpiDatesMissing';

/** S3 layout of docs/contracts.md §3 and §4: prefixes inside the data bucket. */
export const DATA_PREFIXES = {
  completedTrips: 'completed-trips/',
  dailyKpis: 'daily-kpis/',
  dailyKpisByDimension: 'daily-kpis-by-dimension/',
  sparkCode: 'spark/',
  athenaResults: 'athena-results/',
  emrLogs: 'emr-logs/',
  /** Every record of both streams as it arrived: `raw/<stream>/<UTC date of arrival>/` (see RAW_ARCHIVE_STREAMS). */
  raw: 'raw/',
  /** Payloads of dead letters too large for an SQS message, each named by its SHA-256 (ADR 0005). */
  deadLetterPayloads: 'dead-letter-payloads/',
} as const;

/**
 * Files of `spark/` as shipped under DATA_PREFIXES.sparkCode: the PySpark entry point, the trip schema module
 * it imports (generated from the trip record, passed with --py-files) and the shared KPI SQL.
 */
export const SPARK_JOB_FILES = {
  entryPoint: 'daily_kpis_job.py',
  schemaModule: 'trip_schema.py',
  /** The one scan and de-duplication of a day both KPI files read (the daily_trip_groups view). */
  groupsSql: 'daily_trip_groups.sql',
  sql: 'daily_kpis.sql',
  dimensionSql: 'daily_kpis_by_dimension.sql',
} as const;
