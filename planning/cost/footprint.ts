/**
 * What an environment deploys that the cost model prices: the settings it takes from lib/config.ts
 * (shards, retention, windows, memory) and the resources billed by the month whatever the traffic
 * (alarms, dashboards, keys). test/infra/cost-footprint.test.ts checks the counts against the synthesized
 * templates of every environment, so a new alarm or key cannot go unpriced.
 */
import type { PipelineSettings, StreamMappingSettings } from '../../lib/config';

/** Resources of every environment billed per month, as the stacks synthesize them. */
export const FIXED_RESOURCES = {
  /** AWS::CloudWatch::Alarm, standard resolution. */
  alarms: 16,
  /** AWS::CloudWatch::Dashboard: the operations and the business dashboard. */
  dashboards: 2,
  /** AWS::KMS::Key: the data key and the alert topic's key (the streams use the AWS-managed key). */
  customerManagedKeys: 2,
  /** SQS queues a Lambda mapping polls (retry, failed batches): Lambda's pollers bill ReceiveMessage even when idle. */
  lambdaPolledQueues: 2,
  /** Kinesis streams: trip start and trip end. */
  streams: 2,
} as const;

/**
 * Assumptions the model cannot read from a run or from the settings, each with its reason. They are the
 * model's, shown in every report (`assumptions`), and changed here only with a reason.
 */
export const MODEL_ASSUMPTIONS = {
  /**
   * Size of a completed trip item: the staged row's ~480 bytes (measured on generated samples) plus both
   * halves' bookkeeping (two fingerprints, first-seen times, origins) ~450 bytes: under 1 KB, so one write
   * request unit per UpdateItem. An item over 1 KB would double the trips table's writes.
   */
  tripItemBytes: 950,
  /** A Kinesis trip event as the producer sends it (one CSV row as JSON), rounded up for on-demand's 1 KB. */
  eventRecordBytes: 400,
  /** Bytes of a trips-table stream record with both images in a Lambda event (the 6 MB payload cap). */
  streamRecordEventBytes: 2_000,
  /** Lambda's synchronous invocation payload limit. */
  invocationPayloadBytes: 6 * 1024 * 1024,
  /**
   * Trips-table stream records per trip: INSERT of the first half, MODIFY completing it, REMOVE when its
   * TTL expires. The match mapping's filter passes one of them (the completion), the live-metrics filter two.
   */
  streamRecordsPerTrip: 3,
  matchRecordsPerTrip: 1,
  liveMetricsRecordsPerTrip: 2,
  /**
   * Open shards of the trips table's stream. A stream has a shard per table partition, and a table of this
   * traffic fits one; each shard batches on its own, so more shards mean proportionally more staged files.
   */
  tableStreamShards: 1,
  /** Distinct vendors and pickup locations a batch's completions spread over (the live-metrics windows). */
  vendors: 2,
  pickupLocations: 265,
  /**
   * A live-metrics partial's size by DynamoDB's rules (attribute names + values; a number is 1 byte per two
   * significant digits + 1): keys, entity, window start, shard id, mark and expiry ~300 bytes; per id in its
   * `sums` map, the id (up to 3 bytes), the list (3 + 1 per element) and three numbers (trips, fare in
   * millionths, duration in ms; up to 2, 7 and 7 bytes) ~25 bytes, taken as 28.
   */
  metricsPartial: { itemBytes: 300, bytesPerId: 28 },
  /** Billed time of an invocation: a fixed part and a part per record it handles (the run measures none). */
  billedMs: {
    start: { perInvocation: 20, perRecord: 4 },
    end: { perInvocation: 20, perRecord: 4 },
    match: { perInvocation: 60, perRecord: 0.2 },
    'live-metrics': { perInvocation: 20, perRecord: 1 },
    redrive: { perInvocation: 20, perRecord: 5 },
    'failed-batches': { perInvocation: 30, perRecord: 30 },
  },
  /** CloudWatch Logs bytes per invocation: START/END/REPORT lines and the Powertools metrics (EMF) line. */
  logBytesPerInvocation: 1_500,
  /** Custom metrics the handlers publish (Powertools): ColdStart per function, the live and dead-letter metrics. */
  customMetrics: 20,
  /** Lambda's pollers of a standard queue: five long polls of 20 s at a time, traffic or not. */
  idleQueuePollsPerMonth: 5 * ((730 * 3600) / 20),
  /** The daily KPI job: workers (driver and executors, 4 vCPU / 16 GB each) and the minutes they are billed. */
  kpiJob: { runsPerMonth: 30, workers: 3, vcpuPerWorker: 4, gbPerWorker: 16, minutes: 4 },
  /** Staged rows and raw archive bytes per trip kept in S3 for a month (staged JSON, gzip'd raw records). */
  s3BytesPerTripMonth: 700,
} as const;

export type ModelAssumptions = typeof MODEL_ASSUMPTIONS;

export interface MappingFootprint {
  readonly batchSize: number;
  readonly windowSeconds: number;
  /** Batches gathered side by side: shards x parallelization factor. */
  readonly lanes: number;
}

export interface DeployedFootprint {
  readonly kinesis: PipelineSettings['kinesis'];
  readonly memoryMb: number;
  readonly mappings: {
    readonly start: MappingFootprint;
    readonly end: MappingFootprint;
    readonly match: MappingFootprint;
    readonly 'live-metrics': MappingFootprint;
  };
}

function lanesOf(mapping: StreamMappingSettings, shards: number): number {
  return shards * mapping.parallelizationFactor;
}

/** The deployed footprint of an environment's settings. */
export function deployedFootprint(settings: PipelineSettings, assumptions: ModelAssumptions = MODEL_ASSUMPTIONS): DeployedFootprint {
  // On-demand streams start at four shards (AWS's default write capacity of 4 MB/s).
  const kinesisShards = settings.kinesis.capacityMode === 'PROVISIONED' ? settings.kinesis.shardCount : 4;
  const mapping = (mappingSettings: StreamMappingSettings, shards: number): MappingFootprint => ({
    batchSize: mappingSettings.batchSize,
    windowSeconds: mappingSettings.maxBatchingWindowSeconds,
    lanes: lanesOf(mappingSettings, shards),
  });
  return {
    kinesis: settings.kinesis,
    memoryMb: settings.handlers.memorySizeMb,
    mappings: {
      start: mapping(settings.startMapping, kinesisShards),
      end: mapping(settings.endMapping, kinesisShards),
      match: mapping(settings.matchMapping, assumptions.tableStreamShards),
      'live-metrics': mapping(settings.liveMetricsMapping, assumptions.tableStreamShards),
    },
  };
}
