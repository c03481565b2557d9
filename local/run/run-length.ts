/**
 * Whether a run is long enough for DynamoDB Local's server compiler to pay for its warm-up. The JVM starts
 * before any input is read, so the number of events is estimated from the inputs' sizes.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunLength } from './emulators';

/** Both sample layouts (generated, and the real export) take ~145 bytes per trip over the two CSVs. */
const CSV_BYTES_PER_ROW = 73;
/** The raw archive's gzipped JSON lines: ~29 bytes per record (a 20,000-trip run's archive). */
const RAW_ARCHIVE_BYTES_PER_RECORD = 29;
/** 8,000 trips: the two JIT set-ups took the same time at 5,000, both compilers less at 10,000 (docs/local-runtime.md, Performance). */
export const LONG_RUN_EVENTS = 16_000;

export interface RunInputs {
  readonly start?: string;
  readonly end?: string;
  /** A raw archive folder (`<out>/raw/`), read recursively. */
  readonly replay?: string;
}

async function folderBytes(folder: string): Promise<number> {
  let bytes = 0;
  for (const entry of await readdir(folder, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) bytes += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return bytes;
}

/** Events the inputs hold, roughly; a redrive file's few letters are left out. Unreadable inputs count 0: the run reports them. */
export async function estimatedInputEvents(inputs: RunInputs): Promise<number> {
  const size = async (path: string | undefined, measure: (path: string) => Promise<number>): Promise<number> =>
    path === undefined ? 0 : measure(path).catch(() => 0);
  const fileBytes = async (path: string): Promise<number> => (await stat(path)).size;
  const csvBytes = (await size(inputs.start, fileBytes)) + (await size(inputs.end, fileBytes));
  const rawBytes = await size(inputs.replay, folderBytes);
  return Math.round(csvBytes / CSV_BYTES_PER_ROW + rawBytes / RAW_ARCHIVE_BYTES_PER_RECORD);
}

export async function runLengthOf(inputs: RunInputs): Promise<RunLength> {
  return (await estimatedInputEvents(inputs)) >= LONG_RUN_EVENTS ? 'long' : 'short';
}
