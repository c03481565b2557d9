/**
 * The whole pipeline on one machine: emulators, resources from the deployed settings, the producer, the
 * event source mappings driving the deployed handlers, done detection, the daily KPI job, summary.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBRecord, KinesisStreamRecord } from 'aws-lambda';
import { awsRequestCounts, clientOptions, dynamoDbRequestCountsByTable, registerRequestAttemptHook, withoutSdkLogging, withRequestCounting } from '../../lib/aws/clients';
import type { LocalPipelineSettings, PipelineSettings } from '../../lib/config';
import { TRIP_KEY, TRIP_STREAM_FILTERS } from '../../lib/domain/trip-item';
import type { DailyKpiRow } from '../../lib/kpi/duckdb-engine';
import { produce, type ProduceSummary, type SendOrder } from '../../producer/produce';
import { readDeadLetterBodies, tallyDeadLetters, type DeadLetterTally } from './dead-letters';
import { computeLedger, describeLedger, recordKey, type Ledger } from './ledger';
import { expireOpenEnds, readTripItems } from './open-halves';
import { redriveDeadLetterFile, replayRawArchive, type RedriveFileSummary } from './operator-inputs';
import { archiveStreams } from './raw-archive';
import { acknowledgedRecords, sentRecords } from './sent-records';
import type { AcknowledgedRecord } from '../../producer/kinesis-sender';
import { readWholeStream } from './stream-readback';
import type { ReplaySummary } from '../../producer/replay';
import { applyLocalAwsDefaults, startEmulators, type Emulators } from './emulators';
import { runLengthOf } from './run-length';
import { FaultInjector, type FaultInjection, type InjectedFaultCounts } from './fault-injection';
import { matchesFilterPattern } from '../../lib/aws/filter-pattern';
import { functionName, loadPipelineFunctions } from './functions';
import { runKpiStep } from './kpi-step';
import { clearRunOutputs } from './run-outputs';
import { PhaseTimer } from './phase-timer';
import { runPacing, type RunPacing } from './pacing';
import { QueueMapping, queueDepth } from '../event-source-mapping/queue-mapping';
import { dynamoDbView, kinesisView, sqsView } from './record-views';
import { createLocalResources, type LocalResources } from './resources';
import { LIVE_METRICS_STREAM_FILTERS, METRICS_KEY } from '../../lib/domain/live-metrics';
import { parseDeadLetterQueueMessage } from '../../lib/domain/redrive';
import { TransactionConflicts } from './transaction-conflicts';
import { ALL_TIME, DeadLetterCounter, liveMetricsReader, MetricsSnapshot, publishRunPages, startLiveServer, type LiveServer } from './live-server';
import { checkLiveMetrics, type LiveMetricsCheck } from './live-metrics-check';
import { failed, succeeded, type RunOutcome } from '../../lib/run-outcome';
import { describeDataQuality, type DataQuality } from './data-quality';
import { assessRunDataQuality, runFailure } from './run-verdict';
import { dynamoDbStreamShards, kinesisShards, ShardReaderLimit, splitShards, StreamMapping } from '../event-source-mapping/stream-mapping';
import { errorText } from '../../lib/error-text';

/** summary.json (docs/contracts.md §5). */
export interface RunSummary {
  rows: { start: number; end: number };
  quarantined: { start: number; end: number };
  sent: { start: number; end: number };
  /** Valid rows the producer could not get into Kinesis (written to the quarantine's unsent file). */
  unsent: { start: number; end: number };
  /** Items holding both halves in the trips table at the end of the run. */
  trips_completed: number;
  /** Records found to be duplicates (the ledger's duplicates of both kinds). */
  duplicates_ignored: number;
  dead_lettered: DeadLetterTally;
  /** Trips whose start is recorded and whose end never arrived (not dead-lettered). */
  open_trips: number;
  /** Open ends expired once the run had drained, as TTL expires them after their grace period on AWS. */
  open_ends_expired: number;
  /** Every record sent, accounted for: applied + open + duplicates + dead-lettered, per kind. */
  ledger: Ledger;
  kpi_dates: string[];
  aws_requests: Record<string, Record<string, number>>;
  /** Write attempts (UpdateItem, PutItem, DeleteItem) on the trips table alone: the contract's write attempts per trip. */
  trips_table_writes: number;
  lambda_invocations: Record<string, number>;
  /** What --inject-faults (and targeted test failures) made fail. */
  faults_injected: InjectedFaultCounts;
  order: SendOrder;
  duration_ms: number;
  /** Wall time of the run's phases until the summary was written (docs/contracts.md, local run). */
  phases_ms: Record<string, number>;
  /** Local batching windows are the deployed ones times this (1: unscaled). */
  time_scale: number;
  /** With --rate: the feed's local rate and the deployed rate it stands for. */
  pacing?: RunPacing;
  /** The live metrics checked against the KPIs and the open trips (absent when the live-metrics consumer is off). */
  live_metrics?: LiveMetricsCheck;
  /** Records of each stream archived to `<out>/raw/` (and the local bucket's raw/), as Firehose archives them. */
  raw_archive: { records: { start: number; end: number }; objects: number };
  /** With --redrive: the earlier run's letters sent through the retry queue, and those left (no replayable event). */
  redriven?: RedriveFileSummary;
  /** With --replay: the archived records re-sent into the streams. */
  replayed?: { records: number; sent: { start: number; end: number }; unsent: { start: number; end: number } };
  /** Whether the run succeeded; a failed run's summary says why (lib/run-outcome.ts). */
  outcome?: RunOutcome;
  /** Mangled IDs and amounts far outside their day: told, not taken out of the KPIs (data-quality.ts). */
  data_quality?: DataQuality;
}

