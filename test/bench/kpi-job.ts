/**
 * The daily KPI job against Spark reading the same day (docs/capacity.md): BENCH_KPI_JOB_TRIPS (default 200,000)
 * generated staged trips of one day, in the staged layout (docs/contracts.md §3: one JSON-lines file per handled
 * batch, named as the match handler names it, a few trips staged twice), then
 * - the real PySpark job (spark/daily_kpis_job.py, local mode on the machine's cores, the deployed submit
 *   parameters) computing both KPI sets: `job_seconds`;
 * - Spark reading the same files with the job's reader and schema, parsing every field and counting: `bare_read_seconds`;
 * both timed as whole spark-submit runs, JVM start included. `ratio` = job / bare read (goal <= 1.5) and
 * `trips_per_second_per_core` = trips / job_seconds / cores, the throughput the EMR sizing starts from.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { type CompletedTrip, completedTripSchema } from '../../domain/trip-item';
import { stagedFileKey } from '../../lambdas/match/staging';
import { dimensionOutputOf, readWrittenKpiRows, runSparkJob, SPARK_JOB_MODULES, sparkSubmit, tail } from '../support/spark-job';
import type { Benchmark } from './benchmark';

const TRIPS = Number((process.env.BENCH_KPI_JOB_TRIPS ?? '200000').replaceAll('_', ''));
const DAY = '2024-05-24';
/** A staging batch at prod's rate holds a few thousand completions (Lambda's 6 MB payload, docs/cost.md). */
const TRIPS_PER_FILE = 3_000;
/** At-least-once staging: one trip in this many is staged a second time, in a later file. */
const RESTAGED_ONE_IN = 1_000;
/** Spark's local mode in test/support/spark-job.ts: local[2]. */
const SPARK_CORES = 2;
/** Hours for a few million trips on two shared cores; the runner's own limit is what stops a stuck run. */
const RUN_TIMEOUT_MS = 4 * 3600_000;

/** A small, seeded generator, so every run of the bench stages the same trips. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const cents = (value: number) => Math.round(value * 100) / 100;

/** One completed trip of DAY, with the spread of a city's day: 2 vendors, 265 zones, blank codes now and then. */
function generatedTrip(index: number, random: () => number): CompletedTrip {
  const pickupMs = Date.parse(`${DAY}T00:00:00Z`) + Math.floor(random() * 86_400_000);
  const minutes = 3 + random() * 40;
  const dropoff = new Date(pickupMs + minutes * 60_000).toISOString();
  const distance = cents(0.5 + minutes * 0.3 * random());
  const fare = cents(2.5 + distance * 2.5 + minutes * 0.5);
  const blank = random() < 0.01;
  return {
    trip_id: `bench-${index.toString(36).padStart(8, '0')}`,
    trip_date: DAY,
    pickup_datetime: new Date(pickupMs).toISOString(),
    dropoff_datetime: dropoff,
    estimated_dropoff_datetime: null,
    pickup_location_id: blank ? null : 1 + Math.floor(random() * 265),
    dropoff_location_id: 1 + Math.floor(random() * 265),
    vendor_id: blank ? null : 1 + Math.floor(random() * 2),
    estimated_fare_amount: fare,
    rate_code: 1,
    passenger_count: 1 + Math.floor(random() * 4),
    trip_distance: distance,
    fare_amount: fare,
    tip_amount: random() < 0.6 ? cents(fare * 0.2 * random()) : null,
    payment_type: blank ? null : 1 + Math.floor(random() * 4),
    trip_type: 1,
    completed_at: dropoff,
  };
}

/** Stages `trips` trips of DAY under `stagedDir`; returns the number of files and their bytes. */
async function stageTrips(stagedDir: string, trips: number): Promise<{ files: number; bytes: number }> {
  const random = mulberry32(23);
  const folder = path.join(stagedDir, `trip_date=${DAY}`);
  await mkdir(folder, { recursive: true });
  let files = 0;
  let bytes = 0;
  let restaged: CompletedTrip[] = [];
  for (let first = 0; first < trips; first += TRIPS_PER_FILE) {
    const batch: CompletedTrip[] = [];
    for (let index = first; index < Math.min(first + TRIPS_PER_FILE, trips); index += 1) batch.push(generatedTrip(index, random));
    // The match handler validates what it stages; one trip of each file goes through the same schema.
    completedTripSchema.parse(batch[0]);
    const lines = [...restaged, ...batch].map((trip) => `${JSON.stringify(trip)}\n`).join('');
    restaged = batch.filter((_trip, index) => (first + index) % RESTAGED_ONE_IN === RESTAGED_ONE_IN - 1);
    const key = stagedFileKey(DAY, [`${first}`]);
    await writeFile(path.join(folder, path.basename(key)), lines);
    files += 1;
    bytes += Buffer.byteLength(lines);
  }
  return { files, bytes };
}

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const started = process.hrtime.bigint();
  const result = await work();
  return { result, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

export const benchmark: Benchmark = {
  name: 'kpi-job',
  description: `the PySpark KPI job on ${TRIPS.toLocaleString('en-US')} staged trips of one day against Spark reading and counting them`,
  async run() {
    if (!(Number.isSafeInteger(TRIPS) && TRIPS > 0))
      throw new Error(`BENCH_KPI_JOB_TRIPS must be a positive whole number, got ${process.env.BENCH_KPI_JOB_TRIPS}`);
    const workDir = await mkdtemp(path.join(tmpdir(), 'tripstream-bench-kpi-job-'));
    try {
      const stagedDir = path.join(workDir, 'completed-trips');
      const generation = await timed(() => stageTrips(stagedDir, TRIPS));
      const load = [loadavg()[0] ?? 0];

      const bare = await timed(() =>
        sparkSubmit(
          path.join(__dirname, 'spark_bare_read.py'),
          SPARK_JOB_MODULES,
          [path.join(stagedDir, `trip_date=${DAY}`)],
          RUN_TIMEOUT_MS,
        ),
      );
      if (bare.result.code !== 0) throw new Error(`the bare read failed: ${tail(bare.result)}`);
      const staged = Number(/staged_rows=(\d+)/.exec(bare.result.stdout)?.[1]);
      load.push(loadavg()[0] ?? 0);

      const output = path.join(workDir, 'daily-kpis');
      const job = await timed(() => runSparkJob({ input: stagedDir, output, dates: [DAY], timeoutMs: RUN_TIMEOUT_MS }));
      if (job.result.code !== 0) throw new Error(`the KPI job failed: ${tail(job.result)}`);
      load.push(loadavg()[0] ?? 0);
      const [daily] = await readWrittenKpiRows(output);
      const dimensionRows = await readWrittenKpiRows(dimensionOutputOf(output));
      // The job must have counted each trip once, or its speed means nothing.
      if (daily?.trip_count !== TRIPS) throw new Error(`the job counted ${String(daily?.trip_count)} trips, not ${TRIPS}`);

      return {
        figures: {
          trips: TRIPS,
          staged_rows: staged,
          staged_files: generation.result.files,
          staged_bytes_per_trip: Math.round(generation.result.bytes / TRIPS),
          generate_seconds: round(generation.seconds),
          job_seconds: round(job.seconds),
          bare_read_seconds: round(bare.seconds),
          ratio: round(job.seconds / bare.seconds, 3),
          trips_per_second_per_core: Math.round(TRIPS / job.seconds / SPARK_CORES),
          spark_cores: SPARK_CORES,
          dimension_rows: dimensionRows.length,
          machine_cores: cpus().length,
          load_average_1m: load.map((value) => value.toFixed(1)).join(' / '),
        },
      };
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  },
};
