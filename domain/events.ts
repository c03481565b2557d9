/**
 * The trip events on the wire (Kinesis record data, retry and DLQ payloads): versioned JSON documents.
 * The producer builds them from CSV rows; every handler validates them again, because anyone with
 * PutRecord permission can bypass the producer. Their fields are the trip record's (trip-record.ts).
 */

import { END_EVENT_FIELDS, START_EVENT_FIELDS, TRIP_KEY_FIELD, tripFieldShape } from './trip-record';
import * as z from './validation';

export { describeIssues } from './validation';

export const EVENT_SCHEMA_VERSION = 1;

// Every field is bounded (see bounds.ts): the same limits as the CSV rules, and an event of bounded size.
export const tripStartEventSchema = z.strictObject({
  schema_version: z.literal(EVENT_SCHEMA_VERSION),
  event_type: z.literal('trip_start'),
  ...tripFieldShape('wire', [TRIP_KEY_FIELD]),
  ...tripFieldShape('wire', START_EVENT_FIELDS),
});

export const tripEndEventSchema = z.strictObject({
  schema_version: z.literal(EVENT_SCHEMA_VERSION),
  event_type: z.literal('trip_end'),
  ...tripFieldShape('wire', [TRIP_KEY_FIELD]),
  ...tripFieldShape('wire', END_EVENT_FIELDS),
});

export const tripEventSchema = z.discriminatedUnion('event_type', [tripStartEventSchema, tripEndEventSchema]);

export type TripStartEvent = z.infer<typeof tripStartEventSchema>;
export type TripEndEvent = z.infer<typeof tripEndEventSchema>;
export type TripEvent = z.infer<typeof tripEventSchema>;

/** When the event happened in the world: what `--order event-time` sorts by. */
export function eventTime(event: TripEvent): string {
  return event.event_type === 'trip_start' ? event.pickup_datetime : event.dropoff_datetime;
}
