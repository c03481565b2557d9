import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { computeDailyKpis, type DailyKpiRow, readDailyKpis } from '../../../kpi/duckdb-engine';
import { stagedTrip, stageFile } from '../../support/staged-trips';

// 2024-05-24: three distinct trips, two of them staged twice.
const morningTrip = stagedTrip({
  trip_id: 'a1',
  pickup_datetime: '2024-05-24T08:00:00.000Z',
  dropoff_datetime: '2024-05-24T08:30:00.000Z',
  fare_amount: 10,
  tip_amount: 2,
  trip_distance: 3.1,
});
const acrossMidnightTrip = stagedTrip({
  trip_id: 'a2',
  pickup_datetime: '2024-05-24T23:50:00.000Z',
  dropoff_datetime: '2024-05-25T00:20:00.000Z',
  fare_amount: 20.5,
  tip_amount: null,
  trip_distance: null,
});
const noonTrip = stagedTrip({
  trip_id: 'a3',
  pickup_datetime: '2024-05-24T12:00:00.000Z',
  dropoff_datetime: '2024-05-24T12:15:20.000Z',
  fare_amount: 5.25,
  tip_amount: 0.675,
  trip_distance: 1.2,
});
// 2024-05-25: two distinct trips, one staged twice.
const earlyTrip = stagedTrip({
  trip_id: 'b1',
  pickup_datetime: '2024-05-25T00:05:00.000Z',
  dropoff_datetime: '2024-05-25T00:17:30.000Z',
  fare_amount: 7.1,
  tip_amount: 1.5,
  trip_distance: 2.05,
});
const lateMorningTrip = stagedTrip({
  trip_id: 'b2',
  pickup_datetime: '2024-05-25T09:00:00.000Z',
  dropoff_datetime: '2024-05-25T09:20:00.000Z',
  fare_amount: 12.4,
  tip_amount: null,
  trip_distance: 4,
});
// 2024-05-27: one trip with neither tip nor distance.
const bareTrip = stagedTrip({
  trip_id: 'c1',
  pickup_datetime: '2024-05-27T10:00:00.000Z',
  dropoff_datetime: '2024-05-27T10:01:30.000Z',
  fare_amount: 3,
  tip_amount: null,
  trip_distance: null,
});

/** Values worked out by hand from the trips above. */
const expectedMay24: DailyKpiRow = {
  trip_date: '2024-05-24',
  trip_count: 3, // a1, a2, a3; the second copies of a1 and a2 are not counted
  total_fare: 35.75, // 10 + 20.5 + 5.25
  average_fare: 11.92, // 35.75 / 3 = 11.91666…
  min_fare: 5.25,
  max_fare: 20.5,
  total_tips: 2.68, // 2 + 0 (null) + 0.675 = 2.675, half a cent rounds up
  total_distance: 4.3, // 3.1 + 0 (null) + 1.2
  average_trip_duration_minutes: 25.11, // (30 + 30 across midnight + 15.333…) / 3 = 25.111…
};
const expectedMay25: DailyKpiRow = {
  trip_date: '2024-05-25',
  trip_count: 2, // b1 (staged twice), b2; a2 ends this day but was picked up the day before
  total_fare: 19.5, // 7.1 + 12.4
  average_fare: 9.75,
  min_fare: 7.1,
  max_fare: 12.4,
  total_tips: 1.5, // 1.5 + 0 (null)
  total_distance: 6.05, // 2.05 + 4
  average_trip_duration_minutes: 16.25, // (12.5 + 20) / 2
};
const expectedMay27: DailyKpiRow = {
  trip_date: '2024-05-27',
  trip_count: 1,
  total_fare: 3,
  average_fare: 3,
  min_fare: 3,
  max_fare: 3,
  total_tips: 0,
  total_distance: 0,
  average_trip_duration_minutes: 1.5,
};

async function readOutputLines(outputDir: string, date: string): Promise<unknown[]> {
  const text = await readFile(path.join(outputDir, `trip_date=${date}`, 'part-00000.json'), 'utf8');
  return text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as unknown);
}

