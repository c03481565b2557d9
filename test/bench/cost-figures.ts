/**
 * The figures of issue #16 against their goals, from `npm run local` runs of generated samples priced by
 * the cost model (planning/cost, dev's settings):
 * - an unpaced run (the producer as fast as it goes: batches fill as a replay's do): the replay figure;
 * - a paced run (`--rate`) standing for a deployed feed: the local windows are the
 *   deployed ones x LOCAL_TIME_SCALE, so a local rate r batches like a deployed rate r x LOCAL_TIME_SCALE
 *   (lib/config.ts). The run is paced to stand for BENCH_COST_TRIPS_PER_MONTH (1M trips/month by default).
 * The live figure at 1M trips/month is the model's (its window effects at that rate), not a measurement.
 * Every run is repeated BENCH_COST_RUNS times (3 by default): the median is shown with the range.
 * Local throughput as a share of DynamoDB Local's comes from the throughput benchmark's result file
 * (BENCH_THROUGHPUT_JSON, written by `npm run bench -- <name> --json FILE`) when one is given.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { environments, LOCAL_TIME_SCALE } from '../../lib/config';
import { type CostReport, costReport } from '../../planning/cost/model';
import { type RunMeasurements, runMeasurementsOf } from '../../planning/cost/run-measurements';
import { generateSample, writeSampleFiles } from '../../tools/sample-generator';
import { type Benchmark, median } from './benchmark';

const run = promisify(execFile);
const repositoryRoot = join(__dirname, '..', '..');
const TRIPS = Number(process.env.BENCH_COST_TRIPS ?? 2_000);
const RUNS = Number(process.env.BENCH_COST_RUNS ?? 3);
const TRIPS_PER_MONTH = Number(process.env.BENCH_COST_TRIPS_PER_MONTH ?? 1_000_000);
const SECONDS_PER_MONTH = 730 * 3600;
const REPLAY_TRIPS_PER_SECOND = 1_000;

export const GOALS = {
  stagedPutsPerThousandTrips: 1,
  invocationsPerThousandTrips: 20,
  replayDollarsPerMillionTrips: 1.6,
  liveDollarsPerMillionTrips: 2.5,
  throughputShare: 0.8,
} as const;

/** `median (min-max) goal <= X: met|missed` (or >= for a floor). */
function againstGoal(values: readonly number[], goal: number, kind: 'at most' | 'at least', digits: number): string {
  const value = median(values);
  const met = kind === 'at most' ? value <= goal : value >= goal;
  const range =
    values.length > 1 ? ` (${Math.min(...values).toFixed(digits)}-${Math.max(...values).toFixed(digits)}, ${values.length} runs)` : '';
  return `${value.toFixed(digits)}${range}  goal ${kind === 'at most' ? '<=' : '>='} ${goal}: ${met ? 'met' : 'MISSED'}`;
}

interface PricedRun {
  readonly run: RunMeasurements;
  readonly report: CostReport;
}

async function localRun(files: { start: string; end: string }, outDir: string, extra: readonly string[]): Promise<PricedRun> {
  try {
    await run(
      join(repositoryRoot, 'node_modules', '.bin', 'tsx'),
      [join(repositoryRoot, 'bin', 'tripstream.ts'), 'local', '--start', files.start, '--end', files.end, '--out', outDir, ...extra],
      {
        cwd: repositoryRoot,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
        maxBuffer: 64 * 1024 * 1024,
      },
    );
  } catch (error) {
    // The run's own last words say why (a drain timeout, an unbalanced ledger), not execFile's command line.
    const stderr = typeof error === 'object' && error !== null && 'stderr' in error ? String(error.stderr) : '';
    const why =
      stderr
        .split('\n')
        .filter((line) => line.startsWith('error:'))
        .join(' ') || stderr.trim().split('\n').slice(-3).join(' ');
    throw new Error(`npm run local failed for ${outDir}: ${why}`, { cause: error });
  }
  const summary = runMeasurementsOf(JSON.parse(await readFile(join(outDir, 'summary.json'), 'utf8')));
  return {
    run: summary,
    report: costReport({ run: summary, settings: environments.dev, environment: 'dev', tripsPerMonth: TRIPS_PER_MONTH }),
  };
}

/**
 * The lowest monthly volume (trips, 2 significant digits) from which the model puts a batching figure within
 * its goal, between 1M and 10B trips a month; both figures fall as a feed gets denser.
 */
function lowestVolumeMeeting(run: RunMeasurements, figureOf: (report: CostReport) => number, goal: number): string {
  const meets = (tripsPerMonth: number) =>
    figureOf(costReport({ run, settings: environments.dev, environment: 'dev', tripsPerMonth })) <= goal;
  let low = 1_000_000;
  let high = 10_000_000_000;
  if (meets(low)) return `${low.toLocaleString('en-US')} trips/month or fewer`;
  if (!meets(high)) return `none up to ${high.toLocaleString('en-US')} trips/month`;
  while (high / low > 1.01) {
    const middle = Math.sqrt(low * high);
    if (meets(middle)) high = middle;
    else low = middle;
  }
  const rounded = Number(high.toPrecision(2));
  return `${rounded.toLocaleString('en-US')} trips/month (${(rounded / SECONDS_PER_MONTH).toFixed(1)} trips/s)`;
}

async function throughputShare(): Promise<number | undefined> {
  const file = process.env.BENCH_THROUGHPUT_JSON;
  if (file === undefined) return undefined;
  const result = JSON.parse(await readFile(file, 'utf8')) as { results?: Record<string, { figures?: Record<string, number | string> }> };
  for (const benchmark of Object.values(result.results ?? {})) {
    for (const [key, value] of Object.entries(benchmark.figures ?? {})) {
      if (/share of (DynamoDB Local|the ceiling)/i.test(key)) return typeof value === 'number' ? value : Number.parseFloat(value);
    }
  }
  throw new Error(`${file} has no figure named "... share of the ceiling ..." (the local-run benchmark's)`);
}

