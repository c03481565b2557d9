/**
 * The repeated-run check of issue #25's ends-first disagreement: the 2,000-trip sample of `npm run generate
 * -- --trips 2000` (default seed), run `--order ends-first` again and again with CPU-bound processes beside it
 * (`yes`, as the issue reproduced it on a 2-core machine), each run's live windows checked against its daily
 * KPIs by the run itself (summary.json live_metrics; a disagreement exits 3). The burners are this process's
 * children, stopped when the benchmark ends however it ends.
 * BENCH_ENDS_FIRST_RUNS (default 10), BENCH_ENDS_FIRST_BURNERS (default 2), BENCH_ENDS_FIRST_SHARDS (--shards,
 * default: the local run's own) set the runs, the burners and the shards.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunSummary } from '../../local/run/run';
import { DEFAULT_SAMPLE_OPTIONS, generateSample, writeSampleFiles } from '../../tools/sample-generator';
import type { Benchmark } from './benchmark';

const repositoryRoot = join(__dirname, '..', '..');
const RUNS = Number(process.env.BENCH_ENDS_FIRST_RUNS ?? '10');
const BURNERS = Number(process.env.BENCH_ENDS_FIRST_BURNERS ?? '2');
const SHARDS = process.env.BENCH_ENDS_FIRST_SHARDS;
const TRIPS = 2_000;

interface RunOutcome {
  readonly exitCode: number;
  readonly summary: RunSummary | undefined;
  /** The run's `error: ...` line, when it failed. */
  readonly error: string | undefined;
}

/** A loaded 2-core machine runs a 2,000-trip run for minutes: the run's own drain timeout is raised to this. */
const RUN_TIMEOUT_SECONDS = 3_600;

function localRun(files: { start: string; end: string }, outDir: string): Promise<RunOutcome> {
  const args = [
    join(repositoryRoot, 'bin', 'tripstream.ts'),
    'local',
    '--start',
    files.start,
    '--end',
    files.end,
    '--order',
    'ends-first',
    '--out',
    outDir,
    '--timeout',
    String(RUN_TIMEOUT_SECONDS),
  ];
  if (SHARDS !== undefined) args.push('--shards', SHARDS);
  return new Promise((resolve) => {
    execFile(
      join(repositoryRoot, 'node_modules', '.bin', 'tsx'),
      args,
      { cwd: repositoryRoot, maxBuffer: 64 * 1024 * 1024 },
      (error, _stdout, stderr) => {
        const exitCode = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        const failure = stderr.split('\n').find((line) => line.startsWith('error:'));
        readFile(join(outDir, 'summary.json'), 'utf8').then(
          (text) => resolve({ exitCode, summary: JSON.parse(text) as RunSummary, error: failure }),
          () => resolve({ exitCode, summary: undefined, error: failure }),
        );
      },
    );
  });
}

export const benchmark: Benchmark = {
  name: 'ends-first-load',
  description: `${RUNS} ends-first local runs of the ${TRIPS}-trip default sample beside ${BURNERS} CPU-bound processes: live windows against the daily KPIs`,
  async run() {
    const directory = await mkdtemp(join(tmpdir(), 'tripstream-ends-first-'));
    const files = await writeSampleFiles(generateSample({ ...DEFAULT_SAMPLE_OPTIONS, trips: TRIPS }), join(directory, 'sample'));
    const burners: ChildProcess[] = Array.from({ length: BURNERS }, () => spawn('yes', [], { stdio: 'ignore' }));
    const outcomes: string[] = [];
    let exact = 0;
    try {
      for (let index = 1; index <= RUNS; index += 1) {
        const { exitCode, summary, error } = await localRun(files, join(directory, `run-${index}`));
        const live = summary?.live_metrics;
        const agrees = exitCode === 0 && live?.agrees_with_kpis === true;
        if (agrees) exact += 1;
        outcomes.push(`${exitCode}:${live?.trips_counted ?? '-'}`);
        const verdict = agrees ? 'exact' : (error ?? live?.disagreements.join('; ') ?? 'no live check');
        console.log(
          `  run ${index}: exit ${exitCode}, live windows ${live?.trips_counted ?? '(no summary)'} trips, ${summary === undefined ? '' : `${(summary.duration_ms / 1000).toFixed(0)} s, `}${verdict}`,
        );
      }
    } finally {
      for (const burner of burners) burner.kill();
    }
    return { figures: { runs: RUNS, exact, burners: BURNERS, 'exit:trips_counted': outcomes.join(' '), outputs: directory } };
  },
};
