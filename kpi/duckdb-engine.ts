/**
 * The local KPI engine: the shared KPI SQL (spark/daily_kpis.sql) on DuckDB, over a local mirror of
 * completed-trips/, writing the layout the Spark job writes to daily-kpis/.
 *
 * Only the `completed_trips` view is DuckDB-specific: it reads the JSON lines with an explicit schema and
 * turns the ISO timestamps into epoch seconds, which is what the shared SQL needs (see ADR 0004).
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { duckDbCompletedTripsView } from './completed-trips-view';
import { DAILY_KPI_FIELDS, DAILY_KPI_ROW, type DailyKpiRow, toDailyKpiRow } from './daily-kpi';
import { isCalendarDate } from './dates';
import { DIMENSION_KPI_FIELDS, DIMENSION_KPI_ROW, type DimensionKpiRow, type KpiDimension, toDimensionKpiRow } from './dimension-kpi';
import { duckDbKpiColumns } from './kpi-row';

export type { DailyKpiRow } from './daily-kpi';

/** The shared KPI definition, the same file the CDK app ships to S3 for the Spark job. */
export const KPI_SQL_PATH = path.resolve(__dirname, '..', 'spark', 'daily_kpis.sql');

/** The shared per-dimension KPI definition (docs/contracts.md §4b), shipped next to KPI_SQL_PATH. */
export const DIMENSION_KPI_SQL_PATH = path.resolve(__dirname, '..', 'spark', 'daily_kpis_by_dimension.sql');

/** The one scan and de-duplication of the staged trips both KPI files read, as the view TRIP_GROUPS_VIEW. */
export const TRIP_GROUPS_SQL_PATH = path.resolve(__dirname, '..', 'spark', 'daily_trip_groups.sql');

/** The name both KPI files read the groups by (spark/daily_kpis_job.py registers the same view). */
const TRIP_GROUPS_VIEW = 'daily_trip_groups';

/** File name of the one JSON-lines file written per date (Spark's first part file, locally). */
export const KPI_OUTPUT_FILE = 'part-00000.json';

const PARTITION_DIRECTORY = /^trip_date=(\d{4}-\d{2}-\d{2})$/;

export interface ComputeDailyKpisOptions {
  /** Holds `trip_date=YYYY-MM-DD/*.jsonl`, a local mirror of completed-trips/. */
  stagedTripsDir: string;
  /** Receives `trip_date=YYYY-MM-DD/part-00000.json`, a local mirror of daily-kpis/. */
  outputDir: string;
  /** Dates to compute; omitted means every date present in stagedTripsDir. */
  dates?: string[];
}

export interface ComputeKpisOptions extends ComputeDailyKpisOptions {
  /** Receives the per-dimension rows, a local mirror of daily-kpis-by-dimension/. */
  dimensionOutputDir: string;
}

export interface ComputedKpis {
  readonly daily: DailyKpiRow[];
  readonly byDimension: DimensionKpiRow[];
}

/**
 * Both KPI sets as the daily job computes them (docs/contracts.md §4 and §4b): the staged trips read and
 * de-duplicated once, each computed date's output folders replaced. Dates without staged trips get no row and
 * their output is left alone, as the Spark job skips missing partitions.
 */
export async function computeKpis(options: ComputeKpisOptions): Promise<ComputedKpis> {
  const [daily = [], byDimension = []] = await queryTripGroups(options, [KPI_SQL_PATH, DIMENSION_KPI_SQL_PATH]);
  return {
    daily: await writeByDate(options.outputDir, daily.map(toDailyKpiRow), DAILY_KPI_FIELDS),
    byDimension: await writeByDate(options.dimensionOutputDir, byDimension.map(toDimensionKpiRow), DIMENSION_KPI_FIELDS),
  };
}

/**
 * Computes the KPIs of the requested dates that have staged trips, replaces each such date's output folder,
 * and returns the rows in date order (computeKpis without the per-dimension set).
 */
