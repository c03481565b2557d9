/**
 * The cost model: what a deployed environment costs per 1M completed trips and per month, per service, from
 * a local run's measured requests (summary.json), the environment's settings and the price table.
 *
 * Two traffic cases, priced alike:
 * - `measured`: the run's own batching, request for request (per completed trip). A run sent as fast as the
 *   producer goes fills its batches the way a replay does.
 * - `live`: a feed of `tripsPerMonth` trips arriving evenly. What does not depend on batching is taken from
 *   the run (writes per trip, retries, dead letters); what does (invocations, staged files, live-metrics
 *   transactions) is derived from each mapping's window, batch size and lanes at that rate.
 * Fixed costs (shard-hours, stream-hours, alarms, dashboards, keys, idle queue polling, the daily KPI job)
 * are apart: they are paid per month whatever the traffic.
 */

import type { PipelineSettings, StreamMappingSettings } from '../../lib/config';
import { AWS_LIMITS } from '../capacity/limits';
import {
  type DeployedFootprint,
  deployedFootprint,
  FIXED_RESOURCES,
  type MappingFootprint,
  MODEL_ASSUMPTIONS,
  type ModelAssumptions,
} from './footprint';
import { PRICES_US_EAST_1, type PricedService, type PriceTable } from './prices';
import type { RunMeasurements } from './run-measurements';

const STREAM_HANDLERS = ['start', 'end', 'match', 'live-metrics'] as const;
type StreamHandler = (typeof STREAM_HANDLERS)[number];
const QUEUE_HANDLERS = ['redrive', 'failed-batches'] as const;
type Handler = StreamHandler | (typeof QUEUE_HANDLERS)[number];

type TrafficCase = 'measured' | 'live';

export interface CostInput {
  readonly run: RunMeasurements;
  readonly settings: PipelineSettings;
  /** The environment's name as reports show it. */
  readonly environment: string;
  readonly tripsPerMonth: number;
  readonly prices?: PriceTable;
  readonly assumptions?: ModelAssumptions;
}

/** One priced quantity of a traffic case, per 1M completed trips. */
interface VariableLine {
  readonly service: PricedService;
  readonly item: string;
  readonly quantityPerMillionTrips: number;
  readonly unit: string;
  readonly dollarsPerMillionTrips: number;
}

interface FixedLine {
  readonly service: PricedService;
  readonly item: string;
  readonly quantityPerMonth: number;
  readonly unit: string;
  readonly dollarsPerMonth: number;
}

interface BatchingFigures {
  /** Invocations of each handler per 1,000 completed trips. */
  readonly invocationsPerThousandTrips: Readonly<Record<Handler, number>>;
  readonly totalInvocationsPerThousandTrips: number;
  /** Records each stream handler gets per invocation. */
  readonly recordsPerInvocation: Readonly<Record<StreamHandler, number>>;
  readonly stagedPutsPerThousandTrips: number;
}

export interface TrafficCost {
  readonly case: TrafficCase;
  readonly dollarsPerMillionTrips: number;
  readonly byService: Readonly<Partial<Record<PricedService, number>>>;
  readonly lines: readonly VariableLine[];
  readonly batching: BatchingFigures;
}

export interface CostReport {
  readonly environment: string;
  readonly tripsPerMonth: number;
  /** The deployed rate `live` models: tripsPerMonth spread evenly over the month. */
  readonly tripsPerSecond: number;
  readonly prices: { readonly region: string; readonly compiledOn: string; readonly sources: Readonly<Record<PricedService, string>> };
  readonly run: { readonly tripsCompleted: number };
  readonly footprint: DeployedFootprint;
  readonly measured: TrafficCost;
  readonly live: TrafficCost;
  readonly fixed: {
    readonly dollarsPerMonth: number;
    readonly byService: Readonly<Partial<Record<PricedService, number>>>;
    readonly lines: readonly FixedLine[];
  };
  /** A month of the live case: its variable cost at tripsPerMonth, the fixed costs, and both. */
  readonly perMonth: { readonly variable: number; readonly fixed: number; readonly total: number };
  /** Operations of the run the model does not price, and why (set-up, Lambda's own polling, unknown). */
  readonly unpricedOperations: readonly { readonly operation: string; readonly count: number; readonly reason: string }[];
  readonly assumptions: ModelAssumptions;
}

