/**
 * One SQL, two engines, measured: spark/daily_kpis_job.py on the pinned PySpark (the Spark of the deployed
 * EMR release, ANSI mode on, the deployed submit parameters) against the local DuckDB engine
 * (kpi/duckdb-engine.ts), on the staged trips of a real local run and on hand-made edge cases. Every row
 * each engine writes must be the same JSON object, field by field. docs/adr/0004 records the cases.
 */
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type CompletedTrip, completedTripSchema } from '../../domain/trip-item';
import { computeDailyKpis, computeDimensionKpis } from '../../kpi/duckdb-engine';
import { EMR_RELEASE_SPARK_VERSIONS, environments } from '../../lib/config';
import { runSample, type SampleRun, sampleOptions } from '../support/local-run';
import { checkPythonTool, describeWithPythonTool } from '../support/python-tools';
import { dimensionOutputOf, readWrittenKpiRows, runSparkJob, SPARK_RUN_TIMEOUT_MS, tail } from '../support/spark-job';

jest.setTimeout(4 * SPARK_RUN_TIMEOUT_MS);

const pyspark = checkPythonTool('pyspark', 'spark-submit');

interface TripShape {
  id: string;
  pickup: string;
  dropoff: string;
  fare: number;
  tip?: number | null;
  distance?: number | null;
  completedAt?: string;
  /** Blank vendor, pickup location and payment codes (null): a dimension value of JSON null. */
  blankCodes?: boolean;
}

/** A staged trip as the match handler writes it (the shared schema checks it). */
function stagedTrip(shape: TripShape): CompletedTrip {
  return completedTripSchema.parse({
    trip_id: shape.id,
    trip_date: shape.pickup.slice(0, 10),
    pickup_datetime: shape.pickup,
    dropoff_datetime: shape.dropoff,
    estimated_dropoff_datetime: null,
    pickup_location_id: shape.blankCodes === true ? null : 93,
    dropoff_location_id: 132,
    vendor_id: shape.blankCodes === true ? null : 2,
    estimated_fare_amount: shape.fare,
    rate_code: 1,
    passenger_count: 1,
    trip_distance: shape.distance === undefined ? 1 : shape.distance,
    fare_amount: shape.fare,
    tip_amount: shape.tip === undefined ? 0 : shape.tip,
    payment_type: shape.blankCodes === true ? null : 1,
    trip_type: 1,
    completed_at: shape.completedAt ?? shape.dropoff,
  });
}

async function stageFile(stagedDir: string, fileName: string, trips: readonly CompletedTrip[]): Promise<void> {
  const date = trips[0]?.trip_date;
  if (date === undefined) throw new Error('a staged file holds at least one trip');
  const folder = path.join(stagedDir, `trip_date=${date}`);
  await mkdir(folder, { recursive: true });
  await writeFile(path.join(folder, fileName), trips.map((trip) => `${JSON.stringify(trip)}\n`).join(''));
}

/** Each edge case is one pickup date, so one run of each engine covers them all. */
const EDGE_CASES = {
  halfCentSums: '2024-06-01',
  halfCentAverages: '2024-06-02',
  nullTipsAndDistances: '2024-06-03',
  duplicateStagedCopies: '2024-06-04',
  amountsAtTheValidationBound: '2024-06-05',
  amountsFinerThanMicros: '2024-06-06',
  durationsZeroLongAndPastMidnight: '2024-06-07',
  blankCodes: '2024-06-08',
} as const;

/** Just below the bound of docs/contracts.md §1: amounts are below 1,000,000. */
const LARGEST_AMOUNT = 999_999.999999;
const TRIPS_AT_THE_BOUND = 2_000;

