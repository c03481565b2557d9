/**
 * The whole pipeline on one machine: emulators, resources from the deployed settings, the producer, the
 * event source mappings driving the deployed handlers, done detection, the daily KPI job, summary.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBRecord, KinesisStreamRecord } from 'aws-lambda';
import { awsRequestCounts, clientOptions, registerRequestAttemptHook, withRequestCounting } from '../lib/aws/clients';
import type { PipelineSettings } from '../lib/config';
import { COMPLETED_TRIP_STREAM_FILTER, TRIP_STATUS } from '../lib/domain/trip-item';
import type { DailyKpiRow } from '../lib/kpi/duckdb-engine';
import { produce, type ProduceSummary, type SendOrder } from '../producer/produce';
import { readQueue, tallyDeadLetters, type DeadLetterTally } from './dead-letters';
import { applyLocalAwsDefaults, startEmulators, type Emulators } from './emulators';
import { FaultInjector, type FaultInjection, type InjectedFaultCounts } from './failure-injection';
import { matchesFilterPattern } from './filter-pattern';
import { functionName, LocalInvoker } from './invoker';
import { runKpiStep } from './kpi-step';
import { QueueMapping, queueDepth } from './queue-mapping';
import { dynamoDbView, kinesisView, sqsView } from './record-views';
import { createLocalResources, type LocalResources } from './resources';
import { dynamoDbStreamShards, kinesisShards, StreamMapping } from './stream-mapping';

/** summary.json (DESIGN.md §5). */
export interface RunSummary {
  rows: { start: number; end: number };
  quarantined: { start: number; end: number };
  sent: { start: number; end: number };
  /** Valid rows the producer could not get into Kinesis (written to the quarantine's unsent file). */
  unsent: { start: number; end: number };
  /** Items with status COMPLETED in the trips table at the end of the run. */
  trips_completed: number;
  duplicates_ignored: number;
  dead_lettered: DeadLetterTally;
  kpi_dates: string[];
  aws_requests: Record<string, Record<string, number>>;
  lambda_invocations: Record<string, number>;
  /** What --inject-faults (and targeted test failures) made fail. */
  faults_injected: InjectedFaultCounts;
  order: SendOrder;
  duration_ms: number;
}

export interface LocalRunOptions {
  readonly start: string;
  readonly end: string;
  readonly outDir: string;
  readonly order: SendOrder;
  readonly settings: PipelineSettings;
  /** The run fails if the pipeline has not drained by then. */
  readonly timeoutMs: number;
  /** Handler log level (Powertools); the deployed level would drown the run's own output. */
  readonly handlerLogLevel: PipelineSettings['handlers']['logLevel'];
  readonly log: (line: string) => void;
  readonly signal?: AbortSignal;
  /** Handler record failures and throttling of the handlers' AWS calls to inject; none by default. */
  readonly faults?: FaultInjection;
}

export interface LocalRunResult {
  readonly summary: RunSummary;
  readonly kpis: DailyKpiRow[];
  readonly summaryPath: string;
}

/** How long everything must stay idle before the run counts as drained: several poll rounds. */
const QUIET_PERIOD_MS = 1_500;
const DONE_CHECK_INTERVAL_MS = 100;

