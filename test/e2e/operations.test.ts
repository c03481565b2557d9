/**
 * The operator's tools on the local pipeline, end to end (real processes, embedded emulators):
 * - the raw archive holds exactly the records that were sent;
 * - run 1 lacks some starts, so their ends are dead-lettered ORPHAN_END; run 2 gets the missing starts and
 *   run 1's dead letters (--redrive) and completes those trips, with KPIs that add up to the whole sample's;
 * - replaying run 1's raw archive into the same data counts every applied record as a duplicate and
 *   changes no KPI.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse } from 'csv-parse/sync';
import { readEndCsv, readStartCsv } from '../../domain/csv-reader';
import type { DailyKpiRow } from '../../kpi/daily-kpi';
import type { RunSummary } from '../../local/run/run';
import { decodeRawObject } from '../../ops/raw-archive';
import { type GeneratedSample, generateSample, writeSampleFiles } from '../../tools/sample-generator';
import { LOCAL_RUN_TIMEOUT_MS, readKpiFiles, runLocalCli, sampleOptions } from '../support/local-run';

jest.setTimeout(LOCAL_RUN_TIMEOUT_MS * 3);

interface Run {
  outDir: string;
  summary: RunSummary;
  kpis: DailyKpiRow[];
  stderr: string;
}

async function runLocal(args: string[], outDir: string): Promise<Run> {
  const cli = await runLocalCli([...args, '--out', outDir]);
  if (cli.code !== 0) throw new Error(`local run failed with exit code ${cli.code}:\n${cli.stderr.slice(-3000)}`);
  const summary = JSON.parse(await readFile(join(outDir, 'summary.json'), 'utf8')) as RunSummary;
  return { outDir, summary, kpis: await readKpiFiles(join(outDir, 'daily-kpis')), stderr: cli.stderr };
}

/** The CSV text with the header and those data rows whose trip `keep` accepts, each byte for byte. */
function filterTrips(csv: string, keep: (tripId: string) => boolean): string {
  const rows = parse(csv, { raw: true, bom: true, relax_column_count: true, skip_empty_lines: true }) as unknown as {
    record: string[];
    raw: string;
  }[];
  const column = rows[0]?.record.map((name) => name.trim()).indexOf('trip_id') ?? -1;
  return (
    rows
      .filter((row, index) => index === 0 || keep(row.record[column] ?? ''))
      .map((row) => row.raw.replace(/\r?\n$/, ''))
      .join('\n') + '\n'
  );
}

/** What the producer sends for a CSV file: each valid row's event as JSON, in the producer's own encoding. */
async function sentRecords(file: string, kind: 'start' | 'end'): Promise<string[]> {
  const records: string[] = [];
  for await (const row of (kind === 'start' ? readStartCsv : readEndCsv)(createReadStream(file))) {
    if (row.outcome.ok) records.push(JSON.stringify(row.outcome.event));
  }
  return records;
}

async function archivedRecords(outDir: string): Promise<{ key: string; lines: string[] }[]> {
  const root = join(outDir, 'raw');
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
  return Promise.all(
    files.map(async (file) => ({ key: relative(outDir, file).split('\\').join('/'), lines: decodeRawObject(await readFile(file)) })),
  );
}

const sumOf = (rows: readonly DailyKpiRow[], date: string, field: 'trip_count' | 'total_fare' | 'total_tips' | 'total_distance') =>
  rows.filter((row) => row.trip_date === date).reduce((sum, row) => sum + row[field], 0);

