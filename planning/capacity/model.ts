/**
 * The capacity model: for an environment's settings and a run's measured requests per trip (the cost model's
 * inputs, planning/cost), the load every component carries at a sustained feed of N trips/s, the AWS limit it meets,
 * and its headroom (limit / load). The first wall is the component with the least headroom. Pure: no I/O.
 *
 * Three kinds of component: `rate` loads grow with the feed and are held to 2x headroom at the design rate;
 * `count` loads (readers of a shard, pollers) do not grow with it and are held to their limit; a `latency` (a
 * completion's time to the metrics API) is bounded by batching windows, not by the feed, and is held to its
 * budget at the rate asked (docs/capacity.md).
 */
import { type EnvironmentName, LIVE_LATENCY_BUDGET_SECONDS, type PipelineSettings, type StreamMappingSettings } from '../../lib/config';
import {
  type DeployedFootprint,
  deployedFootprint,
  type MappingFootprint,
  MODEL_ASSUMPTIONS,
  type ModelAssumptions,
} from '../cost/footprint';
import { flushSecondsOf, liveBatch, tripsStreamShards as tripsStreamShardsAt, tripsTableWriteUnitsPerTrip } from '../cost/model';
import type { RunMeasurements } from '../cost/run-measurements';
import { CAPACITY_ASSUMPTIONS, type CapacityAssumptions } from './assumptions';
import { AWS_LIMITS, type AwsLimit, type LimitSource, OWN_LIMIT_SOURCES } from './limits';
import { liveMetricsLoad } from './live-metrics-load';

/** The headroom every `rate` component keeps at the environment's design rate. */
export const REQUIRED_HEADROOM = 2;

type ComponentKind = 'rate' | 'count' | 'latency';

export interface CapacityComponent {
  readonly component: string;
  readonly kind: ComponentKind;
  readonly load: number;
  readonly limit: number;
  readonly unit: string;
  /** The limit, named as its source names it. */
  readonly limitName: string;
  readonly source: LimitSource;
  /** limit / load: how many times the load the component carries before it meets its limit. */
  readonly headroom: number;
}

export interface CapacityInput {
  readonly run: RunMeasurements;
  readonly settings: PipelineSettings;
  readonly environment: EnvironmentName | string;
  readonly tripsPerSecond: number;
  readonly assumptions?: CapacityAssumptions;
  readonly costAssumptions?: ModelAssumptions;
}

export interface KpiJobLoad {
  /** Trips a scheduled run reads: yesterday and the look-back days, at the rate. */
  readonly tripsPerRun: number;
  readonly inputGb: number;
  readonly vcpus: number;
  readonly minutes: number;
}

export interface CapacityReport {
  readonly environment: string;
  readonly tripsPerSecond: number;
  readonly designTripsPerSecond: number;
  readonly components: readonly CapacityComponent[];
  /** What breaks first as the feed grows: the rate component with the least headroom (or a count over its limit). */
  readonly firstWall: CapacityComponent;
  /** Whether every component keeps its required headroom at this rate (rate: 2x, count: 1x). */
  readonly holds: boolean;
  readonly derived: {
    readonly recordsPerTrip: { readonly start: number; readonly end: number };
    readonly tripsTableWriteUnitsPerTrip: number;
    /** Trips-table stream shards: one per table partition, and a partition takes 1,000 write units/s. */
    readonly tripsStreamShards: number;
    readonly kpiJob: KpiJobLoad;
  };
  readonly assumptions: CapacityAssumptions;
}

const MB = 1_000_000;
const SECONDS_PER_DAY = 86_400;

function round(value: number, digits = 3): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Four significant digits: loads and headrooms span from thousandths to millions. */
function significant(value: number): number {
  return Number(value.toPrecision(4));
}

function requests(run: RunMeasurements, service: string, operation: string): number {
  return run.aws_requests[service]?.[operation] ?? 0;
}

/** The largest whole number of vCPUs, GB or GB of disk in an EMR Serverless capacity string ("8 vCPU", "32 GB"). */
function capacityQuantity(value: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(vCPU|GB)\s*$/i.exec(value);
  if (match === null) throw new RangeError(`not an EMR Serverless capacity: ${value}`);
  return Number(match[1]);
}

/**
 * A worker's memory for Spark's: Spark adds 10% for the JVM's own use (at least 384 MB) and EMR Serverless gives
 * a worker whole GB (a 14 GB executor takes a 16 GB worker).
 */
