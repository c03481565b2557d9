/**
 * One row of per-dimension daily KPIs (docs/contracts.md §4b), as spark/daily_kpis_by_dimension.sql produces it, the
 * job writes it to daily-kpis-by-dimension/trip_date=YYYY-MM-DD/ and Athena or DuckDB read it back.
 */
import * as z from '../validation';
import { kpiNumber } from './daily-kpi';
import { calendarDateSchema } from './dates';

export const KPI_DIMENSIONS = ['vendor_id', 'pickup_location_id', 'payment_type', 'pickup_hour'] as const;
export type KpiDimension = (typeof KPI_DIMENSIONS)[number];

export function isKpiDimension(value: string): value is KpiDimension {
  return (KPI_DIMENSIONS as readonly string[]).includes(value);
}

export interface DimensionKpiRow {
  trip_date: string;
  dimension: KpiDimension;
  /** Integer text for codes ('1', '74'), two digits for pickup_hour ('00'..'23'); null for a blank code. */
  dimension_value: string | null;
  trip_count: number;
  total_fare: number;
  average_fare: number;
  total_tips: number;
  total_distance: number;
  average_trip_duration_minutes: number;
}

/** Column order of the SQL's output, of the written JSON lines and of printed tables. */
export const DIMENSION_KPI_FIELDS = [
  'trip_date',
  'dimension',
  'dimension_value',
  'trip_count',
  'total_fare',
  'average_fare',
  'total_tips',
  'total_distance',
  'average_trip_duration_minutes',
] as const satisfies readonly (keyof DimensionKpiRow)[];

/** The money and minute fields, all rounded to two decimals by the SQL. */
export const DIMENSION_KPI_AMOUNT_FIELDS = DIMENSION_KPI_FIELDS.slice(4);

const dimensionKpiRowSchema = z
  .object({
    trip_date: calendarDateSchema,
    dimension: z.enum(KPI_DIMENSIONS),
    dimension_value: z.nullable(z.string().check(z.regex(/^-?\d+$/))),
    trip_count: z.pipe(kpiNumber, z.number().check(z.int(), z.positive())),
    total_fare: kpiNumber,
    average_fare: kpiNumber,
    total_tips: kpiNumber,
    total_distance: kpiNumber,
    average_trip_duration_minutes: kpiNumber,
  })
  .check(
    z.refine((row) => row.dimension !== 'pickup_hour' || (row.dimension_value !== null && /^(?:[01]\d|2[0-3])$/.test(row.dimension_value)), {
      message: 'pickup_hour must be two digits from 00 to 23',
      path: ['dimension_value'],
    }),
  ) satisfies z.ZodMiniType<DimensionKpiRow, unknown>;

/** Validates and normalises one row from any engine; the message names the offending field. */
export function toDimensionKpiRow(raw: unknown): DimensionKpiRow {
  const parsed = dimensionKpiRowSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`Malformed per-dimension KPI row (${problems}): ${JSON.stringify(raw, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))}`);
  }
  return parsed.data;
}
