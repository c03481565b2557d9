/**
 * A local run's inputs checked before anything is cleared, locked or started (a second, not the emulators'
 * 4-6 s): each CSV a readable, non-empty file with the right header (a start file with an end header and the
 * other way round get "swapped?"), the dead letters a file, the raw archive a folder.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { TripHalf } from '../../domain/csv';
import { readEndCsv, readStartCsv } from '../../domain/csv-reader';
import { errorText } from '../../domain/error-text';

export interface RunInputs {
  readonly start?: string;
  readonly end?: string;
  readonly redrive?: string;
  readonly replay?: string;
}

type Kind = 'file' | 'folder';

/** Why `location` is not a `kind` this run can read, or undefined (an earlier run without dead letters leaves an empty file). */
async function notReadable(option: string, location: string, kind: Kind, mayBeEmpty = false): Promise<string | undefined> {
  const found = await stat(location).catch(() => undefined);
  if (found === undefined) return `${option} ${location}: no such ${kind}`;
  if (kind === 'file' && found.isDirectory()) return `${option} ${location} is a folder, not a file`;
  if (kind === 'folder' && !found.isDirectory()) return `${option} ${location} is a file; give the raw/ folder of an earlier run`;
  if (kind === 'file' && !mayBeEmpty && found.size === 0) return `${option} ${location} is empty`;
  return undefined;
}

/** Why `file` does not read as a `kind` CSV (its header), or undefined. */
async function headerProblem(kind: TripHalf, file: string): Promise<string | undefined> {
  const input = createReadStream(file);
  try {
    const rows = (kind === 'start' ? readStartCsv(input) : readEndCsv(input))[Symbol.asyncIterator]();
    await rows.next();
    await rows.return?.();
    return undefined;
  } catch (error) {
    return errorText(error);
  } finally {
    input.destroy();
  }
}

/** Every problem with the inputs, one line each; empty when the run may start. */
export async function checkRunInputs(inputs: RunInputs): Promise<string[]> {
  const problems: string[] = [];
  const csvs = (
    [
      ['start', inputs.start],
      ['end', inputs.end],
    ] as const
  ).filter((entry): entry is readonly [TripHalf, string] => entry[1] !== undefined);
  const readable: [TripHalf, string][] = [];
  for (const [kind, file] of csvs) {
    const problem = await notReadable(`--${kind}`, file, 'file');
    if (problem === undefined) readable.push([kind, file]);
    else problems.push(problem);
  }
  const headerProblems = new Map<TripHalf, string>();
  for (const [kind, file] of readable) {
    const problem = await headerProblem(kind, file);
    if (problem !== undefined) headerProblems.set(kind, problem);
  }
  for (const [kind, file] of readable) {
    const problem = headerProblems.get(kind);
    if (problem === undefined) continue;
    const other: TripHalf = kind === 'start' ? 'end' : 'start';
    const swapped = (await headerProblem(other, file)) === undefined;
    problems.push(`--${kind} ${file}: ${problem}${swapped ? ` (it has a trip_${other} header: --start and --end swapped?)` : ''}`);
  }
  if (inputs.redrive !== undefined) {
    const problem = await notReadable('--redrive', inputs.redrive, 'file', true);
    if (problem !== undefined) problems.push(problem);
  }
  if (inputs.replay !== undefined) {
    const problem = await notReadable('--replay', inputs.replay, 'folder');
    if (problem !== undefined) problems.push(problem);
  }
  return problems;
}
