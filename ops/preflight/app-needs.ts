/**
 * What one environment of the app takes from account-wide pools at its peak, computed from its settings
 * alone (nothing deployed is read), so preflight can compare it with the account's quotas before the first
 * deploy.
 */
import type { PipelineSettings } from '../../lib/config';

/**
 * Shards of the trips table's stream, unknown before the table exists: DynamoDB Streams gives each table
 * partition a shard. A new on-demand table serves 4,000 write request units at once and a partition 1,000
 * (AWS, DynamoDB on-demand initial throughput), so it starts with about four; it gains more as it splits
 * under load. An estimate, and the check says so.
 */
export const NEW_TABLE_STREAM_SHARDS_ESTIMATE = 4;

/**
 * Shards of a new ON_DEMAND Kinesis stream: AWS creates it with capacity for 4 MB/s in, four shards, and
 * adds shards as traffic grows.
 */
export const ON_DEMAND_STREAM_INITIAL_SHARDS = 4;

interface ConcurrencyPart {
  /** The function, as its name ends: `<prefix>-<function>`. */
  readonly function: string;
  readonly concurrency: number;
  /** How the figure follows from the settings. */
  readonly basis: string;
  /** True where the figure rests on an estimate rather than on the settings alone. */
  readonly estimated: boolean;
}

export interface ConcurrencyNeed {
  readonly total: number;
  readonly parts: readonly ConcurrencyPart[];
}

/** Open shards of one trip stream right after it is created. */
export function tripStreamShards(settings: PipelineSettings): number {
  return settings.kinesis.capacityMode === 'PROVISIONED' ? settings.kinesis.shardCount : ON_DEMAND_STREAM_INITIAL_SHARDS;
}

/**
 * Concurrent executions of the app's functions at peak. A stream mapping runs at most one batch per shard
 * and parallelization factor at a time; an SQS mapping at most its maximum concurrency; the scheduled
 * kpi-trigger one; the metrics API one per request in flight (counted as one: it answers operators'
 * queries, and the stage's throttle bounds the rest).
 */
export function concurrencyNeeded(settings: PipelineSettings): ConcurrencyNeed {
  const streamShards = tripStreamShards(settings);
  const streamBasis = `${streamShards} shard${streamShards === 1 ? '' : 's'}${settings.kinesis.capacityMode === 'ON_DEMAND' ? ' (on-demand, initial)' : ''}`;
  const tableShards = NEW_TABLE_STREAM_SHARDS_ESTIMATE;
  const parts: ConcurrencyPart[] = [
    {
      function: 'start',
      concurrency: streamShards * settings.startMapping.parallelizationFactor,
      basis: `${streamBasis} x parallelization ${settings.startMapping.parallelizationFactor}`,
      estimated: settings.kinesis.capacityMode === 'ON_DEMAND',
    },
    {
      function: 'end',
      concurrency: streamShards * settings.endMapping.parallelizationFactor,
      basis: `${streamBasis} x parallelization ${settings.endMapping.parallelizationFactor}`,
      estimated: settings.kinesis.capacityMode === 'ON_DEMAND',
    },
    {
      function: 'match',
      concurrency: tableShards * settings.matchMapping.parallelizationFactor,
      basis: `~${tableShards} table-stream shards (estimate) x parallelization ${settings.matchMapping.parallelizationFactor}`,
      estimated: true,
    },
    {
      function: 'live-metrics',
      concurrency: tableShards * settings.liveMetricsMapping.parallelizationFactor,
      basis: `~${tableShards} table-stream shards (estimate) x parallelization ${settings.liveMetricsMapping.parallelizationFactor}`,
      estimated: true,
    },
    {
      function: 'redrive',
      concurrency: settings.redriveMapping.maximumConcurrency,
      basis: 'SQS mapping maximum concurrency',
      estimated: false,
    },
    {
      function: 'failed-batches',
      concurrency: settings.failedBatchMapping.maximumConcurrency,
      basis: 'SQS mapping maximum concurrency',
      estimated: false,
    },
    { function: 'kpi-trigger', concurrency: 1, basis: 'one scheduled run a day', estimated: false },
    { function: 'metrics-api', concurrency: 1, basis: 'one per API request in flight', estimated: true },
  ];
  return { total: parts.reduce((sum, part) => sum + part.concurrency, 0), parts };
}