const MILLION = 1_000_000;
const SECONDS_PER_MONTH_OF = (prices: PriceTable) => prices.hoursPerMonth * 3600;
const GB = 1024 ** 3;

/**
 * How the model treats each operation the local run counts. `setup`: the local run creating its resources
 * (CloudFormation does it once on AWS). `poller`: requests Lambda's event source mappings make themselves:
 * Kinesis reads are in the shard-hour (provisioned) or priced per GB (on-demand), DynamoDB Streams reads by
 * Lambda are free, and SQS polling is priced per message (receive + delete) and as the idle polling fixed cost.
 * `kpi-job`: the daily job's own reads and writes (in its fixed cost).
 */
const OPERATION_ROLES: Readonly<Record<string, Readonly<Record<string, 'setup' | 'poller' | 'kpi-job' | 'priced'>>>> = {
  DynamoDB: {
    CreateTable: 'setup',
    DescribeTable: 'setup',
    UpdateTimeToLive: 'setup',
    UpdateItem: 'priced',
    TransactWriteItems: 'priced',
    PutItem: 'priced',
    GetItem: 'priced',
    DeleteItem: 'priced',
    Query: 'priced',
  },
  DynamoDBStreams: { DescribeStream: 'poller', GetRecords: 'poller', GetShardIterator: 'poller', ListStreams: 'poller' },
  Kinesis: {
    CreateStream: 'setup',
    DescribeStreamSummary: 'setup',
    ListShards: 'poller',
    GetRecords: 'poller',
    GetShardIterator: 'poller',
    PutRecords: 'priced',
    PutRecord: 'priced',
  },
  S3: {
    CreateBucket: 'setup',
    HeadBucket: 'setup',
    PutBucketVersioning: 'setup',
    PutObject: 'priced',
    GetObject: 'kpi-job',
    ListObjectsV2: 'kpi-job',
  },
  SQS: {
    CreateQueue: 'setup',
    GetQueueUrl: 'setup',
    SetQueueAttributes: 'setup',
    GetQueueAttributes: 'poller',
    ReceiveMessage: 'poller',
    DeleteMessage: 'poller',
    DeleteMessageBatch: 'poller',
    ChangeMessageVisibility: 'poller',
    SendMessage: 'priced',
    SendMessageBatch: 'priced',
  },
};

const ROLE_REASONS = {
  setup: 'creates the local resources (CloudFormation does it once on AWS)',
  poller: "Lambda's event source mapping polling (in the shard-hour, free, or priced per message and as idle polling)",
  'kpi-job': "the daily KPI job's own requests (in its fixed cost)",
} as const;

function count(run: RunMeasurements, service: string, operation: string): number {
  return run.aws_requests[service]?.[operation] ?? 0;
}

export interface Batch {
  /** Stream records the window gathers per batch (what batchSize counts, before the filter). */
  readonly gathered: number;
  /** Records the function gets per invocation (after the filter). */
  readonly handled: number;
  readonly invocationsPerTrip: number;
}

/**
 * A mapping's batches for a feed of `tripsPerSecond`: a lane's window opens at its first record and closes
 * `windowSeconds` later, or earlier when batchSize records (counted before the filter) or the 6 MB payload
 * (of the records that pass it) are reached. A batch in which the filter passes nothing invokes nothing.
 */