function workerMemoryGb(sparkMemoryGb: number): number {
  return Math.ceil(sparkMemoryGb + Math.max(0.384, sparkMemoryGb * 0.1));
}

/** The vCPUs, memory and disk a KPI job run may take at most: its driver and every executor. */
export function kpiJobFootprint(job: PipelineSettings['kpi']['job']) {
  return {
    vcpus: job.driverCores + job.maxExecutors * job.executorCores,
    memoryGb: workerMemoryGb(job.driverMemoryGb) + job.maxExecutors * workerMemoryGb(job.executorMemoryGb),
    /** EMR Serverless gives the driver its default 20 GB of disk. */
    diskGb: 20 + job.maxExecutors * job.executorDiskGb,
    executorCores: job.maxExecutors * job.executorCores,
  };
}

/** What a scheduled KPI run reads at `tripsPerSecond` and how long it takes on the job's executors. */
export function kpiJobLoad(
  settings: PipelineSettings,
  tripsPerSecond: number,
  assumptions: CapacityAssumptions = CAPACITY_ASSUMPTIONS,
): KpiJobLoad {
  const tripsPerRun = tripsPerSecond * SECONDS_PER_DAY * (settings.kpi.lookbackDays + 1);
  const { vcpus, executorCores } = kpiJobFootprint(settings.kpi.job);
  const workMinutes = tripsPerRun / (assumptions.kpiJobTripsPerSecondPerCore * executorCores) / 60;
  return {
    tripsPerRun,
    inputGb: (tripsPerRun * assumptions.stagedBytesPerTrip) / 1e9,
    vcpus,
    minutes: assumptions.kpiJobStartMinutes + workMinutes,
  };
}

interface Lane {
  readonly lanes: number;
  readonly loadPerLane: number;
  readonly capacityPerLane: number;
  readonly fullBatchSeconds: number;
}

/**
 * A mapping's lanes (shards x parallelization factor), each taking one batch at a time: the records/s a lane
 * gets, and what it can take when its batches are full (batch size, or Lambda's 6 MB payload, over the batch's
 * billed time).
 */
function mappingLane(
  mapping: StreamMappingSettings,
  shards: number,
  handledPerSecond: number,
  handledShare: number,
  handledRecordBytes: number,
  batchSeconds: (records: number) => number,
  costAssumptions: ModelAssumptions,
): Lane {
  const lanes = shards * mapping.parallelizationFactor;
  const payloadCap = costAssumptions.invocationPayloadBytes / handledRecordBytes;
  const fullBatch = Math.min(mapping.batchSize * handledShare, payloadCap);
  const fullBatchSeconds = batchSeconds(fullBatch);
  return { lanes, loadPerLane: handledPerSecond / lanes, capacityPerLane: fullBatch / fullBatchSeconds, fullBatchSeconds };
}

function billedBatchSeconds(handler: keyof ModelAssumptions['billedMs'], costAssumptions: ModelAssumptions) {
  const billed = costAssumptions.billedMs[handler];
  return (records: number) => (billed.perInvocation + records * billed.perRecord) / 1000;
}

