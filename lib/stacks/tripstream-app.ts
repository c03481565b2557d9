import { Aspects, DefaultStackSynthesizer, type Environment, Tags } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { type PipelineSettings, SERVICE_NAME, stackNames } from '../config';
import { AnalyticsStack } from './analytics-stack';
import { DataStack } from './data-stack';
import { KmsViaServiceAspect } from './kms-via-service';
import { LiveMetricsStack } from './live-metrics-stack';
import { MonitoringStack } from './monitoring-stack';
import { PipelineStack } from './pipeline-stack';

export interface TripstreamStacks {
  readonly data: DataStack;
  readonly pipeline: PipelineStack;
  readonly analytics: AnalyticsStack;
  readonly monitoring: MonitoringStack;
  readonly liveMetrics: LiveMetricsStack;
}

export interface DeployTimeOptions {
  /** Subscribed to the alert topic (`-c alertEmail=...`). */
  readonly alertEmail?: string;
}

/** What `cdk bootstrap --qualifier` accepts: at most 10 lower-case letters or digits. */
const QUALIFIER_PATTERN = /^[a-z0-9]{1,10}$/;

/**
 * The synthesizer of one stack of the environment: its assets, deploy and lookup roles are those of the
 * environment's own bootstrap qualifier, so a deploy role allowed only that qualifier's roles (bin/github-oidc.ts)
 * can deploy this environment and no other.
 */
export function environmentSynthesizer(settings: PipelineSettings): DefaultStackSynthesizer {
  if (!QUALIFIER_PATTERN.test(settings.bootstrapQualifier)) {
    throw new Error(`bootstrapQualifier must be 1-10 lower-case letters or digits, got "${settings.bootstrapQualifier}"`);
  }
  return new DefaultStackSynthesizer({ qualifier: settings.bootstrapQualifier });
}

/** The five stacks of one environment, wired together; `bin/cdk-app.ts` and the tests both build it. */
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
    synthesizer: environmentSynthesizer(settings),
    description: 'Tripstream stateful resources: key, streams, trips table, buckets, queues',
    terminationProtection: settings.retainData,
  });
  const pipeline = new PipelineStack(scope, names.pipeline, {
    ...common,
    synthesizer: environmentSynthesizer(settings),
    data,
    description: 'Tripstream trip handlers and their event source mappings',
  });
  const analytics = new AnalyticsStack(scope, names.analytics, {
    ...common,
    synthesizer: environmentSynthesizer(settings),
    data,
    description: 'Tripstream daily KPI job (EMR Serverless), schedule, Glue catalog and Athena',
  });
  const liveMetrics = new LiveMetricsStack(scope, names.liveMetrics, {
    ...common,
    synthesizer: environmentSynthesizer(settings),
    data,
    description: 'Tripstream live metrics: the trips stream consumer of 5-minute windows and its IAM-authorised API',
  });
  const monitoring = new MonitoringStack(scope, names.monitoring, {
    ...common,
    synthesizer: environmentSynthesizer(settings),
    data,
    pipeline,
    analytics,
    liveMetrics,
    ...(deployTime.alertEmail === undefined ? {} : { alertEmail: deployTime.alertEmail }),
    description: 'Tripstream alert topic, dashboards and alarms',
  });
  for (const stack of [data, pipeline, analytics, liveMetrics, monitoring]) {
    Tags.of(stack).add('project', SERVICE_NAME);
    Tags.of(stack).add('environment', settings.prefix);
    Aspects.of(stack).add(new KmsViaServiceAspect());
  }
  return { data, pipeline, analytics, monitoring, liveMetrics };
}
