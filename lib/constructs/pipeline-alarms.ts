/**
 * The alarms for the failure modes that need a human: dead letters, lagging stream consumers, failing
 * handlers, a failed or missing KPI job, and trips left open. Every alarm notifies the alert topic, and a
 * metric without data (a quiet night) is no incident.
 * Built in the stack's own scope (not a nested construct), so the alarms keep their logical IDs.
 */
import { Duration, type Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { KPI_DATES_MISSING_METRIC, type PipelineSettings, type StreamMappingSettings } from '../config';
import type { PipelineFunction } from './pipeline-function';
import { iteratorAge, kpiJobRuns, period, serviceMetric } from './pipeline-metrics';

/** The match handler's count of trips left open (lambdas/common/observability.ts, Outcome). */
const OPEN_STARTS_EXPIRED_METRIC = 'OpenStartsExpired';

/** What differs between the alarms; each one fires above its threshold (0 unless given). */
type AlarmSpec = Pick<cloudwatch.AlarmProps, 'alarmDescription' | 'metric'> &
  Partial<Pick<cloudwatch.AlarmProps, 'threshold' | 'evaluationPeriods'>>;

/**
 * A stream consumer's IteratorAge alarm threshold: its mapping's batching window (a record may wait that long
 * by design, e.g. staging's 300 s), plus one function timeout (the batch being processed), plus the lag the
 * environment tolerates beyond both (alarms.iteratorAgeMsThreshold).
 */
export function iteratorAgeThresholdMs(mapping: StreamMappingSettings, settings: PipelineSettings): number {
  return (mapping.maxBatchingWindowSeconds + settings.handlers.timeoutSeconds) * 1000 + settings.alarms.iteratorAgeMsThreshold;
}

export interface PipelineAlarmsProps {
  readonly settings: PipelineSettings;
  readonly topic: sns.ITopic;
  readonly deadLetterQueue: sqs.IQueue;
  /** Each stream consumer with the settings of its mapping. */
  readonly streamConsumers: readonly (readonly [PipelineFunction, StreamMappingSettings])[];
  readonly handlers: readonly PipelineFunction[];
  readonly applicationId: string;
  readonly kpiScheduleGroup: scheduler.ScheduleGroup;
}

/** Returns the dead-letter queue's depth, which the dashboard graphs too. */
export function addPipelineAlarms(scope: Stack, props: PipelineAlarmsProps): cloudwatch.Metric {
  const { settings, streamConsumers, handlers, applicationId } = props;
  const notify = new actions.SnsAction(props.topic);
  // Every alarm notifies the topic, and a metric without data (a quiet night) is no incident.
  const alarmOn = (id: string, spec: AlarmSpec) =>
    new cloudwatch.Alarm(scope, id, {
      threshold: 0,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      ...spec,
    }).addAlarmAction(notify);

  const deadLetterDepth = props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
    period,
    statistic: 'Maximum',
  });
  alarmOn('DeadLetterQueueNotEmptyAlarm', {
    alarmDescription: 'Events reached the dead-letter queue: inspect their reason and redrive after a fix',
    metric: deadLetterDepth,
  });
  for (const [handler, mapping] of streamConsumers) {
    alarmOn(`${handler.node.id}IteratorAgeAlarm`, {
      alarmDescription: `${handler.function.functionName} is falling behind its stream`,
      metric: iteratorAge(handler),
      threshold: iteratorAgeThresholdMs(mapping, settings),
      evaluationPeriods: 3,
    });
  }
  for (const handler of handlers) {
    alarmOn(`${handler.node.id}ErrorsAlarm`, {
      alarmDescription: `${handler.function.functionName} failed invocations`,
      metric: handler.function.metricErrors({ period, statistic: 'Sum' }),
    });
  }
  alarmOn('KpiJobFailedAlarm', {
    alarmDescription: 'A daily KPI Spark job run failed; the EMR logs are under emr-logs/ in the data bucket',
    metric: kpiJobRuns(applicationId, 'FailedJobs', period),
  });
  // The kpi-trigger publishes the number of late KPI dates on every scheduled run (zero included). A day
  // without it is not breaching: before the first scheduled run there is no check to miss, and a check that
  // did not run has its own alarms (the schedule's dropped or failed invocations, the trigger's errors).
  new cloudwatch.Alarm(scope, 'KpiFreshnessAlarm', {
    alarmDescription: 'A date with staged trips still has no daily KPI row a schedule interval after its job',
    metric: serviceMetric(KPI_DATES_MISSING_METRIC, { period: Duration.days(1), statistic: 'Maximum' }),
    threshold: 0,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  }).addAlarmAction(notify);
  alarmOn('KpiScheduleFailedAlarm', {
    alarmDescription:
      'The daily KPI schedule could not run the kpi-trigger (invocations failed or dropped after their retries): the freshness check and the job did not run',
    metric: new cloudwatch.MathExpression({
      expression: 'FILL(dropped, 0) + FILL(failed, 0)',
      usingMetrics: {
        dropped: props.kpiScheduleGroup.metricDropped({ period: Duration.days(1), statistic: 'Sum' }),
        failed: props.kpiScheduleGroup.metricTargetErrors({ period: Duration.days(1), statistic: 'Sum' }),
      },
      period: Duration.days(1),
    }),
  });
  // Trips left open: starts whose end never came within the grace period, seen when TTL removes them (DynamoDB
  // removes expired items within a few days of their expiry, so the alarm may follow the grace period by as much).
  alarmOn('OpenStartsExpiredAlarm', {
    alarmDescription: `More than ${settings.alarms.expiredOpenStartsPerDay} trips a day stay open past their ${settings.table.openHalfGraceHours} h grace period (their end never came): check the end feed`,
    metric: serviceMetric(OPEN_STARTS_EXPIRED_METRIC, { period: Duration.days(1), statistic: 'Sum' }),
    threshold: settings.alarms.expiredOpenStartsPerDay,
  });
  return deadLetterDepth;
}
