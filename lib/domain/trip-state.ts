/**
 * The trip state rules of DESIGN.md §2 as pure functions: what the trips table item looks like after a
 * start and after an end, and how a refused conditional write is explained from the item DynamoDB
 * returned with the refusal (duplicate, conflict, start not there yet, dropoff before pickup).
 *
 * `decideStart` and `decideEnd` state the same rules as the conditional expressions of the trips table
 * adapter; the handlers only call them after DynamoDB refused a write, to learn why.
 */
import { z } from 'zod';
import { describeIssues, type TripEndEvent, type TripStartEvent } from './events';
import { eventFingerprint } from './fingerprint';
import { TRIP_KEY, TRIP_STATUS } from './trip-item';

const SECONDS_PER_DAY = 86_400;

/** `trip_date` of DESIGN.md §3: the UTC calendar date of the pickup. */
export function tripDate(pickupDatetime: string): string {
  const pickup = new Date(pickupDatetime);
  if (Number.isNaN(pickup.getTime())) throw new Error(`pickup_datetime ${JSON.stringify(pickupDatetime)} is not a timestamp`);
  return pickup.toISOString().slice(0, 10);
}

/** The TTL attribute: epoch seconds, `ttlDays` after the item was last written. */
export function expiresAt(now: Date, ttlDays: number): number {
  return Math.floor(now.getTime() / 1000) + ttlDays * SECONDS_PER_DAY;
}

/** The item a valid start creates: flat, one attribute per field, so the stream filter can read it. */
export interface StartedTripItem {
  readonly trip_id: string;
  readonly status: typeof TRIP_STATUS.started;
  readonly trip_date: string;
  readonly pickup_datetime: string;
  readonly estimated_dropoff_datetime: string | null;
  readonly pickup_location_id: number | null;
  readonly dropoff_location_id: number | null;
  readonly vendor_id: number | null;
  readonly estimated_fare_amount: number;
  readonly start_fingerprint: string;
  readonly started_at: string;
  readonly expires_at: number;
}

export function startedTripItem(event: TripStartEvent, now: Date, ttlDays: number): StartedTripItem {
  return {
    trip_id: event.trip_id,
    status: TRIP_STATUS.started,
    trip_date: tripDate(event.pickup_datetime),
    pickup_datetime: event.pickup_datetime,
    estimated_dropoff_datetime: event.estimated_dropoff_datetime,
    pickup_location_id: event.pickup_location_id,
    dropoff_location_id: event.dropoff_location_id,
    vendor_id: event.vendor_id,
    estimated_fare_amount: event.estimated_fare_amount,
    start_fingerprint: eventFingerprint(event),
    started_at: now.toISOString(),
    expires_at: expiresAt(now, ttlDays),
  };
}

/** The attributes a valid end sets on a started item, completing it. */
export interface CompletionAttributes {
  readonly status: typeof TRIP_STATUS.completed;
  readonly dropoff_datetime: string;
  readonly rate_code: number | null;
  readonly passenger_count: number | null;
  readonly trip_distance: number | null;
  readonly fare_amount: number;
  readonly tip_amount: number | null;
  readonly payment_type: number | null;
  readonly trip_type: number | null;
  readonly end_fingerprint: string;
  readonly completed_at: string;
  readonly expires_at: number;
}

export function completionAttributes(event: TripEndEvent, now: Date, ttlDays: number): CompletionAttributes {
  return {
    status: TRIP_STATUS.completed,
    dropoff_datetime: event.dropoff_datetime,
    rate_code: event.rate_code,
    passenger_count: event.passenger_count,
    trip_distance: event.trip_distance,
    fare_amount: event.fare_amount,
    tip_amount: event.tip_amount,
    payment_type: event.payment_type,
    trip_type: event.trip_type,
    end_fingerprint: eventFingerprint(event),
    completed_at: now.toISOString(),
    expires_at: expiresAt(now, ttlDays),
  };
}

/** The part of a stored item the rules look at. Other attributes may be present and are ignored. */
const storedTripSchema = z.object({
  trip_id: z.string(),
  pickup_datetime: z.string(),
  start_fingerprint: z.string(),
  end_fingerprint: z.string().optional(),
});
export type StoredTrip = z.infer<typeof storedTripSchema>;

/** Reads an item from the trips table; one not written by these rules is an error, never a guess. */
export function readStoredTrip(item: Record<string, unknown>): StoredTrip {
  const parsed = storedTripSchema.safeParse(item);
  if (!parsed.success) {
    throw new Error(`Trip item ${JSON.stringify(item[TRIP_KEY] ?? null)} is not a trip item: ${describeIssues(parsed.error)}`);
  }
  return parsed.data;
}

export type StartDecision =
  | { readonly kind: 'record' }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'conflict'; readonly detail: string };

/**
 * A start is recorded only when the trip has no item yet. Ends never create items (they wait on the retry
 * queue), so an existing item always holds a start: the same one again, or a different one that stands.
 */
export function decideStart(stored: StoredTrip | undefined, startFingerprint: string): StartDecision {
  if (stored === undefined) return { kind: 'record' };
  if (stored.start_fingerprint === startFingerprint) return { kind: 'duplicate' };
  return {
    kind: 'conflict',
    detail: `trip ${stored.trip_id} already has a different start (fingerprint ${stored.start_fingerprint}); the first one stands`,
  };
}

export type EndDecision =
  | { readonly kind: 'complete' }
  | { readonly kind: 'start-not-found' }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'conflict'; readonly detail: string }
  | { readonly kind: 'dropoff-before-pickup'; readonly detail: string };

/**
 * An end completes a trip whose start is recorded, that has no end yet, and whose pickup is not after the
 * dropoff. Timestamps are canonical UTC ISO strings, so comparing them as text is comparing instants; the
 * trips table's condition expression compares the very same strings.
 */
export function decideEnd(
  stored: StoredTrip | undefined,
  end: { readonly dropoff_datetime: string; readonly end_fingerprint: string },
): EndDecision {
  if (stored === undefined) return { kind: 'start-not-found' };
  if (stored.end_fingerprint !== undefined) {
    if (stored.end_fingerprint === end.end_fingerprint) return { kind: 'duplicate' };
    return {
      kind: 'conflict',
      detail: `trip ${stored.trip_id} already has a different end (fingerprint ${stored.end_fingerprint}); the first one stands`,
    };
  }
  if (stored.pickup_datetime > end.dropoff_datetime) {
    return {
      kind: 'dropoff-before-pickup',
      detail: `dropoff_datetime ${end.dropoff_datetime} is before the recorded pickup_datetime ${stored.pickup_datetime}`,
    };
  }
  return { kind: 'complete' };
}
