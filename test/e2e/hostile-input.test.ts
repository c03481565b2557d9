/**
 * `npm run local` on a clean generated sample into which hostile rows are spliced, byte for byte: bytes that
 * are not UTF-8, amounts and years out of range, a row over 1 MiB, ragged rows. Each hostile trip would change
 * the KPIs if it got through (the two non-UTF-8 ids would even merge into one trip), so exact KPIs and exactly
 * these rows quarantined, each with its reason, show every rule holding end to end.
 */

import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DailyKpiRow } from '../../kpi/daily-kpi';
import type { RunSummary } from '../../local/run/run';
import { RUN_MANIFEST } from '../../local/run/run-folder';
import { type GeneratedSample, generateSample, NO_TROUBLE_RATES } from '../../tools/sample-generator';
import { expectKpisWithinACent } from '../support/daily-kpi';
import { type CliRun, LOCAL_RUN_TIMEOUT_MS, readKpiFiles, runLocalCli } from '../support/local-run';

jest.setTimeout(LOCAL_RUN_TIMEOUT_MS);

/** Hostile rows go in after this many sample rows, so valid rows follow every one of them. */
const ROWS_BEFORE_HOSTILE = 20;
const FIRST_HOSTILE_LINE = ROWS_BEFORE_HOSTILE + 2;
const OVERSIZE_TRIP_ID = `big-${'9'.repeat(1_100_000)}`;
const OVERSIZE_ROW = `${OVERSIZE_TRIP_ID},93,93,1,25-05-2024 13:19,25-05-2024 14:03,20.5`;
const OUT_OF_RANGE_INSTANT =
  'is outside the accepted range 1970-01-01T00:00Z (included) to 2100-01-01T00:00Z (excluded) once converted to UTC';
const OUT_OF_RANGE_AMOUNT = 'is out of range (amounts must be below 1,000,000 in absolute value)';

interface HostileRow {
  readonly bytes: Buffer;
  readonly reason: string;
}

const latin1 = (text: string) => Buffer.from(text, 'latin1');
const utf8 = (text: string) => Buffer.from(text, 'utf8');

const HOSTILE_STARTS: readonly HostileRow[] = [
  { bytes: latin1('caf\xE9,93,93,1,25-05-2024 13:19,25-05-2024 14:03,20.5'), reason: 'trip_id: "caf\\xE9" is not valid UTF-8' },
  {
    bytes: utf8('huge-fare,93,93,1,25-05-2024 13:19,25-05-2024 14:03,1e12'),
    reason: `estimated_fare_amount: "1e12" ${OUT_OF_RANGE_AMOUNT}`,
  },
  { bytes: utf8('ancient,93,93,1,25-05-0024 13:19,,20.5'), reason: `pickup_datetime: "25-05-0024 13:19" ${OUT_OF_RANGE_INSTANT}` },
  {
    bytes: utf8(OVERSIZE_ROW),
    reason: `row is ${Buffer.byteLength(OVERSIZE_ROW)} bytes, over the 1048576-byte limit (lines ${FIRST_HOSTILE_LINE + 3}-${FIRST_HOSTILE_LINE + 3}); only its first 1024 bytes are kept`,
  },
  { bytes: utf8('ragged-s,93,93,1,25-05-2024 13:19,25-05-2024 14:03,20.5,extra'), reason: 'row has 8 fields but the header has 7' },
];

const HOSTILE_ENDS: readonly HostileRow[] = [
  { bytes: latin1('2024-05-25 14:05:00,1,1,2.0,20.5,0,1,1,caf\xE8'), reason: 'trip_id: "caf\\xE8" is not valid UTF-8' },
  { bytes: utf8('2024-05-25 14:05:00,1,1,2.0,1e12,0,1,1,huge-fare'), reason: `fare_amount: "1e12" ${OUT_OF_RANGE_AMOUNT}` },
  {
    bytes: utf8('0024-05-25 14:05:00,1,1,2.0,20.5,0,1,1,ancient'),
    reason: `dropoff_datetime: "0024-05-25 14:05:00" ${OUT_OF_RANGE_INSTANT}`,
  },
  {
    bytes: utf8('2024-05-25 14:05:00,1,1,1e6,20.5,-1000000,1,1,far'),
    reason: `trip_distance: "1e6" ${OUT_OF_RANGE_AMOUNT}; tip_amount: "-1000000" ${OUT_OF_RANGE_AMOUNT}`,
  },
  { bytes: utf8('2024-05-25 14:05:00,1,1,2.0,20.5,0,1,ragged-e'), reason: 'row has 8 fields but the header has 9' },
];

/** The sample's CSV with the hostile rows spliced in after ROWS_BEFORE_HOSTILE rows. */
function withHostileRows(csv: string, hostile: readonly HostileRow[]): Buffer {
  const lines = csv.split('\n');
  const before = lines.slice(0, ROWS_BEFORE_HOSTILE + 1).map(utf8);
  const after = lines.slice(ROWS_BEFORE_HOSTILE + 1).map(utf8);
  const newline = utf8('\n');
  return Buffer.concat(
    [...before, ...hostile.map((row) => row.bytes), ...after].flatMap((line, index, all) =>
      index < all.length - 1 ? [line, newline] : [line],
    ),
  );
}

