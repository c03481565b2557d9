/**
 * The whole pipeline on one machine: emulators, resources from the deployed settings, the producer, the
 * event source mappings driving the deployed handlers, done detection, the daily KPI job, summary.json.
 */
import { mkdir } from 'node:fs/promises';
import type { DailyKpiRow } from '../../kpi/duckdb-engine';
import type { LocalPipelineSettings, PipelineSettings } from '../../lib/config';
import type { SendOrder } from '../../producer/produce';
import type { LocalInvoker } from '../event-source-mapping/invoker';
import { archiveRun } from './archive-step';
import { RunCleanUp } from './clean-up';
import type { DataQuality } from './data-quality';
import type { DeadLetterTally } from './dead-letters';
import { type DrainWatch, waitUntilDrained } from './drain';
import { applyLocalAwsDefaults, startEmulators } from './emulators';
import { type FaultInjection, FaultInjector, type InjectedFaultCounts } from './fault-injection';
import { startFeed } from './feed';
import { loadPipelineFunctions } from './functions';
import { installHandlerHooks } from './handler-hooks';
import { runKpiStep } from './kpi-step';
import type { Ledger } from './ledger';
import { computeRunLedger, logLedger, observeDuplicates } from './ledger-step';
import { checkRunLiveMetrics } from './live-check-step';
import { CompletionTimes, type LiveFreshness, liveFreshness } from './live-freshness';
import type { LiveMetricsCheck } from './live-metrics-check';
import { DeadLetterCounter, type LiveServer, liveMetricsReader, startLiveServer } from './live-server';
import { type RunMappings, wireMappings } from './mappings';
import { expireOpenEnds } from './open-halves';
import { type RedriveFileSummary, redriveDeadLetterFile } from './operator-inputs';
import type { RunPacing } from './pacing';
import { PhaseTimer } from './phase-timer';
import { openTripsOf, reportRun } from './report-step';
import { createLocalResources, type LocalResources } from './resources';
import { createRunClients, type RunClients } from './run-clients';
import { runLengthOf } from './run-length';
import type { RunOutcome } from './run-outcome';
import { clearRunOutputs } from './run-outputs';

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
  /** With --rate (and the live-metrics consumer on): how soon completions showed in the live metrics. */
  live_freshness?: LiveFreshness;
  /** The live metrics checked against the KPIs and the open trips (absent when the live-metrics consumer is off). */
  live_metrics?: LiveMetricsCheck;
  /** Records of each stream archived to `<out>/raw/` (and the local bucket's raw/), as Firehose archives them. */
  raw_archive: { records: { start: number; end: number }; objects: number };
  /** With --redrive: the earlier run's letters sent through the retry queue, and those left (no replayable event). */
  redriven?: RedriveFileSummary;
  /** With --replay: the archived records re-sent into the streams. */
  replayed?: { records: number; sent: { start: number; end: number }; unsent: { start: number; end: number } };
  /** Whether the run succeeded; a failed run's summary says why (local/run/run-outcome.ts). */
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

/** What the run has started and wired, once the mappings run. */
interface StartedPipeline {
  readonly clients: RunClients;
  readonly resources: LocalResources;
  readonly invoker: LocalInvoker;
  readonly mappings: RunMappings;
  readonly duplicates: ReadonlySet<string>;
  /** Kept in a paced run with the live-metrics consumer on: each completion's path into the live metrics. */
  readonly completionTimes?: CompletionTimes;
}

/**
 * The run's steps, in order: start emulators, create resources, load the handlers, wire the mappings, produce,
 * drain, expire open ends, archive, ledger, KPIs, live check, summary and report; clean-up whatever happens.
 */