/** The capacity report of an environment at `tripsPerSecond` (pure: no I/O). */
export function capacityReport(input: CapacityInput): CapacityReport {
  const assumptions = input.assumptions ?? CAPACITY_ASSUMPTIONS;
  const costAssumptions = input.costAssumptions ?? MODEL_ASSUMPTIONS;
  const { run, settings, tripsPerSecond: rate } = input;
  if (!(run.trips_completed > 0)) throw new Error('the run completed no trips: nothing to divide its requests by');
  if (!(rate > 0) || !Number.isFinite(rate)) throw new RangeError(`trips per second must be positive, got ${rate}`);
  const trips = run.trips_completed;
  const components: CapacityComponent[] = [];
  const add = (
    component: string,
    kind: ComponentKind,
    load: number,
    unit: string,
    limit: AwsLimit | { value: number; name: string; source: LimitSource },
  ) =>
    components.push({
      component,
      kind,
      load: significant(load),
      limit: limit.value,
      unit,
      limitName: limit.name,
      source: limit.source,
      headroom: significant(limit.value / load),
    });

  const recordsPerTrip = { start: run.sent.start / trips, end: run.sent.end / trips };
  const footprint = deployedFootprint(settings, costAssumptions);
  addStreamComponents(add, settings, rate, recordsPerTrip, footprint, costAssumptions);

  const tripsStream = addTripsTableComponents(add, settings, rate, run, footprint, costAssumptions);
  addQueueAndServiceComponents(add, settings, rate, run, recordsPerTrip, footprint, tripsStream, assumptions, costAssumptions);
  addFreshnessComponent(add, settings, rate, recordsPerTrip, footprint, tripsStream, assumptions, costAssumptions);
  const job = addKpiJobComponents(add, settings, rate, assumptions);

  const firstWall = firstWallOf(components);
  return {
    environment: input.environment,
    tripsPerSecond: rate,
    designTripsPerSecond: settings.designTripsPerSecond,
    components,
    firstWall,
    holds: components.every(keepsHeadroom),
    derived: {
      recordsPerTrip: { start: round(recordsPerTrip.start, 4), end: round(recordsPerTrip.end, 4) },
      tripsTableWriteUnitsPerTrip: round(tripsStream.tripWriteUnitsPerTrip, 4),
      tripsStreamShards: tripsStream.tripsStreamShards,
      kpiJob: { tripsPerRun: job.tripsPerRun, inputGb: round(job.inputGb, 2), vcpus: job.vcpus, minutes: round(job.minutes, 1) },
    },
    assumptions,
  };
}

interface TripsStreamLoad {
  readonly tripWriteUnitsPerTrip: number;
  readonly tripsStreamShards: number;
  readonly matchLanes: number;
  readonly liveLanes: number;
  /** Billed time of a live-metrics final invocation at this rate: the shard's flush of its tumbling window (s). */
  readonly liveFlushSeconds: number;
}

/** What the trips table, its stream and the stream's two mappings (match, live metrics) carry at `rate`. */
function addTripsTableComponents(
  add: Parameters<typeof addMapping>[0],
  settings: CapacityInput['settings'],
  rate: number,
  run: CapacityInput['run'],
  footprint: DeployedFootprint,
  costAssumptions: ModelAssumptions,
): TripsStreamLoad {
  // The trips table: the measured trip writes (conditional failures and retries included), one unit each.
  const tripWriteUnitsPerTrip = tripsTableWriteUnitsPerTrip(run, costAssumptions);
  const tripWriteUnits = rate * tripWriteUnitsPerTrip;
  add('trips table: writes (WRU/s)', 'rate', tripWriteUnits, 'WRU/s', AWS_LIMITS.dynamodbOnDemandTableWriteUnits);
  // A trip's item takes its writes (start, end, retries) within its trip: all of them within one second at worst.
  add('trips table: hottest item (WRU/s)', 'rate', tripWriteUnitsPerTrip, 'WRU/s', AWS_LIMITS.dynamodbPartitionWriteUnits);
  const tripsStreamShards = tripsStreamShardsAt(rate, tripWriteUnitsPerTrip, costAssumptions);
  add('trips table stream: readers per shard (match, live metrics)', 'count', 2, 'readers', AWS_LIMITS.dynamodbStreamReadersPerShard);
  // A trips-stream mapping's lanes: its filter passes `recordsPerTrip` of the stream's records of a trip.
  const tripsStreamLane = (mapping: StreamMappingSettings, recordsPerTrip: number, batchSeconds: (records: number) => number) =>
    mappingLane(
      mapping,
      tripsStreamShards,
      rate * recordsPerTrip,
      recordsPerTrip / costAssumptions.streamRecordsPerTrip,
      costAssumptions.streamRecordEventBytes,
      batchSeconds,
      costAssumptions,
    );
  const matchLane = tripsStreamLane(
    settings.matchMapping,
    costAssumptions.matchRecordsPerTrip,
    billedBatchSeconds('match', costAssumptions),
  );
  addMapping(add, 'match mapping', matchLane, settings.handlers.timeoutSeconds);
  // Staged files land under one prefix per day: one PUT per batch and date.
  const matchMapping: MappingFootprint = { ...footprint.mappings.match, lanes: matchLane.lanes };
  const matchBatch = liveBatch(
    matchMapping,
    rate,
    costAssumptions.streamRecordsPerTrip,
    costAssumptions.matchRecordsPerTrip,
    costAssumptions.streamRecordEventBytes,
    costAssumptions,
  );
  add('staged trips: S3 PUTs per day prefix', 'rate', rate * matchBatch.invocationsPerTrip, 'PUT/s', AWS_LIMITS.s3PutsPerPrefix);

  const live = liveMetricsLoad({
    tripsPerSecond: rate,
    streamShards: tripsStreamShards,
    flushSeconds: flushSecondsOf(settings.liveMetricsMapping),
    costAssumptions,
  });
  const liveLane = tripsStreamLane(settings.liveMetricsMapping, costAssumptions.liveMetricsRecordsPerTrip, live.batchSeconds);
  addMapping(add, 'live-metrics mapping', liveLane, settings.handlers.timeoutSeconds);
  add('metrics table: writes (WRU/s)', 'rate', live.writeUnitsPerSecond, 'WRU/s', AWS_LIMITS.dynamodbOnDemandTableWriteUnits);
  add(
    'metrics table: hottest partition key (WRU/s)',
    'rate',
    live.hottestKeyWriteUnitsPerSecond,
    'WRU/s',
    AWS_LIMITS.dynamodbPartitionWriteUnits,
  );

  const flushSeconds = flushSecondsOf(settings.liveMetricsMapping);
  const liveRecordsPerFlush = ((rate * costAssumptions.liveMetricsRecordsPerTrip) / tripsStreamShards) * flushSeconds;
  return {
    tripWriteUnitsPerTrip,
    tripsStreamShards,
    matchLanes: matchLane.lanes,
    liveLanes: liveLane.lanes,
    liveFlushSeconds: live.batchSeconds(liveRecordsPerFlush),
  };
}

