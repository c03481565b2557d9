/**
 * Trip events and the Kinesis records that carry them, in the exact shape Lambda delivers
 * (base64 `data`, sequence numbers, arrival time in epoch seconds).
 */
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import type { EventOrigin } from '../../domain/envelopes';
import type { TripEndEvent, TripStartEvent } from '../../domain/events';
import type { AcknowledgedRecord } from '../../producer/kinesis-sender';

/** Trip c66ce556bc of the real dataset, picked up 2024-05-25 13:19 UTC, unless overridden. */
export function tripStartEvent(overrides: Partial<TripStartEvent> = {}): TripStartEvent {
  return {
    schema_version: 1,
    event_type: 'trip_start',
    trip_id: 'c66ce556bc',
    pickup_datetime: '2024-05-25T13:19:00.000Z',
    estimated_dropoff_datetime: '2024-05-25T14:03:00.000Z',
    pickup_location_id: 93,
    dropoff_location_id: 93,
    vendor_id: 1,
    estimated_fare_amount: 34.18595284,
    ...overrides,
  };
}

/** The end of trip c66ce556bc, dropped off 2024-05-25 14:05 UTC, unless overridden. */
export function tripEndEvent(overrides: Partial<TripEndEvent> = {}): TripEndEvent {
  return {
    schema_version: 1,
    event_type: 'trip_end',
    trip_id: 'c66ce556bc',
    dropoff_datetime: '2024-05-25T14:05:00.000Z',
    rate_code: 5,
    passenger_count: 0,
    trip_distance: 0.1,
    fare_amount: 40.09620692463166,
    tip_amount: 0,
    payment_type: 3,
    trip_type: 2,
    ...overrides,
  };
}

/** Shard sequence numbers as Kinesis prints them (56 digits), increasing with `position`. */
export function kinesisSequenceNumber(position: number): string {
  return `4959033827149025660855969253836157109592157598913658${String(position).padStart(4, '0')}`;
}

/** The shard every factory record is read from. */
export const KINESIS_SHARD_ID = 'shardId-000000000000';

/** The origin the handlers derive from the factory record at `position` (eventID `<shard>:<sequence number>`). */
export function kinesisOrigin(position: number): EventOrigin {
  return { shard_id: KINESIS_SHARD_ID, sequence_number: kinesisSequenceNumber(position) };
}

export interface KinesisRecordOptions {
  /** Defaults to position 1. */
  sequenceNumber?: string;
  /** Defaults to the payload's trip_id, as the producer partitions. */
  partitionKey?: string;
  arrivedAt?: Date;
  streamName?: string;
}

export const DEFAULT_ARRIVAL = new Date('2024-05-25T14:05:02.250Z');

/** A record carrying `payload` as JSON; a string payload is carried as is (for broken payloads). */
export function kinesisRecord(payload: unknown, options: KinesisRecordOptions = {}): KinesisStreamRecord {
  const data = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const sequenceNumber = options.sequenceNumber ?? kinesisSequenceNumber(1);
  const tripId = typeof payload === 'object' && payload !== null && 'trip_id' in payload ? String(payload.trip_id) : 'unknown';
  const streamName = options.streamName ?? 'tripstream-test-trip-start';
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: options.partitionKey ?? tripId,
      sequenceNumber,
      data: Buffer.from(data, 'utf8').toString('base64'),
      approximateArrivalTimestamp: (options.arrivedAt ?? DEFAULT_ARRIVAL).getTime() / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${KINESIS_SHARD_ID}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::123456789012:role/tripstream-test-handler',
    awsRegion: 'eu-west-1',
    eventSourceARN: `arn:aws:kinesis:eu-west-1:123456789012:stream/${streamName}`,
  };
}

/** A batch of records carrying `payloads`, with increasing sequence numbers from position 1. */
export function kinesisEvent(payloads: readonly unknown[], options: Omit<KinesisRecordOptions, 'sequenceNumber'> = {}): KinesisStreamEvent {
  return {
    Records: payloads.map((payload, index) => kinesisRecord(payload, { ...options, sequenceNumber: kinesisSequenceNumber(index + 1) })),
  };
}

/** What the producer is told of a record Kinesis stored (PutRecords acknowledged it). */
export function acknowledgedRecord(kind: 'start' | 'end', tripId: string, position = 1): AcknowledgedRecord {
  return {
    kind,
    stream: `tripstream-test-trip-${kind}`,
    partitionKey: tripId,
    shardId: KINESIS_SHARD_ID,
    sequenceNumber: kinesisSequenceNumber(position),
  };
}
