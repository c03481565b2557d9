import type { DailyKpiRow } from '../../kpi/daily-kpi';

/** A KPI row as the job writes it (three trips on 2024-05-24), unless overridden. */
export function dailyKpiRow(overrides: Partial<DailyKpiRow> = {}): DailyKpiRow {
  return {
    trip_date: '2024-05-24',
    trip_count: 3,
    total_fare: 35.75,
    average_fare: 11.92,
    min_fare: 5.25,
    max_fare: 20.5,
    total_tips: 2.68,
    total_distance: 4.3,
    average_trip_duration_minutes: 25.11,
    ...overrides,
  };
}

/** The money and minute fields of a KPI row: the ones two engines may round a cent apart. */
const AMOUNT_FIELDS = [
  'total_fare',
  'average_fare',
  'min_fare',
  'max_fare',
  'total_tips',
  'total_distance',
  'average_trip_duration_minutes',
] as const satisfies readonly (keyof DailyKpiRow)[];

/**
 * KPIs equal to the cent: the same dates and trip counts, and every amount within one cent (the sample
 * generator sums in another order than the engines, so the last cent may differ by one).
 */
export function expectKpisWithinACent(actual: readonly DailyKpiRow[], expected: readonly DailyKpiRow[]): void {
  expect(actual.map((row) => [row.trip_date, row.trip_count])).toEqual(expected.map((row) => [row.trip_date, row.trip_count]));
  expected.forEach((want, index) => {
    for (const field of AMOUNT_FIELDS) {
      const withinACent = Math.abs((actual[index]?.[field] ?? Number.NaN) - want[field]) <= 0.010001;
      expect({ date: want.trip_date, field, withinACent }).toEqual({ date: want.trip_date, field, withinACent: true });
    }
  });
}
