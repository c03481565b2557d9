/**
 * Trips-table stream records in the item shape of halves (1 open, 2 completed), as the live metrics consumer
 * reads them: an open item inserted, completed, or removed while open.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';

export interface TripFields {
  readonly tripId: string;
  readonly pickup?: string;
  readonly dropoff?: string;
  readonly fare?: number;
  readonly vendorId?: number | null;
  readonly pickupLocationId?: number | null;
}

function image(item: Record<string, unknown>): Record<string, AttributeValue> {
  return marshall(item) as Record<string, AttributeValue>;
}

function openItem(trip: TripFields): Record<string, unknown> {
  return {
    trip_id: trip.tripId,
    halves: 1,
    pickup_datetime: trip.pickup ?? '2024-05-25T13:00:00.000Z',
    pickup_location_id: trip.pickupLocationId === undefined ? 74 : trip.pickupLocationId,
    vendor_id: trip.vendorId === undefined ? 1 : trip.vendorId,
    estimated_fare_amount: 10,
    expires_at: 1_720_000_000,
  };
}

function completedItem(trip: TripFields): Record<string, unknown> {
  return {
    ...openItem(trip),
    halves: 2,
    dropoff_datetime: trip.dropoff ?? '2024-05-25T13:12:00.000Z',
    fare_amount: trip.fare ?? 12.5,
    tip_amount: null,
    payment_type: 1,
  };
}

let sequence = 0;

function record(
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE',
  tripId: string,
  images: { NewImage?: Record<string, unknown>; OldImage?: Record<string, unknown> },
): DynamoDBRecord {
  sequence += 1;
  const sequenceNumber = `5000000000000000000${String(sequence).padStart(6, '0')}`;
  return {
    eventID: `event-${sequenceNumber}`,
    eventName,
    eventSource: 'aws:dynamodb',
    dynamodb: {
      ApproximateCreationDateTime: 1_716_642_000,
      Keys: image({ trip_id: tripId }),
      ...(images.NewImage === undefined ? {} : { NewImage: image(images.NewImage) }),
      ...(images.OldImage === undefined ? {} : { OldImage: image(images.OldImage) }),
      SequenceNumber: sequenceNumber,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

/** The INSERT of a trip's first half. */
export function opened(trip: TripFields): DynamoDBRecord {
  return record('INSERT', trip.tripId, { NewImage: openItem(trip) });
}

/** The MODIFY that records the second half (halves 1 -> 2). */
export function completed(trip: TripFields): DynamoDBRecord {
  return record('MODIFY', trip.tripId, { OldImage: openItem(trip), NewImage: completedItem(trip) });
}

/** The REMOVE of an item still open (TTL past its grace period). */
export function openRemoved(trip: TripFields): DynamoDBRecord {
  return record('REMOVE', trip.tripId, { OldImage: openItem(trip) });
}

/** A later MODIFY of a completed item (halves stay 2): no live metric changes. */
export function completedTouched(trip: TripFields): DynamoDBRecord {
  return record('MODIFY', trip.tripId, { OldImage: completedItem(trip), NewImage: { ...completedItem(trip), expires_at: 1_730_000_000 } });
}

/** The REMOVE of a completed item (its TTL). */
export function completedRemoved(trip: TripFields): DynamoDBRecord {
  return record('REMOVE', trip.tripId, { OldImage: completedItem(trip) });
}
