/**
 * What a local run writes into its output folder (docs/contracts.md §5). The run writes into a fresh folder
 * (run-folder.ts), so clearing finds nothing there; these names are also what run-folder.ts takes for an
 * earlier run's files in an --out written before run manifests existed. Only these names are removed: --out
 * may be a directory the user keeps other files in.
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
