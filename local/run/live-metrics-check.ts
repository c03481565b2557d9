/**
 * The run's check of the live metrics against its daily KPIs (docs/contracts.md §6b): the 5-minute windows of
 * the `all` entity sum to the KPIs' trip_count and total_fare over the run (windows go by dropoff time, KPI
 * days by pickup date, so the two are compared in total), and the open-trips counter ends at the open trips
 * the table holds. Both are kept by different handlers from different copies of
 * the data (the live-metrics consumer from the table stream, the KPIs from the staged files), so agreement
 * after a run with redeliveries is what "counted once however often delivered" means in practice.
 */
import type { MetricsWindow } from '../../domain/live-metrics';

/** summary.json `live_metrics`. */
export interface LiveMetricsCheck {
  /** Completions counted in the `all` windows. */
  readonly trips_counted: number;
  /** The live open-trips counter at the end of the run. */
  readonly open_trips: number;
  readonly agrees_with_kpis: boolean;
  /** What differs, one line each; empty when it agrees. */
  readonly disagreements: readonly string[];
}

export interface KpiTotals {
  readonly trip_date: string;
  readonly trip_count: number;
  readonly total_fare: number;
}

export function checkLiveMetrics(input: {
  readonly windows: readonly MetricsWindow[];
  readonly liveOpenTrips: number;
  readonly kpis: readonly KpiTotals[];
  readonly openTrips: number;
}): LiveMetricsCheck {
  const liveTrips = input.windows.reduce((sum, window) => sum + window.trip_count, 0);
  // Windows keep six decimals: back to integers before summing, so the sum is exact.
  const liveFareMicros = input.windows.reduce((sum, window) => sum + Math.round(window.total_fare * 1_000_000), 0);
  const kpiTrips = input.kpis.reduce((sum, row) => sum + row.trip_count, 0);
  const kpiFareCents = input.kpis.reduce((sum, row) => sum + Math.round(row.total_fare * 100), 0);
  const disagreements: string[] = [];
  if (liveTrips !== kpiTrips) disagreements.push(`the live windows count ${liveTrips} completed trips, the daily KPIs ${kpiTrips}`);
  // Each KPI day rounds its own sum to cents: the days' total is within half a cent per day of the exact sum.
  const roundingAllowanceMicros = input.kpis.length * 5_000;
  if (Math.abs(liveFareMicros - kpiFareCents * 10_000) > roundingAllowanceMicros) {
    disagreements.push(
      `the live windows sum to a fare of ${(liveFareMicros / 1_000_000).toFixed(6)}, the daily KPIs to ${(kpiFareCents / 100).toFixed(2)}`,
    );
  }
  if (input.liveOpenTrips !== input.openTrips)
    disagreements.push(`the live open-trips counter is ${input.liveOpenTrips}, the trips table holds ${input.openTrips} open trips`);
  return { trips_counted: liveTrips, open_trips: input.liveOpenTrips, agrees_with_kpis: disagreements.length === 0, disagreements };
}
