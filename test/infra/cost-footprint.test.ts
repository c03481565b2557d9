import { type EnvironmentName, environments, LIVE_LATENCY_BUDGET_SECONDS, LOCAL_TIME_SCALE, localSettings } from '../../lib/config';
import { FIXED_RESOURCES } from '../../planning/cost/footprint';
import { synthesizeEnvironmentsBeforeAll } from './synth';

const ENVIRONMENTS = Object.keys(environments) as EnvironmentName[];

describe('what the cost model prices per month', () => {
  const synthesized = synthesizeEnvironmentsBeforeAll();

  function resourcesOf(name: EnvironmentName, type: string): number {
    return Object.values(synthesized[name].templates).reduce((sum, template) => sum + Object.keys(template.findResources(type)).length, 0);
  }

  it.each(ENVIRONMENTS)('counts every alarm, dashboard, customer managed key and stream %s deploys', (name) => {
    // Act
    const deployed = {
      alarms: resourcesOf(name, 'AWS::CloudWatch::Alarm'),
      dashboards: resourcesOf(name, 'AWS::CloudWatch::Dashboard'),
      customerManagedKeys: resourcesOf(name, 'AWS::KMS::Key'),
      streams: resourcesOf(name, 'AWS::Kinesis::Stream'),
    };

    // Assess
    expect(deployed).toEqual({
      alarms: FIXED_RESOURCES.alarms,
      dashboards: FIXED_RESOURCES.dashboards,
      customerManagedKeys: FIXED_RESOURCES.customerManagedKeys,
      streams: FIXED_RESOURCES.streams,
    });
  });

  it.each(ENVIRONMENTS)('counts the SQS queues a Lambda mapping of %s polls', (name) => {
    // Act
    const polledQueues = new Set(
      Object.values(synthesized[name].templates).flatMap((template) =>
        Object.values(template.findResources('AWS::Lambda::EventSourceMapping'))
          .map((mapping) => JSON.stringify((mapping as { Properties: { EventSourceArn: unknown } }).Properties.EventSourceArn))
          .filter((arn) => /Queue|queue/.test(arn)),
      ),
    );

    // Assess
    expect(polledQueues.size).toBe(FIXED_RESOURCES.lambdaPolledQueues);
  });
});

describe('batching windows of live traffic', () => {
  it.each(ENVIRONMENTS)('keep a completion in %s within the live metrics minute: an end window plus a live-metrics window', (name) => {
    // Prepare
    const settings = environments[name];
    const live = settings.liveMetricsMapping;

    // Act: a completion is counted when its tumbling window closes (or its batch is handed over, without one)
    const worstCase =
      Math.max(settings.startMapping.maxBatchingWindowSeconds, settings.endMapping.maxBatchingWindowSeconds) +
      Math.max(live.maxBatchingWindowSeconds, live.tumblingWindowSeconds ?? 0);

    // Assess: at most two thirds of the budget, the rest left to the handlers and the streams
    expect(worstCase).toBeLessThanOrEqual((LIVE_LATENCY_BUDGET_SECONDS * 2) / 3);
  });

  it.each(ENVIRONMENTS)("give %s's match mapping the largest batch and window a DynamoDB Streams mapping allows", (name) => {
    // Act
    const { matchMapping } = environments[name];

    // Assess
    expect(matchMapping).toMatchObject({ batchSize: 10_000, maxBatchingWindowSeconds: 300 });
    // No record ages out while its batch gathers: the table stream's mappings keep records until the stream does.
    expect(matchMapping.maxRecordAgeSeconds).toBe(-1);
  });

  it('are scaled by LOCAL_TIME_SCALE in the local run, batch sizes unchanged', () => {
    // Act
    const { dev } = environments;

    // Assess
    expect(localSettings.matchMapping).toEqual({
      ...dev.matchMapping,
      maxBatchingWindowSeconds: dev.matchMapping.maxBatchingWindowSeconds * LOCAL_TIME_SCALE,
    });
    expect(localSettings.startMapping.maxBatchingWindowSeconds).toBeCloseTo(dev.startMapping.maxBatchingWindowSeconds * LOCAL_TIME_SCALE);
    expect(localSettings.liveMetricsMapping.batchSize).toBe(dev.liveMetricsMapping.batchSize);
  });
});