/** The retry queue, Firehose's archive, the metrics API, Lambda's concurrency and Athena's bytes at `rate`. */
function addQueueAndServiceComponents(
  add: Parameters<typeof addMapping>[0],
  settings: CapacityInput['settings'],
  rate: number,
  run: CapacityInput['run'],
  recordsPerTrip: { start: number; end: number },
  footprint: DeployedFootprint,
  tripsStream: TripsStreamLoad,
  assumptions: CapacityAssumptions,
  costAssumptions: ModelAssumptions,
): void {
  const trips = run.trips_completed;
  // The retry queue: what failed once (at least the assumed storm share), redriven by its mapping.
  const retried = Math.max(
    (requests(run, 'SQS', 'SendMessage') + requests(run, 'SQS', 'SendMessageBatch')) / trips,
    assumptions.retryShareFloor * (recordsPerTrip.start + recordsPerTrip.end),
  );
  const retriedPerSecond = rate * retried;
  const redrive = settings.redriveMapping;
  const redriveSeconds = billedBatchSeconds('redrive', costAssumptions)(redrive.batchSize);
  add('retry queue: redrive mapping (messages/s)', 'rate', retriedPerSecond, 'messages/s', {
    value: round((redrive.maximumConcurrency * redrive.batchSize) / redriveSeconds, 1),
    name: `the redrive mapping's maximum concurrency (${redrive.maximumConcurrency}) x batch size (${redrive.batchSize}) over a batch's time`,
    source: OWN_LIMIT_SOURCES.settings,
  });
  add(
    'retry queue: in-flight messages',
    'rate',
    retriedPerSecond * assumptions.retryInFlightSeconds,
    'messages',
    AWS_LIMITS.sqsInFlightMessages,
  );

  // Firehose reads each stream as a second reader (above) and writes a compressed object per buffer.
  add(
    'Firehose raw archive: S3 PUTs per stream prefix',
    'count',
    1 / assumptions.firehoseBufferSeconds,
    'PUT/s',
    AWS_LIMITS.s3PutsPerPrefix,
  );

  add('metrics API: requests/s', 'count', assumptions.metricsApiRequestsPerSecond, 'requests/s', {
    value: assumptions.metricsApiStageRateLimit,
    name: `the metrics API stage's throttling rate (${assumptions.metricsApiStageRateLimit} requests/s), under API Gateway's 10,000 requests/s per account`,
    source: OWN_LIMIT_SOURCES.metricsApiStage,
  });

  // Lambda: every lane of every mapping busy at once, the queue mappings at their maximum, the API's share.
  const concurrency =
    2 * footprint.mappings.start.lanes +
    tripsStream.matchLanes +
    tripsStream.liveLanes +
    settings.redriveMapping.maximumConcurrency +
    settings.failedBatchMapping.maximumConcurrency +
    // the kpi-trigger: one scheduled invocation a day
    1 +
    Math.ceil((assumptions.metricsApiRequestsPerSecond * assumptions.metricsApiRequestMs) / 1000);
  add('Lambda: concurrent executions at most (every lane busy)', 'rate', concurrency, 'executions', AWS_LIMITS.lambdaConcurrentExecutions);

  // Athena: the saved query of a day's staged trips reads that day's JSON.
  add(
    'Athena: bytes scanned by one day of completed_trips',
    'rate',
    (rate * SECONDS_PER_DAY * assumptions.stagedBytesPerTrip) / 1e9,
    'GB',
    {
      value: round(settings.athena.bytesScannedCutoffPerQuery / 1e9, 3),
      name: "the workgroup's bytes-scanned cutoff per query",
      source: OWN_LIMIT_SOURCES.athenaWorkgroup,
    },
  );
}

