/**
 * kpi-trigger: starts the daily KPI job on EMR Serverless for the dates asked for (see kpi/kpi-request.ts),
 * leaving out dates with nothing staged. Starting nothing is a valid outcome.
 *
 * A scheduled run is also the KPI freshness check: every date of its window except the newest was already
 * computed by an earlier scheduled run, one schedule interval ago at least, so a date among them with staged
 * trips but no KPI row is late. Their number is published as KpiDatesMissing on every scheduled run, zero
 * included; the monitoring stack alarms above zero and on a day without the metric (the check itself did not run).
 */
import { EMRServerlessClient, StartJobRunCommand } from '@aws-sdk/client-emr-serverless';
import { S3Client } from '@aws-sdk/client-s3';
import { clientOptions, withRequestCounting } from '../../aws/clients';
import { kpiJobRunInput } from '../../kpi/job-run';
import { InvalidKpiRequestError, type KpiRequest, resolveKpiRequest } from '../../kpi/kpi-request';
import { kpiTriggerEnvSchema, readEnvironment } from '../../lib/handler-environment';
import { countOutcome, instrumented, logger, reportKpiDatesMissing } from '../common/observability';
import { datesWithKpis, datesWithStagedTrips } from './staged-input';

const environment = readEnvironment(kpiTriggerEnvSchema);
const s3 = withRequestCounting(new S3Client({ ...clientOptions('s3') }));
const emrServerless = withRequestCounting(new EMRServerlessClient({ ...clientOptions('emr_serverless') }));

export interface KpiTriggerResult {
  /** Null when no requested date had staged trips. */
  jobRunId: string | null;
  dates: string[];
  skippedDates: string[];
}

/** An invalid event is logged as such and thrown, so the invocation fails visibly and nothing is started. */
function resolveOrReport(event: unknown): KpiRequest {
  try {
    return resolveKpiRequest(event, { now: new Date(), lookbackDays: environment.KPI_LOOKBACK_DAYS });
  } catch (error) {
    if (error instanceof InvalidKpiRequestError) logger.error(error.message);
    throw error;
  }
}

/** Publishes how many dates before the newest of the window have staged trips but no KPI row yet. */
async function checkFreshness(window: readonly string[], staged: readonly string[]): Promise<void> {
  const newest = window[window.length - 1];
  const due = staged.filter((date) => date !== newest);
  const computed = await datesWithKpis(s3, environment.DATA_BUCKET_NAME, due);
  const missing = due.filter((date) => !computed.includes(date));
  reportKpiDatesMissing(missing.length);
  if (missing.length > 0) logger.error('KPI rows missing past their deadline', { missing });
}

export const handler = instrumented('kpi-trigger', async (event: unknown): Promise<KpiTriggerResult> => {
  const request = resolveOrReport(event);
  const dates = await datesWithStagedTrips(s3, environment.DATA_BUCKET_NAME, request.dates);
  const skippedDates = request.dates.filter((date) => !dates.includes(date));
  countOutcome('KpiDateSkipped', skippedDates.length);
  if (request.kind === 'scheduled') await checkFreshness(request.dates, dates);
  if (dates.length === 0) {
    logger.info('No staged trips for the requested dates: no KPI job started', { kind: request.kind, skippedDates });
    return { jobRunId: null, dates, skippedDates };
  }

  const input = kpiJobRunInput(
    {
      dataBucketName: environment.DATA_BUCKET_NAME,
      emrApplicationId: environment.EMR_APPLICATION_ID,
      emrJobRoleArn: environment.EMR_JOB_ROLE_ARN,
      logGroupName: environment.KPI_JOB_LOG_GROUP_NAME,
      timeoutMinutes: environment.KPI_JOB_TIMEOUT_MINUTES,
    },
    dates,
    request.rerun,
    request.dates,
  );
  const { jobRunId } = await emrServerless.send(new StartJobRunCommand(input));
  if (jobRunId === undefined) throw new Error(`StartJobRun returned no jobRunId for ${input.name}`);
  countOutcome('KpiJobStarted');
  logger.info('KPI job started', { jobRunId, kind: request.kind, dates, skippedDates, clientToken: input.clientToken });
  return { jobRunId, dates, skippedDates };
});
