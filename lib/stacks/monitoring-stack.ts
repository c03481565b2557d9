import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { KPI_DATES_MISSING_METRIC, METRICS_NAMESPACE, SERVICE_NAME, STACK_OUTPUTS, type PipelineSettings, type StreamMappingSettings } from '../config';
import { acknowledgeGrantActions } from '../constructs/nag';
import type { PipelineFunction } from '../constructs/pipeline-function';
import type { AnalyticsStack } from './analytics-stack';
import type { DataStack } from './data-stack';
import type { LiveMetricsStack } from './live-metrics-stack';
import { DEAD_LETTER_REASONS } from '../domain/envelopes';
import type { PipelineStack } from './pipeline-stack';

export interface MonitoringStackProps extends StackProps {
  readonly settings: PipelineSettings;
  readonly data: DataStack;
  readonly pipeline: PipelineStack;
  readonly analytics: AnalyticsStack;
  readonly liveMetrics: LiveMetricsStack;
  /** Subscribed to the alert topic; given at deploy time (`-c alertEmail=...`), never kept in the source. */
  readonly alertEmail?: string;
}

/**
 * What EMR Serverless reports on EventBridge when a job run ends. A run that reaches its execution timeout
 * (lib/kpi/job-run.ts) is cancelled by the service and ends CANCELLED, so that state is an end too.
 */
export const EMR_JOB_FINAL_STATES = ['SUCCESS', 'FAILED', 'CANCELLED'] as const;

const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The alert address from deploy-time context, checked so a typo fails the synth instead of silently never mailing. */
export function alertEmailFromContext(context: (key: string) => unknown): string | undefined {
  const value = context('alertEmail');
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || !EMAIL_PATTERN.test(value.trim())) {
    throw new Error(`context value "alertEmail" must be an e-mail address, got ${JSON.stringify(value)}`);
  }
  return value.trim();
}

const period = Duration.minutes(5);

/** What differs between the alarms; each one fires above its threshold (0 unless given). */
type AlarmSpec = Pick<cloudwatch.AlarmProps, 'alarmDescription' | 'metric'> &
  Partial<Pick<cloudwatch.AlarmProps, 'threshold' | 'evaluationPeriods'>>;

/**
 * The operator's view: one alert topic, a dashboard of the whole flow, alarms for the failure modes that
 * need a human (dead letters, lagging consumers, failing handlers, a failed KPI job) and the KPI job's
 * end states forwarded to the same topic.
 */