export interface LocalRunOptions {
  /** The CSVs to produce; without them (only with `replay`) the run's input is the replayed archive alone. */
  readonly start?: string;
  readonly end?: string;
  /** An earlier run's dead-letters.jsonl, redriven into this run through the retry queue. */
  readonly redrive?: string;
  /** An earlier run's raw archive (`<out>/raw/`), replayed into this run's streams after the CSVs. */
  readonly replay?: string;
  readonly outDir: string;
  readonly order: SendOrder;
  /** With localTimeScale when the windows were scaled (lib/config.ts localSettings). */
  readonly settings: PipelineSettings | LocalPipelineSettings;
  /** Pace the producer as a live feed of this many trips per second (local time). */
  readonly rateTripsPerSecond?: number;
  /** The run fails if the pipeline has not drained by then. */
  readonly timeoutMs: number;
  /** Handler log level (Powertools); the deployed level would drown the run's own output. */
  readonly handlerLogLevel: PipelineSettings['handlers']['logLevel'];
  readonly log: (line: string) => void;
  readonly signal?: AbortSignal;
  /** Handler record failures and throttling of the handlers' AWS calls to inject; none by default. */
  readonly faults?: FaultInjection;
  /** Serve the live page and the metrics API on 127.0.0.1 at this port (0: any free port). */
  readonly servePort?: number;
  /**
   * Whether the live-metrics consumer runs (default true). Off only for an external emulator that cannot
   * run its transactions (moto 5.2.5: docs/local-runtime.md); then the windows stay empty.
   */
  readonly liveMetrics?: boolean;
  /** Told the live page's address once it serves. */
  readonly onServing?: (url: string) => void;
  /**
   * The shards the trips table's stream is presented to its consumers in (default 1, as DynamoDB Local has
   * it): each of its mappings runs one consumer per shard at once, as on AWS (`--shards`).
   */
  readonly tableStreamShards?: number;
}

export interface LocalRunResult {
  readonly summary: RunSummary;
  readonly kpis: DailyKpiRow[];
  readonly summaryPath: string;
  /** Still serving (from a copy of the final metrics) when the run was asked to serve; the caller closes it. */
  readonly live?: LiveServer;
}

/**
 * How often the done detector looks. The run is drained once, after everything was seen idle at some
 * moment, every shard has been read caught-up by a read begun after it, both queues are empty and nothing
 * was read or invoked in between: whatever was written before that moment has then been seen, and nothing
 * has been written since.
 */
