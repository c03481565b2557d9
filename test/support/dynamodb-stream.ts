/**
 * Trips-table items as the half writes leave them, and the DynamoDB stream records Lambda delivers for
 * them (marshalled images, sequence numbers, NEW_AND_OLD_IMAGES).
 *
 * Items are built from the half writes of domain/trip-assembly (their attributes), with `halves` and
 * `expires_at` as the trips table's update expression computes them, so a factory item cannot drift from
 * what the handlers write.
 */
import type { AttributeValue as StreamsAttributeValue, _Record as StreamsSdkRecord } from '@aws-sdk/client-dynamodb-streams';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { TripEndEvent, TripStartEvent } from '../../domain/events';
import { endHalf, type HalfWrite, type ItemLifetime, type Sighting, startHalf } from '../../domain/trip-assembly';
import { DEFAULT_ARRIVAL, kinesisSequenceNumber, tripEndEvent, tripStartEvent } from './kinesis';

/** The lifetime the handler tests configure (OPEN_HALF_GRACE_HOURS, TRIP_TTL_DAYS). */
export const ITEM_LIFETIME: ItemLifetime = { openHalfGraceHours: 24, completedTtlDays: 90 };

/** When and where the factory's start was first seen: its Kinesis record on the start stream. */
export const START_SIGHTING: Sighting = {
  firstSeenAt: '2024-05-25T13:19:05.000Z',
  origin: { shard_id: 'shardId-000000000000', sequence_number: kinesisSequenceNumber(11) },
};

/** When and where the factory's end was first seen: its Kinesis record on the end stream. */
export const END_SIGHTING: Sighting = {
  firstSeenAt: DEFAULT_ARRIVAL.toISOString(),
  origin: { shard_id: 'shardId-000000000001', sequence_number: kinesisSequenceNumber(12) },
};

/** The item after `write` was applied to `before` (undefined: no item yet), as the trips table's UpdateItem computes it. */
export function afterHalfWrite(before: Record<string, unknown> | undefined, write: HalfWrite): Record<string, unknown> {
  const halves = typeof before?.halves === 'number' ? before.halves : 0;
  const expiresAt = typeof before?.expires_at === 'number' ? before.expires_at : write.expiry.baseEpochSeconds;
  return {
    ...before,
    trip_id: write.tripId,
    ...write.attributes,
    halves: halves + 1,
    expires_at: expiresAt + write.expiry.extensionSeconds,
  };
}

/** The item of a trip whose start alone is recorded. */
export function openStartItem(start: TripStartEvent = tripStartEvent(), sighting: Sighting = START_SIGHTING): Record<string, unknown> {
  return afterHalfWrite(undefined, startHalf(start, sighting, ITEM_LIFETIME));
}

/** The item of a trip whose end alone is recorded (its start has not arrived). */
export function openEndItem(end: TripEndEvent = tripEndEvent(), sighting: Sighting = END_SIGHTING): Record<string, unknown> {
  return afterHalfWrite(undefined, endHalf(end, sighting, ITEM_LIFETIME));
}

export interface CompletedItemOptions {
  /** Which half was recorded first (its sighting sets the expiry). Defaults to the start. */
  readonly first?: 'start' | 'end';
  readonly startSighting?: Sighting;
  readonly endSighting?: Sighting;
}

/** The item of a trip completed by both halves, exactly as the two half writes leave it. */
export function completedItem(
  end: TripEndEvent = tripEndEvent(),
  start: TripStartEvent = tripStartEvent(),
  options: CompletedItemOptions = {},
): Record<string, unknown> {
  const startWrite = startHalf(start, options.startSighting ?? START_SIGHTING, ITEM_LIFETIME);
  const endWrite = endHalf(end, options.endSighting ?? END_SIGHTING, ITEM_LIFETIME);
  const [firstWrite, secondWrite] = options.first === 'end' ? [endWrite, startWrite] : [startWrite, endWrite];
  return afterHalfWrite(afterHalfWrite(undefined, firstWrite), secondWrite);
}

/** The factory events' completed item with attributes overridden (other trips, broken items). */
export function completedTripItem(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...completedItem(), ...overrides };
}

/** Stream sequence numbers as DynamoDB prints them, increasing with `position`. */
export function streamSequenceNumber(position: number): string {
  return `4421584500000000017450439${String(position).padStart(3, '0')}`;
}

