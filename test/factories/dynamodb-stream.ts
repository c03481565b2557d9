/**
 * Trips-table items and the DynamoDB stream records Lambda delivers for them (marshalled images,
 * sequence numbers, NEW_AND_OLD_IMAGES).
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { TripEndEvent, TripStartEvent } from '../../lib/domain/events';
import { completionAttributes, startedTripItem } from '../../lib/domain/trip-state';
import { tripEndEvent, tripStartEvent } from './kinesis';

/** When the factory's trips were written, as the start and end handlers' clocks read. */
const STARTED_AT = new Date('2024-05-25T13:19:05.000Z');
const COMPLETED_AT = new Date('2024-05-25T14:05:03.000Z');
const TTL_DAYS = 90;

/** The item `start` creates, exactly as the start handler writes it. */
export function startedItem(start: TripStartEvent = tripStartEvent()): Record<string, unknown> {
  return { ...startedTripItem(start, STARTED_AT, TTL_DAYS) };
}

/** The item of a trip completed by `end` after `start`, exactly as the start and end handlers leave it. */
export function completedItem(end: TripEndEvent = tripEndEvent(), start: TripStartEvent = tripStartEvent()): Record<string, unknown> {
  return { ...startedItem(start), ...completionAttributes(end, COMPLETED_AT, TTL_DAYS) };
}

/** The factory events' completed item with attributes overridden (other trips, other dates, broken items). */
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

function image(item: Record<string, unknown>): Record<string, AttributeValue> {
  // The SDK and Lambda type images differently only for binary values, which trip items do not have.
  return marshall(item) as Record<string, AttributeValue>;
}

/** A MODIFY that completed a trip (STARTED -> COMPLETED) unless overridden. */
export function streamRecord(options: StreamRecordOptions = {}): DynamoDBRecord {
  const newImage = options.newImage ?? completedTripItem();
  const sequenceNumber = options.sequenceNumber ?? streamSequenceNumber(1);
  const tripId = String(newImage.trip_id ?? options.oldImage?.trip_id ?? 'unknown');
  const eventName = options.eventName ?? 'MODIFY';
  return {
    eventID: `c81e728d9d4c2f636f067f89cc14862c-${sequenceNumber}`,
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'eu-west-1',
    dynamodb: {
      ApproximateCreationDateTime: (options.createdAt ?? new Date('2024-05-25T14:05:03.000Z')).getTime() / 1000,
      Keys: image({ trip_id: tripId }),
      ...(eventName === 'REMOVE' ? {} : { NewImage: image(newImage) }),
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
