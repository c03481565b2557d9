/**
 * How a trip's start and end become one item, whatever order they arrive in.
 *
 * Trip assembly, the rules of one trip item:
 *
 * - Each half is recorded when it arrives, by one conditional update that sets only that half's
 *   attributes. Its condition: this half is not recorded yet, and the partner (if present) is compatible
 *   (pickup not after dropoff). The write that leaves both halves present completes the trip.
 * - A refused write is explained from the stored item DynamoDB returns with the refusal: the same half
 *   again (duplicate), a different one (conflict: the first one stands), or an incompatible partner.
 * - Dropoff before pickup rejects the end in either order: when the start comes second, the stored end is
 *   evicted (dead-lettered with its full event) and the start is recorded in its place.
 *
 * Pure: the trips-table adapter turns a HalfWrite into an UpdateItem, the recorder in lambdas/common wires
 * the outcomes to the queues.
 */

import { type EventOrigin, eventOriginSchema } from './envelopes';
import { describeIssues, EVENT_SCHEMA_VERSION, type TripEndEvent, type TripEvent, type TripStartEvent, tripEndEventSchema } from './events';
import { eventFingerprint } from './fingerprint';
import { END_FIELDS, halfAttribute, TRIP_KEY } from './trip-item';
import { END_EVENT_FIELDS, START_EVENT_FIELDS, type TripField, type TripHalf } from './trip-record';
import * as z from './validation';

const SECONDS_PER_HOUR = 3_600;
const SECONDS_PER_DAY = 86_400;

/** `trip_date`: the UTC calendar date of the pickup. */
export function tripDate(pickupDatetime: string): string {
  const pickup = new Date(pickupDatetime);
  if (Number.isNaN(pickup.getTime())) throw new Error(`pickup_datetime ${JSON.stringify(pickupDatetime)} is not a timestamp`);
  return pickup.toISOString().slice(0, 10);
}

/** How long the trips table keeps items (TTL), from the trip's settings. */
export interface ItemLifetime {
  /** An open half expires this long after the pipeline first saw it (then an open end is ORPHAN_END). */
  readonly openHalfGraceHours: number;
  /** A completed trip is kept this many days beyond its first half's grace expiry. */
  readonly completedTtlDays: number;
}

/** When the pipeline first saw the event, and the stream record it came from (null when not from a stream). */
export interface Sighting {
  readonly firstSeenAt: string;
  readonly origin: EventOrigin | null;
}

/**
 * One half as the trips table receives it. The TTL is written as `if_not_exists(expires_at, base) + extension`:
 * the first half sets the open expiry (base + extension), the second adds the extension to it, so a completed
 * trip outlives its grace period by completedTtlDays without a third write.
 */
export interface HalfWrite {
  readonly half: TripHalf;
  readonly tripId: string;
  /** The half's own attributes, bookkeeping included; nothing of the partner's. */
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly fingerprint: string;
  /** The partner's attribute this half must be compatible with, and the value compared with it. */
  readonly compatibility: { readonly partnerAttribute: 'dropoff_datetime' | 'pickup_datetime'; readonly ownValue: string };
  readonly expiry: { readonly baseEpochSeconds: number; readonly extensionSeconds: number };
}

function expiry(sighting: Sighting, lifetime: ItemLifetime): HalfWrite['expiry'] {
  const firstSeen = Math.floor(new Date(sighting.firstSeenAt).getTime() / 1000);
  const extensionSeconds = lifetime.completedTtlDays * SECONDS_PER_DAY;
  return { baseEpochSeconds: firstSeen + lifetime.openHalfGraceHours * SECONDS_PER_HOUR - extensionSeconds, extensionSeconds };
}

function bookkeeping(half: TripHalf, fingerprint: string, sighting: Sighting): Record<string, unknown> {
  return {
    [halfAttribute(half, 'fingerprint')]: fingerprint,
    [halfAttribute(half, 'first_seen_at')]: sighting.firstSeenAt,
    [halfAttribute(half, 'origin')]: sighting.origin,
  };
}

/** A half's own fields, taken from its event as they are: the item holds the event field by field. */
function eventFields<E extends TripEvent, F extends TripField & keyof E>(event: E, fields: readonly F[]): Record<F, unknown> {
  return Object.fromEntries(fields.map((field) => [field, event[field]])) as Record<F, unknown>;
}

export function startHalf(event: TripStartEvent, sighting: Sighting, lifetime: ItemLifetime): HalfWrite {
  const fingerprint = eventFingerprint(event);
  const fields = { ...eventFields(event, START_EVENT_FIELDS), trip_date: tripDate(event.pickup_datetime) };
  return {
    half: 'start',
    tripId: event.trip_id,
    attributes: { ...fields, ...bookkeeping('start', fingerprint, sighting) },
    fingerprint,
    compatibility: { partnerAttribute: 'dropoff_datetime', ownValue: event.pickup_datetime },
    expiry: expiry(sighting, lifetime),
  };
}

export function endHalf(event: TripEndEvent, sighting: Sighting, lifetime: ItemLifetime): HalfWrite {
  const fingerprint = eventFingerprint(event);
  const fields = eventFields(event, END_EVENT_FIELDS);
  return {
    half: 'end',
    tripId: event.trip_id,
    attributes: { ...fields, ...bookkeeping('end', fingerprint, sighting) },
    fingerprint,
    compatibility: { partnerAttribute: 'pickup_datetime', ownValue: event.dropoff_datetime },
    expiry: expiry(sighting, lifetime),
  };
}