export function liveBatch(
  mapping: MappingFootprint,
  tripsPerSecond: number,
  gatheredPerTrip: number,
  handledPerTrip: number,
  handledRecordBytes: number,
  assumptions: ModelAssumptions,
): Batch {
  // A run that sent nothing on this mapping's stream (a redrive alone) gives it nothing to batch.
  if (gatheredPerTrip <= 0 || handledPerTrip <= 0) return { gathered: 0, handled: 0, invocationsPerTrip: 0 };
  const passShare = handledPerTrip / gatheredPerTrip;
  const payloadCap = assumptions.invocationPayloadBytes / handledRecordBytes / passShare;
  const perLaneRate = (tripsPerSecond * gatheredPerTrip) / mapping.lanes;
  const gathered = Math.min(1 + perLaneRate * mapping.windowSeconds, mapping.batchSize, payloadCap);
  const invokes = passShare >= 1 ? 1 : 1 - (1 - passShare) ** gathered;
  return { gathered, handled: (gathered * passShare) / invokes, invocationsPerTrip: (gatheredPerTrip / gathered) * invokes };
}

/** The trips table's write units per completed trip as the run measured them (conditional failures and retries included). */
export function tripsTableWriteUnitsPerTrip(run: RunMeasurements, assumptions: ModelAssumptions): number {
  const writes =
    run.trips_table_writes ??
    count(run, 'DynamoDB', 'UpdateItem') + count(run, 'DynamoDB', 'PutItem') + count(run, 'DynamoDB', 'DeleteItem');
  return (writes / run.trips_completed) * Math.ceil(assumptions.tripItemBytes / 1024);
}

/**
 * The trips table's write units per completed trip the design makes for the run's events: one conditional
 * UpdateItem per event sent (applied, a duplicate or refused, a refusal consumes its unit too) and one per retry
 * the run parked on the retry queue, or what the run measured if that is less. Attempts beyond it are requests
 * the SDK sent again and batches redelivered because the emulator answered slowly: a loaded machine's, which
 * AWS's DynamoDB within its capacity (the capacity model's headroom) does not repeat (docs/cost.md).
 */
export function designTripsTableWriteUnitsPerTrip(run: RunMeasurements, assumptions: ModelAssumptions): number {
  const retriesParked = Math.max(0, count(run, 'SQS', 'SendMessage') - (run.dead_lettered?.messages ?? 0));
  const designWrites = (run.sent.start + run.sent.end + retriesParked) / run.trips_completed;
  return Math.min(tripsTableWriteUnitsPerTrip(run, assumptions), designWrites * Math.ceil(assumptions.tripItemBytes / 1024));
}

/**
 * Shards of the trips table's stream at a rate: one per table partition, and a partition takes 1,000 write
 * units/s, so at least the assumed count and as many as the trip writes need.
 */
export function tripsStreamShards(tripsPerSecond: number, writeUnitsPerTrip: number, assumptions: ModelAssumptions): number {
  return Math.max(
    assumptions.tableStreamShards,
    Math.ceil((tripsPerSecond * writeUnitsPerTrip) / AWS_LIMITS.dynamodbPartitionWriteUnits.value),
  );
}

/** How often a live-metrics consumer writes: at the end of each tumbling window, or of each batch without one. */
export function flushSecondsOf(mapping: StreamMappingSettings): number {
  return mapping.tumblingWindowSeconds ?? mapping.maxBatchingWindowSeconds;
}

/** What the live-metrics consumers write at a rate (one formula for cost and capacity). */
export interface LiveMetricsWrites {
  /** Write units per second on the metrics table, every shard together. */
  readonly writeUnitsPerSecond: number;
  readonly writeUnitsPerTrip: number;
  /** Strongly consistent read units per trip: each partial is read before it is put back. */
  readonly readUnitsPerTrip: number;
  /** Write units per write request, the items' sizes averaged: what a run's counted requests are billed at. */
  readonly writeUnitsPerRequest: number;
  /** Write units per second on the busiest partition key: the pickup locations' partials of every shard. */
  readonly hottestKeyWriteUnitsPerSecond: number;
}

/** The largest a live-metrics partial of an entity kind gets: its keys and bookkeeping, and every id a shard's 5-minute window touched. */
function partialItemBytes(ids: number, assumptions: ModelAssumptions): number {
  return assumptions.metricsPartial.itemBytes + ids * assumptions.metricsPartial.bytesPerId;
}

