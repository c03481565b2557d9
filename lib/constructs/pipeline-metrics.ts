/**
 * The metrics the monitoring stack's alarms and dashboards share: the handlers' own EMF metrics, a stream
 * consumer's iterator age, and the KPI job's run counts.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../config';
import type { PipelineFunction } from './pipeline-function';

/** The period of the operator's alarms and graphs. */
export const period = Duration.minutes(5);

/** One of the handlers' own EMF metrics (namespace and service dimension as lambdas/common/observability.ts publishes them). */
export function serviceMetric(
  metricName: string,
  props: { period: Duration; statistic: string; label?: string; dimensions?: Record<string, string> },
): cloudwatch.Metric {
  const { dimensions, ...rest } = props;
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: SERVICE_NAME, ...dimensions },
    ...rest,
  });
}

/** Lambda's own view of how far behind the stream its mapping is: what the on-call person acts on. */
export function iteratorAge(handler: PipelineFunction): cloudwatch.IMetric {
  return handler.function.metric('IteratorAge', { period, statistic: 'Maximum' });
}

/** Job runs of the KPI application that ended one way (SuccessJobs, FailedJobs, CancelledJobs). */
export function kpiJobRuns(applicationId: string, metricName: string, metricPeriod: Duration): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/EMRServerless',
    metricName,
    dimensionsMap: { ApplicationId: applicationId },
    period: metricPeriod,
    statistic: 'Sum',
  });
}
