import { DAILY_KPI_FIELDS, type DailyKpiRow } from './daily-kpi';
import type { DimensionKpiRow, KpiDimension } from './dimension-kpi';

const HEADINGS: Record<(typeof DAILY_KPI_FIELDS)[number], string> = {
  trip_date: 'date',
  trip_count: 'trips',
  total_fare: 'total fare',
  average_fare: 'avg fare',
  min_fare: 'min fare',
  max_fare: 'max fare',
  total_tips: 'tips',
  total_distance: 'distance',
  average_trip_duration_minutes: 'avg minutes',
};

function cell(row: DailyKpiRow, field: (typeof DAILY_KPI_FIELDS)[number]): string {
  const value = row[field];
  if (typeof value === 'string') return value;
  return field === 'trip_count' ? String(value) : value.toFixed(2);
}

/** A plain-text table: dates left-aligned, numbers right-aligned with two decimals. */
export function formatKpiTable(rows: readonly DailyKpiRow[]): string {
  const cells = rows.map((row) => DAILY_KPI_FIELDS.map((field) => cell(row, field)));
  const widths = DAILY_KPI_FIELDS.map((field, column) =>
    Math.max(HEADINGS[field].length, ...cells.map((line) => line[column]?.length ?? 0)),
  );
  const render = (values: readonly string[]) =>
    values.map((value, column) => (column === 0 ? value.padEnd(widths[column] ?? 0) : value.padStart(widths[column] ?? 0))).join('  ');
  return [
    render(DAILY_KPI_FIELDS.map((field) => HEADINGS[field])),
    render(widths.map((width) => '-'.repeat(width))),
    ...cells.map(render),
  ].join('\n');
}

const DIMENSION_COLUMNS = [
  ['trip_date', 'date'],
  ['dimension_value', ''],
  ['trip_count', 'trips'],
  ['total_fare', 'total fare'],
  ['average_fare', 'avg fare'],
  ['total_tips', 'tips'],
  ['total_distance', 'distance'],
  ['average_trip_duration_minutes', 'avg minutes'],
] as const satisfies readonly (readonly [keyof DimensionKpiRow, string])[];

/** Per-dimension rows of one dimension as a plain-text table; a blank code reads `(blank)`. */
export function formatDimensionKpiTable(dimension: KpiDimension, rows: readonly DimensionKpiRow[]): string {
  const headings = DIMENSION_COLUMNS.map(([field, heading]) => (field === 'dimension_value' ? dimension : heading));
  const cells = rows.map((row) =>
    DIMENSION_COLUMNS.map(([field]) => {
      const value = row[field];
      if (value === null) return '(blank)';
      if (typeof value === 'string') return value;
      return field === 'trip_count' ? String(value) : value.toFixed(2);
    }),
  );
  const widths = headings.map((heading, column) => Math.max(heading.length, ...cells.map((line) => line[column]?.length ?? 0)));
  const render = (values: readonly string[]) =>
    values.map((value, column) => (column < 2 ? value.padEnd(widths[column] ?? 0) : value.padStart(widths[column] ?? 0))).join('  ');
  return [render(headings), render(widths.map((width) => '-'.repeat(width))), ...cells.map(render)].join('\n');
}
