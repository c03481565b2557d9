/**
 * The match handler's pure part: which stream records are completed trips, the staged record of each, and
 * the S3 key of a batch's file for one trip_date.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { DATA_PREFIXES } from '../../lib/config';
import { describeIssues } from '../../lib/domain/events';
import { COMPLETED_TRIP_STREAM_FILTER, completedTripSchema, type CompletedTrip } from '../../lib/domain/trip-item';
import { tripIdIn } from '../shared/decoding';

/**
 * The NewImage of a record that is a completed trip, else undefined. The mapping deploys
 * COMPLETED_TRIP_STREAM_FILTER, but a handler must not rely on its trigger's configuration: the same object
 * is checked again here.
 */
export function completedTripImage(record: DynamoDBRecord): Record<string, AttributeValue> | undefined {
  const eventNames: readonly string[] = COMPLETED_TRIP_STREAM_FILTER.eventName;
  const statuses: readonly string[] = COMPLETED_TRIP_STREAM_FILTER.dynamodb.NewImage.status.S;
  const image = record.dynamodb?.NewImage;
  const status = image?.status?.S;
  if (record.eventName === undefined || !eventNames.includes(record.eventName)) return undefined;
  if (image === undefined || status === undefined || !statuses.includes(status)) return undefined;
  // Lambda's type differs from the SDK's only for binary values (base64 text rather than bytes), and trip
  // items hold none.
  return image as Record<string, AttributeValue>;
}

/** The staged fields of an item; the item's bookkeeping attributes (fingerprints, TTL, status) are left out. */
const stagedFieldsSchema = z.object(completedTripSchema.shape);

export type StagedTripResult =
  | { readonly valid: true; readonly trip: CompletedTrip }
  | { readonly valid: false; readonly image: unknown; readonly tripId: string | null; readonly detail: string };

export function stagedTripFromImage(image: Record<string, AttributeValue>): StagedTripResult {
  let item: Record<string, unknown>;
  try {
    item = unmarshall(image);
  } catch (error) {
    return { valid: false, image, tripId: null, detail: `NewImage cannot be read: ${error instanceof Error ? error.message : String(error)}` };
  }
  const parsed = stagedFieldsSchema.safeParse(item);
  if (!parsed.success) {
    return { valid: false, image: item, tripId: tripIdIn(item), detail: `not a completed trip: ${describeIssues(parsed.error)}` };
  }
  return { valid: true, trip: parsed.data };
}

/**
 * `completed-trips/trip_date=YYYY-MM-DD/<name>.jsonl`, where the name is a hash of the stream records
 * staged in it: a batch delivered again writes the same keys and overwrites instead of duplicating.
 */
export function stagedFileKey(tripDate: string, sequenceNumbers: readonly string[]): string {
  const digest = createHash('sha256').update([...sequenceNumbers].sort().join('\n')).digest('hex').slice(0, 32);
  return `${DATA_PREFIXES.completedTrips}trip_date=${tripDate}/${digest}.jsonl`;
}
