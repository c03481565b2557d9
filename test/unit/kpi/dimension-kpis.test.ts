import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CompletedTrip } from '../../../domain/trip-item';
import type { DimensionKpiRow } from '../../../kpi/dimension-kpi';
import { computeDailyKpis, computeDimensionKpis, readDimensionKpis } from '../../../kpi/duckdb-engine';
import { stagedTrip as stagedTripFactory, stageFile } from '../../support/staged-trips';

/** This file's trips default to vendor 1 at pickup location 74. */
function stagedTrip(overrides: Parameters<typeof stagedTripFactory>[0]): CompletedTrip {
  return stagedTripFactory({ pickup_location_id: 74, vendor_id: 1, ...overrides });
}

// 2024-05-24: four distinct trips; t1 is staged twice (the later copy has a different fare, which must not count).
const t1 = stagedTrip({
  trip_id: 't1',
  vendor_id: 1,
  pickup_location_id: 74,
  payment_type: 1,
  pickup_datetime: '2024-05-24T08:10:00.000Z',
  dropoff_datetime: '2024-05-24T08:40:00.000Z',
  fare_amount: 10.125,
  tip_amount: 1,
  trip_distance: 2,
});
const t1LaterCopy = { ...t1, fare_amount: 99, completed_at: '2024-05-24T09:00:00.000Z' };
const t2 = stagedTrip({
  trip_id: 't2',
  vendor_id: 1,
  pickup_location_id: 74,
  payment_type: null,
  pickup_datetime: '2024-05-24T08:59:59.000Z',
  dropoff_datetime: '2024-05-24T09:09:59.000Z',
  fare_amount: 2.25,
  tip_amount: null,
  trip_distance: null,
});
const t3 = stagedTrip({
  trip_id: 't3',
  vendor_id: 2,
  pickup_location_id: 93,
  payment_type: 2,
  pickup_datetime: '2024-05-24T23:00:00.000Z',
  dropoff_datetime: '2024-05-24T23:15:00.000Z',
  fare_amount: 7,
  tip_amount: 0.5,
  trip_distance: 1.5,
});
const t4 = stagedTrip({
  trip_id: 't4',
  vendor_id: null,
  pickup_location_id: 74,
  payment_type: 1,
  pickup_datetime: '2024-05-24T00:00:00.000Z',
  dropoff_datetime: '2024-05-24T00:20:00.000Z',
  fare_amount: 5,
  tip_amount: 0,
  trip_distance: 3,
});
// 2024-05-25: one trip, picked up at 13:xx UTC given with an offset in the staged text.
const u1 = stagedTrip({
  trip_id: 'u1',
  vendor_id: 2,
  pickup_location_id: 138,
  payment_type: 4,
  pickup_datetime: '2024-05-25T15:30:00.000+02:00',
  dropoff_datetime: '2024-05-25T13:42:00.000Z',
  trip_date: '2024-05-25',
  fare_amount: 30.333,
  tip_amount: 3,
  trip_distance: 9.999,
});

function row(
  trip_date: string,
  dimension: DimensionKpiRow['dimension'],
  dimension_value: string | null,
  values: Omit<DimensionKpiRow, 'trip_date' | 'dimension' | 'dimension_value'>,
): DimensionKpiRow {
  return { trip_date, dimension, dimension_value, ...values };
}
const onlyT3 = { trip_count: 1, total_fare: 7, average_fare: 7, total_tips: 0.5, total_distance: 1.5, average_trip_duration_minutes: 15 };
const onlyT4 = { trip_count: 1, total_fare: 5, average_fare: 5, total_tips: 0, total_distance: 3, average_trip_duration_minutes: 20 };
const onlyU1 = {
  trip_count: 1,
  total_fare: 30.33,
  average_fare: 30.33,
  total_tips: 3,
  total_distance: 10,
  average_trip_duration_minutes: 12,
};
/** t1 + t2: 10.125 + 2.25 = 12.375 (half a cent, rounds up); average 6.1875; minutes (30 + 10) / 2. */
const t1AndT2 = {
  trip_count: 2,
  total_fare: 12.38,
  average_fare: 6.19,
  total_tips: 1,
  total_distance: 2,
  average_trip_duration_minutes: 20,
};

