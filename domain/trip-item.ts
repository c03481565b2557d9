/**
 * The one DynamoDB item kept per trip, and the staged record written for a completed trip.
 *
 * The item is flat (one attribute per field) and holds up to two halves: the start's attributes and the
 * end's, each written by its own conditional update. `halves` counts the halves present: 1 while the trip
 * is open, 2 once it is complete. The stream filters below select exactly the transitions that matter.
 */

import { END_EVENT_FIELDS, STAGED_TRIP_FIELDS, type TripHalf, tripFieldShape } from './trip-record';
import * as z from './validation';

export const TRIP_KEY = 'trip_id';
export const TRIP_TTL_ATTRIBUTE = 'expires_at';
export const HALVES_ATTRIBUTE = 'halves';

export type HalfBookkeeping = 'fingerprint' | 'first_seen_at' | 'origin';

/**
 * Bookkeeping attributes of a half, named `<half>_<attribute>`: fingerprint, first-seen time, origin. The one
 * spelling of these names; the result's type is the literal name, so it can key a schema or a filter.
 */
export function halfAttribute<H extends TripHalf, A extends HalfBookkeeping>(half: H, attribute: A): `${H}_${A}` {
  return `${half}_${attribute}`;
}

/** The fields each half contributes to the item, apart from its bookkeeping (the trip record's halves). */
export const END_FIELDS = END_EVENT_FIELDS;

/**
 * Lambda FilterCriteria of the trips-table stream mapping (AWS ORs the filters of one mapping).
 * The CDK stack deploys exactly these objects and the local runtime evaluates exactly these objects.
 * - completion: the update that brought the second half (halves 1 -> 2). Exactly one per trip.
 * - expiredOpenEnd: an open end's item removed (by TTL after its grace period): it becomes ORPHAN_END.
 * - expiredOpenStart: an open start's item removed the same way: a trip whose end never came, counted as
 *   OpenStartsExpired (the monitoring stack alarms on it; the start itself is not an error to dead-letter).
 * Halves are DynamoDB numbers, which stream images carry as text.
 */
export const TRIP_STREAM_FILTERS = {
  completion: {
    eventName: ['MODIFY'],
    dynamodb: { OldImage: { [HALVES_ATTRIBUTE]: { N: ['1'] } }, NewImage: { [HALVES_ATTRIBUTE]: { N: ['2'] } } },
  },
  expiredOpenEnd: {
    eventName: ['REMOVE'],
    dynamodb: { OldImage: { [HALVES_ATTRIBUTE]: { N: ['1'] }, [halfAttribute('end', 'fingerprint')]: { S: [{ exists: true }] } } },
  },
  expiredOpenStart: {
    eventName: ['REMOVE'],
    dynamodb: { OldImage: { [HALVES_ATTRIBUTE]: { N: ['1'] }, [halfAttribute('start', 'fingerprint')]: { S: [{ exists: true }] } } },
  },
} as const;

/** A completed trip as staged under completed-trips/ (one JSON object per line) and read by the KPI job. */
export const completedTripSchema = z.strictObject(tripFieldShape('stored', STAGED_TRIP_FIELDS));
export type CompletedTrip = z.infer<typeof completedTripSchema>;