async function stageEdgeCases(stagedDir: string): Promise<void> {
  // Blank codes beside set ones: per dimension, a null value of its own, next to "2", "93" and "1".
  await stageFile(stagedDir, 'blank-codes.jsonl', [
    stagedTrip({ id: 'blank-1', pickup: '2024-06-08T05:00:00.000Z', dropoff: '2024-06-08T05:12:00.000Z', fare: 11.11, blankCodes: true }),
    stagedTrip({ id: 'blank-2', pickup: '2024-06-08T05:30:00.000Z', dropoff: '2024-06-08T05:41:00.000Z', fare: 7.5 }),
  ]);
  // Sums that end on half a cent, from amounts binary floating point cannot hold exactly.
  await stageFile(stagedDir, 'half-cents.jsonl', [
    stagedTrip({
      id: 'h1',
      pickup: '2024-06-01T08:00:00.000Z',
      dropoff: '2024-06-01T08:10:00.000Z',
      fare: 1.005,
      tip: 0.125,
      distance: 1.005,
    }),
    stagedTrip({
      id: 'h2',
      pickup: '2024-06-01T09:00:00.000Z',
      dropoff: '2024-06-01T09:10:00.000Z',
      fare: 2.675,
      tip: 0.005,
      distance: null,
    }),
    stagedTrip({
      id: 'h3',
      pickup: '2024-06-01T10:00:00.000Z',
      dropoff: '2024-06-01T10:10:00.000Z',
      fare: 0.015,
      tip: null,
      distance: 0.015,
    }),
    stagedTrip({
      id: 'h4',
      pickup: '2024-06-01T11:00:00.000Z',
      dropoff: '2024-06-01T11:10:00.000Z',
      fare: 10.125,
      tip: 1.115,
      distance: 2.675,
    }),
  ]);
  // Averages of exactly x.xx5: (10.00 + 10.01) / 2 and (1 + 1.01) / 2 minutes.
  await stageFile(stagedDir, 'half-cent-averages.jsonl', [
    stagedTrip({ id: 'v1', pickup: '2024-06-02T08:00:00.000Z', dropoff: '2024-06-02T08:01:00.000Z', fare: 10 }),
    stagedTrip({ id: 'v2', pickup: '2024-06-02T09:00:00.000Z', dropoff: '2024-06-02T09:01:00.600Z', fare: 10.01 }),
  ]);
  // A day whose tips and distances are all null: the columns keep their types, the sums are 0.
  await stageFile(stagedDir, 'nulls.jsonl', [
    stagedTrip({
      id: 'n1',
      pickup: '2024-06-03T07:00:00.000Z',
      dropoff: '2024-06-03T07:25:00.000Z',
      fare: 18.2,
      tip: null,
      distance: null,
    }),
    stagedTrip({ id: 'n2', pickup: '2024-06-03T17:30:00.000Z', dropoff: '2024-06-03T17:42:00.000Z', fare: 9.9, tip: null, distance: null }),
  ]);
  // At-least-once staging: d1 in three files, d2 twice where the later copy differs (the first one counts).
  const d1 = stagedTrip({
    id: 'd1',
    pickup: '2024-06-04T06:00:00.000Z',
    dropoff: '2024-06-04T06:30:00.000Z',
    fare: 30,
    tip: 3,
    distance: 9,
  });
  const d2First = stagedTrip({
    id: 'd2',
    pickup: '2024-06-04T12:00:00.000Z',
    dropoff: '2024-06-04T12:20:00.000Z',
    fare: 15,
    tip: 1,
    distance: 4,
  });
  const d2Later = { ...d2First, fare_amount: 99, completed_at: '2024-06-04T12:25:00.000Z' };
  await stageFile(stagedDir, 'copies-a.jsonl', [d1, d2Later]);
  await stageFile(stagedDir, 'copies-b.jsonl', [d1, d2First]);
  await stageFile(stagedDir, 'copies-c.jsonl', [d1]);
  // Many trips just under the validation bound: the decimal sums must hold them, in both engines.
  await stageFile(
    stagedDir,
    'bound.jsonl',
    Array.from({ length: TRIPS_AT_THE_BOUND }, (_unused, index) =>
      stagedTrip({
        id: `b${index}`,
        pickup: '2024-06-05T10:00:00.000Z',
        dropoff: '2024-06-05T11:00:00.000Z',
        fare: index === 0 ? 0 : LARGEST_AMOUNT,
        tip: LARGEST_AMOUNT,
        distance: 999_999.99,
      }),
    ),
  );
  // More decimals than the SQL's DECIMAL(_, 6) keeps: both engines round each amount half up to micros.
  await stageFile(stagedDir, 'fine.jsonl', [
    stagedTrip({
      id: 'f1',
      pickup: '2024-06-06T08:00:00.000Z',
      dropoff: '2024-06-06T08:00:01.000Z',
      fare: 1.0000005,
      tip: 0.0000015,
      distance: 2.4999995,
    }),
    stagedTrip({
      id: 'f2',
      pickup: '2024-06-06T09:00:00.000Z',
      dropoff: '2024-06-06T09:00:01.001Z',
      fare: 2.0000015,
      tip: 0.1234565,
      distance: 0.0049995,
    }),
  ]);
  // A zero-length trip, one past midnight (counted on its pickup date) and one of nearly two days.
  await stageFile(stagedDir, 'durations.jsonl', [
    stagedTrip({ id: 't1', pickup: '2024-06-07T05:00:00.000Z', dropoff: '2024-06-07T05:00:00.000Z', fare: 3 }),
    stagedTrip({ id: 't2', pickup: '2024-06-07T23:55:00.000Z', dropoff: '2024-06-08T00:14:59.999Z', fare: 22.5 }),
    stagedTrip({ id: 't3', pickup: '2024-06-07T00:00:00.001Z', dropoff: '2024-06-08T23:59:59.999Z', fare: 450 }),
  ]);
}

