/**
 * Shared by the local pipeline's end-to-end tests: generate a sample, run `tripstream local` (`npm run local`) on it as a real
 * process, and read what it wrote.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DailyKpiRow } from '../../kpi/daily-kpi';
import { HANDLER_BUNDLES_VARIABLE } from '../../local/run/handler-bundles';
import type { RunSummary } from '../../local/run/run';
import {
  type GeneratedSample,
  generateSample,
  NO_TROUBLE_RATES,
  type SampleOptionsInput,
  writeSampleFiles,
} from '../../tools/sample-generator';

const repositoryRoot = join(__dirname, '..', '..');
const tsx = join(repositoryRoot, 'node_modules', '.bin', 'tsx');

/** One local run takes tens of seconds (the JVM of DynamoDB Local, scaled-down retry delays, batching windows). */
export const LOCAL_RUN_TIMEOUT_MS = 240_000;

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The environment of a `tripstream local` started by a test: no AWS_* from the developer's shell (the run must
 * start its own emulators), and the handler bundles the e2e global setup synthesized (test/e2e/global-setup.ts).
 */
export function localRunEnvironment(env: Record<string, string> = {}): Record<string, string> {
  const bundles = process.env[HANDLER_BUNDLES_VARIABLE];
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    ...(bundles === undefined ? {} : { [HANDLER_BUNDLES_VARIABLE]: bundles }),
    ...env,
  };
}

export function runLocalCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      tsx,
      [join(repositoryRoot, 'bin', 'tripstream.ts'), 'local', ...args],
      {
        cwd: repositoryRoot,
        env: localRunEnvironment(env),
        maxBuffer: 64 * 1024 * 1024,
        timeout: LOCAL_RUN_TIMEOUT_MS,
      },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr }),
    );
  });
}

export interface SampleRun {
  readonly sample: GeneratedSample;
  readonly outDir: string;
  readonly cli: CliRun;
  readonly summary: RunSummary;
  readonly kpis: DailyKpiRow[];
  readonly deadLetters: Record<string, unknown>[];
}

/** Small, messy samples: every kind of trouble present at least a few times. */
export function sampleOptions(overrides: SampleOptionsInput = {}): SampleOptionsInput {
  return {
    trips: 240,
    seed: 'local-e2e',
    days: 2,
    ...overrides,
    rates: {
      exactDuplicateStarts: 0.02,
      exactDuplicateEnds: 0.02,
      conflictingStarts: 0.01,
      conflictingEnds: 0.01,
      malformedStarts: 0.02,
      malformedEnds: 0.02,
      orphanEnds: 0.02,
      dropoffBeforePickup: 0.01,
      ...overrides.rates,
    },
  };
}

/** No trouble at all: every trip has one valid start and one valid end. */
export function cleanSampleOptions(overrides: SampleOptionsInput = {}): SampleOptionsInput {
  return { trips: 240, days: 2, ...overrides, rates: { ...NO_TROUBLE_RATES, ...overrides.rates } };
}

/**
 * Runs `npm run local` on a generated sample; `alter` may change the files before the run (the ground
 * truth stays the generator's, so it must describe what the altered files should give).
 */
export async function runSample(
  options: SampleOptionsInput,
  extraArgs: string[] = [],
  env: Record<string, string> = {},
  alter: (sample: GeneratedSample) => GeneratedSample = (sample) => sample,
): Promise<SampleRun> {
  const workDir = await mkdtemp(join(tmpdir(), 'tripstream-local-e2e-'));
  const sample = alter(generateSample(options));
  const files = await writeSampleFiles(sample, join(workDir, 'input'));
  const outDir = join(workDir, 'out');
  const cli = await runLocalCli(['--start', files.start, '--end', files.end, '--out', outDir, ...extraArgs], env);
  if (cli.code !== 0) throw new Error(`local run failed with exit code ${cli.code}:\n${cli.stderr.slice(-3000)}`);
  const summary = JSON.parse(await readFile(join(outDir, 'summary.json'), 'utf8')) as RunSummary;
  const deadLetters = (await readFile(join(outDir, 'dead-letters.jsonl'), 'utf8'))
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { sample, outDir, cli, summary, kpis: await readKpiFiles(join(outDir, 'daily-kpis')), deadLetters };
}

/** Every row of `<out>/daily-kpis/trip_date=D/*.json`, in date order. */
export async function readKpiFiles(kpiDir: string): Promise<DailyKpiRow[]> {
  const rows: DailyKpiRow[] = [];
  for (const partition of (await readdir(kpiDir)).sort()) {
    for (const file of (await readdir(join(kpiDir, partition))).sort()) {
      const text = await readFile(join(kpiDir, partition, file), 'utf8');
      for (const line of text.split('\n')) if (line !== '') rows.push(JSON.parse(line) as DailyKpiRow);
    }
  }
  return rows;
}

/** Distinct trip ids of the dead letters with this reason. */
export function deadLetteredTrips(deadLetters: readonly Record<string, unknown>[], reason: string): string[] {
  const ids = deadLetters.filter((letter) => letter.reason === reason).map((letter) => String(letter.trip_id));
  return [...new Set(ids)].sort();
}

/** The ground truth's non-zero reasons, in summary.json's form. */
export function expectedReasons(sample: GeneratedSample): Record<string, number> {
  return Object.fromEntries(Object.entries(sample.expected.deadLettered.byReason).filter(([, count]) => count > 0));
}

/** Every record sent is applied, open, a duplicate or dead-lettered. */
export function expectBalancedLedger(run: SampleRun): void {
  const { ledger } = run.summary;
  expect(ledger.unaccounted_records).toEqual([]);
  expect(ledger.balanced).toBe(true);
  expect(ledger.start.sent).toBe(run.summary.sent.start);
  expect(ledger.end.sent).toBe(run.summary.sent.end);
}

/** The requests that move data (not the pollers'): what must not change from one run of an input to the next. */
export function writePathRequests(summary: RunSummary): Record<string, number> {
  const requests = summary.aws_requests;
  return {
    // The trips table's write attempts follow the events. The metrics table's are left out: a flush puts a partial
    // per 5-minute window and entity kind its tumbling window touched, so how many follows how the records fell
    // into tumbling windows (timing, as on AWS), not the input; the runs' live windows are compared instead.
    'DynamoDB trips table writes': summary.trips_table_writes,
    'Kinesis.PutRecords': requests.Kinesis?.PutRecords ?? 0,
    'S3.PutObject': requests.S3?.PutObject ?? 0,
    'SQS.SendMessage': requests.SQS?.SendMessage ?? 0,
  };
}
