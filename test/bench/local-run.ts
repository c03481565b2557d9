/**
 * How fast the local run is, against what DynamoDB Local itself allows, measured in the same run:
 * - the ceiling: the trip-assembly writes of a generated sample (each valid start's, then each valid end's
 *   conditional UpdateItem, through the handlers' own table adapter) issued straight at a fresh DynamoDB
 *   Local, as many in flight as the run can have (every shard's batch at once), after a warm-up;
 * - the local run (`npm run local`, a process of its own) on generated samples of 20k trips and up: trips/s
 *   over its pipeline phase (producer start to drained), and that as a share of the ceiling;
 * - the fixed overhead: a tiny run's wall time, the time-axis intercept of wall time over trips, and the
 *   tiny run's phases (summary.json phases_ms).
 * BENCH_LOCAL_RUN_TRIPS (comma-separated, default 20000,40000) sets the sample sizes.
 */
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { clientOptions } from '../../aws/clients';
import { type CsvRow, readEndCsv, readStartCsv } from '../../domain/csv-reader';
import type { TripEvent } from '../../domain/events';
import { halfWrite } from '../../domain/trip-assembly';
import { TripsTable } from '../../lambdas/common/adapters/trips-table';
import { localSettings } from '../../lib/config';
import { pipelineTopology } from '../../lib/topology';
import { applyLocalAwsDefaults, startEmulators } from '../../local/run/emulators';
import { createLocalResources, localShardCount } from '../../local/run/resources';
import type { RunSummary } from '../../local/run/run';
import { runLengthOf } from '../../local/run/run-length';
import { generateSample, NO_TROUBLE_RATES, writeSampleFiles } from '../../tools/sample-generator';
import type { Benchmark } from './benchmark';

const run = promisify(execFile);
const repositoryRoot = join(__dirname, '..', '..');
const SIZES = (process.env.BENCH_LOCAL_RUN_TRIPS ?? '20000,40000').split(',').map(Number);
const TINY_TRIPS = 50;
const WARM_UP_TRIPS = 2_000;
/** Every shard of both trip streams delivering a full batch at once, each batch's records settled concurrently. */
const { streams } = pipelineTopology(localSettings);
const RUN_CONCURRENCY = (localShardCount(streams.tripStart) + localShardCount(streams.tripEnd)) * localSettings.startMapping.batchSize;

interface Sample {
  readonly trips: number;
  readonly files: { start: string; end: string };
}

async function writeCleanSample(directory: string, trips: number, seed: string): Promise<Sample> {
  const files = await writeSampleFiles(generateSample({ trips, seed, days: 3, rates: NO_TROUBLE_RATES }), directory);
  return { trips, files: { start: files.start, end: files.end } };
}

async function validEvents<E extends TripEvent>(rows: AsyncIterable<CsvRow<E>>): Promise<E[]> {
  const events: E[] = [];
  for await (const row of rows) if (row.outcome.ok) events.push(row.outcome.event);
  return events;
}

async function inPool<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** Trips/s DynamoDB Local takes for the pipeline's trip writes: every start's UpdateItem, then every end's. */
async function dynamoDbCeiling(sample: Sample, concurrencies: readonly number[]): Promise<Record<number, number>> {
  applyLocalAwsDefaults();
  // The JVM set-up the local run picks for a run of this size, so the ceiling and the run compare like for like.
  const emulators = await startEmulators(process.env, { runLength: await runLengthOf(sample.files) });
  const dynamodb = new DynamoDBClient({ ...clientOptions('dynamodb') });
  const others = {
    kinesis: new KinesisClient({ ...clientOptions('kinesis') }),
    sqs: new SQSClient({ ...clientOptions('sqs') }),
    s3: new S3Client({ ...clientOptions('s3') }),
  };
  try {
    const resources = await createLocalResources(localSettings, { dynamodb, ...others });
    const table = new TripsTable(DynamoDBDocumentClient.from(dynamodb), resources.tripsTable.name);
    const lifetime = { openHalfGraceHours: localSettings.table.openHalfGraceHours, completedTtlDays: localSettings.table.ttlDays };
    const starts = await validEvents(readStartCsv(createReadStream(sample.files.start)));
    const ends = await validEvents(readEndCsv(createReadStream(sample.files.end)));
    const write = async (event: TripEvent, index: number, round: string): Promise<void> => {
      const tripId = `${round}-${event.trip_id}`;
      const sighting = {
        firstSeenAt: new Date().toISOString(),
        origin: { shard_id: 'shardId-000000000000', sequence_number: String(index) },
      };
      const result = await table.recordHalf(halfWrite({ ...event, trip_id: tripId }, sighting, lifetime));
      if (!result.applied) throw new Error(`the ceiling's write of ${event.event_type} ${tripId} was refused`);
    };
    const rounds = async (round: string, count: number, concurrency: number): Promise<number> => {
      const startedAt = performance.now();
      await inPool(starts.slice(0, count), concurrency, (event, index) => write(event, index, round));
      await inPool(ends.slice(0, count), concurrency, (event, index) => write(event, index, round));
      return performance.now() - startedAt;
    };
    // DynamoDB Local's JVM is slow until warm: the ceiling is what it allows once warm.
    await rounds('warm-up', WARM_UP_TRIPS, RUN_CONCURRENCY);
    const perSecond: Record<number, number> = {};
    for (const concurrency of concurrencies) {
      const ms = await rounds(`c${concurrency}`, sample.trips, concurrency);
      perSecond[concurrency] = Math.min(starts.length, ends.length, sample.trips) / (ms / 1000);
    }
    return perSecond;
  } finally {
    dynamodb.destroy();
    for (const client of Object.values(others)) client.destroy();
    await emulators.stop();
  }
}