describe('computeDailyKpis (shared KPI SQL on DuckDB)', () => {
  let workDir: string;
  let stagedDir: string;
  let outputDir: string;

  beforeEach(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'kpi-engine-'));
    stagedDir = path.join(workDir, 'completed-trips');
    outputDir = path.join(workDir, 'daily-kpis');
    await stageFile(stagedDir, '2024-05-24', 'batch-1.jsonl', [morningTrip, acrossMidnightTrip]);
    await stageFile(stagedDir, '2024-05-24', 'batch-2.jsonl', [noonTrip, morningTrip, acrossMidnightTrip]);
    await stageFile(stagedDir, '2024-05-25', 'batch-3.jsonl', [earlyTrip, lateMorningTrip]);
    await stageFile(stagedDir, '2024-05-25', 'batch-4.jsonl', [earlyTrip]);
    await stageFile(stagedDir, '2024-05-26', 'batch-5.jsonl', []);
    await stageFile(stagedDir, '2024-05-27', 'batch-6.jsonl', [bareTrip]);
  });

  afterEach(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it('computes one hand-checked row per date with staged trips, in date order', async () => {
    // Prepare: the fixture of beforeEach

    // Act
    const rows = await computeDailyKpis({ stagedTripsDir: stagedDir, outputDir });

    // Assess
    expect(rows).toEqual([expectedMay24, expectedMay25, expectedMay27]);
  });

  it('writes each date as one JSON line under trip_date=…/part-00000.json and nothing for an empty date', async () => {
    // Prepare: the fixture of beforeEach

    // Act
    await computeDailyKpis({ stagedTripsDir: stagedDir, outputDir });

    // Assess
    expect((await readdir(outputDir)).sort()).toEqual(['trip_date=2024-05-24', 'trip_date=2024-05-25', 'trip_date=2024-05-27']);
    expect(await readOutputLines(outputDir, '2024-05-24')).toEqual([expectedMay24]);
    const firstLine = (await readFile(path.join(outputDir, 'trip_date=2024-05-25', 'part-00000.json'), 'utf8')).split('\n')[0];
    expect(Object.keys(JSON.parse(firstLine ?? '{}') as object)).toEqual(Object.keys(expectedMay25));
  });

  it('recomputes only the requested dates and replaces their folders, leaving other dates alone', async () => {
    // Prepare
    const staleMay24 = path.join(outputDir, 'trip_date=2024-05-24', 'part-00000.json');
    const staleMay25 = path.join(outputDir, 'trip_date=2024-05-25', 'part-00007.json');
    await mkdir(path.dirname(staleMay24), { recursive: true });
    await mkdir(path.dirname(staleMay25), { recursive: true });
    await writeFile(staleMay24, '{"trip_date":"2024-05-24","trip_count":99}\n');
    await writeFile(staleMay25, '{"trip_date":"2024-05-25","trip_count":99}\n');

    // Act
    const rows = await computeDailyKpis({ stagedTripsDir: stagedDir, outputDir, dates: ['2024-05-25', '2024-05-26'] });

    // Assess
    expect(rows).toEqual([expectedMay25]);
    expect(await readdir(path.join(outputDir, 'trip_date=2024-05-25'))).toEqual(['part-00000.json']);
    expect(await readFile(staleMay24, 'utf8')).toBe('{"trip_date":"2024-05-24","trip_count":99}\n');
    await expect(readdir(path.join(outputDir, 'trip_date=2024-05-26'))).rejects.toThrow(/ENOENT/);
  });

  it('returns no rows and writes nothing when the requested dates have no staged trips', async () => {
    // Prepare: 2024-05-26 holds only an empty file, 2024-05-28 has no folder

    // Act
    const rows = await computeDailyKpis({ stagedTripsDir: stagedDir, outputDir, dates: ['2024-05-26', '2024-05-28'] });

    // Assess
    expect(rows).toEqual([]);
    await expect(readdir(outputDir)).rejects.toThrow(/ENOENT/);
  });

  it('treats a staging folder that does not exist yet as no trips', async () => {
    // Prepare
    const missingDir = path.join(workDir, 'nothing-staged');

    // Act
    const rows = await computeDailyKpis({ stagedTripsDir: missingDir, outputDir });

    // Assess
    expect(rows).toEqual([]);
  });

  it('rejects a date that is not a calendar date before touching any file', async () => {
    // Prepare
    const dates = ['2024-05-24', '2024-02-30'];

    // Act
    const computing = computeDailyKpis({ stagedTripsDir: stagedDir, outputDir, dates });

    // Assess
    await expect(computing).rejects.toThrow('2024-02-30');
    await expect(readdir(outputDir)).rejects.toThrow(/ENOENT/);
  });
});

describe('readDailyKpis', () => {
  let workDir: string;

  beforeEach(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'kpi-reader-'));
  });

  afterEach(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  async function writeKpiRow(row: DailyKpiRow): Promise<void> {
    const folder = path.join(workDir, `trip_date=${row.trip_date}`);
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, 'part-00000.json'), `${JSON.stringify(row)}\n`);
  }

  it('reads the rows of the dates in range, in date order, as plain numbers', async () => {
    // Prepare
    await writeKpiRow(expectedMay27);
    await writeKpiRow(expectedMay24);
    await writeKpiRow(expectedMay25);

    // Act
    const rows = await readDailyKpis(workDir, '2024-05-24', '2024-05-25');

    // Assess
    expect(rows).toEqual([expectedMay24, expectedMay25]);
    expect(typeof rows[0]?.trip_count).toBe('number');
  });

  it('returns no rows for a range without output', async () => {
    // Prepare
    await writeKpiRow(expectedMay24);

    // Act
    const rows = await readDailyKpis(workDir, '2024-06-01', '2024-06-30');

    // Assess
    expect(rows).toEqual([]);
  });

  it('rejects a malformed date', async () => {
    // Prepare
    const from = "2024-05-24' OR 1=1 --";

    // Act
    const reading = readDailyKpis(workDir, from, '2024-05-25');

    // Assess
    await expect(reading).rejects.toThrow('Not calendar dates');
  });
});