export interface StreamRecordOptions {
  eventName?: 'INSERT' | 'MODIFY' | 'REMOVE';
  newImage?: Record<string, unknown>;
  oldImage?: Record<string, unknown>;
  sequenceNumber?: string;
  createdAt?: Date;
}

/** When the factory's stream records were written (the completing write, the TTL deletion). */
export const STREAM_RECORD_CREATED_AT = new Date('2024-05-25T14:05:03.000Z');

/** The MODIFY of the write that completed a trip: OldImage one half (the start), NewImage both. */
export function completion(end: TripEndEvent = tripEndEvent(), start: TripStartEvent = tripStartEvent()): StreamRecordOptions {
  return { eventName: 'MODIFY', oldImage: openStartItem(start), newImage: completedItem(end, start) };
}

/** The REMOVE of an open end's item (TTL, its grace period over): OldImage only. */
export function expiredOpenEnd(end: TripEndEvent = tripEndEvent(), sighting: Sighting = END_SIGHTING): StreamRecordOptions {
  return { eventName: 'REMOVE', oldImage: openEndItem(end, sighting) };
}

/** The REMOVE of an open start's item (TTL, its grace period over without an end): OldImage only. */
export function expiredOpenStart(start: TripStartEvent = tripStartEvent(), sighting: Sighting = START_SIGHTING): StreamRecordOptions {
  return { eventName: 'REMOVE', oldImage: openStartItem(start, sighting) };
}

function image(item: Record<string, unknown>): Record<string, AttributeValue> {
  // The SDK and Lambda type images differently only for binary values, which trip items do not have.
  return marshall(item) as Record<string, AttributeValue>;
}

/** A stream record with the images of `options`; a completion of the factory trip unless overridden. */
export function streamRecord(options: StreamRecordOptions = completion()): DynamoDBRecord {
  const sequenceNumber = options.sequenceNumber ?? streamSequenceNumber(1);
  const tripId = String(options.newImage?.trip_id ?? options.oldImage?.trip_id ?? 'unknown');
  return {
    eventID: `c81e728d9d4c2f636f067f89cc14862c-${sequenceNumber}`,
    eventName: options.eventName ?? 'MODIFY',
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'eu-west-1',
    dynamodb: {
      ApproximateCreationDateTime: (options.createdAt ?? STREAM_RECORD_CREATED_AT).getTime() / 1000,
      Keys: image({ trip_id: tripId }),
      ...(options.newImage === undefined ? {} : { NewImage: image(options.newImage) }),
      ...(options.oldImage === undefined ? {} : { OldImage: image(options.oldImage) }),
      SequenceNumber: sequenceNumber,
      SizeBytes: 512,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
    eventSourceARN: 'arn:aws:dynamodb:eu-west-1:123456789012:table/tripstream-test-trips/stream/2024-05-25T00:00:00.000',
  };
}

/** A batch with sequence numbers from position 1, one record per options object. */
export function streamEvent(records: readonly StreamRecordOptions[]): DynamoDBStreamEvent {
  return { Records: records.map((options, index) => streamRecord({ sequenceNumber: streamSequenceNumber(index + 1), ...options })) };
}

/** The same change as GetRecords of DynamoDB Streams returns it (what reading a range back yields). */
export function sdkStreamRecord(options: StreamRecordOptions = completion()): StreamsSdkRecord {
  const { dynamodb, eventID, eventName, eventVersion, eventSource, awsRegion } = streamRecord(options);
  return {
    eventID,
    eventName,
    eventVersion,
    eventSource,
    awsRegion,
    dynamodb: {
      ApproximateCreationDateTime: new Date((dynamodb?.ApproximateCreationDateTime ?? 0) * 1000),
      // Lambda's and the SDK's image types differ only for binary values, which trip items do not have.
      Keys: dynamodb?.Keys as Record<string, StreamsAttributeValue> | undefined,
      NewImage: dynamodb?.NewImage as Record<string, StreamsAttributeValue> | undefined,
      OldImage: dynamodb?.OldImage as Record<string, StreamsAttributeValue> | undefined,
      SequenceNumber: dynamodb?.SequenceNumber,
      SizeBytes: dynamodb?.SizeBytes,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}