interface RejectedRowLine {
  file: string;
  line_number: number;
  raw: string;
  raw_base64?: string;
  reason: string;
}

describe('npm run local on hostile input', () => {
  let sample: GeneratedSample;
  let outDir: string;
  let cli: CliRun;
  let summary: RunSummary;
  let kpis: DailyKpiRow[];
  let rejected: RejectedRowLine[];

  beforeAll(async () => {
    const workDir = await mkdtemp(join(tmpdir(), 'tripstream-hostile-e2e-'));
    sample = generateSample({ trips: 120, seed: 'hostile-input', days: 2, rates: NO_TROUBLE_RATES });
    const startPath = join(workDir, 'trip_start.csv');
    const endPath = join(workDir, 'trip_end.csv');
    await writeFile(startPath, withHostileRows(sample.startCsv, HOSTILE_STARTS));
    await writeFile(endPath, withHostileRows(sample.endCsv, HOSTILE_ENDS));
    outDir = join(workDir, 'out');
    // What an earlier run left behind: it must not survive into this run's outputs.
    await mkdir(join(outDir, 'daily-kpis', 'trip_date=1999-01-01'), { recursive: true });
    await writeFile(join(outDir, 'daily-kpis', 'trip_date=1999-01-01', 'stale.json'), '{"trip_date":"1999-01-01","trip_count":1}\n');
    await writeFile(join(outDir, RUN_MANIFEST), `${JSON.stringify({ files: ['daily-kpis/trip_date=1999-01-01/stale.json'] })}\n`);
    await writeFile(join(outDir, 'keep-me.txt'), 'not a run output');

    cli = await runLocalCli(['--start', startPath, '--end', endPath, '--out', outDir]);
    if (cli.code !== 0) throw new Error(`local run failed with exit code ${cli.code}:\n${cli.stderr.slice(-3000)}`);
    summary = JSON.parse(await readFile(join(outDir, 'summary.json'), 'utf8')) as RunSummary;
    kpis = await readKpiFiles(join(outDir, 'daily-kpis'));
    const quarantineFiles = (await readdir(join(outDir, 'quarantine'))).filter((name) => name.startsWith('rejected-rows-'));
    rejected = (await Promise.all(quarantineFiles.map((name) => readFile(join(outDir, 'quarantine', name), 'utf8'))))
      .flatMap((text) => text.split('\n'))
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as RejectedRowLine);
  });

  it('quarantines exactly the hostile rows, each at its line with its reason', () => {
    // Prepare
    const expected = [
      ...HOSTILE_STARTS.map((row, index) => ['trip_start.csv', FIRST_HOSTILE_LINE + index, row.reason]),
      ...HOSTILE_ENDS.map((row, index) => ['trip_end.csv', FIRST_HOSTILE_LINE + index, row.reason]),
    ];

    // Act
    const found = rejected
      .map((row) => [row.file.split('/').pop(), row.line_number, row.reason])
      .sort((a, b) => String(a[0]).localeCompare(String(b[0])) * -1 || Number(a[1]) - Number(b[1]));

    // Assess
    expect(found).toEqual(expected);
  });

  it('keeps the exact bytes of the rows that are not UTF-8, and the head of the oversize row', () => {
    // Prepare
    const byLine = (file: string, line: number) => rejected.find((row) => row.file.endsWith(file) && row.line_number === line);

    // Act
    const cafeStart = byLine('trip_start.csv', FIRST_HOSTILE_LINE);
    const cafeEnd = byLine('trip_end.csv', FIRST_HOSTILE_LINE);
    const oversize = byLine('trip_start.csv', FIRST_HOSTILE_LINE + 3);

    // Assess
    expect(cafeStart?.raw_base64).toBe(HOSTILE_STARTS[0]?.bytes.toString('base64'));
    expect(cafeEnd?.raw_base64).toBe(HOSTILE_ENDS[0]?.bytes.toString('base64'));
    expect(oversize?.raw).toBe(`${OVERSIZE_TRIP_ID.slice(0, 1024)}…`);
  });

  it('reads on past every hostile row: all the sample rows are sent and every sample trip completes', () => {
    // Prepare
    const { expected } = sample;

    // Assess
    expect(summary.rows).toEqual({ start: expected.rows.start + HOSTILE_STARTS.length, end: expected.rows.end + HOSTILE_ENDS.length });
    expect(summary.quarantined).toEqual({ start: HOSTILE_STARTS.length, end: HOSTILE_ENDS.length });
    expect(summary.sent).toEqual(expected.valid);
    expect(summary.trips_completed).toBe(expected.completedTripIds.length);
    expect(summary.dead_lettered.total).toBe(0);
  });

  it("writes exactly the sample's KPIs, for its dates only", () => {
    // Prepare
    const expected = sample.expected.dailyKpis;

    // Assess
    expect(summary.kpi_dates).toEqual(sample.expected.kpiDates);
    expectKpisWithinACent(kpis, expected);
  });

  it("cleared the previous run's outputs and nothing else before it started", async () => {
    // Act
    const partitions = await readdir(join(outDir, 'daily-kpis'));
    const entries = await readdir(outDir);

    // Assess
    expect(partitions).not.toContain('trip_date=1999-01-01');
    expect(entries).toContain('keep-me.txt');
  });
});