/**
 * How long a completion takes to show in the metrics API, at p99 (docs/contracts.md §6b): its end waits for the
 * end mapping's batch (the batching window, or less when the batch fills first) after reaching the stream, the
 * batch is handled, the completion reaches the trips table's stream, waits for its tumbling window to close and
 * is in the API once that window's final invocation has put the partials. The waits are whole windows (a record
 * at a window's start waits all of it); the propagation of each stream is an assumption.
 */
function addFreshnessComponent(
  add: Parameters<typeof addMapping>[0],
  settings: CapacityInput['settings'],
  rate: number,
  recordsPerTrip: { start: number; end: number },
  footprint: DeployedFootprint,
  tripsStream: TripsStreamLoad,
  assumptions: CapacityAssumptions,
  costAssumptions: ModelAssumptions,
): void {
  const end = settings.endMapping;
  const endPerLane = (rate * recordsPerTrip.end) / footprint.mappings.end.lanes;
  const endWaitSeconds = Math.min(end.maxBatchingWindowSeconds, end.batchSize / endPerLane);
  const endBatchRecords = Math.min(end.batchSize, 1 + endPerLane * end.maxBatchingWindowSeconds);
  const endBatchSeconds = billedBatchSeconds('end', costAssumptions)(endBatchRecords);
  const seconds =
    assumptions.kinesisPropagationSeconds +
    endWaitSeconds +
    endBatchSeconds +
    assumptions.tableStreamPropagationSeconds +
    flushSecondsOf(settings.liveMetricsMapping) +
    tripsStream.liveFlushSeconds;
  add('live metrics: a completion to the metrics API, p99 (s)', 'latency', seconds, 's', {
    value: LIVE_LATENCY_BUDGET_SECONDS,
    name: `the live metrics' freshness goal: a completion in the API within ${LIVE_LATENCY_BUDGET_SECONDS} s at p99`,
    source: OWN_LIMIT_SOURCES.liveFreshness,
  });
}

/** The daily KPI job's run: its duration against its timeout, its vCPUs and memory against the application's. */
function addKpiJobComponents(
  add: Parameters<typeof addMapping>[0],
  settings: CapacityInput['settings'],
  rate: number,
  assumptions: CapacityAssumptions,
): ReturnType<typeof kpiJobLoad> {
  const job = kpiJobLoad(settings, rate, assumptions);
  add(
    `daily KPI job: duration of a scheduled run (${settings.kpi.lookbackDays + 1} days, ${round(job.inputGb, 1)} GB)`,
    'rate',
    job.minutes,
    'minutes',
    {
      value: settings.kpi.job.timeoutMinutes,
      name: "the job run's execution timeout",
      source: OWN_LIMIT_SOURCES.emrServerlessJobTimeout,
    },
  );
  add('daily KPI job: vCPUs of a run (driver and every executor)', 'count', job.vcpus, 'vCPU', {
    value: capacityQuantity(settings.kpi.maxCapacity.cpu),
    name: "the EMR Serverless application's maximum capacity",
    source: OWN_LIMIT_SOURCES.emrServerlessMaximumCapacity,
  });
  add('daily KPI job: memory of a run', 'count', kpiJobFootprint(settings.kpi.job).memoryGb, 'GB', {
    value: capacityQuantity(settings.kpi.maxCapacity.memory),
    name: "the EMR Serverless application's maximum capacity",
    source: OWN_LIMIT_SOURCES.emrServerlessMaximumCapacity,
  });

  return job;
}