/**
 * Live-metrics writes as per-shard partials of each window and entity kind (docs/adr/0009): each trips-stream
 * shard's consumer, once per flush (its tumbling window), reads and puts back one item per 5-minute window and
 * entity kind its completions touched (`all`; the vendors'; the pickup locations', which holds every location's
 * sums) and adds to its open trips. A put is billed by the item's size, 1 KB per unit: the pickup locations'
 * partial holds as many ids as the shard's 5-minute window touched (265 at most), taken at its largest. The
 * items per flush do not grow with the completions, so the units per trip fall as traffic rises.
 */
export function liveMetricsWrites(
  tripsPerSecond: number,
  streamShards: number,
  flushSeconds: number,
  assumptions: ModelAssumptions,
): LiveMetricsWrites {
  const perShard = tripsPerSecond / streamShards;
  const distinct = (kinds: number, completions: number) => kinds * (1 - (1 - 1 / kinds) ** completions);
  const completionsPerWindow = perShard * 300;
  // 5-minute windows a flush's completions fall in: one, and a second when the flush crosses a window's end.
  const windowsPerFlush = Math.min(1 + flushSeconds / 300, perShard * flushSeconds);
  const idsPerKind = [1, distinct(assumptions.vendors, completionsPerWindow), distinct(assumptions.pickupLocations, completionsPerWindow)];
  const bytesPerKind = idsPerKind.map((ids) => partialItemBytes(ids, assumptions));
  const units = (bytes: number, unitBytes: number) => Math.ceil(bytes / unitBytes);
  const writeUnitsPerFlush = windowsPerFlush * bytesPerKind.reduce((sum, bytes) => sum + units(bytes, 1024), 0) + 1;
  const readUnitsPerFlush = windowsPerFlush * bytesPerKind.reduce((sum, bytes) => sum + units(bytes, 4096), 0);
  // Write requests per flush: a partial per window and entity kind touched, and the open trips' update.
  const requestsPerFlush = windowsPerFlush * idsPerKind.length + 1;
  const writeUnitsPerSecond = (streamShards * writeUnitsPerFlush) / flushSeconds;
  const perTrip = (perSecond: number) => (tripsPerSecond > 0 ? perSecond / tripsPerSecond : 0);
  return {
    writeUnitsPerSecond,
    writeUnitsPerTrip: perTrip(writeUnitsPerSecond),
    readUnitsPerTrip: perTrip((streamShards * readUnitsPerFlush) / flushSeconds),
    writeUnitsPerRequest: writeUnitsPerFlush / requestsPerFlush,
    hottestKeyWriteUnitsPerSecond: (streamShards * windowsPerFlush * units(bytesPerKind[2] ?? 0, 1024)) / flushSeconds,
  };
}

function round(value: number, digits = 4): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

interface TrafficQuantities {
  readonly batches: Readonly<Record<StreamHandler, Batch>>;
  readonly queueInvocationsPerTrip: Readonly<Record<(typeof QUEUE_HANDLERS)[number], number>>;
  readonly stagedPutsPerTrip: number;
  /** Write units of the live-metrics partials per completed trip. */
  readonly liveMetricsWriteUnitsPerTrip: number;
  /** Read units of the live-metrics partials per completed trip (each read before it is put back). */
  readonly liveMetricsReadUnitsPerTrip: number;
  readonly tripsTableWriteUnitsPerTrip: number;
}

type AddVariableLine = (service: PricedService, item: string, quantityPerTrip: number, unit: string, pricePerUnit: number) => void;

