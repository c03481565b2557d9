/**
 * What a local run writes into its --out directory (docs/contracts.md §5), and clearing it before a run starts, so a
 * failed run never leaves the previous run's summary.json and KPIs behind to be read as its own success.
 * Only these names are removed: --out may be a directory the user keeps other files in.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';

/** Every file and directory a run writes directly under --out; summary.json is written last. */
export const RUN_OUTPUTS = [
  'summary.json',
  'daily-kpis',
  'daily-kpis-by-dimension',
  'completed-trips',
  'raw',
  'quarantine',
  'dead-letters.jsonl',
  'report.html',
] as const;

/** Removes the run's own outputs from `outDir` (missing ones are fine); summary.json first, so a half-cleared directory never looks done. */
export async function clearRunOutputs(outDir: string): Promise<void> {
  for (const name of RUN_OUTPUTS) {
    await rm(path.join(outDir, name), { recursive: true, force: true });
  }
}
