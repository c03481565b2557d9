/**
 * One row of per-dimension daily KPIs (docs/contracts.md §4b), as spark/daily_kpis_by_dimension.sql produces it, the
 * job writes it to daily-kpis-by-dimension/trip_date=YYYY-MM-DD/ and Athena or DuckDB read it back.
 */
import * as z from '../domain/validation';
import { kpiNumber } from './daily-kpi';
import { calendarDateSchema } from './dates';
import { type KpiRowDefinition, type KpiRowOf, kpiFields, kpiRowShape } from './kpi-row';

export const KPI_DIMENSIONS = ['vendor_id', 'pickup_location_id', 'payment_type', 'pickup_hour'] as const;
export type KpiDimension = (typeof KPI_DIMENSIONS)[number];

export function isKpiDimension(value: string): value is KpiDimension {
  return (KPI_DIMENSIONS as readonly string[]).includes(value);
}

/**
 * The per-dimension KPI row's columns, in the order of the SQL's output, of the written JSON lines and of
 * printed tables. dimension_value: integer text for codes ('1', '74'), two digits for pickup_hour ('00'..'23'),
 * null for a blank code.
 */
export const DIMENSION_KPI_ROW = {
  trip_date: 'date',
  dimension: 'dimension',
  dimension_value: 'dimension_value',
  trip_count: 'count',
  total_fare: 'amount',
  average_fare: 'amount',
  total_tips: 'amount',
  total_distance: 'amount',
  average_trip_duration_minutes: 'amount',
} as const satisfies KpiRowDefinition;

export type DimensionKpiRow = KpiRowOf<typeof DIMENSION_KPI_ROW, KpiDimension>;

export const DIMENSION_KPI_FIELDS = kpiFields(DIMENSION_KPI_ROW);

const dimensionKpiRowSchema = z
  .object(
    kpiRowShape(DIMENSION_KPI_ROW, {
      date: calendarDateSchema,
      dimension: z.enum(KPI_DIMENSIONS),
      dimension_value: z.nullable(z.string().check(z.regex(/^-?\d+$/))),
      count: z.pipe(kpiNumber, z.number().check(z.int(), z.positive())),
      amount: kpiNumber,
    }),
  )
  .check(
    z.refine(
      (row) => row.dimension !== 'pickup_hour' || (row.dimension_value !== null && /^(?:[01]\d|2[0-3])$/.test(row.dimension_value)),
      {
        message: 'pickup_hour must be two digits from 00 to 23',
        path: ['dimension_value'],
      },
    ),
  ) satisfies z.ZodMiniType<DimensionKpiRow, unknown>;

/** Validates and normalises one row from any engine; the message names the offending field. */
export function toDimensionKpiRow(raw: unknown): DimensionKpiRow {
  const parsed = dimensionKpiRowSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(
      `Malformed per-dimension KPI row (${problems}): ${JSON.stringify(raw, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))}`,
    );
  }
  return parsed.data;
}