const DONE_CHECK_INTERVAL_MS = 25;

/** DynamoDB Streams throttles more than two readers per shard: the run refuses a third (its mappings, a handler's read). */
const TABLE_STREAM_READERS_PER_SHARD = 2;

export async function runLocalPipeline(options: LocalRunOptions): Promise<LocalRunResult> {
  const startedAt = Date.now();
  const phases = new PhaseTimer();
  const timeScale = 'localTimeScale' in options.settings ? options.settings.localTimeScale : 1;
  const injector = new FaultInjector(options.faults);
  applyLocalAwsDefaults();
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  await mkdir(options.outDir, { recursive: true });
  await clearRunOutputs(options.outDir);
  const removeThrottling = registerRequestAttemptHook('handler', (attempt) => injector.throttle(attempt));
  // A handler reading the trips table's stream (a read-back) would be a third reader of its shards beside the
  // two mappings; the deployed roles have no such grant, and the run refuses it likewise.
  let tableStreamReaders: ShardReaderLimit | undefined;
  let transactionConflicts: TransactionConflicts | undefined;
  const removeConflictModel = registerRequestAttemptHook('handler', (attempt) => transactionConflicts?.hook(attempt));
  const removeStreamReadGuard = registerRequestAttemptHook('handler', (attempt) => {
    if (attempt.service !== 'DynamoDBStreams' || tableStreamReaders === undefined) return;
    if (tableStreamReaders.mostReaders >= TABLE_STREAM_READERS_PER_SHARD) {
      throw new Error(`a handler's ${attempt.operation} would be a third reader of the trips table stream's shards (DynamoDB Streams allows ${TABLE_STREAM_READERS_PER_SHARD})`);
    }
  });

  let emulators: Emulators | undefined;
  const mappings: { stop(): Promise<void> }[] = [];
  const clients: { destroy(): void }[] = [];
  const cleanups: (() => void)[] = [];
  let live: LiveServer | undefined;
  try {
    const runLength = await runLengthOf(options);
    emulators = await phases.time('emulators', () => startEmulators(process.env, { runLength }));
    options.log(`emulators: ${Object.entries(emulators.servedBy).map(([service, by]) => `${service}=${by}`).join(', ')} (JIT for a ${runLength} run)`);
    const region = process.env.AWS_REGION ?? 'us-east-1';
    const kinesis = withRequestCounting(new KinesisClient({ ...clientOptions('kinesis') }));
    const dynamodb = withRequestCounting(new DynamoDBClient({ ...clientOptions('dynamodb') }));
    const streams = withRequestCounting(new DynamoDBStreamsClient({ ...clientOptions('dynamodb_streams') }));
    const sqs = withRequestCounting(new SQSClient({ ...clientOptions('sqs') }));
    const s3 = withRequestCounting(new S3Client({ ...clientOptions('s3') }));
    // As in the producer CLI: one attempt per request, so the producer's own backoff owns resends.
    const producerKinesis = withRequestCounting(new KinesisClient({ ...clientOptions('kinesis'), maxAttempts: 1 }));
    const inspection = {
      kinesis: withoutSdkLogging(new KinesisClient({ ...clientOptions('kinesis') })),
      dynamodb: withoutSdkLogging(new DynamoDBClient({ ...clientOptions('dynamodb') })),
      sqs: withoutSdkLogging(new SQSClient({ ...clientOptions('sqs') })),
    };
    clients.push(kinesis, dynamodb, streams, sqs, s3, producerKinesis, ...Object.values(inspection));

    const resources = await phases.time('resources', () => createLocalResources(options.settings, { kinesis, dynamodb, sqs, s3 }));
    transactionConflicts = new TransactionConflicts({ [resources.tripsTable.name]: [TRIP_KEY], [resources.metricsTable.name]: [METRICS_KEY.partition, METRICS_KEY.sort] });
    const invoker = await phases.time('handlers', () => loadPipelineFunctions(options.settings, resources, injector, options.handlerLogLevel, options.log));
    // Which records the handlers found to be duplicates: the part of the ledger only they can tell.
    const { observeOutcomes } = await import('../../lambdas/common/observability.js');
    const duplicates = new Set<string>();
    const stopObserving = observeOutcomes({
      settled: ({ event, origin, outcome }) => {
        if (outcome === 'duplicate' && origin !== null) duplicates.add(recordKey(event.event_type === 'trip_start' ? 'start' : 'end', origin));
      },
    });
    cleanups.push(stopObserving);

    const onFailure = { sqs, queueUrl: resources.failedBatchQueue.url };
    const kinesisMapping = (handler: 'start' | 'end', stream: LocalResources['tripStartStream'], settings: PipelineSettings['startMapping']) => {
      const name = functionName(options.settings, handler);
      return new StreamMapping<KinesisStreamRecord>({
        handler,
        kind: 'kinesis',
        region,
        functionName: name,
        streamArn: stream.arn,
        settings,
        invoker,
        view: kinesisView,
        onFailure,
        listShards: kinesisShards(kinesis, stream, region, name),
      });
    };
    const startMapping = kinesisMapping('start', resources.tripStartStream, options.settings.startMapping);
    const endMapping = kinesisMapping('end', resources.tripEndStream, options.settings.endMapping);
    // Each mapping reads the stream itself (its own iterators), split by trip_id as DynamoDB partitions it.
    tableStreamReaders = new ShardReaderLimit(resources.tripsTable.streamArn, TABLE_STREAM_READERS_PER_SHARD);
    const readers = tableStreamReaders;
    const tableStreamShards = () =>
      splitShards(dynamoDbStreamShards(streams, resources.tripsTable.streamArn, region), options.tableStreamShards ?? 1, (record) => record.dynamodb?.Keys?.trip_id?.S ?? '');
    const matchMapping = new StreamMapping<DynamoDBRecord>({
      handler: 'match',
      kind: 'dynamodb',
      region,
      functionName: functionName(options.settings, 'match'),
      streamArn: resources.tripsTable.streamArn,
      settings: options.settings.matchMapping,
      invoker,
      view: dynamoDbView,
      filter: (record) => Object.values(TRIP_STREAM_FILTERS).some((filter) => matchesFilterPattern(filter, record)),
      onFailure,
      listShards: tableStreamShards(),
      rediscoverEveryMs: 1_000,
      readers,
    });
    // The trips stream's second consumer (beside match), with its own filters, as deployed.
    const liveMetricsMapping = new StreamMapping<DynamoDBRecord>({
      handler: 'live-metrics',
      kind: 'dynamodb',
      region,
      functionName: functionName(options.settings, 'live-metrics'),
      streamArn: resources.tripsTable.streamArn,
      settings: options.settings.liveMetricsMapping,
      invoker,
      view: dynamoDbView,
      filter: (record) => LIVE_METRICS_STREAM_FILTERS.some((pattern) => matchesFilterPattern(pattern, record)),
      onFailure,
      listShards: tableStreamShards(),
      rediscoverEveryMs: 1_000,
      readers,
    });
    const redriveMapping = new QueueMapping({
      handler: 'redrive',
      region,
      queue: resources.retryQueue,
      settings: options.settings.redriveMapping,
      sqs,
      invoker,
      view: sqsView,
    });
    const failedBatchMapping = new QueueMapping({
      handler: 'failed-batches',
      region,
      queue: resources.failedBatchQueue,
      settings: options.settings.failedBatchMapping,
      sqs,
      invoker,
      view: sqsView,
    });
    const streamMappings = [startMapping, endMapping, matchMapping, ...(options.liveMetrics === false ? [] : [liveMetricsMapping])];
    const queueMappings = [redriveMapping, failedBatchMapping];
    if (options.servePort !== undefined) {
      const deadLetters = new DeadLetterCounter();
      cleanups.push(observeOutcomes(deadLetters.observer));
      live = await startLiveServer({
        port: options.servePort,
        reader: liveMetricsReader(dynamodb, resources.metricsTable.name),
        deadLettersSoFar: () => deadLetters.byReason(),
      });
      options.onServing?.(live.url);
    }
    await phases.time('mappings_start', async () => {
      await Promise.all(streamMappings.map((mapping) => mapping.start()));
      mappings.push(...streamMappings);
    });
    for (const mapping of queueMappings) {
      mapping.start();
      mappings.push(mapping);
    }

    let redriven: RedriveFileSummary | undefined;
    if (options.redrive !== undefined) {
      redriven = await redriveDeadLetterFile(sqs, resources.retryQueue.url, options.redrive);
      options.log(`redrive: ${redriven.redriven} of ${redriven.letters} dead letters sent through the retry queue; ${redriven.left.length} left (no replayable event)`);
    }

    const streamNames = { start: resources.tripStartStream.name, end: resources.tripEndStream.name };
    let replayed: ReplaySummary | undefined;
    let produced: ProduceSummary | undefined;
    // What Kinesis said it stored: the ledger's "sent", each to be found again on the stream.
    const acknowledged: AcknowledgedRecord[] = [];
    const onAcknowledged = (records: AcknowledgedRecord[]): void => {
      acknowledged.push(...records);
    };
    let produceError: unknown;
    const produceCsvs = async (): Promise<ProduceSummary> => {
      if (options.start === undefined || options.end === undefined) return nothingProduced();
      const pace = options.rateTripsPerSecond === undefined ? '' : `, paced at ${options.rateTripsPerSecond} trips/s`;
      options.log(`producing ${options.start} + ${options.end} (order ${options.order}${pace})`);
      return produce({
        start: options.start,
        end: options.end,
        startStream: streamNames.start,
        endStream: streamNames.end,
        order: options.order,
        quarantine: path.join(options.outDir, 'quarantine'),
        kinesis: producerKinesis,
        onAcknowledged,
        ...(options.rateTripsPerSecond === undefined ? {} : { feedTripsPerSecond: options.rateTripsPerSecond }),
      });
    };
    const pipelineStartedAt = Date.now();
    const producing = produceCsvs()
      .then(async (summary) => {
        if (options.replay !== undefined) {
          replayed = await replayRawArchive(producerKinesis, streamNames, options.replay, path.join(options.outDir, 'quarantine'), onAcknowledged);
          options.log(`replay: ${replayed.sent.start} starts and ${replayed.sent.end} ends re-sent from ${replayed.objects} archived objects`);
        }
        return summary;
      })
      .then(
      (summary) => {
        produced = summary;
        options.log(
          `producer done: sent ${summary.sent.start} starts, ${summary.sent.end} ends; quarantined ${summary.quarantined.start} + ${summary.quarantined.end}`,
        );
      },
      (error: unknown) => {
        produceError = error;
      },
    );

    const deadline = startedAt + options.timeoutMs;
    const drained = async (phase: string): Promise<void> => {
      // The moment everything was last seen idle, and the activity count then; undefined while busy.
      let idleSince: number | undefined;
      let activityThen = -1;
      for (;;) {
        if (options.signal?.aborted === true) throw new Error('interrupted');
        if (produceError !== undefined) throw new Error(`the producer failed: ${errorText(produceError)}`, { cause: produceError });
        const failed = [...streamMappings, ...queueMappings].find((mapping) => mapping.error !== undefined);
        if (failed?.error !== undefined) throw failed.error;
        if (Date.now() > deadline) {
          throw new Error(
            `the pipeline did not drain (${phase}) within ${Math.round(options.timeoutMs / 1000)}s ` +
              `(producer ${produced === undefined ? 'still running' : 'done'}, ` +
              `shards idle: start=${startMapping.idle} end=${endMapping.idle} match=${matchMapping.idle}, ` +
              `invocations running: ${invoker.inFlight}); raise --timeout for large inputs`,
          );
        }
        const checkedAt = Date.now();
        const activity =
          streamMappings.reduce((sum, mapping) => sum + mapping.activity, 0) +
          queueMappings.reduce((sum, mapping) => sum + mapping.activity, 0) +
          invoker.totalInvocations;
        let idle =
          produced !== undefined &&
          streamMappings.every((mapping) => mapping.idle) &&
          queueMappings.every((mapping) => mapping.idle) &&
          invoker.inFlight === 0;
        if (idle) {
          // The run's own look at the queues (uncounted: Lambda's pollers do not ask for queue depths).
          const depths = await Promise.all([resources.retryQueue, resources.failedBatchQueue].map((queue) => queueDepth(inspection.sqs, queue.url)));
          idle = depths.every((depth) => depth.visible + depth.inFlight + depth.delayed === 0);
        }
        if (!idle || activity !== activityThen || idleSince === undefined) {
          idleSince = idle ? checkedAt : undefined;
          activityThen = activity;
          // Shards opened since the last listing must be read too: list them now rather than wait for it.
          if (idle) await Promise.all(streamMappings.map((mapping) => mapping.discoverNow()));
        } else if (streamMappings.every((mapping) => mapping.settledSince(idleSince ?? checkedAt))) {
          phases.add('drain_detection', Date.now() - idleSince);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, DONE_CHECK_INTERVAL_MS));
      }
    };
    await drained('producing');
    phases.add('pipeline', Date.now() - pipelineStartedAt);
    // The run's grace period is over once everything has drained: open ends expire as TTL expires them on
    // AWS, and the same stream path (REMOVE -> match handler) dead-letters them as ORPHAN_END.
    const openEndsExpired = await phases.time('open_ends', async () => {
      const expired = await expireOpenEnds(inspection.dynamodb, resources.tripsTable.name);
      if (expired > 0) {
        options.log(`drained; ${expired} open ends expired, settling them`);
        await drained('settling open ends');
      }
      return expired;
    });
    await producing;
    await phases.time('mappings_stop', () => Promise.all(mappings.splice(0).map((mapping) => mapping.stop())));
    options.log(`drained after ${((Date.now() - startedAt) / 1000).toFixed(1)}s; reading the results`);
    if (produced === undefined) throw new Error('the producer did not report a summary');

    // Firehose's work on AWS, not the pipeline's: through the uncounted inspection clients.
    const archiveS3 = withoutSdkLogging(new S3Client({ ...clientOptions('s3') }));
    clients.push(archiveS3);
    // Both streams read back once: the archive and the ledger's sent records are the same records.
    const { archive, readBack } = await phases.time('raw_archive', async () => {
      const [start, end] = await Promise.all([readWholeStream(inspection.kinesis, streamNames.start), readWholeStream(inspection.kinesis, streamNames.end)]);
      const records = { start, end };
      const archived = await archiveStreams({ records, s3: archiveS3, bucket: resources.dataBucket, outDir: options.outDir, deliveryStreamPrefix: options.settings.prefix });
      return { archive: archived, readBack: records };
    });
    options.log(`raw archive: ${archive.records.start} start and ${archive.records.end} end records in ${archive.objects.length} objects under raw/`);

    // The run's own reads (not the pipeline's) go through uncounted clients, so aws_requests stays the
    // pipeline's traffic.
    const readbackStartedAt = Date.now();
    const [items, deadLetterBodies] = await Promise.all([
      readTripItems(inspection.dynamodb, resources.tripsTable.name),
      readDeadLetterBodies(inspection.sqs, resources.deadLetterQueue.url),
    ]);
    const sent = acknowledgedRecords(acknowledged);
    await writeFile(path.join(options.outDir, 'dead-letters.jsonl'), deadLetterBodies.map((body) => `${body}\n`).join(''));
    const classified = deadLetterBodies.map(parseDeadLetterQueueMessage);
    const deadLettered = tallyDeadLetters(classified);
    const ledger = computeLedger({
      sent,
      items,
      letters: classified.flatMap((letter) => (letter.kind === 'dead-letter' ? [letter.letter] : [])),
      movedByRedrivePolicy: classified.flatMap((letter) => (letter.kind === 'retry-message' ? [letter.message] : [])),
      duplicates,
      onStream: sentRecords(readBack),
    });
    phases.add('ledger_readback', Date.now() - readbackStartedAt);
    for (const line of describeLedger(ledger)) options.log(`ledger ${line}`);

    const kpis = await phases.time('kpi', () => runKpiStep(s3, resources.dataBucket, options.outDir));
    options.log(`KPI job: ${kpis.stagedFiles} staged files, ${kpis.dates.length} dates`);
    const snapshot = await MetricsSnapshot.read(inspection.dynamodb, resources.metricsTable.name);
    const openTrips = items.filter((item) => item.halves === 1 && item.start_origin !== undefined).length;
    const liveCheck =
      options.liveMetrics === false
        ? undefined
        : checkLiveMetrics({ windows: await snapshot.windows('all', 'all', ...ALL_TIME), liveOpenTrips: await snapshot.openTrips(), kpis: kpis.rows, openTrips });
    const summary: RunSummary = {
      rows: produced.rows,
      quarantined: produced.quarantined,
      sent: produced.sent,
      unsent: produced.failed,
      trips_completed: items.filter((item) => item.halves >= 2).length,
      duplicates_ignored: ledger.start.duplicates_ignored + ledger.end.duplicates_ignored,
      dead_lettered: deadLettered,
      open_trips: openTrips,
      open_ends_expired: openEndsExpired,
      ledger,
      kpi_dates: kpis.dates,
      aws_requests: awsRequestCounts(),
      trips_table_writes: tripsTableWrites(resources.tripsTable.name),
      lambda_invocations: invoker.invocationCounts(),
      faults_injected: injector.injected,
      order: options.order,
      duration_ms: Date.now() - startedAt,
      phases_ms: phases.snapshot(),
      time_scale: timeScale,
      ...(options.rateTripsPerSecond === undefined ? {} : { pacing: runPacing(options.rateTripsPerSecond, timeScale) }),
      raw_archive: { records: archive.records, objects: archive.objects.length },
      ...(liveCheck === undefined ? {} : { live_metrics: liveCheck }),
      ...(redriven === undefined ? {} : { redriven }),
      ...(replayed === undefined ? {} : { replayed: { records: replayed.records, sent: replayed.sent, unsent: replayed.failed } }),
    };
    const summaryPath = path.join(options.outDir, 'summary.json');
    const failure = runFailure(ledger, liveCheck, summaryPath);
    summary.outcome = failure === undefined ? succeeded() : failed(failure.message);
    summary.data_quality = await assessRunDataQuality({ acknowledged, items, letters: classified, outDir: options.outDir });
    for (const line of describeDataQuality(summary.data_quality)) options.log(`data quality: ${line}`);
    const reportPath = await publishRunPages({
      outDir: options.outDir,
      snapshot,
      results: {
        daily: kpis.rows,
        byDimension: kpis.dimensionRows,
        deadLettersByReason: summary.dead_lettered.by_reason,
        ledger: summary.ledger,
        outcome: summary.outcome,
        dataQuality: summary.data_quality,
      },
      live,
    });
    options.log(`report: ${reportPath}`);
    await writeFile(summaryPath, `${JSON.stringify(summary, null, 2)}\n`);
    if (failure !== undefined) throw failure;
    const serving = live;
    live = undefined;
    return { summary, kpis: kpis.rows, summaryPath, ...(serving === undefined ? {} : { live: serving }) };
  } finally {
    for (const cleanup of cleanups) cleanup();
    for (const mapping of mappings) await mapping.stop().catch(() => undefined);
    removeThrottling();
    removeStreamReadGuard();
    removeConflictModel();
    for (const client of clients) client.destroy();
    await emulators?.stop();
    // Closed here only when the run failed; a finished run hands its server to the caller.
    await live?.close();
  }
}

/** The producer's summary of a run without CSVs (a replay alone). */
function nothingProduced(): ProduceSummary {
  const zero = () => ({ start: 0, end: 0 });
  return { rows: zero(), quarantined: zero(), sent: zero(), failed: zero(), retriedEntries: 0, batches: 0, durationMs: 0, outOfOrder: 0, quarantineFiles: {} };
}

function tripsTableWrites(tableName: string): number {
  const byOperation = dynamoDbRequestCountsByTable()[tableName] ?? {};
  return (byOperation.UpdateItem ?? 0) + (byOperation.PutItem ?? 0) + (byOperation.DeleteItem ?? 0);
}
