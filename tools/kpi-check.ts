/**
 * `tsx tools/kpi-check.ts --start <trip_start.csv> --end <trip_end.csv> --kpis <out>/daily-kpis`
 *
 * Checks a run's daily KPIs against an independent computation straight from the two CSVs, in plain
 * TypeScript: its own CSV reading and timestamp parsing, none of the producer's code and none of the
 * shared KPI SQL. A trip counts when its first valid start and first valid end (in file order) are both
 * there and the dropoff is not before the pickup. Exits 0 when every date matches to the cent.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { parse } from 'csv-parse/sync';
import { DAILY_KPI_FIELDS, type DailyKpiRow } from '../kpi/daily-kpi';

type Row = Record<string, string>;

interface Trip {
  pickupMs: number;
  dropoffMs: number;
  fare: number;
  tip: number;
  distance: number;
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?(Z|[+-]\d{2}:\d{2})?$/;
const DAY_FIRST = /^(\d{2})-(\d{2})-(\d{4}) (\d{2}):(\d{2})(?::(\d{2}))?$/;

/** Milliseconds since epoch of a docs/contracts.md §1 timestamp, or null when it is not one (or not a real date). */
function parseTimestamp(text: string): number | null {
  const iso = DATE_TIME.exec(text.trim());
  const dayFirst = iso === null ? DAY_FIRST.exec(text.trim()) : null;
  let parts: [number, number, number, number, number, number, number];
  let offsetMinutes = 0;
  if (iso !== null) {
    const [, year, month, day, hour, minute, second, millis, zone] = iso;
    parts = [
      Number(year),
      Number(month),
      Number(day),
      Number(hour),
      Number(minute),
      Number(second ?? 0),
      Number((millis ?? '0').padEnd(3, '0')),
    ];
    if (zone !== undefined && zone !== 'Z') {
      const sign = zone.startsWith('-') ? -1 : 1;
      offsetMinutes = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
    }
  } else if (dayFirst !== null) {
    const [, day, month, year, hour, minute, second] = dayFirst;
    parts = [Number(year), Number(month), Number(day), Number(hour), Number(minute), Number(second ?? 0), 0];
  } else {
    return null;
  }
  const [year, month, day, hour, minute, second, millis] = parts;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const check = new Date(utc);
  const real =
    check.getUTCFullYear() === year &&
    check.getUTCMonth() === month - 1 &&
    check.getUTCDate() === day &&
    hour < 24 &&
    minute < 60 &&
    second < 60;
  return real ? utc - offsetMinutes * 60_000 : null;
}

