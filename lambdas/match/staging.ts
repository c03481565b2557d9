/**
 * The match handler's pure part: which trips-table stream records it acts on (a completion, or an open
 * end that expired), the staged record of a completed trip, the dead letter of an expired end, and the S3
 * key of a batch's file for one trip_date.
 */

import { createHash } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { matchesFilterPattern } from '../../aws/filter-pattern';
import { errorText } from '../../domain/error-text';
import { type StoredEnd, storedEnd } from '../../domain/trip-assembly';
import { type CompletedTrip, completedTripSchema, TRIP_STREAM_FILTERS } from '../../domain/trip-item';
import * as z from '../../domain/validation';
import { describeIssues } from '../../domain/validation';
import { DATA_PREFIXES } from '../../lib/names';
import { tripIdIn } from '../common/decoding';

// Lambda's image type differs from the SDK's only for binary values (base64 text rather than bytes), and
// trip items hold none.
type Image = Record<string, AttributeValue>;

/**
 * The NewImage of a record that completed a trip, else undefined. The mapping deploys TRIP_STREAM_FILTERS,
 * but a handler must not rely on its trigger's configuration: the same objects are checked again here.
 */
export function completedTripImage(record: DynamoDBRecord): Image | undefined {
  if (!matchesFilterPattern(TRIP_STREAM_FILTERS.completion, record)) return undefined;
  return record.dynamodb?.NewImage as Image | undefined;
}

/** The OldImage of a record that removed an open end (its grace period passed without a start), else undefined. */
export function expiredOpenEndImage(record: DynamoDBRecord): Image | undefined {
  if (!matchesFilterPattern(TRIP_STREAM_FILTERS.expiredOpenEnd, record)) return undefined;
  return record.dynamodb?.OldImage as Image | undefined;
}

/** The OldImage of a record that removed an open start (its end never came within the grace period), else undefined. */
export function expiredOpenStartImage(record: DynamoDBRecord): Image | undefined {
  if (!matchesFilterPattern(TRIP_STREAM_FILTERS.expiredOpenStart, record)) return undefined;
  return record.dynamodb?.OldImage as Image | undefined;
}

/** The staged fields of an item; the item's bookkeeping attributes (fingerprints, origins, TTL) are left out. */
const stagedFieldsSchema = z.omit(z.object(completedTripSchema.shape), { completed_at: true });

export type StagedTripResult =
  | { readonly valid: true; readonly trip: CompletedTrip }
  | { readonly valid: false; readonly image: unknown; readonly tripId: string | null; readonly detail: string };

function readImage(image: Image): { item: Record<string, unknown> } | { error: string } {
  try {
    return { item: unmarshall(image) };
  } catch (error) {
    return { error: `the image cannot be read: ${errorText(error)}` };
  }
}

/** The staged record of a completed trip; `completedAt` is when the completing write happened. */
export function stagedTripFromImage(image: Image, completedAt: string): StagedTripResult {
  const read = readImage(image);
  if ('error' in read) return { valid: false, image, tripId: null, detail: read.error };
  const parsed = stagedFieldsSchema.safeParse(read.item);
  if (!parsed.success) {
    return { valid: false, image: read.item, tripId: tripIdIn(read.item), detail: `not a completed trip: ${describeIssues(parsed.error)}` };
  }
  return { valid: true, trip: { ...parsed.data, completed_at: completedAt } };
}

export type ExpiredEndResult =
  | { readonly valid: true; readonly end: StoredEnd }
  | { readonly valid: false; readonly image: unknown; readonly tripId: string | null; readonly detail: string };

export function expiredEndFromImage(image: Image): ExpiredEndResult {
  const read = readImage(image);
  if ('error' in read) return { valid: false, image, tripId: null, detail: read.error };
  try {
    return { valid: true, end: storedEnd(read.item) };
  } catch (error) {
    return { valid: false, image: read.item, tripId: tripIdIn(read.item), detail: errorText(error) };
  }
}

/**
 * `completed-trips/trip_date=YYYY-MM-DD/<name>.jsonl`, where the name is a hash of the stream records
 * staged in it: a batch delivered again writes the same keys and overwrites instead of duplicating.
 */
export function stagedFileKey(tripDate: string, sequenceNumbers: readonly string[]): string {
  const digest = createHash('sha256')
    .update([...sequenceNumbers].sort().join('\n'))
    .digest('hex')
    .slice(0, 32);
  return `${DATA_PREFIXES.completedTrips}trip_date=${tripDate}/${digest}.jsonl`;
}