export async function computeDailyKpis(options: ComputeDailyKpisOptions): Promise<DailyKpiRow[]> {
  const [rows = []] = await queryTripGroups(options, [KPI_SQL_PATH]);
  return writeByDate(options.outputDir, rows.map(toDailyKpiRow), DAILY_KPI_FIELDS);
}

/**
 * The per-dimension counterpart of computeDailyKpis (docs/contracts.md §4b): same input, same replacement rule,
 * `outputDir` a local mirror of daily-kpis-by-dimension/. Rows come back ordered by date, dimension, value.
 */
export async function computeDimensionKpis(options: ComputeDailyKpisOptions): Promise<DimensionKpiRow[]> {
  const [rows = []] = await queryTripGroups(options, [DIMENSION_KPI_SQL_PATH]);
  return writeByDate(options.outputDir, rows.map(toDimensionKpiRow), DIMENSION_KPI_FIELDS);
}

/**
 * The rows of each KPI file in `sqlPaths`, run on one reading of the requested dates' staged trips, for the dates
 * that have staged trips only (an empty list per file when none has).
 */
async function queryTripGroups(
  options: Pick<ComputeDailyKpisOptions, 'stagedTripsDir' | 'dates'>,
  sqlPaths: readonly string[],
): Promise<unknown[][]> {
  const requested = options.dates === undefined ? undefined : new Set(validatedDates(options.dates));
  const partitions = (await listPartitions(options.stagedTripsDir, '.jsonl')).filter(
    (partition) => requested === undefined || requested.has(partition.date),
  );
  const files = partitions.flatMap((partition) => partition.files);
  if (files.length === 0) return sqlPaths.map(() => []);

  const computedDates = new Set(partitions.map((partition) => partition.date));
  const groupsSql = await readFile(TRIP_GROUPS_SQL_PATH, 'utf8');
  const sqls = await Promise.all(sqlPaths.map((sqlPath) => readFile(sqlPath, 'utf8')));
  return withConnection(async (connection) => {
    await connection.run(completedTripsViewSql(files));
    // A table, not a view: the staged files are read and de-duplicated once, whichever KPI files read them.
    await connection.run(`CREATE TEMP TABLE ${TRIP_GROUPS_VIEW} AS ${groupsSql}`);
    const results: unknown[][] = [];
    for (const sql of sqls) {
      const rows = (await connection.runAndReadAll(sql)).getRowObjects();
      results.push(rows.filter((row) => computedDates.has(String(row.trip_date))));
    }
    return results;
  });
}

/** Replaces the folder of each date in `rows` under `outputDir` with that date's rows; returns the rows. */
async function writeByDate<Row extends { trip_date: string }>(
  outputDir: string,
  rows: Row[],
  fields: readonly (keyof Row & string)[],
): Promise<Row[]> {
  const byDate = new Map<string, Row[]>();
  for (const row of rows) byDate.set(row.trip_date, [...(byDate.get(row.trip_date) ?? []), row]);
  for (const [date, dateRows] of byDate) {
    const dateDir = path.join(outputDir, `trip_date=${date}`);
    await rm(dateDir, { recursive: true, force: true });
    await mkdir(dateDir, { recursive: true });
    await writeFile(path.join(dateDir, KPI_OUTPUT_FILE), dateRows.map((row) => `${JSON.stringify(row, [...fields])}\n`).join(''));
  }
  return rows;
}

/** The KPI files of `kpiDir`'s trip_date partitions from `from` to `to` inclusive. */
async function kpiFilesBetween(kpiDir: string, from: string, to: string): Promise<string[]> {
  const [first, last] = validatedDates([from, to]) as [string, string];
  return (await listPartitions(kpiDir, '.json'))
    .filter((partition) => partition.date >= first && partition.date <= last)
    .flatMap((partition) => partition.files);
}

/**
 * Reads daily KPI rows written by either engine from `kpiDir` (a local mirror of daily-kpis/), for the dates
 * from `from` to `to` inclusive, in date order.
 */
