/**
 * Trips-table items and the DynamoDB stream records Lambda delivers for them (marshalled images,
 * sequence numbers, NEW_AND_OLD_IMAGES).
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { TRIP_STATUS } from '../../lib/domain/trip-item';

/** A completed trip item as the start and end handlers leave it, unless overridden. */
export function completedTripItem(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    trip_id: 'c66ce556bc',
    status: TRIP_STATUS.completed,
    trip_date: '2024-05-25',
    pickup_datetime: '2024-05-25T13:19:00.000Z',
    estimated_dropoff_datetime: '2024-05-25T14:03:00.000Z',
    pickup_location_id: 93,
    dropoff_location_id: 93,
    vendor_id: 1,
    estimated_fare_amount: 34.18595284,
    start_fingerprint: 'a'.repeat(64),
    started_at: '2024-05-25T13:19:01.000Z',
    dropoff_datetime: '2024-05-25T14:05:00.000Z',
    rate_code: 5,
    passenger_count: 0,
    trip_distance: 0.1,
    fare_amount: 40.09620692463166,
    tip_amount: 0,
    payment_type: 3,
    trip_type: 2,
    end_fingerprint: 'b'.repeat(64),
    completed_at: '2024-05-25T14:05:03.000Z',
    expires_at: 1724505903,
    ...overrides,
  };
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