/** Kinesis: each stream's shards take the producer's records; the handler's mapping and Firehose read them. */
function addStreamComponents(
  add: Parameters<typeof addMapping>[0],
  settings: CapacityInput['settings'],
  rate: number,
  recordsPerTrip: { start: number; end: number },
  footprint: ReturnType<typeof deployedFootprint>,
  costAssumptions: ModelAssumptions,
): void {
  const provisioned = settings.kinesis.capacityMode === 'PROVISIONED';
  const streamShards = footprint.mappings.start.lanes / settings.startMapping.parallelizationFactor;
  const recordMb = costAssumptions.eventRecordBytes / MB;
  const streamReaders = 2;
  for (const [kind, mapping, handler] of [
    ['start', settings.startMapping, 'start'],
    ['end', settings.endMapping, 'end'],
  ] as const) {
    const recordsPerSecond = rate * recordsPerTrip[kind];
    if (provisioned) {
      add(
        `trip-${kind} stream: shard writes (records/s)`,
        'rate',
        recordsPerSecond / streamShards,
        'records/s',
        AWS_LIMITS.kinesisShardWriteRecords,
      );
      add(
        `trip-${kind} stream: shard writes (MB/s)`,
        'rate',
        (recordsPerSecond * recordMb) / streamShards,
        'MB/s',
        AWS_LIMITS.kinesisShardWriteMb,
      );
    } else {
      add(`trip-${kind} stream: writes (records/s)`, 'rate', recordsPerSecond, 'records/s', AWS_LIMITS.kinesisOnDemandStreamWriteRecords);
      add(`trip-${kind} stream: writes (MB/s)`, 'rate', recordsPerSecond * recordMb, 'MB/s', AWS_LIMITS.kinesisOnDemandStreamWriteMb);
    }
    add(
      `trip-${kind} stream: shard reads (MB/s, ${streamReaders} readers)`,
      'rate',
      (streamReaders * recordsPerSecond * recordMb) / streamShards,
      'MB/s',
      AWS_LIMITS.kinesisShardReadMb,
    );
    // Lambda's poller and Firehose each read a shard about once a second, however busy it is.
    add(
      `trip-${kind} stream: GetRecords per shard (mapping and Firehose)`,
      'count',
      streamReaders,
      'calls/s',
      AWS_LIMITS.kinesisShardReadTransactions,
    );
    const lane = mappingLane(
      mapping,
      streamShards,
      recordsPerSecond,
      1,
      costAssumptions.eventRecordBytes * 2,
      billedBatchSeconds(handler, costAssumptions),
      costAssumptions,
    );
    addMapping(add, `${kind} mapping`, lane, settings.handlers.timeoutSeconds);
  }
}

/** A count over its limit is a wall already; otherwise the wall is the rate component that meets its limit first. */
function firstWallOf(components: readonly CapacityComponent[]): CapacityComponent {
  const overLimit = components.filter((component) => component.kind !== 'rate' && component.headroom < 1);
  const candidates = overLimit.length > 0 ? overLimit : components.filter((component) => component.kind === 'rate');
  return candidates.reduce((lowest, component) => (component.headroom < lowest.headroom ? component : lowest));
}

/** Whether a component keeps the headroom its kind requires (docs/capacity.md). */
export function keepsHeadroom(component: CapacityComponent): boolean {
  return component.headroom >= (component.kind === 'rate' ? REQUIRED_HEADROOM : 1);
}

function addMapping(
  add: (
    component: string,
    kind: ComponentKind,
    load: number,
    unit: string,
    limit: { value: number; name: string; source: LimitSource },
  ) => void,
  name: string,
  lane: Lane,
  timeoutSeconds: number,
): void {
  add(`${name}: records/s per lane (${lane.lanes} lanes)`, 'rate', lane.loadPerLane, 'records/s', {
    value: round(lane.capacityPerLane, 1),
    name: 'what one lane (one batch at a time) handles with full batches',
    source: OWN_LIMIT_SOURCES.settings,
  });
  add(`${name}: time of a full batch`, 'rate', lane.fullBatchSeconds, 's', {
    value: timeoutSeconds,
    name: "the handlers' timeout",
    source: OWN_LIMIT_SOURCES.settings,
  });
}