function optionalNumber(row: Row, field: string): number | null | undefined {
  const text = (row[field] ?? '').trim();
  if (text === '') return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

function requiredAmount(row: Row, field: string): number | undefined {
  const value = optionalNumber(row, field);
  return value === null || value === undefined || value < 0 ? undefined : value;
}

/** Data rows by header name. A row with more or fewer fields than the header is invalid, so it is left out. */
function readRows(file: string): Row[] {
  const text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  const [header = [], ...records] = parse(text, { skip_empty_lines: true, trim: true, relax_column_count: true }) as string[][];
  return records
    .filter((record) => record.length === header.length)
    .map((record) => Object.fromEntries(header.map((name, index) => [name, record[index] ?? ''])));
}

const START_CODES = ['pickup_location_id', 'dropoff_location_id', 'vendor_id'];
const END_CODES = ['rate_code', 'passenger_count', 'payment_type', 'trip_type'];

/** Completed trips from the two CSVs, by the docs/contracts.md §1 and §2 rules. */
function completedTrips(startFile: string, endFile: string): Map<string, Trip> {
  const starts = new Map<string, { pickupMs: number }>();
  for (const row of readRows(startFile)) {
    const tripId = (row.trip_id ?? '').trim();
    const pickupMs = parseTimestamp(row.pickup_datetime ?? '');
    const estimate = (row.estimated_dropoff_datetime ?? '').trim();
    const valid =
      tripId !== '' &&
      pickupMs !== null &&
      requiredAmount(row, 'estimated_fare_amount') !== undefined &&
      (estimate === '' || parseTimestamp(estimate) !== null) &&
      START_CODES.every((field) => optionalNumber(row, field) !== undefined);
    if (valid && !starts.has(tripId)) starts.set(tripId, { pickupMs });
  }
  const trips = new Map<string, Trip>();
  const seenEnds = new Set<string>();
  for (const row of readRows(endFile)) {
    const tripId = (row.trip_id ?? '').trim();
    const dropoffMs = parseTimestamp(row.dropoff_datetime ?? '');
    const fare = requiredAmount(row, 'fare_amount');
    const tip = optionalNumber(row, 'tip_amount');
    const distance = optionalNumber(row, 'trip_distance');
    const valid =
      tripId !== '' &&
      dropoffMs !== null &&
      fare !== undefined &&
      tip !== undefined &&
      distance !== undefined &&
      END_CODES.every((field) => optionalNumber(row, field) !== undefined);
    if (!valid || seenEnds.has(tripId)) continue;
    seenEnds.add(tripId);
    const start = starts.get(tripId);
    if (start === undefined || dropoffMs < start.pickupMs) continue;
    trips.set(tripId, { pickupMs: start.pickupMs, dropoffMs, fare, tip: tip ?? 0, distance: distance ?? 0 });
  }
  return trips;
}

const round2 = (value: number): number => Math.round((value + Number.EPSILON) * 100) / 100;

function independentKpis(trips: Map<string, Trip>): DailyKpiRow[] {
  const byDate = new Map<string, Trip[]>();
  for (const trip of trips.values()) {
    const date = new Date(trip.pickupMs).toISOString().slice(0, 10);
    byDate.set(date, [...(byDate.get(date) ?? []), trip]);
  }
  return [...byDate.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([date, dayTrips]) => {
      const fares = dayTrips.map((trip) => trip.fare);
      const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
      return {
        trip_date: date,
        trip_count: dayTrips.length,
        total_fare: round2(sum(fares)),
        average_fare: round2(sum(fares) / dayTrips.length),
        min_fare: round2(Math.min(...fares)),
        max_fare: round2(Math.max(...fares)),
        total_tips: round2(sum(dayTrips.map((trip) => trip.tip))),
        total_distance: round2(sum(dayTrips.map((trip) => trip.distance))),
        average_trip_duration_minutes: round2(sum(dayTrips.map((trip) => (trip.dropoffMs - trip.pickupMs) / 60_000)) / dayTrips.length),
      };
    });
}

function readRunKpis(kpiDir: string): DailyKpiRow[] {
  const rows: DailyKpiRow[] = [];
  for (const partition of readdirSync(kpiDir).sort()) {
    for (const file of readdirSync(path.join(kpiDir, partition)).sort()) {
      for (const line of readFileSync(path.join(kpiDir, partition, file), 'utf8').split('\n')) {
        if (line.trim() !== '') rows.push(JSON.parse(line) as DailyKpiRow);
      }
    }
  }
  return rows;
}

function main(): number {
  const command = new Command()
    .name('tsx tools/kpi-check.ts')
    .description("Compares a run's daily KPIs with an independent computation from the CSVs, to the cent.")
    .requiredOption('--start <csv>', 'trip_start.csv')
    .requiredOption('--end <csv>', 'trip_end.csv')
    .requiredOption('--kpis <dir>', "the run's daily-kpis directory (<out>/daily-kpis)")
    .configureOutput({ outputError: (text, write) => write(text.split('\n')[0] + '\n') })
    .parse();
  const options = command.opts<{ start: string; end: string; kpis: string }>();
  const expected = independentKpis(completedTrips(options.start, options.end));
  const actual = readRunKpis(options.kpis);
  let mismatches = 0;
  const dates = [...new Set([...expected, ...actual].map((row) => row.trip_date))].sort();
  for (const date of dates) {
    const want = expected.find((row) => row.trip_date === date);
    const got = actual.find((row) => row.trip_date === date);
    for (const field of DAILY_KPI_FIELDS) {
      if (want?.[field] !== got?.[field]) {
        mismatches += 1;
        console.log(`${date} ${field}: run ${String(got?.[field])}, independent ${String(want?.[field])}`);
      }
    }
  }
  console.log(
    `${dates.length} dates, ${expected.reduce((sum, row) => sum + row.trip_count, 0)} completed trips: ${mismatches === 0 ? 'all KPIs equal to the cent' : `${mismatches} differences`}`,
  );
  return mismatches === 0 ? 0 : 1;
}

process.exitCode = main();
