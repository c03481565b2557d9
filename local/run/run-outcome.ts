/**
 * A local run's outcome, as summary.json carries it (`outcome`), and how the commands that read a run's outputs
 * (`kpis --local`, `cost --summary`) treat a run that failed: they refuse it, unless told to read it anyway,
 * and then they say so on stderr.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export interface RunOutcome {
  readonly status: 'succeeded' | 'failed';
  /** Why the run failed (the run's error message). */
  readonly reason?: string;
}

export const READ_FAILED_RUN_FLAG = '--read-failed-run';

export function succeeded(): RunOutcome {
  return { status: 'succeeded' };
}

export function failed(reason: string): RunOutcome {
  return { status: 'failed', reason };
}

/** Why a summary's run cannot be trusted, or undefined when it succeeded. Summaries from before `outcome` fall back on their ledger. */
export function failureOf(summary: unknown): string | undefined {
  if (typeof summary !== 'object' || summary === null) return 'its summary.json is not a run summary';
  const { outcome, ledger } = summary as { outcome?: Partial<RunOutcome>; ledger?: { balanced?: unknown } };
  if (outcome !== undefined) return outcome.status === 'succeeded' ? undefined : (outcome.reason ?? 'the run failed');
  if (ledger?.balanced === false) return 'its ledger does not balance';
  return undefined;
}

/**
 * Checks the run whose summary.json is `summaryFile` (or whose --out is `outDir`). A failed run throws unless
 * `readAnyway`; then `warn` is told. A folder without summary.json (e.g. a Spark job's output) is not judged.
 */
export function checkRunOutcome(location: string, readAnyway: boolean, warn: (line: string) => void): void {
  const summaryFile = existsSync(location) && statSync(location).isDirectory() ? path.join(location, 'summary.json') : location;
  if (!existsSync(summaryFile)) return;
  let summary: unknown;
  try {
    summary = JSON.parse(readFileSync(summaryFile, 'utf8'));
  } catch {
    summary = undefined;
  }
  const failure = failureOf(summary);
  if (failure === undefined) return;
  const first = failure.split('\n')[0] ?? failure;
  if (!readAnyway) {
    throw new Error(
      `${summaryFile} is the summary of a failed run (${first}); its numbers are not a finished run's. Add ${READ_FAILED_RUN_FLAG} to read them anyway`,
    );
  }
  warn(`warning: ${summaryFile} is the summary of a failed run (${first}); read anyway (${READ_FAILED_RUN_FLAG})`);
}
