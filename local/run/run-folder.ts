/**
 * Where a local run writes, so that no run loses a file (docs/local-runtime.md, "The output folder"):
 * - a run writes into a fresh sibling of `--out` (`<out>.partial-<time>-<pid>`), and only a run that succeeds
 *   moves its files into `--out`; a failed run leaves `--out` as it was and its partial outputs where they are;
 * - `--out` holds a manifest of the files the last run put there (`.tripstream-run.json`): a later run replaces
 *   exactly those and no other file, so a user's own file in `--out` (even under `raw/`) survives;
 * - every input is read before the move (dead letters at the start, the raw archive while producing), so
 *   `--redrive <out>/dead-letters.jsonl` and `--replay <out>/raw/` work, and the run's CSVs are kept when they
 *   sit in `--out` and this run writes no file of that name;
 * - a lock file with the run's pid refuses a second run into the same `--out` while the first one lives; the
 *   lock of a process that no longer exists is taken over.
 */
import { mkdir, open, readdir, readFile, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RUN_OUTPUTS } from './run-outputs';

export const RUN_MANIFEST = '.tripstream-run.json';
export const RUN_LOCK = '.tripstream-run.lock';
const SUMMARY = 'summary.json';
/** Written by the CLI without --start/--end, not by the pipeline: a run's own file all the same. */
const SAMPLE_DIR = 'sample';

/** A folder the run must not use: a usage error, reported before anything was changed. */
export class RunFolderError extends Error {
  override readonly name = 'RunFolderError';
}

export interface RunFolder {
  /** The folder the user named. */
  readonly out: string;
  /** Where this run writes until it succeeds. */
  readonly staging: string;
  /** Moves the run's files into `out`, replacing the previous run's; `inputs` are files this run read. */
  commit(inputs: readonly string[]): Promise<void>;
  /** Leaves the partial outputs in `staging`, with a summary.json that says the run failed; returns `staging`. */
  abandon(reason: string): Promise<string>;
  /** Removes the lock (once the run is over, committed or not). */
  release(): Promise<void>;
}

function isMissing(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && (error.code === 'ENOENT' || error.code === 'ENOTDIR');
}

function processLives(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, owned by someone else.
    return typeof error === 'object' && error !== null && 'code' in error && error.code === 'EPERM';
  }
}

/** Every file under `dir`, as paths relative to it (`/`-separated). */
async function filesUnder(dir: string, prefix = ''): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(path.join(dir, prefix), { withFileTypes: true });
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
  const files: string[] = [];
  for (const entry of entries) {
    const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) files.push(...(await filesUnder(dir, relative)));
    else files.push(relative);
  }
  return files;
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}

async function takeLock(out: string): Promise<string> {
  const lock = path.join(out, RUN_LOCK);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const handle = await open(lock, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return lock;
    } catch (error) {
      if (!(typeof error === 'object' && error !== null && 'code' in error && error.code === 'EEXIST')) throw error;
      const holder = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(holder) && holder > 0 && processLives(holder)) {
        throw new RunFolderError(`another local run (pid ${holder}) is writing to ${out}; wait for it or give this run another --out`);
      }
      // The run that held it is gone (killed before it could remove its lock): take it over.
      await unlink(lock).catch(() => undefined);
    }
  }
  throw new RunFolderError(`could not lock ${out}: another run keeps taking ${RUN_LOCK}`);
}