export class MonitoringStack extends Stack {
  readonly alertTopic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;
  readonly businessDashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, props);
    const { settings, data, pipeline, analytics, liveMetrics } = props;
    const applicationId = analytics.emrApplication.attrApplicationId;

    // Alarm and event notifications are sensitive enough to encrypt, and CloudWatch and EventBridge can
    // only publish to an encrypted topic whose key lets them; the AWS-managed SNS key does not.
    const topicKey = new kms.Key(this, 'AlertTopicKey', {
      alias: `alias/${settings.prefix}-alerts`,
      description: `Encrypts the tripstream alert topic (${settings.prefix})`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    // Only CloudWatch alarms of this account and region may publish (and use the key to): the conditions keep
    // the service from acting for anyone else's alarm (confused deputy). EventBridge publishes through a role.
    const alarmsOfThisAccount = {
      StringEquals: { 'aws:SourceAccount': this.account },
      ArnLike: { 'aws:SourceArn': `arn:${this.partition}:cloudwatch:${this.region}:${this.account}:alarm:*` },
    };
    topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowAlarmsOfThisAccount',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: alarmsOfThisAccount,
      }),
    );
    this.alertTopic = new sns.Topic(this, 'AlertTopic', {
      topicName: `${settings.prefix}-alerts`,
      displayName: 'Tripstream alerts',
      masterKey: topicKey,
      enforceSSL: true,
    });
    this.alertTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowAlarmsOfThisAccount',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.alertTopic.topicArn],
        conditions: alarmsOfThisAccount,
      }),
    );
    if (props.alertEmail !== undefined) {
      this.alertTopic.addSubscription(new subscriptions.EmailSubscription(props.alertEmail));
    }
    const notify = new actions.SnsAction(this.alertTopic);

    // EventBridge publishes as this role rather than through a topic policy for events.amazonaws.com, which
    // would admit rules of any account; the role trusts only this rule (named, so the ARN is known up front).
    const kpiJobRuleName = `${settings.prefix}-kpi-job-state`;
    const eventsPublisher = new iam.Role(this, 'KpiJobStatePublisherRole', {
      description: 'Lets the KPI job state rule publish to the alert topic',
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': this.account,
            'aws:SourceArn': `arn:${this.partition}:events:${this.region}:${this.account}:rule/${kpiJobRuleName}`,
          },
        },
      }),
    });
    acknowledgeGrantActions(eventsPublisher, ['kms:GenerateDataKey*']);
    new events.Rule(this, 'KpiJobStateRule', {
      ruleName: kpiJobRuleName,
      description: 'Forwards the end state of every daily KPI job run (success, failure, cancellation or timeout) to the alert topic',
      eventPattern: {
        source: ['aws.emr-serverless'],
        detailType: ['EMR Serverless Job Run State Change'],
        detail: { applicationId: [applicationId], state: [...EMR_JOB_FINAL_STATES] },
      },
      targets: [new eventTargets.SnsTopic(this.alertTopic, { role: eventsPublisher })],
    });

    const streamConsumers: readonly (readonly [PipelineFunction, StreamMappingSettings])[] = [
      [pipeline.start, settings.startMapping],
      [pipeline.end, settings.endMapping],
      [pipeline.match, settings.matchMapping],
      [liveMetrics.consumer, settings.liveMetricsMapping],
    ];
    const streamHandlers = streamConsumers.map(([handler]) => handler);
    const handlers: readonly PipelineFunction[] = [...streamHandlers, pipeline.redrive, analytics.kpiTrigger, liveMetrics.api];

    // Every alarm notifies the topic, and a metric without data (a quiet night) is no incident.
    const alarmOn = (id: string, props: AlarmSpec) =>
      new cloudwatch.Alarm(this, id, {
        threshold: 0,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        ...props,
      }).addAlarmAction(notify);
    const kpiJobRuns = (metricName: string, metricPeriod: Duration) =>
      new cloudwatch.Metric({
        namespace: 'AWS/EMRServerless',
        metricName,
        dimensionsMap: { ApplicationId: applicationId },
        period: metricPeriod,
        statistic: 'Sum',
      });

    const deadLetterDepth = data.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
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
      metric: kpiJobRuns('FailedJobs', period),
    });
    // The kpi-trigger publishes the number of late KPI dates on every scheduled run (zero included). A day
    // without it is not breaching: before the first scheduled run there is no check to miss, and a check that
    // did not run has its own alarms (the schedule's dropped or failed invocations, the trigger's errors).
    new cloudwatch.Alarm(this, 'KpiFreshnessAlarm', {
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
          dropped: analytics.kpiScheduleGroup.metricDropped({ period: Duration.days(1), statistic: 'Sum' }),
          failed: analytics.kpiScheduleGroup.metricTargetErrors({ period: Duration.days(1), statistic: 'Sum' }),
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

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: settings.prefix,
      defaultInterval: Duration.hours(3),
    });
    const streams = [data.tripStartStream, data.tripEndStream];
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Stream throughput (records in)',
        left: streams.map((stream) => stream.metricIncomingRecords({ period, statistic: 'Sum' })),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Stream iterator age (ms)',
        left: [
          ...streams.map((stream) => stream.metricGetRecordsIteratorAgeMilliseconds({ period, statistic: 'Maximum' })),
          ...streamHandlers.map(iteratorAge),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Trips completed',
        left: [
          serviceMetric('TripCompleted', { period, statistic: 'Sum' }),
        ],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Handler errors',
        left: handlers.map((handler) => handler.function.metricErrors({ period, statistic: 'Sum' })),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Handler duration p99 (ms)',
        left: handlers.map((handler) => handler.function.metricDuration({ period, statistic: 'p99' })),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Handler throttles',
        left: handlers.map((handler) => handler.function.metricThrottles({ period, statistic: 'Sum' })),
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Retry and dead-letter queue depth',
        left: [
          data.retryQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
          data.retryQueue.metricApproximateNumberOfMessagesNotVisible({ period, statistic: 'Maximum' }),
          deadLetterDepth,
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Trips table throttles',
        left: ['ReadThrottleEvents', 'WriteThrottleEvents'].map((metricName) =>
          data.tripsTable.metric(metricName, { period, statistic: 'Sum' }),
        ),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'KPI job runs',
        left: ['SuccessJobs', 'FailedJobs', 'CancelledJobs'].map((metricName) => kpiJobRuns(metricName, Duration.hours(1))),
        width: 8,
      }),
    );

    this.businessDashboard = businessDashboard(this, settings);
    new CfnOutput(this, STACK_OUTPUTS.alertTopicArn, {
      key: STACK_OUTPUTS.alertTopicArn,
      value: this.alertTopic.topicArn,
      description: 'SNS topic of every alarm and KPI job end state (subscribe on-call here)',
    });
  }
}

