/**
 * Calendar dates (`YYYY-MM-DD`, UTC) as the KPI job, its trigger and the KPI CLI understand them.
 * Every date that reaches a query, an S3 prefix or a Spark argument has gone through `parseCalendarDate`.
 */
import * as z from '../domain/validation';

/** The longest range one request may cover: a year of backfill per run keeps a job's input bounded. */
export const MAX_KPI_RANGE_DAYS = 366;

const DAY_MS = 86_400_000;
const DATE_SHAPE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date in `YYYY-MM-DD` form (rejects 2024-02-30, 2023-02-29, 2024-13-01). */
export function isCalendarDate(value: string): boolean {
  const match = DATE_SHAPE.exec(value);
  if (match === null) return false;
  const [, year, month, day] = match.map(Number) as [number, number, number, number];
  const parsed = new Date(Date.UTC(year, month - 1, day));
  return parsed.getUTCFullYear() === year && parsed.getUTCMonth() === month - 1 && parsed.getUTCDate() === day;
}

export const calendarDateSchema = z
  .string()
  .check(z.refine(isCalendarDate, { message: 'must be a real calendar date in YYYY-MM-DD form' }));

function toEpochMs(date: string): number {
  if (!isCalendarDate(date)) throw new RangeError(`Not a calendar date (YYYY-MM-DD): ${JSON.stringify(date)}`);
  return Date.parse(`${date}T00:00:00.000Z`);
}

/** The UTC calendar date of an instant. */
export function utcDateOf(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  return utcDateOf(new Date(toEpochMs(date) + days * DAY_MS));
}

/** Every date from `from` to `to`, both included, ascending. Throws when the range is reversed or too long. */
export function dateRange(from: string, to: string, maxDays = MAX_KPI_RANGE_DAYS): string[] {
  const span = (toEpochMs(to) - toEpochMs(from)) / DAY_MS + 1;
  if (span < 1) throw new RangeError(`Date range is reversed: ${from} is after ${to}`);
  if (span > maxDays) throw new RangeError(`Date range ${from}..${to} covers ${span} days; at most ${maxDays} are allowed`);
  return Array.from({ length: span }, (_, offset) => addDays(from, offset));
}

/**
 * The dates a scheduled run recomputes: yesterday (UTC, relative to `now`) and the `lookbackDays` days
 * before it, so trips staged late for an already computed day are counted on the next run.
 */
export function scheduledKpiDates(now: Date, lookbackDays: number): string[] {
  const yesterday = addDays(utcDateOf(now), -1);
  return dateRange(addDays(yesterday, -lookbackDays), yesterday, lookbackDays + 1);
}