/** Worked out by hand from the trips above, in the SQL's order: date, dimension, value (null first). */
const expected: DimensionKpiRow[] = [
  row('2024-05-24', 'payment_type', null, {
    trip_count: 1,
    total_fare: 2.25,
    average_fare: 2.25,
    total_tips: 0,
    total_distance: 0,
    average_trip_duration_minutes: 10,
  }),
  // t1 + t4: 15.125 -> 15.13, average 7.5625 -> 7.56, minutes (30 + 20) / 2
  row('2024-05-24', 'payment_type', '1', {
    trip_count: 2,
    total_fare: 15.13,
    average_fare: 7.56,
    total_tips: 1,
    total_distance: 5,
    average_trip_duration_minutes: 25,
  }),
  row('2024-05-24', 'payment_type', '2', onlyT3),
  row('2024-05-24', 'pickup_hour', '00', onlyT4),
  row('2024-05-24', 'pickup_hour', '08', t1AndT2),
  row('2024-05-24', 'pickup_hour', '23', onlyT3),
  // t1 + t2 + t4: 17.375 -> 17.38, average 5.791… -> 5.79, minutes (30 + 10 + 20) / 3
  row('2024-05-24', 'pickup_location_id', '74', {
    trip_count: 3,
    total_fare: 17.38,
    average_fare: 5.79,
    total_tips: 1,
    total_distance: 5,
    average_trip_duration_minutes: 20,
  }),
  row('2024-05-24', 'pickup_location_id', '93', onlyT3),
  row('2024-05-24', 'vendor_id', null, onlyT4),
  row('2024-05-24', 'vendor_id', '1', t1AndT2),
  row('2024-05-24', 'vendor_id', '2', onlyT3),
  row('2024-05-25', 'payment_type', '4', onlyU1),
  row('2024-05-25', 'pickup_hour', '13', onlyU1),
  row('2024-05-25', 'pickup_location_id', '138', onlyU1),
  row('2024-05-25', 'vendor_id', '2', onlyU1),
];

describe('computeDimensionKpis (shared per-dimension SQL on DuckDB)', () => {
  let workDir: string;
  let stagedDir: string;
  let outputDir: string;

  beforeEach(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'dimension-kpis-'));
    stagedDir = path.join(workDir, 'completed-trips');
    outputDir = path.join(workDir, 'daily-kpis-by-dimension');
    await stageFile(stagedDir, '2024-05-24', 'batch-1.jsonl', [t1, t2]);
    await stageFile(stagedDir, '2024-05-24', 'batch-2.jsonl', [t3, t4, t1LaterCopy]);
    await stageFile(stagedDir, '2024-05-25', 'batch-3.jsonl', [u1]);
  });

  afterEach(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it('computes the hand-checked rows of every dimension, each trip_id once', async () => {
    // Prepare: the fixture of beforeEach

    // Act
    const rows = await computeDimensionKpis({ stagedTripsDir: stagedDir, outputDir });

    // Assess
    expect(rows).toEqual(expected);
  });

  it('adds up, in every dimension, to the daily KPIs of the same trips', async () => {
    // Prepare
    const daily = await computeDailyKpis({ stagedTripsDir: stagedDir, outputDir: path.join(workDir, 'daily-kpis') });

    // Act
    const rows = await computeDimensionKpis({ stagedTripsDir: stagedDir, outputDir });

    // Assess
    for (const day of daily) {
      for (const dimension of ['vendor_id', 'pickup_location_id', 'payment_type', 'pickup_hour'] as const) {
        const slices = rows.filter((candidate) => candidate.trip_date === day.trip_date && candidate.dimension === dimension);
        expect(slices.reduce((sum, slice) => sum + slice.trip_count, 0)).toBe(day.trip_count);
      }
    }
  });

  it('writes one JSON line per row under trip_date=…/part-00000.json, a blank code as null', async () => {
    // Prepare: the fixture of beforeEach

    // Act
    await computeDimensionKpis({ stagedTripsDir: stagedDir, outputDir });

    // Assess
    expect((await readdir(outputDir)).sort()).toEqual(['trip_date=2024-05-24', 'trip_date=2024-05-25']);
    const lines = (await readFile(path.join(outputDir, 'trip_date=2024-05-24', 'part-00000.json'), 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(11);
    expect(lines[0]).toBe(
      '{"trip_date":"2024-05-24","dimension":"payment_type","dimension_value":null,"trip_count":1,"total_fare":2.25,' +
        '"average_fare":2.25,"total_tips":0,"total_distance":0,"average_trip_duration_minutes":10}',
    );
  });

  it('reads back one dimension of a date range, as written', async () => {
    // Prepare
    await computeDimensionKpis({ stagedTripsDir: stagedDir, outputDir });

    // Act
    const vendors = await readDimensionKpis(outputDir, '2024-05-24', '2024-05-25', 'vendor_id');
    const allOfMay25 = await readDimensionKpis(outputDir, '2024-05-25', '2024-05-25');

    // Assess
    expect(vendors).toEqual(expected.filter((candidate) => candidate.dimension === 'vendor_id'));
    expect(allOfMay25).toEqual(expected.filter((candidate) => candidate.trip_date === '2024-05-25'));
  });

  it('replaces only the requested dates', async () => {
    // Prepare
    const stale = path.join(outputDir, 'trip_date=2024-05-24', 'part-00003.json');
    await mkdir(path.dirname(stale), { recursive: true });
    await writeFile(stale, '{}\n');

    // Act
    const rows = await computeDimensionKpis({ stagedTripsDir: stagedDir, outputDir, dates: ['2024-05-25'] });

    // Assess
    expect(rows).toEqual(expected.filter((candidate) => candidate.trip_date === '2024-05-25'));
    expect(await readdir(path.dirname(stale))).toEqual(['part-00003.json']);
  });
});