/** The match handler's count of trips left open (lambdas/common/observability.ts, Outcome). */
const OPEN_STARTS_EXPIRED_METRIC = 'OpenStartsExpired';

/**
 * A stream consumer's IteratorAge alarm threshold: its mapping's batching window (a record may wait that long
 * by design, e.g. match's 300 s), plus one function timeout (the batch being processed), plus the lag the
 * environment tolerates beyond both (alarms.iteratorAgeMsThreshold).
 */
export function iteratorAgeThresholdMs(mapping: StreamMappingSettings, settings: PipelineSettings): number {
  return (mapping.maxBatchingWindowSeconds + settings.handlers.timeoutSeconds) * 1000 + settings.alarms.iteratorAgeMsThreshold;
}

/**
 * The business view beside the operator's: trips completing and fares earned per 5 minutes (from the live
 * metrics consumer, counted once like its windows), dead letters by reason, and the daily KPI runs.
 */
function businessDashboard(scope: Construct, settings: PipelineSettings): cloudwatch.Dashboard {
  const live = (metricName: string, label: string) =>
    serviceMetric(metricName, { period, statistic: 'Sum', label });
  const dashboard = new cloudwatch.Dashboard(scope, 'BusinessDashboard', {
    dashboardName: `${settings.prefix}-business`,
    defaultInterval: Duration.days(1),
  });
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({ title: 'Trips completed per 5 minutes', left: [live('LiveTripsCompleted', 'trips')], width: 12 }),
    new cloudwatch.GraphWidget({ title: 'Fares of completed trips per 5 minutes', left: [live('LiveCompletedFare', 'total fare')], width: 12 }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Dead letters by reason',
      left: DEAD_LETTER_REASONS.map(
        (reason) => serviceMetric('DeadLettered', { period, statistic: 'Sum', label: reason, dimensions: { reason } }),
      ),
      stacked: true,
      width: 12,
    }),
    new cloudwatch.SingleValueWidget({
      title: 'Trips completed today (live)',
      metrics: [live('LiveTripsCompleted', 'trips').with({ period: Duration.days(1) })],
      width: 12,
    }),
  );
  return dashboard;
}

/** Lambda's own view of how far behind the stream its mapping is: what the on-call person acts on. */
/** One of the handlers' own EMF metrics (namespace and service dimension as lambdas/common/observability.ts publishes them). */
function serviceMetric(metricName: string, props: { period: Duration; statistic: string; label?: string; dimensions?: Record<string, string> }): cloudwatch.Metric {
  const { dimensions, ...rest } = props;
  return new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: SERVICE_NAME, ...dimensions }, ...rest });
}

function iteratorAge(handler: PipelineFunction): cloudwatch.IMetric {
  return handler.function.metric('IteratorAge', { period, statistic: 'Maximum' });
}
