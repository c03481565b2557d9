import { DAILY_KPI_FIELDS, type DailyKpiRow } from './daily-kpi';

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
