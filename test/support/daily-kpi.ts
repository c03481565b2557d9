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