export async function runLocalPipeline(options: LocalRunOptions): Promise<LocalRunResult> {
  const startedAt = Date.now();
  const injector = new FaultInjector(options.faults);
  applyLocalAwsDefaults();
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  await mkdir(options.outDir, { recursive: true });
  const removeThrottling = registerRequestAttemptHook('handler', (attempt) => injector.throttle(attempt));

  let emulators: Emulators | undefined;
  const mappings: { stop(): Promise<void> }[] = [];
  const clients: { destroy(): void }[] = [];
  try {
    emulators = await startEmulators();
    options.log(`emulators: ${Object.entries(emulators.servedBy).map(([service, by]) => `${service}=${by}`).join(', ')}`);
    const region = process.env.AWS_REGION ?? 'us-east-1';
    const kinesis = withRequestCounting(new KinesisClient({ ...clientOptions('kinesis') }));
    const dynamodb = withRequestCounting(new DynamoDBClient({ ...clientOptions('dynamodb') }));
    const streams = withRequestCounting(new DynamoDBStreamsClient({ ...clientOptions('dynamodb_streams') }));
    const sqs = withRequestCounting(new SQSClient({ ...clientOptions('sqs') }));
    const s3 = withRequestCounting(new S3Client({ ...clientOptions('s3') }));
    // As in the producer CLI: one attempt per request, so the producer's own backoff owns resends.
    const producerKinesis = withRequestCounting(new KinesisClient({ ...clientOptions('kinesis'), maxAttempts: 1 }));
    clients.push(kinesis, dynamodb, streams, sqs, s3, producerKinesis);

    const resources = await createLocalResources(options.settings, { kinesis, dynamodb, sqs, s3 });
    const invoker = await LocalInvoker.load(options.settings, resources, injector, options.handlerLogLevel);
    const { outcomeTally } = await import('../lambdas/shared/observability.js');

    const onFailure = { sqs, queueUrl: resources.deadLetterQueue.url };
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
    const matchMapping = new StreamMapping<DynamoDBRecord>({
      handler: 'match',
      kind: 'dynamodb',
      region,
      functionName: functionName(options.settings, 'match'),
      streamArn: resources.tripsTable.streamArn,
      settings: options.settings.matchMapping,
      invoker,
      view: dynamoDbView,
      filter: (record) => matchesFilterPattern(COMPLETED_TRIP_STREAM_FILTER, record),
      onFailure,
      listShards: dynamoDbStreamShards(streams, resources.tripsTable.streamArn, region),
      rediscoverEveryMs: 1_000,
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
    const streamMappings = [startMapping, endMapping, matchMapping];
    for (const mapping of streamMappings) {
      await mapping.start();
      mappings.push(mapping);
    }
    redriveMapping.start();
    mappings.push(redriveMapping);

    options.log(`producing ${options.start} + ${options.end} (order ${options.order})`);
    let produced: ProduceSummary | undefined;
    let produceError: unknown;
    const producing = produce({
      start: options.start,
      end: options.end,
      startStream: resources.tripStartStream.name,
      endStream: resources.tripEndStream.name,
      order: options.order,
      quarantine: path.join(options.outDir, 'quarantine'),
      kinesis: producerKinesis,
    }).then(
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
    let idleSince: number | undefined;
    let lastActivity = -1;
    for (;;) {
      if (options.signal?.aborted === true) throw new Error('interrupted');
      if (produceError !== undefined) throw new Error(`the producer failed: ${describe(produceError)}`, { cause: produceError });
      const failed = [...streamMappings, redriveMapping].find((mapping) => mapping.error !== undefined);
      if (failed?.error !== undefined) throw failed.error;
      if (Date.now() > deadline) {
        throw new Error(
          `the pipeline did not drain within ${Math.round(options.timeoutMs / 1000)}s ` +
            `(producer ${produced === undefined ? 'still running' : 'done'}, ` +
            `shards idle: start=${startMapping.idle} end=${endMapping.idle} match=${matchMapping.idle}, ` +
            `invocations running: ${invoker.inFlight}); raise --timeout for large inputs`,
        );
      }
      const activity = streamMappings.reduce((sum, mapping) => sum + mapping.activity, redriveMapping.activity) + invoker.totalInvocations;
      let idle = produced !== undefined && streamMappings.every((mapping) => mapping.idle) && redriveMapping.idle && invoker.inFlight === 0;
      if (idle) {
        const depth = await queueDepth(sqs, resources.retryQueue.url);
        idle = depth.visible + depth.inFlight + depth.delayed === 0;
      }
      if (idle && activity === lastActivity && idleSince !== undefined) {
        if (Date.now() - idleSince >= QUIET_PERIOD_MS) break;
      } else {
        idleSince = idle ? Date.now() : undefined;
        lastActivity = activity;
      }
      await new Promise((resolve) => setTimeout(resolve, DONE_CHECK_INTERVAL_MS));
    }
    await producing;
    for (const mapping of mappings.splice(0)) await mapping.stop();
    options.log(`drained after ${((Date.now() - startedAt) / 1000).toFixed(1)}s; reading the results`);
    if (produced === undefined) throw new Error('the producer did not report a summary');

    const tripsCompleted = await countCompletedTrips(dynamodb, resources.tripsTable.name);
    const deadLetterBodies = await readQueue(sqs, resources.deadLetterQueue.url);
    await writeFile(path.join(options.outDir, 'dead-letters.jsonl'), deadLetterBodies.map((body) => `${body}\n`).join(''));
    const deadLettered = tallyDeadLetters(deadLetterBodies);

    const kpis = await runKpiStep(s3, resources.dataBucket, options.outDir);
    options.log(`KPI job: ${kpis.stagedFiles} staged files, ${kpis.dates.length} dates`);
    const summary: RunSummary = {
      rows: produced.rows,
      quarantined: produced.quarantined,
      sent: produced.sent,
      unsent: produced.failed,
      trips_completed: tripsCompleted,
      duplicates_ignored: outcomeTally().DuplicateIgnored ?? 0,
      dead_lettered: deadLettered,
      kpi_dates: kpis.dates,
      aws_requests: awsRequestCounts(),
      lambda_invocations: invoker.invocationCounts(),
      faults_injected: injector.injected,
      order: options.order,
      duration_ms: Date.now() - startedAt,
    };
    const summaryPath = path.join(options.outDir, 'summary.json');
    await writeFile(summaryPath, `${JSON.stringify(summary, null, 2)}\n`);
    return { summary, kpis: kpis.rows, summaryPath };
  } finally {
    for (const mapping of mappings) await mapping.stop().catch(() => undefined);
    removeThrottling();
    for (const client of clients) client.destroy();
    await emulators?.stop();
  }
}

async function countCompletedTrips(dynamodb: DynamoDBClient, tableName: string): Promise<number> {
  let count = 0;
  const pages = paginateScan(
    { client: dynamodb },
    {
      TableName: tableName,
      Select: 'COUNT',
      FilterExpression: '#status = :completed',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':completed': { S: TRIP_STATUS.completed } },
    },
  );
  for await (const page of pages) count += page.Count ?? 0;
  return count;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
