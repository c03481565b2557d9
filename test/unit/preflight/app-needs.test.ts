import { environments, type PipelineSettings } from '../../../lib/config';
import { concurrencyNeeded, NEW_TABLE_STREAM_SHARDS_ESTIMATE, ON_DEMAND_STREAM_INITIAL_SHARDS } from '../../../ops/preflight/app-needs';

const dev = environments.dev;

function part(settings: PipelineSettings, name: string): number {
  const found = concurrencyNeeded(settings).parts.find((candidate) => candidate.function === name);
  if (found === undefined) throw new Error(`no part for ${name}`);
  return found.concurrency;
}

describe("the app's peak concurrency", () => {
  it('counts every function of the app once, and adds them up', () => {
    // Act
    const need = concurrencyNeeded(dev);

    // Assess
    expect(need.parts.map((candidate) => candidate.function).sort()).toEqual([
      'end',
      'failed-batches',
      'kpi-trigger',
      'live-metrics',
      'match',
      'metrics-api',
      'redrive',
      'start',
    ]);
    expect(need.total).toBe(need.parts.reduce((sum, candidate) => sum + candidate.concurrency, 0));
  });

  it('runs one batch per trip-stream shard and parallelization factor', () => {
    // Prepare
    const wider: PipelineSettings = {
      ...dev,
      kinesis: { ...dev.kinesis, capacityMode: 'PROVISIONED', shardCount: 3 },
      startMapping: { ...dev.startMapping, parallelizationFactor: 4 },
      endMapping: { ...dev.endMapping, parallelizationFactor: 2 },
    };

    // Act & Assess
    expect(part(wider, 'start')).toBe(12);
    expect(part(wider, 'end')).toBe(6);
  });

  it("takes an on-demand stream's initial shards, marked as an estimate", () => {
    // Prepare
    const onDemand: PipelineSettings = { ...dev, kinesis: { ...dev.kinesis, capacityMode: 'ON_DEMAND' } };

    // Act
    const start = concurrencyNeeded(onDemand).parts.find((candidate) => candidate.function === 'start');

    // Assess
    expect(start).toMatchObject({ concurrency: ON_DEMAND_STREAM_INITIAL_SHARDS * dev.startMapping.parallelizationFactor, estimated: true });
  });

  it("estimates the table stream's shards for both of its readers, and says so", () => {
    // Prepare
    const parallel: PipelineSettings = { ...dev, matchMapping: { ...dev.matchMapping, parallelizationFactor: 3 } };

    // Act
    const match = concurrencyNeeded(parallel).parts.find((candidate) => candidate.function === 'match');

    // Assess
    expect(match).toMatchObject({ concurrency: 3 * NEW_TABLE_STREAM_SHARDS_ESTIMATE, estimated: true });
    expect(match?.basis).toContain('estimate');
    expect(part(parallel, 'live-metrics')).toBe(NEW_TABLE_STREAM_SHARDS_ESTIMATE * dev.liveMetricsMapping.parallelizationFactor);
  });

  it("bounds the SQS-driven functions by their mappings' maximum concurrency", () => {
    // Prepare
    const capped: PipelineSettings = {
      ...dev,
      redriveMapping: { ...dev.redriveMapping, maximumConcurrency: 7 },
      failedBatchMapping: { ...dev.failedBatchMapping, maximumConcurrency: 3 },
    };

    // Act & Assess
    expect(part(capped, 'redrive')).toBe(7);
    expect(part(capped, 'failed-batches')).toBe(3);
  });
});
