/**
 * The EMR Serverless StartJobRun request of the daily KPI job. Pure, so what the trigger asks EMR for can be
 * read and tested in one place.
 */
import { createHash } from 'node:crypto';
import type { StartJobRunCommandInput } from '@aws-sdk/client-emr-serverless';
import type { KpiJobSizing } from '../lib/config';
import { DATA_PREFIXES, SPARK_JOB_FILES } from '../lib/names';

export interface KpiJobTarget {
  readonly dataBucketName: string;
  readonly emrApplicationId: string;
  readonly emrJobRoleArn: string;
  /** The job's own log group, created with a retention by the analytics stack. */
  readonly logGroupName: string;
  /** A run that has not finished by then is stuck, not slow: stop paying for it (settings.kpi.job). */
  readonly timeoutMinutes: number;
}

/**
 * UTC and ANSI mode repeat the job's own SESSION_SETTINGS (spark/daily_kpis_job.py): with ANSI mode an amount
 * too wide for the shared SQL's decimals fails the run, as it fails DuckDB, instead of becoming NULL. The
 * workers' sizes are the application's (kpiJobSparkDefaults), not the run's.
 */
export const SPARK_SUBMIT_PARAMETERS = [
  '--conf spark.sql.session.timeZone=UTC',
  '--conf spark.sql.ansi.enabled=true',
  // No partial window-group limit before the de-duplication's shuffle: an extra sort of every row (docs/capacity.md).
  '--conf spark.sql.optimizer.windowGroupLimitThreshold=-1',
].join(' ');

/**
 * The EMR Serverless application's spark-defaults (its runtime configuration): the workers the capacity model
 * sized for the environment's design rate (planning/capacity, docs/capacity.md). Every run gets them unless it
 * overrides them.
 */
export function kpiJobSparkDefaults(job: KpiJobSizing): Record<string, string> {
  return {
    'spark.driver.cores': String(job.driverCores),
    'spark.driver.memory': `${job.driverMemoryGb}g`,
    'spark.executor.cores': String(job.executorCores),
    'spark.executor.memory': `${job.executorMemoryGb}g`,
    'spark.emr-serverless.executor.disk': `${job.executorDiskGb}g`,
    'spark.dynamicAllocation.enabled': 'true',
    'spark.dynamicAllocation.maxExecutors': String(job.maxExecutors),
  };
}

/**
 * Same dates, same token: EMR Serverless returns the existing run instead of starting a second one when a
 * trigger is retried or invoked twice. Order and duplicates do not matter; a rerun label makes a new token.
 * At most 64 characters.
 */
export function kpiJobClientToken(dates: readonly string[], rerun?: string): string {
  const canonical = [...new Set(dates)].sort().join(',') + (rerun === undefined ? '' : `#${rerun}`);
  return `kpi-${createHash('sha256').update(canonical).digest('hex').slice(0, 60)}`;
}

export function kpiJobName(dates: readonly string[], rerun?: string): string {
  const sorted = [...new Set(dates)].sort();
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  if (first === undefined || last === undefined) throw new RangeError('A KPI job needs at least one date');
  const span = first === last ? `daily-kpis ${first}` : `daily-kpis ${first}..${last} (${sorted.length} dates)`;
  return rerun === undefined ? span : `${span} rerun ${rerun}`;
}

/**
 * `requested` is the window the trigger was asked for (for a scheduled run, fixed by its scheduled time), and
 * the token is derived from it rather than from `dates`, the subset with staged trips: a retry that finds a
 * date staged in the meantime still sends the original token, so EMR Serverless starts no second run. This,
 * with the schedule's bounded retries, is what keeps repeated invocations from starting a stampede of jobs.
 */
export function kpiJobRunInput(
  target: KpiJobTarget,
  dates: readonly string[],
  rerun?: string,
  requested: readonly string[] = dates,
): StartJobRunCommandInput {
  const bucket = `s3://${target.dataBucketName}/`;
  const sorted = [...new Set(dates)].sort();
  return {
    applicationId: target.emrApplicationId,
    executionRoleArn: target.emrJobRoleArn,
    clientToken: kpiJobClientToken(requested, rerun),
    name: kpiJobName(sorted, rerun),
    executionTimeoutMinutes: target.timeoutMinutes,
    jobDriver: {
      sparkSubmit: {
        entryPoint: `${bucket}${DATA_PREFIXES.sparkCode}${SPARK_JOB_FILES.entryPoint}`,
        entryPointArguments: [
          '--input',
          `${bucket}${DATA_PREFIXES.completedTrips}`,
          '--output',
          `${bucket}${DATA_PREFIXES.dailyKpis}`,
          '--groups-sql',
          `${bucket}${DATA_PREFIXES.sparkCode}${SPARK_JOB_FILES.groupsSql}`,
          '--sql',
          `${bucket}${DATA_PREFIXES.sparkCode}${SPARK_JOB_FILES.sql}`,
          '--dimension-output',
          `${bucket}${DATA_PREFIXES.dailyKpisByDimension}`,
          '--dimension-sql',
          `${bucket}${DATA_PREFIXES.sparkCode}${SPARK_JOB_FILES.dimensionSql}`,
          '--dates',
          sorted.join(','),
        ],
        // The entry point imports the trip schema module generated from the trip record (domain/trip-record.ts).
        sparkSubmitParameters: `${SPARK_SUBMIT_PARAMETERS} --py-files ${bucket}${DATA_PREFIXES.sparkCode}${SPARK_JOB_FILES.schemaModule}`,
      },
    },
    configurationOverrides: {
      monitoringConfiguration: {
        s3MonitoringConfiguration: { logUri: `${bucket}${DATA_PREFIXES.emrLogs}` },
        cloudWatchLoggingConfiguration: { enabled: true, logGroupName: target.logGroupName, logStreamNamePrefix: 'daily-kpis' },
      },
    },
  };
}
