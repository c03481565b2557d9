/**
 * One row of daily KPIs (docs/contracts.md §4), as the shared SQL produces it, the job writes it to
 * daily-kpis/trip_date=YYYY-MM-DD/ and Athena or DuckDB read it back.
 */
import * as z from '../domain/validation';
import { calendarDateSchema } from './dates';
import { type KpiRowDefinition, type KpiRowOf, kpiFields, kpiRowShape } from './kpi-row';

/** The daily KPI row's columns, in the order of the SQL's output, of the written JSON lines and of printed tables. */
export const DAILY_KPI_ROW = {
  trip_date: 'date',
  trip_count: 'count',
  total_fare: 'amount',
  average_fare: 'amount',
  min_fare: 'amount',
  max_fare: 'amount',
  total_tips: 'amount',
  total_distance: 'amount',
  average_trip_duration_minutes: 'amount',
} as const satisfies KpiRowDefinition;

export type DailyKpiRow = KpiRowOf<typeof DAILY_KPI_ROW>;

export const DAILY_KPI_FIELDS = kpiFields(DAILY_KPI_ROW);

/**
 * Engines hand numbers back as BIGINT, DECIMAL or text (Athena): each must become a finite JS number.
 * Text is accepted only as a plain decimal number, so an empty cell cannot turn into 0.
 */
export const kpiNumber = z.pipe(
  z.pipe(
    z.union([z.number(), z.bigint(), z.string().check(z.regex(/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/))]),
    z.transform((value) => Number(value)),
  ),
  z.number(),
);

const dailyKpiRowSchema = z.object(
  kpiRowShape(DAILY_KPI_ROW, {
    date: calendarDateSchema,
    count: z.pipe(kpiNumber, z.number().check(z.int(), z.nonnegative())),
    amount: kpiNumber,
  }),
) satisfies z.ZodMiniType<DailyKpiRow, unknown>;

/** Validates and normalises one row from any engine; the message names the offending field. */
export function toDailyKpiRow(raw: unknown): DailyKpiRow {
  const parsed = dailyKpiRowSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(
      `Malformed daily KPI row (${problems}): ${JSON.stringify(raw, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))}`,
    );
  }
  return parsed.data;
}