export const benchmark: Benchmark = {
  name: 'cost-figures',
  description: `issue #16 figures against their goals: ${RUNS} unpaced and ${RUNS} paced local runs of ${TRIPS} generated trips, priced for dev at ${TRIPS_PER_MONTH.toLocaleString('en-US')} trips/month`,
  async run() {
    const workDir = await mkdtemp(join(tmpdir(), 'tripstream-bench-cost-'));
    const figures: Record<string, number | string> = {};
    const unpacedRuns: PricedRun[] = [];
    const pacedRuns: PricedRun[] = [];
    const deployedRate = TRIPS_PER_MONTH / SECONDS_PER_MONTH;
    const localRate = deployedRate / LOCAL_TIME_SCALE;
    const wallSeconds: number[] = [];
    const loads: number[] = [];
    for (let index = 0; index < RUNS; index += 1) {
      const files = await writeSampleFiles(
        generateSample({ trips: TRIPS, seed: `bench-cost-${index}`, days: 1 }),
        join(workDir, `input-${index}`),
      );
      // Other work on the machine slows a run; its load is reported beside the figures.
      loads.push(loadavg()[0] ?? 0);
      const startedAt = Date.now();
      unpacedRuns.push(await localRun(files, join(workDir, `unpaced-${index}`), []));
      wallSeconds.push((Date.now() - startedAt) / 1000);
      pacedRuns.push(await localRun(files, join(workDir, `paced-${index}`), ['--rate', localRate.toFixed(3)]));
    }
    const unpaced = unpacedRuns.map((priced) => priced.report);
    const measuredRuns = pacedRuns.map((priced) => priced.report);
    figures['paced run'] =
      `--rate ${localRate.toFixed(1)} trips/s locally, windows x${LOCAL_TIME_SCALE} = ${deployedRate.toFixed(3)} trips/s deployed (${TRIPS_PER_MONTH.toLocaleString('en-US')} trips/month)`;
    figures['staged S3 PUTs / 1,000 trips, paced run'] = againstGoal(
      measuredRuns.map((report) => report.measured.batching.stagedPutsPerThousandTrips),
      GOALS.stagedPutsPerThousandTrips,
      'at most',
      2,
    );
    figures['Lambda invocations / 1,000 trips, paced run'] = againstGoal(
      measuredRuns.map((report) => report.measured.batching.totalInvocationsPerThousandTrips),
      GOALS.invocationsPerThousandTrips,
      'at most',
      1,
    );
    figures['modelled $ / 1M trips, replay (unpaced run as measured)'] = againstGoal(
      unpaced.map((report) => report.measured.dollarsPerMillionTrips),
      GOALS.replayDollarsPerMillionTrips,
      'at most',
      3,
    );
    figures[`modelled $ / 1M trips, live at ${TRIPS_PER_MONTH.toLocaleString('en-US')} trips/month`] = againstGoal(
      unpaced.map((report) => report.live.dollarsPerMillionTrips),
      GOALS.liveDollarsPerMillionTrips,
      'at most',
      3,
    );
    const share = await throughputShare();
    figures["local throughput / DynamoDB Local's"] =
      share === undefined
        ? "not measured here: set BENCH_THROUGHPUT_JSON to the throughput benchmark's --json result"
        : againstGoal([share], GOALS.throughputShare, 'at least', 2);
    const first = unpaced[0];
    const firstRun = unpacedRuns[0]?.run;
    if (first !== undefined && firstRun !== undefined) {
      for (const [service, dollars] of Object.entries(first.measured.byService))
        figures[`replay $ / 1M trips: ${service}`] = dollars.toFixed(3);
      for (const [service, dollars] of Object.entries(first.live.byService)) figures[`live $ / 1M trips: ${service}`] = dollars.toFixed(3);
      figures['modelled live invocations / 1,000 trips'] = first.live.batching.totalInvocationsPerThousandTrips;
      figures['modelled live staged PUTs / 1,000 trips'] = first.live.batching.stagedPutsPerThousandTrips;
      figures['dev fixed $ / month'] = first.fixed.dollarsPerMonth.toFixed(2);
      figures[`modelled: ≤ ${GOALS.stagedPutsPerThousandTrips} staged PUT / 1,000 trips from`] = lowestVolumeMeeting(
        firstRun,
        (report) => report.live.batching.stagedPutsPerThousandTrips,
        GOALS.stagedPutsPerThousandTrips,
      );
      figures[`modelled: ≤ ${GOALS.invocationsPerThousandTrips} invocations / 1,000 trips from`] = lowestVolumeMeeting(
        firstRun,
        (report) => report.live.batching.totalInvocationsPerThousandTrips,
        GOALS.invocationsPerThousandTrips,
      );
      // A replay at one shard's 1,000 records/s per stream, as the model batches it (full batches).
      const replay = costReport({
        run: firstRun,
        settings: environments.dev,
        environment: 'dev',
        tripsPerMonth: REPLAY_TRIPS_PER_SECOND * SECONDS_PER_MONTH,
      });
      figures['modelled replay at 1,000 trips/s: invocations / 1,000 trips'] = replay.live.batching.totalInvocationsPerThousandTrips;
      figures['modelled replay at 1,000 trips/s: staged PUTs / 1,000 trips'] = replay.live.batching.stagedPutsPerThousandTrips;
    }
    figures['unpaced run wall time s (median)'] = median(wallSeconds).toFixed(1);
    figures['1-minute load average before each run'] = loads.map((load) => load.toFixed(1)).join(', ');
    return { figures };
  },
};
