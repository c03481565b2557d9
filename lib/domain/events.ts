/**
 * The trip events on the wire (Kinesis record data, retry and DLQ payloads): versioned JSON documents.
 * The producer builds them from CSV rows; every handler validates them again, because anyone with
 * PutRecord permission can bypass the producer.
 */
import { z } from 'zod';
import {
  AMOUNT_RANGE_PROBLEM,
  CODE_RANGE_PROBLEM,
  INSTANT_RANGE_PROBLEM,
  MAX_ABSOLUTE_CODE,
  MAX_TRIP_ID_LENGTH,
  isAmountInRange,
  isInstantInRange,
} from './bounds';

export const EVENT_SCHEMA_VERSION = 1;

/** Canonical UTC instant: what `Date.prototype.toISOString()` prints. Equal instants compare equal as text. */
const utcInstant = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 'must be a UTC instant like 2024-05-25T13:19:00.000Z')
  // zod runs refinements even after the regex failed, and toISOString() throws on an invalid date.
  .refine((text) => {
    const instant = new Date(text);
    return !Number.isNaN(instant.getTime()) && instant.toISOString() === text;
  }, 'is not a real calendar instant')
  .refine((text) => isInstantInRange(Date.parse(text)), INSTANT_RANGE_PROBLEM);

// Every field is bounded (see bounds.ts): the same limits as the CSV rules, and an event of bounded size.
const amount = z.number().finite().refine(isAmountInRange, AMOUNT_RANGE_PROBLEM);
const money = amount.refine((value) => value >= 0, 'is negative (fares must be 0 or more)');
const code = z.number().int().min(-MAX_ABSOLUTE_CODE, CODE_RANGE_PROBLEM).max(MAX_ABSOLUTE_CODE, CODE_RANGE_PROBLEM).nullable();
const optionalAmount = amount.nullable();
const tripId = z.string().min(1).max(MAX_TRIP_ID_LENGTH);

export const tripStartEventSchema = z
  .object({
    schema_version: z.literal(EVENT_SCHEMA_VERSION),
    event_type: z.literal('trip_start'),
    trip_id: tripId,
    pickup_datetime: utcInstant,
    estimated_dropoff_datetime: utcInstant.nullable(),
    pickup_location_id: code,
    dropoff_location_id: code,
    vendor_id: code,
    estimated_fare_amount: money,
  })
  .strict();

export const tripEndEventSchema = z
  .object({
    schema_version: z.literal(EVENT_SCHEMA_VERSION),
    event_type: z.literal('trip_end'),
    trip_id: tripId,
    dropoff_datetime: utcInstant,
    rate_code: code,
    passenger_count: code,
    trip_distance: optionalAmount,
    fare_amount: money,
    tip_amount: optionalAmount,
    payment_type: code,
    trip_type: code,
  })
  .strict();

export const tripEventSchema = z.discriminatedUnion('event_type', [tripStartEventSchema, tripEndEventSchema]);

export type TripStartEvent = z.infer<typeof tripStartEventSchema>;
export type TripEndEvent = z.infer<typeof tripEndEventSchema>;
export type TripEvent = z.infer<typeof tripEventSchema>;
export type TripEventType = TripEvent['event_type'];

/** When the event happened in the world: what `--order event-time` sorts by. */
export function eventTime(event: TripEvent): string {
  return event.event_type === 'trip_start' ? event.pickup_datetime : event.dropoff_datetime;
}

/** Turns a zod failure into one line an operator can act on (it goes into DLQ messages and quarantine). */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(event)'}: ${issue.message}`)
    .join('; ');
}
