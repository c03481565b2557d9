/**
 * The environment variables of the Lambda handlers. The CDK constructs and the local runtime both build
 * them with `handlerEnvironment`, and the handlers validate them at start-up with `readHandlerEnvironment`:
 * one definition, so a name cannot be set by one side and read under another name by the other.
 */
import * as z from '../domain/validation';
import type { PipelineSettings } from './config';
import { METRICS_NAMESPACE, SERVICE_NAME } from './names';

/** Where each piece lives: tokens in CDK, real names and URLs locally. */
export interface HandlerResources {
  readonly tripsTableName: string;
  readonly retryQueueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly dataBucketName: string;
}

export interface KpiJobResources {
  readonly emrApplicationId: string;
  readonly emrJobRoleArn: string;
  /** The CloudWatch Logs group the KPI job's driver and executors write to. */
  readonly kpiJobLogGroupName: string;
}

/** What Powertools reads in every handler: the service and namespace of logs and metrics, and the log level. */
function powertoolsEnvironment(settings: PipelineSettings): Record<string, string> {
  return {
    POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    POWERTOOLS_LOG_LEVEL: settings.handlers.logLevel,
  };
}

export function handlerEnvironment(settings: PipelineSettings, resources: HandlerResources): Record<string, string> {
  return {
    ...powertoolsEnvironment(settings),
    TRIPS_TABLE_NAME: resources.tripsTableName,
    RETRY_QUEUE_URL: resources.retryQueueUrl,
    DEAD_LETTER_QUEUE_URL: resources.deadLetterQueueUrl,
    DATA_BUCKET_NAME: resources.dataBucketName,
    PROCESSING_MAX_RETRIES: String(settings.retry.processingMaxRetries),
    RETRY_BASE_DELAY_SECONDS: String(settings.retry.baseDelaySeconds),
    RETRY_MAX_DELAY_SECONDS: String(settings.retry.maxDelaySeconds),
    TRIP_TTL_DAYS: String(settings.table.ttlDays),
    OPEN_HALF_GRACE_HOURS: String(settings.table.openHalfGraceHours),
  };
}

export function kpiTriggerEnvironment(
  settings: PipelineSettings,
  resources: Pick<HandlerResources, 'dataBucketName'> & KpiJobResources,
): Record<string, string> {
  return {
    ...powertoolsEnvironment(settings),
    DATA_BUCKET_NAME: resources.dataBucketName,
    EMR_APPLICATION_ID: resources.emrApplicationId,
    EMR_JOB_ROLE_ARN: resources.emrJobRoleArn,
    KPI_JOB_LOG_GROUP_NAME: resources.kpiJobLogGroupName,
    KPI_LOOKBACK_DAYS: String(settings.kpi.lookbackDays),
    KPI_JOB_TIMEOUT_MINUTES: String(settings.kpi.job.timeoutMinutes),
  };
}

/** The live metrics consumer and the metrics API: the metrics table, and how long its items are kept. */
export function liveMetricsEnvironment(
  settings: PipelineSettings,
  resources: { readonly metricsTableName: string },
): Record<string, string> {
  return {
    ...powertoolsEnvironment(settings),
    METRICS_TABLE_NAME: resources.metricsTableName,
    METRICS_WINDOW_RETENTION_DAYS: String(settings.liveMetrics.windowRetentionDays),
  };
}

const positiveInt = z.coerce.number().check(z.int(), z.positive());
const nonEmpty = z.string().check(z.minLength(1));

export const tripHandlerEnvSchema = z.object({
  TRIPS_TABLE_NAME: nonEmpty,
  RETRY_QUEUE_URL: z.url(),
  DEAD_LETTER_QUEUE_URL: z.url(),
  DATA_BUCKET_NAME: nonEmpty,
  PROCESSING_MAX_RETRIES: positiveInt,
  RETRY_BASE_DELAY_SECONDS: z.coerce.number().check(z.int(), z.nonnegative()),
  RETRY_MAX_DELAY_SECONDS: z.coerce.number().check(z.int(), z.nonnegative(), z.lte(900)),
  TRIP_TTL_DAYS: positiveInt,
  OPEN_HALF_GRACE_HOURS: positiveInt,
});
export type TripHandlerEnv = z.infer<typeof tripHandlerEnvSchema>;

export const kpiTriggerEnvSchema = z.object({
  DATA_BUCKET_NAME: nonEmpty,
  EMR_APPLICATION_ID: nonEmpty,
  EMR_JOB_ROLE_ARN: nonEmpty,
  KPI_JOB_LOG_GROUP_NAME: nonEmpty,
  KPI_LOOKBACK_DAYS: z.coerce.number().check(z.int(), z.nonnegative()),
  KPI_JOB_TIMEOUT_MINUTES: positiveInt,
});

export const liveMetricsEnvSchema = z.object({
  METRICS_TABLE_NAME: nonEmpty,
  METRICS_WINDOW_RETENTION_DAYS: positiveInt,
});

/**
 * Reads and validates the environment once, at module load. A misconfigured function fails its cold start
 * with every bad variable named, instead of failing records one by one.
 */
export function readEnvironment<S extends z.ZodMiniType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`Invalid handler environment: ${problems}`);
  }
  return parsed.data;
}
