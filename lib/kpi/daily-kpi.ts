/**
 * One row of daily KPIs (docs/contracts.md §4), as the shared SQL produces it, the job writes it to
 * daily-kpis/trip_date=YYYY-MM-DD/ and Athena or DuckDB read it back.
 */
import * as z from '../validation';
import { calendarDateSchema } from './dates';

export interface DailyKpiRow {
  trip_date: string;
  trip_count: number;
  total_fare: number;
  average_fare: number;
  min_fare: number;
  max_fare: number;
  total_tips: number;
  total_distance: number;
  average_trip_duration_minutes: number;
}

/** Column order of the SQL's output, of the written JSON lines and of printed tables. */
export const DAILY_KPI_FIELDS = [
  'trip_date',
  'trip_count',
  'total_fare',
  'average_fare',
  'min_fare',
  'max_fare',
  'total_tips',
  'total_distance',
  'average_trip_duration_minutes',
] as const satisfies readonly (keyof DailyKpiRow)[];

/**
 * Engines hand numbers back as BIGINT, DECIMAL or text (Athena): each must become a finite JS number.
 * Text is accepted only as a plain decimal number, so an empty cell cannot turn into 0.
 */
export const kpiNumber = z.pipe(
  z.pipe(z.union([z.number(), z.bigint(), z.string().check(z.regex(/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/))]), z.transform((value) => Number(value))),
  z.number(),
);

const dailyKpiRowSchema = z.object({
  trip_date: calendarDateSchema,
  trip_count: z.pipe(kpiNumber, z.number().check(z.int(), z.nonnegative())),
  total_fare: kpiNumber,
  average_fare: kpiNumber,
  min_fare: kpiNumber,
  max_fare: kpiNumber,
  total_tips: kpiNumber,
  total_distance: kpiNumber,
  average_trip_duration_minutes: kpiNumber,
}) satisfies z.ZodMiniType<DailyKpiRow, unknown>;

/** Validates and normalises one row from any engine; the message names the offending field. */
export function toDailyKpiRow(raw: unknown): DailyKpiRow {
  const parsed = dailyKpiRowSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`Malformed daily KPI row (${problems}): ${JSON.stringify(raw, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))}`);
  }
  return parsed.data;
}
