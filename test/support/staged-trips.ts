import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type CompletedTrip, completedTripSchema } from '../../domain/trip-item';

/** A staged trip as the match handler writes it; only what a test cares about is passed in. */
export function stagedTrip(
  overrides: Partial<CompletedTrip> & Pick<CompletedTrip, 'trip_id' | 'pickup_datetime' | 'dropoff_datetime'>,
): CompletedTrip {
  return completedTripSchema.parse({
    trip_date: overrides.pickup_datetime.slice(0, 10),
    estimated_dropoff_datetime: null,
    pickup_location_id: 93,
    dropoff_location_id: 132,
    vendor_id: 2,
    estimated_fare_amount: 10,
    rate_code: 1,
    passenger_count: 1,
    trip_distance: 1,
    fare_amount: 10,
    tip_amount: 0,
    payment_type: 1,
    trip_type: 1,
    completed_at: overrides.dropoff_datetime,
    ...overrides,
  });
}

/** Writes trips as one staged JSON-lines file under `<stagedDir>/trip_date=<date>/`. */
export async function stageFile(stagedDir: string, date: string, fileName: string, trips: readonly CompletedTrip[]): Promise<void> {
  const folder = path.join(stagedDir, `trip_date=${date}`);
  await mkdir(folder, { recursive: true });
  await writeFile(path.join(folder, fileName), trips.map((trip) => `${JSON.stringify(trip)}\n`).join(''));
}