export async function runLocalPipeline(options: LocalRunOptions): Promise<LocalRunResult> {
  const startedAt = Date.now();
  const phases = new PhaseTimer();
  const injector = new FaultInjector(options.faults);
  applyLocalAwsDefaults();
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  await mkdir(options.outDir, { recursive: true });
  await clearRunOutputs(options.outDir);
  const hooks = installHandlerHooks(injector);
  const cleanUp = new RunCleanUp(hooks);
  try {
    const pipeline = await startPipeline(options, phases, injector, cleanUp);
    const { clients, resources, invoker, mappings } = pipeline;
    hooks.limitTableStreamReaders(mappings.tableStreamReaders);
    const redriven = options.redrive === undefined ? undefined : await redriveLetters(options.redrive, pipeline, options.log);
    const streamNames = { start: resources.tripStartStream.name, end: resources.tripEndStream.name };
    const pipelineStartedAt = Date.now();
    const { completionTimes } = pipeline;
    const feed = startFeed(
      { ...options, ...(completionTimes === undefined ? {} : { completionTimes }) },
      clients.producerKinesis,
      streamNames,
    );
    const watch: DrainWatch = {
      mappings,
      invoker,
      feed,
      resources,
      inspectionSqs: clients.inspection.sqs,
      phases,
      deadline: startedAt + options.timeoutMs,
      timeoutMs: options.timeoutMs,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    };
    await waitUntilDrained(watch, 'producing');
    phases.add('pipeline', Date.now() - pipelineStartedAt);
    const openEndsExpired = await phases.time('open_ends', () => expireOpenEndsAndSettle(watch, clients, options.log));
    await feed.done;
    await phases.time('mappings_stop', () => cleanUp.stopMappings());
    options.log(`drained after ${((Date.now() - startedAt) / 1000).toFixed(1)}s; reading the results`);
    const produced = feed.produced;
    if (produced === undefined) throw new Error('the producer did not report a summary');

    const { archive, readBack } = await phases.time('raw_archive', () =>
      archiveRun({
        kinesis: clients.inspection.kinesis,
        s3: clients.inspection.s3,
        streamNames,
        bucket: resources.dataBucket,
        outDir: options.outDir,
        deliveryStreamPrefix: options.settings.prefix,
      }),
    );
    options.log(
      `raw archive: ${archive.records.start} start and ${archive.records.end} end records in ${archive.objects.length} objects under raw/`,
    );
    const readbackStartedAt = Date.now();
    const results = await computeRunLedger({
      inspection: clients.inspection,
      resources,
      outDir: options.outDir,
      acknowledged: feed.acknowledged,
      duplicates: pipeline.duplicates,
      readBack,
    });
    phases.add('ledger_readback', Date.now() - readbackStartedAt);
    logLedger(results.ledger, options.log);

    const kpis = await phases.time('kpi', () => runKpiStep(clients.s3, resources.dataBucket, options.outDir));
    options.log(`KPI job: ${kpis.stagedFiles} staged files, ${kpis.dates.length} dates`);
    const { snapshot, liveCheck } = await checkRunLiveMetrics({
      dynamodb: clients.inspection.dynamodb,
      metricsTable: resources.metricsTable.name,
      kpis: kpis.rows,
      openTrips: openTripsOf(results),
      liveMetrics: options.liveMetrics !== false,
    });
    const { summary, summaryPath } = await reportRun({
      outDir: options.outDir,
      order: options.order,
      ...(options.rateTripsPerSecond === undefined ? {} : { rateTripsPerSecond: options.rateTripsPerSecond }),
      timeScale: 'localTimeScale' in options.settings ? options.settings.localTimeScale : 1,
      startedAt,
      phases: phases.snapshot(),
      produced,
      ...(feed.replayed === undefined ? {} : { replayed: feed.replayed }),
      ...(redriven === undefined ? {} : { redriven }),
      acknowledged: feed.acknowledged,
      results,
      openEndsExpired,
      archive,
      kpis,
      ...(liveCheck === undefined ? {} : { liveCheck }),
      ...(completionTimes === undefined ? {} : { liveFreshness: liveFreshness(completionTimes, options.settings) }),
      snapshot,
      live: cleanUp.live,
      tripsTable: resources.tripsTable.name,
      lambdaInvocations: invoker.invocationCounts(),
      faultsInjected: injector.injected,
      log: options.log,
    });
    const serving = cleanUp.handOverLive();
    return { summary, kpis: kpis.rows, summaryPath, ...(serving === undefined ? {} : { live: serving }) };
  } finally {
    await cleanUp.run();
  }
}