/** The files of `out` an earlier run put there: its manifest, or for a folder written before manifests, the run's own names. */
async function previousRunFiles(out: string): Promise<string[]> {
  try {
    const manifest = JSON.parse(await readFile(path.join(out, RUN_MANIFEST), 'utf8')) as { files?: unknown };
    if (Array.isArray(manifest.files) && manifest.files.every((file) => typeof file === 'string')) return manifest.files as string[];
    throw new RunFolderError(`${path.join(out, RUN_MANIFEST)} is not a run manifest; remove it, or give this run another --out`);
  } catch (error) {
    if (!isMissing(error))
      throw error instanceof RunFolderError ? error : new RunFolderError(`cannot read ${path.join(out, RUN_MANIFEST)}: ${String(error)}`);
  }
  const ownNames = [...RUN_OUTPUTS, SAMPLE_DIR];
  const present = [];
  for (const name of ownNames) if (await exists(path.join(out, name))) present.push(name);
  if (present.length === 0) return [];
  if (!(await exists(path.join(out, SUMMARY)))) {
    throw new RunFolderError(
      `${out} already holds ${present.join(', ')}, which no local run wrote there (no ${RUN_MANIFEST}, no summary.json); ` +
        'a run would replace them: move them, or give this run another --out',
    );
  }
  const files = [];
  for (const name of ownNames)
    files.push(
      ...(await filesUnder(out, name)),
      ...((await stat(path.join(out, name)).catch(() => undefined))?.isFile() === true ? [name] : []),
    );
  return files;
}

/** Removes the directories of `file` under `root` that are left empty. */
async function pruneEmptyParents(root: string, file: string): Promise<void> {
  for (let dir = path.dirname(file); dir !== '.' && dir !== ''; dir = path.dirname(dir)) {
    try {
      await rmdir(path.join(root, dir));
    } catch {
      return;
    }
  }
}

function timestamp(): string {
  return new Date()
    .toISOString()
    .replaceAll(':', '')
    .replace(/\.\d+Z$/, 'Z');
}

/** Checks and locks `out`, and makes the run's fresh sibling folder. Throws RunFolderError before changing anything else. */
export async function openRunFolder(outArgument: string): Promise<RunFolder> {
  const out = path.resolve(outArgument);
  const kind = await stat(out).catch((error: unknown) => {
    if (isMissing(error)) return undefined;
    throw error;
  });
  if (kind !== undefined && !kind.isDirectory()) throw new RunFolderError(`--out ${outArgument} is a file, not a folder`);
  await mkdir(out, { recursive: true });
  const lock = await takeLock(out);
  let previous: string[];
  let staging: string;
  try {
    previous = await previousRunFiles(out);
    staging = `${out}.partial-${timestamp()}-${process.pid}`;
    await mkdir(staging, { recursive: true });
  } catch (error) {
    await unlink(lock).catch(() => undefined);
    throw error;
  }

  return {
    out,
    staging,
    async commit(inputs) {
      const written = await filesUnder(staging);
      const writtenSet = new Set(written);
      const readFromOut = new Set(
        inputs.map((input) => path.relative(out, path.resolve(input))).map((relative) => relative.split(path.sep).join('/')),
      );
      // An input this run read from `out` stays, unless this run writes a file of its name (it has read it whole by now).
      const kept = previous.filter((file) => readFromOut.has(file) && !writtenSet.has(file));
      const keptSet = new Set(kept);
      // summary.json goes first and comes back last: a folder caught half-way never looks like a finished run.
      if (previous.includes(SUMMARY)) await rm(path.join(out, SUMMARY), { force: true });
      for (const file of previous) {
        if (keptSet.has(file) || file === SUMMARY) continue;
        await rm(path.join(out, file), { force: true });
        await pruneEmptyParents(out, file);
      }
      for (const file of written) {
        if (file === SUMMARY) continue;
        await mkdir(path.dirname(path.join(out, file)), { recursive: true });
        await rename(path.join(staging, file), path.join(out, file));
      }
      const files = [...new Set([...written, ...kept])].sort();
      await writeFile(path.join(out, RUN_MANIFEST), `${JSON.stringify({ files }, null, 2)}\n`);
      if (writtenSet.has(SUMMARY)) await rename(path.join(staging, SUMMARY), path.join(out, SUMMARY));
      await rm(staging, { recursive: true, force: true });
    },
    async abandon(reason) {
      const summary = path.join(staging, SUMMARY);
      if (!(await exists(summary))) await writeFile(summary, `${JSON.stringify({ outcome: { status: 'failed', reason } }, null, 2)}\n`);
      return staging;
    },
    async release() {
      const holder = await readFile(lock, 'utf8').catch(() => '');
      if (Number(holder.trim()) === process.pid) await unlink(lock).catch(() => undefined);
    },
  };
}