export async function readDailyKpis(kpiDir: string, from: string, to: string): Promise<DailyKpiRow[]> {
  const files = await kpiFilesBetween(kpiDir, from, to);
  if (files.length === 0) return [];

  return withConnection(async (connection) => {
    const reader = await connection.runAndReadAll(
      `SELECT ${DAILY_KPI_FIELDS.join(', ')}
       FROM read_json(${sqlStringList(files)}, format = 'newline_delimited', hive_partitioning = false,
         columns = {${kpiOutputColumns}})
       ORDER BY trip_date`,
    );
    return reader.getRowObjects().map(toDailyKpiRow);
  });
}

/**
 * Reads per-dimension KPI rows written by either engine from `kpiDir` (a local mirror of
 * daily-kpis-by-dimension/), for the dates from `from` to `to` inclusive and optionally one dimension.
 */
export async function readDimensionKpis(kpiDir: string, from: string, to: string, dimension?: KpiDimension): Promise<DimensionKpiRow[]> {
  const files = await kpiFilesBetween(kpiDir, from, to);
  if (files.length === 0) return [];

  return withConnection(async (connection) => {
    const filter = dimension === undefined ? '' : 'WHERE dimension = $1';
    const prepared = await connection.prepare(
      `SELECT ${DIMENSION_KPI_FIELDS.join(', ')}
       FROM read_json(${sqlStringList(files)}, format = 'newline_delimited', hive_partitioning = false,
         columns = {${dimensionOutputColumns}})
       ${filter}
       ORDER BY trip_date, dimension, dimension_value NULLS FIRST`,
    );
    if (dimension !== undefined) prepared.bindVarchar(1, dimension);
    const reader = await prepared.runAndReadAll();
    return reader.getRowObjects().map(toDimensionKpiRow);
  });
}

const dimensionOutputColumns = duckDbKpiColumns(DIMENSION_KPI_ROW);

const kpiOutputColumns = duckDbKpiColumns(DAILY_KPI_ROW);

/** The DuckDB side of the `completed_trips` contract, derived from the trip record (completed-trips-view.ts). */
function completedTripsViewSql(files: readonly string[]): string {
  return duckDbCompletedTripsView(sqlStringList(files));
}

interface Partition {
  date: string;
  files: string[];
}

/** `trip_date=YYYY-MM-DD` folders of `root` with their files of one extension, in date order. */
async function listPartitions(root: string, extension: string): Promise<Partition[]> {
  const entries = await readDirectory(root);
  const partitions: Partition[] = [];
  for (const entry of entries) {
    const date = PARTITION_DIRECTORY.exec(entry.name)?.[1];
    if (!entry.isDirectory() || date === undefined || !isCalendarDate(date)) continue;
    const folder = path.join(root, entry.name);
    const files = (await readDirectory(folder))
      .filter((file) => file.isFile() && file.name.endsWith(extension))
      .map((file) => path.join(folder, file.name))
      .sort();
    if (files.length > 0) partitions.push({ date, files });
  }
  return partitions.sort((a, b) => a.date.localeCompare(b.date));
}

/** A folder that does not exist yet (nothing staged, nothing computed) reads as empty. */
async function readDirectory(folder: string) {
  try {
    return await readdir(folder, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

function validatedDates(dates: readonly string[]): string[] {
  const invalid = dates.filter((date) => !isCalendarDate(date));
  if (invalid.length > 0) throw new RangeError(`Not calendar dates (YYYY-MM-DD): ${invalid.join(', ')}`);
  return [...dates];
}

/** File paths go into the SQL text (a view cannot hold parameters), so they are quoted as SQL literals. */
function sqlStringList(values: readonly string[]): string {
  return `[${values.map((value) => `'${value.replaceAll("'", "''")}'`).join(', ')}]`;
}

async function withConnection<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    return await work(connection);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