/** Kinesis (provisioned PUT units, or on-demand data in and out) and the raw archive's Firehose ingestion. */
function addStreamLines(
  add: AddVariableLine,
  recordsSent: number,
  footprint: DeployedFootprint,
  assumptions: ModelAssumptions,
  prices: PriceTable,
): void {
  if (footprint.kinesis.capacityMode === 'PROVISIONED') {
    const unitsPerRecord = Math.ceil(assumptions.eventRecordBytes / (25 * 1024));
    add(
      'kinesis',
      'PUT payload units (25 KB)',
      recordsSent * unitsPerRecord,
      'units',
      prices.kinesis.provisionedPutPayloadUnitsPerMillion / MILLION,
    );
  } else {
    const ingestGb = (recordsSent * Math.ceil(assumptions.eventRecordBytes / 1024) * 1024) / GB;
    add('kinesis', 'data in (1 KB per record)', ingestGb, 'GB', prices.kinesis.onDemandIngestPerGb);
    // Two readers of each stream: its handler's mapping and the raw archive's Firehose.
    add(
      'kinesis',
      'data out (2 readers)',
      (2 * recordsSent * assumptions.eventRecordBytes) / GB,
      'GB',
      prices.kinesis.onDemandRetrievalPerGb,
    );
  }
  add(
    'firehose',
    `raw archive ingestion (${prices.firehose.recordRoundingKb} KB per record)`,
    (recordsSent * prices.firehose.recordRoundingKb * 1024) / GB,
    'GB',
    prices.firehose.ingestPerGb,
  );
}

function trafficCost(
  trafficCase: TrafficCase,
  quantities: TrafficQuantities,
  input: Required<Pick<CostInput, 'prices' | 'assumptions'>> & { run: RunMeasurements; footprint: DeployedFootprint },
): TrafficCost {
  const { run, prices, assumptions, footprint } = input;
  const trips = run.trips_completed;
  const perTrip = (value: number) => value / trips;
  const lines: VariableLine[] = [];
  const add: AddVariableLine = (service, item, quantityPerTrip, unit, pricePerUnit) => {
    if (quantityPerTrip <= 0) return;
    lines.push({
      service,
      item,
      quantityPerMillionTrips: round(quantityPerTrip * MILLION, 1),
      unit,
      dollarsPerMillionTrips: quantityPerTrip * MILLION * pricePerUnit,
    });
  };
  const { batches } = quantities;

  // Kinesis: every record the producer sent (duplicates and quarantine-free rows), both streams.
  addStreamLines(add, perTrip(run.sent.start + run.sent.end), footprint, assumptions, prices);

  // DynamoDB: trip writes (measured; live: what the design makes for the run's events) and the live-metrics
  // partials, as the traffic case has them.
  add(
    'dynamodb',
    'trips table writes (UpdateItem)',
    quantities.tripsTableWriteUnitsPerTrip,
    'WRU',
    prices.dynamodb.writeRequestUnitsPerMillion / MILLION,
  );
  add(
    'dynamodb',
    'live metrics partials (PutItem, 1 WRU per KB of item)',
    quantities.liveMetricsWriteUnitsPerTrip,
    'WRU',
    prices.dynamodb.writeRequestUnitsPerMillion / MILLION,
  );
  add(
    'dynamodb',
    'reads (live metrics partials, Query)',
    quantities.liveMetricsReadUnitsPerTrip + perTrip(count(run, 'DynamoDB', 'Query')),
    'RRU',
    prices.dynamodb.readRequestUnitsPerMillion / MILLION,
  );

  // Lambda: requests and billed duration of every handler.
  const invocations: Record<Handler, number> = {
    start: batches.start.invocationsPerTrip,
    end: batches.end.invocationsPerTrip,
    match: batches.match.invocationsPerTrip,
    'live-metrics': batches['live-metrics'].invocationsPerTrip,
    ...quantities.queueInvocationsPerTrip,
  };
  const totalInvocations = Object.values(invocations).reduce((sum, value) => sum + value, 0);
  add('lambda', 'requests', totalInvocations, 'invocations', prices.lambda.requestsPerMillion / MILLION);
  let gbSeconds = 0;
  for (const handler of [...STREAM_HANDLERS, ...QUEUE_HANDLERS]) {
    const billed = assumptions.billedMs[handler];
    const recordsPerTrip = handler in batches ? batches[handler as StreamHandler].handled * invocations[handler] : invocations[handler];
    gbSeconds += ((invocations[handler] * billed.perInvocation + recordsPerTrip * billed.perRecord) / 1000) * (footprint.memoryMb / 1024);
  }
  add('lambda', `duration (arm64, ${footprint.memoryMb} MB)`, gbSeconds, 'GB-s', prices.lambda.arm64PerGbSecond);
  add('cloudwatch', 'logs ingested', (totalInvocations * assumptions.logBytesPerInvocation) / GB, 'GB', prices.cloudwatch.logsIngestPerGb);

  // SQS: each message sent is also received and deleted by a mapping's poller.
  const messagesSent = perTrip(count(run, 'SQS', 'SendMessage') + count(run, 'SQS', 'SendMessageBatch'));
  add('sqs', 'messages (send, receive, delete)', messagesSent * 3, 'requests', prices.sqs.requestsPerMillion / MILLION);

  add('s3', 'staged files (PutObject)', quantities.stagedPutsPerTrip, 'PUTs', prices.s3.putPerThousand / 1000);
  add('s3', 'storage, first month', assumptions.s3BytesPerTripMonth / GB, 'GB-month', prices.s3.standardStoragePerGbMonth);

  const byService: Partial<Record<PricedService, number>> = {};
  for (const line of lines) byService[line.service] = (byService[line.service] ?? 0) + line.dollarsPerMillionTrips;
  const perThousand = (value: number) => round(value * 1000, 2);
  return {
    case: trafficCase,
    dollarsPerMillionTrips: lines.reduce((sum, line) => sum + line.dollarsPerMillionTrips, 0),
    byService,
    lines,
    batching: {
      invocationsPerThousandTrips: Object.fromEntries(
        Object.entries(invocations).map(([handler, value]) => [handler, perThousand(value)]),
      ) as Record<Handler, number>,
      totalInvocationsPerThousandTrips: perThousand(totalInvocations),
      recordsPerInvocation: Object.fromEntries(STREAM_HANDLERS.map((handler) => [handler, round(batches[handler].handled, 1)])) as Record<
        StreamHandler,
        number
      >,
      stagedPutsPerThousandTrips: perThousand(quantities.stagedPutsPerTrip),
    },
  };
}

