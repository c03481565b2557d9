import { Aspects, Tags, type Environment } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { SERVICE_NAME, stackNames, type PipelineSettings } from '../config';
import { AnalyticsStack } from './analytics-stack';
import { DataStack } from './data-stack';
import { KmsViaServiceAspect } from './kms-via-service';
import { MonitoringStack } from './monitoring-stack';
import { PipelineStack } from './pipeline-stack';

export interface TripstreamStacks {
  readonly data: DataStack;
  readonly pipeline: PipelineStack;
  readonly analytics: AnalyticsStack;
  readonly monitoring: MonitoringStack;
}

export interface DeployTimeOptions {
  /** Subscribed to the alert topic (`-c alertEmail=...`). */
  readonly alertEmail?: string;
}

/** The four stacks of one environment, wired together; `bin/tripstream.ts` and the tests both build it. */
export function addTripstreamStacks(
  scope: Construct,
  settings: PipelineSettings,
  env?: Environment,
  deployTime: DeployTimeOptions = {},
): TripstreamStacks {
  const names = stackNames(settings);
  const common = { settings, env };
  const data = new DataStack(scope, names.data, {
    ...common,
    description: 'Tripstream stateful resources: key, streams, trips table, buckets, queues',
    terminationProtection: settings.retainData,
  });
  const pipeline = new PipelineStack(scope, names.pipeline, {
    ...common,
    data,
    description: 'Tripstream trip handlers and their event source mappings',
  });
  const analytics = new AnalyticsStack(scope, names.analytics, {
    ...common,
    data,
    description: 'Tripstream daily KPI job (EMR Serverless), schedule, Glue catalog and Athena',
  });
  const monitoring = new MonitoringStack(scope, names.monitoring, {
    ...common,
    data,
    pipeline,
    analytics,
    ...(deployTime.alertEmail === undefined ? {} : { alertEmail: deployTime.alertEmail }),
    description: 'Tripstream alert topic, dashboard and alarms',
  });
  for (const stack of [data, pipeline, analytics, monitoring]) {
    Tags.of(stack).add('project', SERVICE_NAME);
    Tags.of(stack).add('environment', settings.prefix);
    Aspects.of(stack).add(new KmsViaServiceAspect());
  }
  return { data, pipeline, analytics, monitoring };
}