/** Both engines over the same staged folder, each into its own output folder. */
async function runBothEngines(stagedDir: string, workDir: string, dates: readonly string[], label: string) {
  const duckdbOut = path.join(workDir, `duckdb-${label}`);
  const sparkOut = path.join(workDir, `spark-${label}`);
  await computeDailyKpis({ stagedTripsDir: stagedDir, outputDir: duckdbOut, dates: [...dates] });
  await computeDimensionKpis({ stagedTripsDir: stagedDir, outputDir: dimensionOutputOf(duckdbOut), dates: [...dates] });
  const spark = await runSparkJob({ input: stagedDir, output: sparkOut, dates });
  if (spark.code !== 0) throw new Error(`the Spark job failed: ${tail(spark)}`);
  return { duckdbOut, sparkOut };
}

async function fileContents(folder: string): Promise<Record<string, string>> {
  const contents: Record<string, string> = {};
  for (const partition of (await readdir(folder)).sort()) {
    for (const file of (await readdir(path.join(folder, partition))).filter((name) => name.endsWith('.json') && !name.startsWith('.'))) {
      contents[`${partition}/${file}`] = await readFile(path.join(folder, partition, file), 'utf8');
    }
  }
  return contents;
}

describeWithPythonTool('Spark job (pinned PySpark, local mode) against the DuckDB engine', pyspark, () => {
  it('runs the Spark of the EMR Serverless release every environment deploys', () => {
    // Prepare
    const deployed = new Set(Object.values(environments).map((settings) => EMR_RELEASE_SPARK_VERSIONS[settings.kpi.emrReleaseLabel]));

    // Assess
    expect(pyspark.available && pyspark.version).toBeTruthy();
    expect([...deployed]).toEqual([pyspark.available ? pyspark.version : 'no pyspark']);
  });

  describe('on the staged trips of an end-to-end local run', () => {
    let run: SampleRun;
    let workDir: string;
    let sparkRows: Record<string, unknown>[];

    beforeAll(async () => {
      run = await runSample(sampleOptions({ seed: 'spark-parity', trips: 300, days: 3 }));
      workDir = await mkdtemp(path.join(tmpdir(), 'tripstream-spark-e2e-'));
      const spark = await runSparkJob({ input: path.join(run.outDir, 'completed-trips'), output: workDir, dates: run.summary.kpi_dates });
      if (spark.code !== 0) throw new Error(`the Spark job failed: ${tail(spark)}`);
      sparkRows = await readWrittenKpiRows(workDir);
    });

    it('finds every completed trip in <out>/completed-trips/', async () => {
      // Prepare
      const stagedDir = path.join(run.outDir, 'completed-trips');
      const ids = new Set<string>();
      for (const partition of await readdir(stagedDir)) {
        for (const file of await readdir(path.join(stagedDir, partition))) {
          for (const line of (await readFile(path.join(stagedDir, partition, file), 'utf8')).split('\n')) {
            if (line !== '') ids.add(String((JSON.parse(line) as { trip_id: unknown }).trip_id));
          }
        }
      }

      // Assess
      expect([...ids].sort()).toEqual([...run.sample.expected.completedTripIds].sort());
    });

    it('writes, for every date, the row the local run wrote with DuckDB, field by field', async () => {
      // Act
      const duckdbRows = await readWrittenKpiRows(path.join(run.outDir, 'daily-kpis'));

      // Assess
      expect(run.summary.kpi_dates.length).toBeGreaterThanOrEqual(3);
      expect(sparkRows.map((row) => row.trip_date)).toEqual(run.summary.kpi_dates);
      expect(sparkRows).toEqual(duckdbRows);
    });

    it('writes, for every date, the per-dimension rows the local run wrote with DuckDB, field by field', async () => {
      // Act
      const duckdbRows = await readWrittenKpiRows(path.join(run.outDir, 'daily-kpis-by-dimension'));
      const sparkDimensionRows = await readWrittenKpiRows(dimensionOutputOf(workDir));

      // Assess
      expect(duckdbRows.length).toBeGreaterThan(run.summary.kpi_dates.length * 4);
      expect(sparkDimensionRows).toEqual(duckdbRows);
    });

    it("counts the generator's completed trips per date", () => {
      // Assess
      expect(sparkRows.map((row) => [row.trip_date, row.trip_count])).toEqual(
        run.sample.expected.dailyKpis.map((row) => [row.trip_date, row.trip_count]),
      );
    });
  });

  describe('on hand-made edge cases, one date each', () => {
    let workDir: string;
    let stagedDir: string;
    let first: { duckdbOut: string; sparkOut: string };

    beforeAll(async () => {
      workDir = await mkdtemp(path.join(tmpdir(), 'tripstream-spark-edges-'));
      stagedDir = path.join(workDir, 'completed-trips');
      await stageEdgeCases(stagedDir);
      first = await runBothEngines(stagedDir, workDir, Object.values(EDGE_CASES), 'first');
    });

    it.each(Object.entries(EDGE_CASES))('%s (%s): the same row from both engines', async (_name, date) => {
      // Act
      const sparkRow = (await readWrittenKpiRows(first.sparkOut)).filter((row) => row.trip_date === date);
      const duckdbRow = (await readWrittenKpiRows(first.duckdbOut)).filter((row) => row.trip_date === date);

      // Assess
      expect(sparkRow).toHaveLength(1);
      expect(sparkRow).toEqual(duckdbRow);
    });

    it('the same per-dimension rows from both engines, nulls and half cents included', async () => {
      // Act
      const sparkRows = await readWrittenKpiRows(dimensionOutputOf(first.sparkOut));
      const duckdbRows = await readWrittenKpiRows(dimensionOutputOf(first.duckdbOut));

      // Assess
      expect(new Set(sparkRows.map((row) => row.trip_date))).toEqual(new Set(Object.values(EDGE_CASES)));
      expect(sparkRows.some((row) => row.dimension_value === null)).toBe(true);
      expect(sparkRows).toEqual(duckdbRows);
    });

    it('rounds half a cent up and keeps the first staged copy, as worked out by hand', async () => {
      // Act
      const rows = Object.fromEntries((await readWrittenKpiRows(first.sparkOut)).map((row) => [row.trip_date, row]));

      // Assess
      expect(rows[EDGE_CASES.halfCentSums]).toMatchObject({ total_fare: 13.82, total_tips: 1.25, total_distance: 3.7 });
      expect(rows[EDGE_CASES.halfCentAverages]).toMatchObject({ average_fare: 10.01, average_trip_duration_minutes: 1.01 });
      expect(rows[EDGE_CASES.nullTipsAndDistances]).toMatchObject({ trip_count: 2, total_tips: 0, total_distance: 0 });
      expect(rows[EDGE_CASES.duplicateStagedCopies]).toMatchObject({ trip_count: 2, total_fare: 45, max_fare: 30 });
      expect(rows[EDGE_CASES.amountsAtTheValidationBound]).toMatchObject({
        trip_count: TRIPS_AT_THE_BOUND,
        total_fare: 1_999_000_000,
        min_fare: 0,
        max_fare: 1_000_000,
        total_tips: 2_000_000_000,
      });
    });

    it("a re-run for one date replaces that date's output in both engines and leaves the others as they were", async () => {
      // Prepare
      const rerunDate = EDGE_CASES.nullTipsAndDistances;
      const before = { spark: await fileContents(first.sparkOut), duckdb: await fileContents(first.duckdbOut) };
      await stageFile(stagedDir, 'late.jsonl', [
        stagedTrip({
          id: 'n3',
          pickup: '2024-06-03T21:00:00.000Z',
          dropoff: '2024-06-03T21:30:00.000Z',
          fare: 40.05,
          tip: 5,
          distance: 12,
        }),
      ]);

      // Act
      await computeDailyKpis({ stagedTripsDir: stagedDir, outputDir: first.duckdbOut, dates: [rerunDate] });
      const spark = await runSparkJob({ input: stagedDir, output: first.sparkOut, dates: [rerunDate] });

      // Assess
      expect({ code: spark.code }).toEqual({ code: 0 });
      const sparkRows = await readWrittenKpiRows(first.sparkOut);
      expect(sparkRows).toEqual(await readWrittenKpiRows(first.duckdbOut));
      expect(sparkRows.filter((row) => row.trip_date === rerunDate)).toEqual([
        expect.objectContaining({ trip_count: 3, total_fare: 68.15, total_tips: 5, total_distance: 12 }),
      ]);
      const unchanged = (contents: Record<string, string>) =>
        Object.fromEntries(Object.entries(contents).filter(([file]) => !file.startsWith(`trip_date=${rerunDate}/`)));
      expect(unchanged(await fileContents(first.sparkOut))).toEqual(unchanged(before.spark));
      expect(unchanged(await fileContents(first.duckdbOut))).toEqual(unchanged(before.duckdb));
      expect(Object.keys(unchanged(before.spark))).toHaveLength(Object.keys(EDGE_CASES).length - 1);
    });
  });

  describe('on an amount too wide for the decimals (a fare of 1e12, far past the validation bound)', () => {
    let workDir: string;
    let stagedDir: string;

    beforeAll(async () => {
      workDir = await mkdtemp(path.join(tmpdir(), 'tripstream-spark-overflow-'));
      stagedDir = path.join(workDir, 'completed-trips');
      await stageFile(stagedDir, 'fine.jsonl', [
        stagedTrip({ id: 'o1', pickup: '2024-07-01T08:00:00.000Z', dropoff: '2024-07-01T08:10:00.000Z', fare: 12 }),
      ]);
      await stageFile(stagedDir, 'wide.jsonl', [
        stagedTrip({ id: 'o2', pickup: '2024-07-02T08:00:00.000Z', dropoff: '2024-07-02T08:10:00.000Z', fare: 1e12 }),
      ]);
    });

    it('fails loudly in both engines (ANSI mode) and writes nothing, instead of a NULL fare', async () => {
      // Prepare
      const dates = ['2024-07-01', '2024-07-02'];
      const sparkOut = path.join(workDir, 'spark');

      // Act
      const duckdb = computeDailyKpis({ stagedTripsDir: stagedDir, outputDir: path.join(workDir, 'duckdb'), dates });
      const spark = await runSparkJob({ input: stagedDir, output: sparkOut, dates });

      // Assess
      // The fare's 10^18 millionths do not fit the DECIMAL(18, 0) an amount near the bound passes through (spark/daily_trip_groups.sql).
      await expect(duckdb).rejects.toThrow(/Could not cast value 1000000000000000000(\.0+)? to DECIMAL\(18,0\)/);
      expect(spark.code).not.toBe(0);
      expect(spark.stderr).toMatch(/NUMERIC_VALUE_OUT_OF_RANGE|cannot be represented as Decimal\(18, 0\)/);
      await expect(readdir(sparkOut)).rejects.toThrow(/ENOENT/);
    });
  });
});