function fixedCosts(footprint: DeployedFootprint, prices: PriceTable, assumptions: ModelAssumptions): CostReport['fixed'] {
  const lines: FixedLine[] = [];
  const add = (service: PricedService, item: string, quantityPerMonth: number, unit: string, pricePerUnit: number) =>
    lines.push({ service, item, quantityPerMonth: round(quantityPerMonth, 2), unit, dollarsPerMonth: quantityPerMonth * pricePerUnit });
  const hours = prices.hoursPerMonth;
  const { kinesis } = footprint;
  if (kinesis.capacityMode === 'PROVISIONED') {
    const shardHours = FIXED_RESOURCES.streams * kinesis.shardCount * hours;
    add(
      'kinesis',
      `shard-hours (${FIXED_RESOURCES.streams} streams x ${kinesis.shardCount} shards)`,
      shardHours,
      'shard-hours',
      prices.kinesis.provisionedShardHour,
    );
    if (kinesis.retentionHours > 24)
      add(
        'kinesis',
        `extended retention (${kinesis.retentionHours} h)`,
        shardHours,
        'shard-hours',
        prices.kinesis.provisionedExtendedRetentionShardHour,
      );
  } else {
    add(
      'kinesis',
      `on-demand stream-hours (${FIXED_RESOURCES.streams} streams)`,
      FIXED_RESOURCES.streams * hours,
      'stream-hours',
      prices.kinesis.onDemandStreamHour,
    );
  }
  add('cloudwatch', 'alarms', FIXED_RESOURCES.alarms, 'alarm-months', prices.cloudwatch.standardAlarmMonth);
  add('cloudwatch', 'dashboards', FIXED_RESOURCES.dashboards, 'dashboard-months', prices.cloudwatch.dashboardMonth);
  add('cloudwatch', 'custom metrics (Powertools)', assumptions.customMetrics, 'metric-months', prices.cloudwatch.customMetricMonth);
  add('kms', 'customer managed keys', FIXED_RESOURCES.customerManagedKeys, 'key-months', prices.kms.customerManagedKeyMonth);
  add(
    'sqs',
    `idle polling of ${FIXED_RESOURCES.lambdaPolledQueues} Lambda-polled queues`,
    FIXED_RESOURCES.lambdaPolledQueues * assumptions.idleQueuePollsPerMonth,
    'requests',
    prices.sqs.requestsPerMillion / MILLION,
  );
  const job = assumptions.kpiJob;
  const workerHours = (job.runsPerMonth * job.workers * job.minutes) / 60;
  add(
    'emrServerless',
    `daily KPI job vCPU (${job.workers} workers x ${job.minutes} min x ${job.runsPerMonth})`,
    workerHours * job.vcpuPerWorker,
    'vCPU-hours',
    prices.emrServerless.arm64VcpuHour,
  );
  add('emrServerless', 'daily KPI job memory', workerHours * job.gbPerWorker, 'GB-hours', prices.emrServerless.arm64GbHour);
  const byService: Partial<Record<PricedService, number>> = {};
  for (const line of lines) byService[line.service] = (byService[line.service] ?? 0) + line.dollarsPerMonth;
  return { dollarsPerMonth: lines.reduce((sum, line) => sum + line.dollarsPerMonth, 0), byService, lines };
}

