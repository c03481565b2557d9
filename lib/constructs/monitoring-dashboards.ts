/**
 * The monitoring stack's two dashboards: the operator's view of the whole flow, and the business view beside it.
 * Built in the stack's own scope (not a nested construct), so the dashboards keep their logical IDs.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { DEAD_LETTER_REASONS } from '../../domain/envelopes';
import type { PipelineSettings } from '../config';
import type { PipelineFunction } from './pipeline-function';
import { iteratorAge, kpiJobRuns, period, serviceMetric } from './pipeline-metrics';

export interface OperationsDashboardProps {
  readonly settings: PipelineSettings;
  readonly streams: readonly kinesis.IStream[];
  readonly streamHandlers: readonly PipelineFunction[];
  readonly handlers: readonly PipelineFunction[];
  readonly retryQueue: sqs.IQueue;
  readonly deadLetterDepth: cloudwatch.IMetric;
  readonly tripsTable: dynamodb.ITable;
  readonly applicationId: string;
}

/** Stream throughput and lag, handler health, queue depths, table throttles and the KPI job's runs. */
export function operationsDashboard(scope: Construct, props: OperationsDashboardProps): cloudwatch.Dashboard {
  const { settings, streams, streamHandlers, handlers, deadLetterDepth, applicationId } = props;
  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', {
    dashboardName: settings.prefix,
    defaultInterval: Duration.hours(3),
  });
  dashboard.addWidgets(
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
      left: [serviceMetric('TripCompleted', { period, statistic: 'Sum' })],
      width: 8,
    }),
  );
  dashboard.addWidgets(
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
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Retry and dead-letter queue depth',
      left: [
        props.retryQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
        props.retryQueue.metricApproximateNumberOfMessagesNotVisible({ period, statistic: 'Maximum' }),
        deadLetterDepth,
      ],
      width: 8,
    }),
    new cloudwatch.GraphWidget({
      title: 'Trips table throttles',
      left: ['ReadThrottleEvents', 'WriteThrottleEvents'].map((metricName) =>
        props.tripsTable.metric(metricName, { period, statistic: 'Sum' }),
      ),
      width: 8,
    }),
    new cloudwatch.GraphWidget({
      title: 'KPI job runs',
      left: ['SuccessJobs', 'FailedJobs', 'CancelledJobs'].map((metricName) => kpiJobRuns(applicationId, metricName, Duration.hours(1))),
      width: 8,
    }),
  );
  return dashboard;
}

/**
 * The business view beside the operator's: trips completing and fares earned per 5 minutes (from the live
 * metrics consumer, counted once like its windows), dead letters by reason, and the daily KPI runs.
 */
export function businessDashboard(scope: Construct, settings: PipelineSettings): cloudwatch.Dashboard {
  const live = (metricName: string, label: string) => serviceMetric(metricName, { period, statistic: 'Sum', label });
  const dashboard = new cloudwatch.Dashboard(scope, 'BusinessDashboard', {
    dashboardName: `${settings.prefix}-business`,
    defaultInterval: Duration.days(1),
  });
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({ title: 'Trips completed per 5 minutes', left: [live('LiveTripsCompleted', 'trips')], width: 12 }),
    new cloudwatch.GraphWidget({
      title: 'Fares of completed trips per 5 minutes',
      left: [live('LiveCompletedFare', 'total fare')],
      width: 12,
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Dead letters by reason',
      left: DEAD_LETTER_REASONS.map((reason) =>
        serviceMetric('DeadLettered', { period, statistic: 'Sum', label: reason, dimensions: { reason } }),
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