async function localRun(sample: Sample, outDir: string): Promise<RunSummary> {
  await run(
    join(repositoryRoot, 'node_modules', '.bin', 'tsx'),
    [join(repositoryRoot, 'bin', 'tripstream.ts'), 'local', '--start', sample.files.start, '--end', sample.files.end, '--out', outDir],
    {
      cwd: repositoryRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const summary = JSON.parse(await readFile(join(outDir, 'summary.json'), 'utf8')) as RunSummary;
  if (!summary.ledger.balanced) throw new Error(`the local run of ${sample.trips} trips did not balance its ledger`);
  if (summary.trips_completed !== sample.trips)
    throw new Error(`the local run completed ${summary.trips_completed} of ${sample.trips} trips`);
  return summary;
}

/** Least-squares intercept and slope of wall time (s) over trips. */
function fit(points: readonly { trips: number; seconds: number }[]): { intercept: number; slope: number } {
  const n = points.length;
  const meanX = points.reduce((sum, point) => sum + point.trips, 0) / n;
  const meanY = points.reduce((sum, point) => sum + point.seconds, 0) / n;
  const sxx = points.reduce((sum, point) => sum + (point.trips - meanX) ** 2, 0);
  const slope = sxx === 0 ? 0 : points.reduce((sum, point) => sum + (point.trips - meanX) * (point.seconds - meanY), 0) / sxx;
  return { intercept: meanY - slope * meanX, slope };
}

const load = (): string =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

export const benchmark: Benchmark = {
  name: 'local-run',
  description: `npm run local against DynamoDB Local's own ceiling for its writes, on ${SIZES.join(', ')} generated trips, and its fixed overhead (${TINY_TRIPS} trips)`,
  async run() {
    const workDir = await mkdtemp(join(tmpdir(), 'tripstream-bench-local-run-'));
    const figures: Record<string, number | string> = { 'load average at start (1, 5, 15 min)': load() };
    const tiny = await localRun(await writeCleanSample(join(workDir, 'tiny'), TINY_TRIPS, 'bench-local-tiny'), join(workDir, 'tiny-out'));
    figures[`fixed overhead: ${TINY_TRIPS}-trip run wall time s`] = (tiny.duration_ms / 1000).toFixed(2);
    for (const [phase, ms] of Object.entries(tiny.phases_ms)) figures[`fixed overhead: ${phase} s`] = (ms / 1000).toFixed(2);
    const points = [{ trips: TINY_TRIPS, seconds: tiny.duration_ms / 1000 }];
    for (const trips of SIZES) {
      const sample = await writeCleanSample(join(workDir, `in-${trips}`), trips, `bench-local-${trips}`);
      const ceiling = await dynamoDbCeiling(sample, [RUN_CONCURRENCY, 64]);
      const best = Math.max(...Object.values(ceiling));
      const summary = await localRun(sample, join(workDir, `out-${trips}`));
      const throughput = trips / ((summary.phases_ms.pipeline ?? summary.duration_ms) / 1000);
      points.push({ trips, seconds: summary.duration_ms / 1000 });
      for (const [concurrency, perSecond] of Object.entries(ceiling))
        figures[`${trips}: DynamoDB Local ceiling, ${concurrency} in flight, trips/s`] = perSecond.toFixed(0);
      figures[`${trips}: local run pipeline trips/s`] = throughput.toFixed(0);
      figures[`${trips}: local run share of the ceiling (goal >= 0.8)`] = (throughput / best).toFixed(2);
      figures[`${trips}: local run wall time s`] = (summary.duration_ms / 1000).toFixed(1);
      figures[`${trips}: load average after (1, 5, 15 min)`] = load();
    }
    const { intercept, slope } = fit(points);
    figures['fixed overhead: time-axis intercept s (goal < 8)'] = intercept.toFixed(2);
    figures['marginal ms per trip'] = (slope * 1000).toFixed(3);
    return { figures };
  },
};