export function halfWrite(event: TripEvent, sighting: Sighting, lifetime: ItemLifetime): HalfWrite {
  return event.event_type === 'trip_start' ? startHalf(event, sighting, lifetime) : endHalf(event, sighting, lifetime);
}

/** The part of a stored item the rules look at. Other attributes may be present and are ignored. */
const storedTripSchema = z.object({
  trip_id: z.string(),
  pickup_datetime: z.optional(z.string()),
  dropoff_datetime: z.optional(z.string()),
  [halfAttribute('start', 'fingerprint')]: z.optional(z.string()),
  [halfAttribute('end', 'fingerprint')]: z.optional(z.string()),
});
type StoredTrip = z.infer<typeof storedTripSchema>;

function readStoredTrip(item: Record<string, unknown>): StoredTrip {
  const parsed = storedTripSchema.safeParse(item);
  if (!parsed.success) {
    throw new Error(`Trip item ${JSON.stringify(item[TRIP_KEY] ?? null)} is not a trip item: ${describeIssues(parsed.error)}`);
  }
  return parsed.data;
}

export type RejectionReason = 'CONFLICTING_DUPLICATE' | 'DROPOFF_BEFORE_PICKUP';

export type Refusal =
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'rejected'; readonly reason: RejectionReason; readonly detail: string }
  /** A start refused because the stored end drops off before it: the end is the one to reject. */
  | { readonly kind: 'evict-end'; readonly end: StoredEnd; readonly detail: string };

/**
 * Why the trips table refused `write`, from the item it returned. Throws when the item allows the write:
 * then the table and these rules disagree, and the event is retried, never judged on a guess.
 */
export function explainRefusal(write: HalfWrite, existing: Record<string, unknown> | undefined): Refusal {
  if (existing === undefined) throw unexplained(write, 'no item was returned');
  const stored = readStoredTrip(existing);
  const recorded = stored[halfAttribute(write.half, 'fingerprint')];
  if (recorded === write.fingerprint) return { kind: 'duplicate' };
  if (recorded !== undefined) {
    return {
      kind: 'rejected',
      reason: 'CONFLICTING_DUPLICATE',
      detail: `trip ${write.tripId} already has a different ${write.half} (fingerprint ${recorded}); the first one stands`,
    };
  }
  const partnerValue = stored[write.compatibility.partnerAttribute];
  if (partnerValue === undefined || compatible(write, partnerValue)) throw unexplained(write, 'the stored item allows it');
  if (write.half === 'end') {
    return {
      kind: 'rejected',
      reason: 'DROPOFF_BEFORE_PICKUP',
      detail: `dropoff_datetime ${write.compatibility.ownValue} is before the recorded pickup_datetime ${partnerValue}`,
    };
  }
  return {
    kind: 'evict-end',
    end: storedEnd(existing),
    detail: `dropoff_datetime ${partnerValue} is before the pickup_datetime ${write.compatibility.ownValue} of the start that arrived after it`,
  };
}

/** Timestamps are canonical UTC ISO strings, so comparing them as text compares instants (as the condition does). */
function compatible(write: HalfWrite, partnerValue: string): boolean {
  return write.half === 'start' ? write.compatibility.ownValue <= partnerValue : partnerValue <= write.compatibility.ownValue;
}

function unexplained(write: HalfWrite, why: string): Error {
  return new Error(`The trips table refused the ${write.half} of trip ${write.tripId}, but ${why}`);
}

/** An end as it stands in an item: the full event, rebuilt field by field, with when and where it was seen. */
export interface StoredEnd {
  readonly event: TripEndEvent;
  readonly fingerprint: string;
  readonly sighting: Sighting;
}

const END_MARKS = {
  fingerprint: halfAttribute('end', 'fingerprint'),
  firstSeenAt: halfAttribute('end', 'first_seen_at'),
  origin: halfAttribute('end', 'origin'),
} as const;

const storedEndBookkeeping = z.object({
  [END_MARKS.fingerprint]: z.string(),
  [END_MARKS.firstSeenAt]: z.string(),
  [END_MARKS.origin]: z.nullable(eventOriginSchema),
});

/** The end half of an item, as the event that was recorded; throws when the item holds no valid end. */
export function storedEnd(item: Record<string, unknown>): StoredEnd {
  const fields = Object.fromEntries(END_FIELDS.map((field) => [field, item[field]]));
  const event = tripEndEventSchema.safeParse({
    schema_version: EVENT_SCHEMA_VERSION,
    event_type: 'trip_end',
    trip_id: item[TRIP_KEY],
    ...fields,
  });
  const marks = storedEndBookkeeping.safeParse(item);
  if (!event.success || !marks.success) {
    const issues = event.success ? '' : describeIssues(event.error);
    const markIssues = marks.success ? '' : describeIssues(marks.error);
    throw new Error(
      `Trip item ${JSON.stringify(item[TRIP_KEY] ?? null)} holds no readable end: ${[issues, markIssues].filter(Boolean).join('; ')}`,
    );
  }
  return {
    event: event.data,
    fingerprint: marks.data[END_MARKS.fingerprint],
    sighting: { firstSeenAt: marks.data[END_MARKS.firstSeenAt], origin: marks.data[END_MARKS.origin] },
  };
}