function unpricedOperations(run: RunMeasurements): CostReport['unpricedOperations'] {
  const unpriced: { operation: string; count: number; reason: string }[] = [];
  for (const [service, operations] of Object.entries(run.aws_requests)) {
    for (const [operation, n] of Object.entries(operations)) {
      const role = OPERATION_ROLES[service]?.[operation];
      if (role === 'priced') continue;
      unpriced.push({
        operation: `${service}.${operation}`,
        count: n,
        reason: role === undefined ? 'not in the model: unknown operation, priced at nothing' : ROLE_REASONS[role],
      });
    }
  }
  return unpriced;
}

/** The cost report of an environment, from a run's measurements (pure: no I/O). */
export function costReport(input: CostInput): CostReport {
  const prices = input.prices ?? PRICES_US_EAST_1;
  const assumptions = input.assumptions ?? MODEL_ASSUMPTIONS;
  const { run } = input;
  if (!(run.trips_completed > 0)) throw new Error('the run completed no trips: nothing to divide its costs by');
  if (!(input.tripsPerMonth > 0)) throw new Error(`trips per month must be positive, got ${input.tripsPerMonth}`);
  const footprint = deployedFootprint(input.settings, assumptions);
  const trips = run.trips_completed;
  const invocationsOf = (handler: Handler) => run.lambda_invocations[handler] ?? 0;
  const perTrip = { start: run.sent.start / trips, end: run.sent.end / trips };
  // The KPI job writes a daily and a per-dimension file per date; the rest of the run's PUTs are staging's.
  const kpiPuts = 2 * run.kpi_dates.length;
  const measuredStagedPuts = Math.max(0, count(run, 'S3', 'PutObject') - kpiPuts) / trips;
  const tripsPerSecond = input.tripsPerMonth / SECONDS_PER_MONTH_OF(prices);
  // The trips table's stream gets a shard per partition its writes need, each shard with its own batches.
  const shards = tripsStreamShards(tripsPerSecond, designTripsTableWriteUnitsPerTrip(run, assumptions), assumptions);
  const tableStreamLanes = (mapping: MappingFootprint, settings: StreamMappingSettings): MappingFootprint => ({
    ...mapping,
    lanes: shards * settings.parallelizationFactor,
  });
  const m = {
    ...footprint.mappings,
    match: tableStreamLanes(footprint.mappings.match, input.settings.matchMapping),
    'live-metrics': tableStreamLanes(footprint.mappings['live-metrics'], input.settings.liveMetricsMapping),
  };
  const liveMetrics = liveMetricsWrites(tripsPerSecond, shards, flushSecondsOf(input.settings.liveMetricsMapping), assumptions);
  // The metrics table's write requests are the run's DynamoDB writes beyond the trips table's (a summary that counts
  // the trips table's apart), billed at the model's units per request (the partials' sizes); an older summary gets
  // the model's units at the live rate. Its reads are the partials the live-metrics consumer read back.
  const dynamodbWrites = count(run, 'DynamoDB', 'UpdateItem') + count(run, 'DynamoDB', 'PutItem') + count(run, 'DynamoDB', 'DeleteItem');
  const measuredLiveMetricsWrites =
    run.trips_table_writes === undefined
      ? undefined
      : (Math.max(0, dynamodbWrites - run.trips_table_writes) / trips) * liveMetrics.writeUnitsPerRequest;

  const measuredBatch = (handler: StreamHandler, handledPerTrip: number, gatheredPerTrip: number): Batch => {
    const invocationsPerTrip = invocationsOf(handler) / trips;
    const handled = invocationsPerTrip === 0 ? 0 : handledPerTrip / invocationsPerTrip;
    return { handled, gathered: (handled * gatheredPerTrip) / handledPerTrip, invocationsPerTrip };
  };
  const queueInvocationsPerTrip = { redrive: invocationsOf('redrive') / trips, 'failed-batches': invocationsOf('failed-batches') / trips };
  const a = assumptions;
  const measured: TrafficQuantities = {
    batches: {
      start: measuredBatch('start', perTrip.start, perTrip.start),
      end: measuredBatch('end', perTrip.end, perTrip.end),
      match: measuredBatch('match', a.matchRecordsPerTrip, a.streamRecordsPerTrip),
      'live-metrics': measuredBatch('live-metrics', a.liveMetricsRecordsPerTrip, a.streamRecordsPerTrip),
    },
    queueInvocationsPerTrip,
    stagedPutsPerTrip: measuredStagedPuts,
    liveMetricsWriteUnitsPerTrip: measuredLiveMetricsWrites ?? liveMetrics.writeUnitsPerTrip,
    liveMetricsReadUnitsPerTrip: count(run, 'DynamoDB', 'GetItem') / trips,
    tripsTableWriteUnitsPerTrip: tripsTableWriteUnitsPerTrip(run, assumptions),
  };

  const liveBatches = {
    start: liveBatch(m.start, tripsPerSecond, perTrip.start, perTrip.start, a.eventRecordBytes * 2, a),
    end: liveBatch(m.end, tripsPerSecond, perTrip.end, perTrip.end, a.eventRecordBytes * 2, a),
    match: liveBatch(m.match, tripsPerSecond, a.streamRecordsPerTrip, a.matchRecordsPerTrip, a.streamRecordEventBytes, a),
    'live-metrics': liveBatch(
      m['live-metrics'],
      tripsPerSecond,
      a.streamRecordsPerTrip,
      a.liveMetricsRecordsPerTrip,
      a.streamRecordEventBytes,
      a,
    ),
  };
  // A staged batch writes one file per trip_date in it; a window crossing midnight writes two.
  const datesPerBatch = 1 + m.match.windowSeconds / 86_400;
  const liveQuantities: TrafficQuantities = {
    batches: liveBatches,
    queueInvocationsPerTrip,
    stagedPutsPerTrip: liveBatches.match.invocationsPerTrip * datesPerBatch,
    liveMetricsWriteUnitsPerTrip: liveMetrics.writeUnitsPerTrip,
    liveMetricsReadUnitsPerTrip: liveMetrics.readUnitsPerTrip,
    tripsTableWriteUnitsPerTrip: designTripsTableWriteUnitsPerTrip(run, assumptions),
  };

  const context = { run, prices, assumptions, footprint };
  const liveCost = trafficCost('live', liveQuantities, context);
  const fixed = fixedCosts(footprint, prices, assumptions);
  const variable = (liveCost.dollarsPerMillionTrips * input.tripsPerMonth) / MILLION;
  return {
    environment: input.environment,
    tripsPerMonth: input.tripsPerMonth,
    tripsPerSecond: round(tripsPerSecond, 6),
    prices: { region: prices.region, compiledOn: prices.compiledOn, sources: prices.sources },
    run: { tripsCompleted: trips },
    footprint,
    measured: trafficCost('measured', measured, context),
    live: liveCost,
    fixed,
    perMonth: { variable, fixed: fixed.dollarsPerMonth, total: variable + fixed.dollarsPerMonth },
    unpricedOperations: unpricedOperations(run),
    assumptions,
  };
}
