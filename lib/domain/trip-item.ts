/**
 * The one DynamoDB item kept per trip, and the staged record written for a completed trip.
 *
 * The item is flat (one attribute per field) and holds up to two halves: the start's attributes and the
 * end's, each written by its own conditional update. `halves` counts the halves present: 1 while the trip
 * is open, 2 once it is complete. The stream filters below select exactly the transitions that matter.
 */
import { z } from 'zod';

export const TRIP_KEY = 'trip_id';
export const TRIP_TTL_ATTRIBUTE = 'expires_at';
export const HALVES_ATTRIBUTE = 'halves';

export type TripHalf = 'start' | 'end';

/** Bookkeeping attributes of a half, named `<half>_<attribute>`: fingerprint, first-seen time, origin. */
export function halfAttribute(half: TripHalf, attribute: 'fingerprint' | 'first_seen_at' | 'origin'): string {
  return `${half}_${attribute}`;
}

/** The fields each half contributes to the item, apart from its bookkeeping. */
export const START_FIELDS = [
  'pickup_datetime',
  'estimated_dropoff_datetime',
  'pickup_location_id',
  'dropoff_location_id',
  'vendor_id',
  'estimated_fare_amount',
  'trip_date',
] as const;
export const END_FIELDS = [
  'dropoff_datetime',
  'rate_code',
  'passenger_count',
  'trip_distance',
  'fare_amount',
  'tip_amount',
  'payment_type',
  'trip_type',
] as const;

/**
 * Lambda FilterCriteria of the trips-table stream mapping (AWS ORs the filters of one mapping).
 * The CDK stack deploys exactly these objects and the local runtime evaluates exactly these objects.
 * - completion: the update that brought the second half (halves 1 -> 2). Exactly one per trip.
 * - expiredOpenEnd: an open end's item removed (by TTL after its grace period): it becomes ORPHAN_END.
 * Halves are DynamoDB numbers, which stream images carry as text.
 */
export const TRIP_STREAM_FILTERS = {
  completion: {
    eventName: ['MODIFY'],
    dynamodb: { OldImage: { [HALVES_ATTRIBUTE]: { N: ['1'] } }, NewImage: { [HALVES_ATTRIBUTE]: { N: ['2'] } } },
  },
  expiredOpenEnd: {
    eventName: ['REMOVE'],
    dynamodb: { OldImage: { [HALVES_ATTRIBUTE]: { N: ['1'] }, end_fingerprint: { S: [{ exists: true }] } } },
  },
} as const;

/** A completed trip as staged under completed-trips/ (one JSON object per line) and read by the KPI job. */
export const completedTripSchema = z
  .object({
    trip_id: z.string(),
    trip_date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    pickup_datetime: z.string(),
    dropoff_datetime: z.string(),
    estimated_dropoff_datetime: z.string().nullable(),
    pickup_location_id: z.number().nullable(),
    dropoff_location_id: z.number().nullable(),
    vendor_id: z.number().nullable(),
    estimated_fare_amount: z.number(),
    rate_code: z.number().nullable(),
    passenger_count: z.number().nullable(),
    trip_distance: z.number().nullable(),
    fare_amount: z.number(),
    tip_amount: z.number().nullable(),
    payment_type: z.number().nullable(),
    trip_type: z.number().nullable(),
    completed_at: z.string(),
  })
  .strict();
export type CompletedTrip = z.infer<typeof completedTripSchema>;
