import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { type PipelineSettings, STACK_OUTPUTS, type StreamMappingSettings } from '../config';
import { addAlertTopic, forwardKpiJobStates } from '../constructs/alert-topic';
import { businessDashboard, operationsDashboard } from '../constructs/monitoring-dashboards';
import { addPipelineAlarms } from '../constructs/pipeline-alarms';
import type { PipelineFunction } from '../constructs/pipeline-function';
import type { AnalyticsStack } from './analytics-stack';
import type { DataStack } from './data-stack';
import type { LiveMetricsStack } from './live-metrics-stack';
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

    this.alertTopic = addAlertTopic(this, settings, props.alertEmail);
    forwardKpiJobStates(this, { settings, topic: this.alertTopic, applicationId });

    const streamConsumers: readonly (readonly [PipelineFunction, StreamMappingSettings])[] = [
      [pipeline.start, settings.startMapping],
      [pipeline.end, settings.endMapping],
      [pipeline.match, settings.matchMapping],
      [liveMetrics.consumer, settings.liveMetricsMapping],
    ];
    const streamHandlers = streamConsumers.map(([handler]) => handler);
    const handlers: readonly PipelineFunction[] = [...streamHandlers, pipeline.redrive, analytics.kpiTrigger, liveMetrics.api];
    const deadLetterDepth = addPipelineAlarms(this, {
      settings,
      topic: this.alertTopic,
      deadLetterQueue: data.deadLetterQueue,
      streamConsumers,
      handlers,
      applicationId,
      kpiScheduleGroup: analytics.kpiScheduleGroup,
    });

    this.dashboard = operationsDashboard(this, {
      settings,
      streams: [data.tripStartStream, data.tripEndStream],
      streamHandlers,
      handlers,
      retryQueue: data.retryQueue,
      deadLetterDepth,
      tripsTable: data.tripsTable,
      applicationId,
    });
    this.businessDashboard = businessDashboard(this, settings);
    new CfnOutput(this, STACK_OUTPUTS.alertTopicArn, {
      key: STACK_OUTPUTS.alertTopicArn,
      value: this.alertTopic.topicArn,
      description: 'SNS topic of every alarm and KPI job end state (subscribe on-call here)',
    });
  }
}
