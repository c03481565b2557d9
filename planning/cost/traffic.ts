/**
 * The live case at traffic: the cost model at several monthly volumes side by side, against the goals for the
 * variable cost per 1M trips (issue 23: 1.3x the floor at 20M trips a month, 1.1x at 1B; the floor is the two
 * trip writes and the raw archive). Pure: no I/O.
 */
import { type CostInput, type CostReport, costReport } from './model';

/** The volumes `npm run cost` reports when none is asked for: a small city's month, a large one's, a country's. */
export const TRAFFIC_LEVELS = [1_000_000, 20_000_000, 1_000_000_000] as const;

/** Goals for the live variable cost, $ per 1M completed trips, by trips per month. */
const TRAFFIC_GOALS: Readonly<Record<number, number>> = { 20_000_000: 2.0, 1_000_000_000: 1.7 };

interface TrafficRow {
  readonly tripsPerMonth: number;
  readonly tripsPerSecond: number;
  /** The live variable cost, $ per 1M completed trips. */
  readonly dollarsPerMillionTrips: number;
  readonly goal: number | null;
  readonly meetsGoal: boolean | null;
  readonly perMonth: CostReport['perMonth'];
  /** The live lines that cost the most, largest first, with their quantities: what dominates. */
  readonly largestLines: readonly {
    readonly item: string;
    readonly quantityPerMillionTrips: number;
    readonly unit: string;
    readonly dollarsPerMillionTrips: number;
  }[];
}

export interface TrafficCostReport {
  readonly environment: string;
  readonly atTraffic: readonly TrafficRow[];
  readonly reports: readonly CostReport[];
}

const LARGEST_LINES = 4;

export function costAtTraffic(input: Omit<CostInput, 'tripsPerMonth'>, levels: readonly number[] = TRAFFIC_LEVELS): TrafficCostReport {
  const reports = levels.map((tripsPerMonth) => costReport({ ...input, tripsPerMonth }));
  return {
    environment: input.environment,
    atTraffic: reports.map((report) => {
      const goal = TRAFFIC_GOALS[report.tripsPerMonth] ?? null;
      return {
        tripsPerMonth: report.tripsPerMonth,
        tripsPerSecond: report.tripsPerSecond,
        dollarsPerMillionTrips: report.live.dollarsPerMillionTrips,
        goal,
        meetsGoal: goal === null ? null : report.live.dollarsPerMillionTrips <= goal,
        perMonth: report.perMonth,
        largestLines: [...report.live.lines]
          .sort((a, b) => b.dollarsPerMillionTrips - a.dollarsPerMillionTrips)
          .slice(0, LARGEST_LINES)
          .map((line) => ({
            item: `${line.service}: ${line.item}`,
            quantityPerMillionTrips: line.quantityPerMillionTrips,
            unit: line.unit,
            dollarsPerMillionTrips: line.dollarsPerMillionTrips,
          })),
      };
    }),
    reports,
  };
}
