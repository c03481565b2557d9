/**
 * The daily KPI job against Spark reading the same day (docs/capacity.md): BENCH_KPI_JOB_TRIPS (default 200,000)
 * generated staged trips of one day, in the staged layout (docs/contracts.md §3: one JSON-lines file per handled
 * batch, named as the match handler names it, a few trips staged twice), then
 * - the real PySpark job (spark/daily_kpis_job.py, local mode on the machine's cores, the deployed submit
 *   parameters) computing both KPI sets: `job_seconds`;
 * - Spark reading the same files with the job's reader and schema, parsing every field and counting: `bare_read_seconds`;
 * both timed as whole spark-submit runs, JVM start included, BENCH_KPI_JOB_RUNS times each (default 3), taking
 * turns: a shared machine's speed drifts by a third within minutes (docs/capacity.md), so one run of each says
 * little. `ratio` = the median of each job run over the bare read just before it (goal <= 1.5), `job_seconds` and
 * `bare_read_seconds` the medians, every run listed beside them; `trips_per_second_per_core` = trips /
 * job_seconds / cores, the throughput the EMR sizing starts from.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { type CompletedTrip, completedTripSchema } from '../../domain/trip-item';
import { stagedFileKey } from '../../lambdas/match/staging';
import { dimensionOutputOf, readWrittenKpiRows, runSparkJob, SPARK_JOB_MODULES, sparkSubmit, tail } from '../support/spark-job';
import { type Benchmark, median } from './benchmark';

const TRIPS = Number((process.env.BENCH_KPI_JOB_TRIPS ?? '200000').replaceAll('_', ''));
const RUNS = Number(process.env.BENCH_KPI_JOB_RUNS ?? '3');
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

/** A 32-bit integer hash that is a bijection (xor-shift and odd multipliers), so distinct inputs never collide. */
function mix32(value: number): number {
  let hashed = value >>> 0;
  hashed = Math.imul(hashed ^ (hashed >>> 16), 0x7feb352d) >>> 0;
  hashed = Math.imul(hashed ^ (hashed >>> 15), 0x846ca68b) >>> 0;
  return (hashed ^ (hashed >>> 16)) >>> 0;
}

/**
 * Ten hex digits, like the export's trip ids (and the sample generator's): the first eight are a bijection of the
 * index, so ids are unique and in no useful order. Ids in generation order (as this bench once had) reach the job's
 * sort by trip_id almost sorted, which flattered its de-duplication stage (docs/capacity.md, 2026-12-05 later).
 */
function tripIdOf(index: number): string {
  return mix32(index).toString(16).padStart(8, '0') + (mix32(index ^ 0x9e3779b9) & 0xff).toString(16).padStart(2, '0');
}

/** One completed trip of DAY, with the spread of a city's day: 2 vendors, 265 zones, blank codes now and then. */
function generatedTrip(index: number, random: () => number): CompletedTrip {
  const pickupMs = Date.parse(`${DAY}T00:00:00Z`) + Math.floor(random() * 86_400_000);
  const minutes = 3 + random() * 40;
  const dropoff = new Date(pickupMs + minutes * 60_000).toISOString();
  const distance = cents(0.5 + minutes * 0.3 * random());
  const fare = cents(2.5 + distance * 2.5 + minutes * 0.5);
  const blank = random() < 0.01;
  return {
    trip_id: tripIdOf(index),
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

const listed = (values: readonly number[], digits = 2) => values.map((value) => value.toFixed(digits)).join(' / ');

export const benchmark: Benchmark = {
  name: 'kpi-job',
  description: `the PySpark KPI job on ${TRIPS.toLocaleString('en-US')} staged trips of one day against Spark reading and counting them`,
  async run() {
    if (!(Number.isSafeInteger(TRIPS) && TRIPS > 0 && TRIPS <= 2 ** 32))
      throw new Error(`BENCH_KPI_JOB_TRIPS must be a whole number from 1 to 2^32 (unique ids), got ${process.env.BENCH_KPI_JOB_TRIPS}`);
    if (!(Number.isSafeInteger(RUNS) && RUNS > 0))
      throw new Error(`BENCH_KPI_JOB_RUNS must be a positive whole number, got ${process.env.BENCH_KPI_JOB_RUNS}`);
    const workDir = await mkdtemp(path.join(tmpdir(), 'tripstream-bench-kpi-job-'));
    try {
      const stagedDir = path.join(workDir, 'completed-trips');
      const generation = await timed(() => stageTrips(stagedDir, TRIPS));
      const load = [loadavg()[0] ?? 0];
      const bareSeconds: number[] = [];
      const jobSeconds: number[] = [];
      const ratios: number[] = [];
      let staged = Number.NaN;
      let dimensionRows = 0;
      for (let pair = 0; pair < RUNS; pair += 1) {
        const bare = await timed(() =>
          sparkSubmit(
            path.join(__dirname, 'spark_bare_read.py'),
            SPARK_JOB_MODULES,
            [path.join(stagedDir, `trip_date=${DAY}`)],
            RUN_TIMEOUT_MS,
          ),
        );
        if (bare.result.code !== 0) throw new Error(`the bare read failed: ${tail(bare.result)}`);
        staged = Number(/staged_rows=(\d+)/.exec(bare.result.stdout)?.[1]);
        bareSeconds.push(bare.seconds);

        const output = path.join(workDir, 'daily-kpis');
        // A job that wrote nothing must not pass the check below on the files of the pair before.
        await rm(output, { recursive: true, force: true });
        await rm(dimensionOutputOf(output), { recursive: true, force: true });
        const job = await timed(() => runSparkJob({ input: stagedDir, output, dates: [DAY], timeoutMs: RUN_TIMEOUT_MS }));
        if (job.result.code !== 0) throw new Error(`the KPI job failed: ${tail(job.result)}`);
        const [daily] = await readWrittenKpiRows(output);
        dimensionRows = (await readWrittenKpiRows(dimensionOutputOf(output))).length;
        // The job must have counted each trip once, or its speed means nothing.
        if (daily?.trip_count !== TRIPS) throw new Error(`the job counted ${String(daily?.trip_count)} trips, not ${TRIPS}`);
        jobSeconds.push(job.seconds);
        ratios.push(job.seconds / bare.seconds);
        load.push(loadavg()[0] ?? 0);
      }
      const job = median(jobSeconds);

      return {
        figures: {
          trips: TRIPS,
          staged_rows: staged,
          staged_files: generation.result.files,
          staged_bytes_per_trip: Math.round(generation.result.bytes / TRIPS),
          generate_seconds: round(generation.seconds),
          runs: RUNS,
          job_seconds: round(job),
          bare_read_seconds: round(median(bareSeconds)),
          ratio: round(median(ratios), 3),
          job_runs_seconds: listed(jobSeconds),
          bare_read_runs_seconds: listed(bareSeconds),
          ratio_runs: listed(ratios, 3),
          trips_per_second_per_core: Math.round(TRIPS / job / SPARK_CORES),
          spark_cores: SPARK_CORES,
          dimension_rows: dimensionRows,
          machine_cores: cpus().length,
          load_average_1m: load.map((value) => value.toFixed(1)).join(' / '),
        },
      };
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  },
};
