/**
 * What a paced local run (`--rate`) stands for on AWS. The local run compresses time: batching windows are
 * the deployed ones times the time scale (lib/config.ts LOCAL_TIME_SCALE). A batch holds rate x window
 * records, so a local feed of r trips/s fills batches as a deployed feed of r x time scale trips/s does,
 * and the request counts per trip it measures are those of that deployed rate.
 */
export const SECONDS_PER_MONTH = (365.25 / 12) * 86_400;

/** summary.json `pacing` (docs/contracts.md, local run). */
export interface RunPacing {
  readonly rate_trips_per_second: number;
  readonly time_scale: number;
  readonly deployed_equivalent_trips_per_second: number;
  readonly deployed_equivalent_trips_per_month: number;
}

export function runPacing(rateTripsPerSecond: number, timeScale: number): RunPacing {
  const deployedPerSecond = rateTripsPerSecond * timeScale;
  return {
    rate_trips_per_second: rateTripsPerSecond,
    time_scale: timeScale,
    deployed_equivalent_trips_per_second: deployedPerSecond,
    deployed_equivalent_trips_per_month: Math.round(deployedPerSecond * SECONDS_PER_MONTH),
  };
}

/** The local rate that stands for `tripsPerMonth` deployed, e.g. to pace a run like a feed of 1M trips a month. */
export function localRateFor(tripsPerMonth: number, timeScale: number): number {
  return tripsPerMonth / SECONDS_PER_MONTH / timeScale;
}