describe('operating the local pipeline: raw archive, redrive, replay', () => {
  let sample: GeneratedSample;
  let withheld: Set<string>;
  let input: { start: string; end: string; withheldStarts: string };
  let first: Run;

  beforeAll(async () => {
    const workDir = await mkdtemp(join(tmpdir(), 'tripstream-operations-e2e-'));
    sample = generateSample(sampleOptions({ seed: 'operations-e2e' }));
    const conflicting = new Set(sample.expected.conflictingIds);
    withheld = new Set(sample.expected.completedTripIds.filter((id) => !conflicting.has(id)).slice(0, 15));
    const files = await writeSampleFiles(sample, join(workDir, 'input'));
    input = {
      start: join(workDir, 'input', 'run-1-starts.csv'),
      end: files.end,
      withheldStarts: join(workDir, 'input', 'run-2-starts.csv'),
    };
    await writeFile(
      input.start,
      filterTrips(sample.startCsv, (id) => !withheld.has(id)),
    );
    await writeFile(
      input.withheldStarts,
      filterTrips(sample.startCsv, (id) => withheld.has(id)),
    );
    first = await runLocal(['--start', input.start, '--end', input.end], join(workDir, 'run-1'));
  });

  it('archives exactly the records that were sent, by stream and UTC arrival date, as gzip JSON lines', async () => {
    // Prepare
    const expected = { start: (await sentRecords(input.start, 'start')).sort(), end: (await sentRecords(input.end, 'end')).sort() };

    // Act
    const objects = await archivedRecords(first.outDir);

    // Assess
    for (const { key } of objects)
      expect(key).toMatch(
        /^raw\/trip-(start|end)\/\d{4}-\d{2}-\d{2}\/tripstream-local-trip-(start|end)-raw-1-\d{4}(-\d{2}){5}-[0-9a-f-]{36}\.gz$/,
      );
    const linesOf = (folder: string) =>
      objects
        .filter(({ key }) => key.startsWith(`raw/${folder}/`))
        .flatMap(({ lines }) => lines)
        .sort();
    expect(linesOf('trip-start')).toEqual(expected.start);
    expect(linesOf('trip-end')).toEqual(expected.end);
    expect(first.summary.raw_archive.records).toEqual({ start: first.summary.sent.start, end: first.summary.sent.end });
  });

  it('dead-letters the ends whose starts were withheld as ORPHAN_END', async () => {
    // Act
    const letters = (await readFile(join(first.outDir, 'dead-letters.jsonl'), 'utf8'))
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as { reason: string; trip_id: string });

    // Assess
    const orphans = new Set(letters.filter((letter) => letter.reason === 'ORPHAN_END').map((letter) => letter.trip_id));
    expect([...withheld].filter((id) => !orphans.has(id))).toEqual([]);
    expect(first.summary.trips_completed).toBe(sample.expected.completedTripIds.length - withheld.size);
  });

  describe('run 2: the missing starts, and run 1 dead letters redriven', () => {
    let second: Run;

    beforeAll(async () => {
      const empty = join(first.outDir, '..', 'input', 'no-ends.csv');
      await writeFile(empty, `${sample.endCsv.split(/\r?\n/)[0] ?? ''}\n`);
      second = await runLocal(
        ['--start', input.withheldStarts, '--end', empty, '--redrive', join(first.outDir, 'dead-letters.jsonl')],
        join(first.outDir, '..', 'run-2'),
      );
    });

    it('completes every redriven trip whose start has arrived', () => {
      // Assess
      expect(second.summary.trips_completed).toBe(withheld.size);
      expect(second.summary.redriven?.redriven).toBe(second.summary.redriven?.letters);
      expect(second.summary.redriven?.letters).toBe(first.summary.dead_lettered.messages);
    });

    it('computes KPIs that, with run 1, add up to the whole sample to the cent', () => {
      // Assess
      for (const want of sample.expected.dailyKpis) {
        for (const field of ['trip_count', 'total_fare', 'total_tips', 'total_distance'] as const) {
          const together = sumOf(first.kpis, want.trip_date, field) + sumOf(second.kpis, want.trip_date, field);
          expect({ date: want.trip_date, field, off: Math.abs(together - want[field]) <= 0.020001 }).toEqual({
            date: want.trip_date,
            field,
            off: true,
          });
        }
      }
      expect(second.kpis.reduce((sum, row) => sum + row.trip_count, 0)).toBe(withheld.size);
    });
  });

  describe('replaying run 1 raw archive into the same data', () => {
    let replayed: Run;

    beforeAll(async () => {
      replayed = await runLocal(
        ['--start', input.start, '--end', input.end, '--replay', join(first.outDir, 'raw')],
        join(first.outDir, '..', 'run-3'),
      );
    });

    it('re-sends every archived record', () => {
      // Assess
      expect(replayed.summary.replayed?.sent).toEqual(first.summary.raw_archive.records);
      expect(replayed.summary.raw_archive.records).toEqual({ start: 2 * first.summary.sent.start, end: 2 * first.summary.sent.end });
    });

    it('counts what was applied as duplicates, not twice: same completions, dead letters and KPIs', () => {
      // Assess
      expect(replayed.summary.trips_completed).toBe(first.summary.trips_completed);
      expect(replayed.summary.dead_lettered.by_reason).toEqual(first.summary.dead_lettered.by_reason);
      expect(replayed.kpis).toEqual(first.kpis);
      // A start is applied on arrival and its replay follows it on the same shard: at least the start of every
      // completed trip comes again as a duplicate, on top of the first run's own duplicates.
      const extraDuplicates = replayed.summary.duplicates_ignored - first.summary.duplicates_ignored;
      expect(extraDuplicates).toBeGreaterThanOrEqual(first.summary.trips_completed);
      expect(extraDuplicates).toBeLessThanOrEqual(first.summary.sent.start + first.summary.sent.end);
    });
  });
});