/** Start emulators, create resources, load the handlers, wire the mappings and start them (and the live page). */
async function startPipeline(
  options: LocalRunOptions,
  phases: PhaseTimer,
  injector: FaultInjector,
  cleanUp: RunCleanUp,
): Promise<StartedPipeline> {
  const runLength = await runLengthOf(options);
  const emulators = await phases.time('emulators', () => startEmulators(process.env, { runLength }));
  cleanUp.emulators = emulators;
  options.log(
    `emulators: ${Object.entries(emulators.servedBy)
      .map(([service, by]) => `${service}=${by}`)
      .join(', ')} (JIT for a ${runLength} run)`,
  );
  const clients = createRunClients();
  cleanUp.clients = clients;
  const resources = await phases.time('resources', () => createLocalResources(options.settings, clients));
  cleanUp.hooks.modelTransactionConflicts(resources);
  const invoker = await phases.time('handlers', () =>
    loadPipelineFunctions(options.settings, resources, injector, options.handlerLogLevel, options.log),
  );
  const { duplicates, stop } = await observeDuplicates();
  cleanUp.observers.push(stop);
  // Without --rate the feed is a backlog drained as fast as it goes: how long a completion took says nothing then.
  const completionTimes = options.rateTripsPerSecond !== undefined && options.liveMetrics !== false ? new CompletionTimes() : undefined;
  const mappings = wireMappings({
    settings: options.settings,
    resources,
    region: process.env.AWS_REGION ?? 'us-east-1',
    invoker,
    clients,
    tableStreamShards: options.tableStreamShards ?? 1,
    liveMetrics: options.liveMetrics !== false,
    ...(completionTimes === undefined ? {} : { onLiveWindowClosed: completionTimes.windowClosed.bind(completionTimes) }),
  });
  if (options.servePort !== undefined) await serveLivePage(options, options.servePort, clients, resources, cleanUp);
  await phases.time('mappings_start', async () => {
    await Promise.all(mappings.streams.map((mapping) => mapping.start()));
    cleanUp.mappings.push(...mappings.streams);
  });
  for (const mapping of mappings.queues) {
    mapping.start();
    cleanUp.mappings.push(mapping);
  }
  return { clients, resources, invoker, mappings, duplicates, ...(completionTimes === undefined ? {} : { completionTimes }) };
}

async function serveLivePage(
  options: LocalRunOptions,
  port: number,
  clients: RunClients,
  resources: LocalResources,
  cleanUp: RunCleanUp,
): Promise<void> {
  const deadLetters = new DeadLetterCounter();
  const { observeOutcomes } = await import('../../lambdas/common/observability.js');
  cleanUp.observers.push(observeOutcomes(deadLetters.observer));
  const live = await startLiveServer({
    port,
    reader: liveMetricsReader(clients.dynamodb, resources.metricsTable.name),
    deadLettersSoFar: () => deadLetters.byReason(),
  });
  cleanUp.live = live;
  options.onServing?.(live.url);
}

async function redriveLetters(deadLetterFile: string, pipeline: StartedPipeline, log: (line: string) => void): Promise<RedriveFileSummary> {
  const redriven = await redriveDeadLetterFile(pipeline.clients.sqs, pipeline.resources.retryQueue.url, deadLetterFile);
  log(
    `redrive: ${redriven.redriven} of ${redriven.letters} dead letters sent through the retry queue; ${redriven.left.length} left (no replayable event)`,
  );
  return redriven;
}

/**
 * The run's grace period is over once everything has drained: open ends expire as TTL expires them on AWS, and
 * the same stream path (REMOVE -> match handler) dead-letters them as ORPHAN_END.
 */
async function expireOpenEndsAndSettle(watch: DrainWatch, clients: RunClients, log: (line: string) => void): Promise<number> {
  const expired = await expireOpenEnds(clients.inspection.dynamodb, watch.resources.tripsTable.name);
  if (expired > 0) {
    log(`drained; ${expired} open ends expired, settling them`);
    await waitUntilDrained(watch, 'settling open ends');
  }
  return expired;
}
