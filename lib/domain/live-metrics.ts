/**
 * Live metrics (5-minute tumbling windows of completed trips, and the number of open trips) kept from the
 * trips table's stream. Pure: which stream records change a metric, by how much, and how a batch of changes
 * becomes conditional transactions that count every stream record once however often it is delivered.
 *
 * Exactly once under at-least-once delivery, with one marker per transaction rather than one per record.
 * A transaction writes its increments together with a marker keyed by the eventID of its first record and
 * holding the sequence number of its last, conditioned on that marker not existing. A stream mapping
 * redelivers from its shard's checkpoint, which the handler only ever sets at the first record of a
 * transaction (it reports a failed transaction and everything after it; with bisection off, a function
 * error redelivers the whole batch). So a redelivery starts at the first record of a transaction applied
 * before, if any: its marker refuses the transaction, and the records up to the marker's sequence number
 * (comparable within a batch: one shard's, in order) are skipped before planning again. A marker written
 * per record cost two write units per record; this one costs two per transaction (docs/cost.md).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { HALVES_ATTRIBUTE } from './trip-item';

export const WINDOW_MINUTES = 5;
const WINDOW_MS = WINDOW_MINUTES * 60_000;

export const METRIC_ENTITIES = ['all', 'vendor', 'pickup_location'] as const;
export type MetricEntity = (typeof METRIC_ENTITIES)[number];

/** Attribute names of the metrics table. */
export const METRICS_KEY = { partition: 'pk', sort: 'sk' } as const;
export const METRICS_TTL_ATTRIBUTE = 'expires_at';
export const OPEN_TRIPS_KEY = { pk: 'open_trips', sk: 'open_trips' } as const;


/**
 * Lambda FilterCriteria patterns of the live metrics mapping: an item inserted open, an open item completed,
 * an open item removed (TTL, or the local run's simulated TTL). The CDK stack deploys these objects and the
 * local runtime evaluates them; the handler checks the same conditions again.
 */
export const LIVE_METRICS_STREAM_FILTERS = [
  { eventName: ['INSERT'], dynamodb: { NewImage: { [HALVES_ATTRIBUTE]: { N: ['1'] } } } },
  { eventName: ['MODIFY'], dynamodb: { OldImage: { [HALVES_ATTRIBUTE]: { N: ['1'] } }, NewImage: { [HALVES_ATTRIBUTE]: { N: ['2'] } } } },
  { eventName: ['REMOVE'], dynamodb: { OldImage: { [HALVES_ATTRIBUTE]: { N: ['1'] } } } },
] as const;

/** What a completed trip adds to its windows. Amounts are integers so sums are exact. */
export interface CompletedTripMetrics {
  readonly windowStart: string;
  readonly vendorId: number | null;
  readonly pickupLocationId: number | null;
  /** fare_amount in millionths, as the KPI SQL's DECIMAL(18, 6). */
  readonly fareMicros: number;
  readonly durationMs: number;
}

interface StreamPosition {
  readonly eventId: string;
  /** dynamodb.SequenceNumber: decimal digits, increasing along a shard. */
  readonly sequenceNumber: string;
  readonly tripId: string;
}

export type TripChange =
  | (StreamPosition & { readonly kind: 'opened' })
  | (StreamPosition & { readonly kind: 'completed'; readonly metrics: CompletedTripMetrics })
  | (StreamPosition & { readonly kind: 'open-removed' });

export type TripChangeResult =
  | { readonly relevant: false }
  | { readonly relevant: true; readonly change: TripChange }
  | { readonly relevant: true; readonly change?: undefined; readonly tripId: string | null; readonly detail: string };

/** The start of the 5-minute window (UTC) an instant falls in, as ISO text (sortable). */
export function windowStartOf(epochMs: number): string {
  return new Date(Math.floor(epochMs / WINDOW_MS) * WINDOW_MS).toISOString();
}

function halvesOf(image: Record<string, AttributeValue> | undefined): number | undefined {
  const value = image?.[HALVES_ATTRIBUTE]?.N;
  return value === undefined ? undefined : Number(value);
}

function text(image: Record<string, AttributeValue>, name: string): string | undefined {
  return image[name]?.S;
}

/** A nullable code: a number, DynamoDB NULL or missing is null; anything else is unreadable. */
function code(image: Record<string, AttributeValue>, name: string): number | null | 'unreadable' {
  const value = image[name];
  if (value === undefined || value.NULL === true) return null;
  if (value.N === undefined) return 'unreadable';
  const parsed = Number(value.N);
  return Number.isInteger(parsed) ? parsed : 'unreadable';
}

/** DynamoDB Streams sequence numbers are 21 to 40 decimal digits. */
const SEQUENCE_NUMBER = /^\d{1,40}$/;

/** Orders two sequence numbers of one shard (decimal text of different lengths: compared as integers). */
export function compareSequenceNumbers(a: string, b: string): number {
  const difference = BigInt(a) - BigInt(b);
  return difference === 0n ? 0 : difference < 0n ? -1 : 1;
}

/**
 * Checks that a batch's changes are in strictly increasing sequence order, as one shard delivers them: the
 * markers' skip-ahead is only sound in that order, so anything else is refused rather than counted.
 */
export function assertShardOrder(changes: readonly TripChange[]): void {
  for (let index = 1; index < changes.length; index += 1) {
    const previous = changes[index - 1];
    const current = changes[index];
    if (previous !== undefined && current !== undefined && compareSequenceNumbers(previous.sequenceNumber, current.sequenceNumber) >= 0) {
      throw new Error(`stream records out of shard order: ${current.eventId} (${current.sequenceNumber}) follows ${previous.eventId} (${previous.sequenceNumber})`);
    }
  }
}

/** The changes of a batch after `appliedThrough`: what a transaction's marker says was counted already. */
export function changesAfter(changes: readonly TripChange[], appliedThrough: string): TripChange[] {
  return changes.filter((change) => compareSequenceNumbers(change.sequenceNumber, appliedThrough) > 0);
}

/** Millionths of a decimal amount; exact for the bounded amounts the pipeline accepts (< 1,000,000). */
export function toMicros(amount: number): number {
  return Math.round(amount * 1_000_000);
}

/** The change a stream record makes to the live metrics, if any. */
export function tripChangeOf(record: DynamoDBRecord): TripChangeResult {
  const stream = record.dynamodb;
  // Lambda's image type differs from the SDK's only for binary values, which trip items do not hold.
  const newImage = stream?.NewImage as Record<string, AttributeValue> | undefined;
  const oldImage = stream?.OldImage as Record<string, AttributeValue> | undefined;
  const tripId = (newImage ?? oldImage)?.trip_id?.S ?? stream?.Keys?.trip_id?.S ?? null;
  const kind =
    record.eventName === 'INSERT' && halvesOf(newImage) === 1
      ? 'opened'
      : record.eventName === 'MODIFY' && halvesOf(oldImage) === 1 && halvesOf(newImage) === 2
        ? 'completed'
        : record.eventName === 'REMOVE' && halvesOf(oldImage) === 1
          ? 'open-removed'
          : undefined;
  if (kind === undefined) return { relevant: false };
  const eventId = record.eventID;
  if (eventId === undefined || eventId === '') return { relevant: true, tripId, detail: 'stream record has no eventID' };
  const sequenceNumber = stream?.SequenceNumber;
  if (sequenceNumber === undefined || !SEQUENCE_NUMBER.test(sequenceNumber)) {
    return { relevant: true, tripId, detail: `stream record has no decimal dynamodb.SequenceNumber (${String(sequenceNumber)})` };
  }
  if (tripId === null) return { relevant: true, tripId, detail: 'stream record names no trip_id' };
  if (kind !== 'completed') return { relevant: true, change: { kind, eventId, sequenceNumber, tripId } };

  const image = newImage ?? {};
  const pickup = Date.parse(text(image, 'pickup_datetime') ?? '');
  const dropoff = Date.parse(text(image, 'dropoff_datetime') ?? '');
  const fare = Number(image.fare_amount?.N ?? Number.NaN);
  const vendorId = code(image, 'vendor_id');
  const pickupLocationId = code(image, 'pickup_location_id');
  const problems = [
    Number.isNaN(pickup) ? 'pickup_datetime' : undefined,
    Number.isNaN(dropoff) ? 'dropoff_datetime' : undefined,
    Number.isFinite(fare) ? undefined : 'fare_amount',
    vendorId === 'unreadable' ? 'vendor_id' : undefined,
    pickupLocationId === 'unreadable' ? 'pickup_location_id' : undefined,
  ].filter((problem) => problem !== undefined);
  if (problems.length > 0 || vendorId === 'unreadable' || pickupLocationId === 'unreadable') {
    return { relevant: true, tripId, detail: `completed trip image has no readable ${problems.join(', ')}` };
  }
  return {
    relevant: true,
    change: {
      kind,
      eventId,
      sequenceNumber,
      tripId,
      metrics: { windowStart: windowStartOf(dropoff), vendorId, pickupLocationId, fareMicros: toMicros(fare), durationMs: dropoff - pickup },
    },
  };
}

/** The partition key of an entity's windows, e.g. `window#vendor#2`. */
export function windowPartition(entity: MetricEntity, id: string): string {
  return `window#${entity}#${id}`;
}

/** The windows a completed trip counts in: all trips, its vendor, its pickup location (blank codes: all only). */
function windowsOf(metrics: CompletedTripMetrics): { entity: MetricEntity; id: string }[] {
  return [
    { entity: 'all' as const, id: 'all' },
    ...(metrics.vendorId === null ? [] : [{ entity: 'vendor' as const, id: String(metrics.vendorId) }]),
    ...(metrics.pickupLocationId === null ? [] : [{ entity: 'pickup_location' as const, id: String(metrics.pickupLocationId) }]),
  ];
}

export interface WindowIncrement {
  readonly entity: MetricEntity;
  readonly id: string;
  readonly windowStart: string;
  tripCount: number;
  fareMicros: number;
  durationMs: number;
}

/** One transaction's worth of changes: its marker's identity, the merged window increments and the open-trip delta. */
export interface MetricsTransaction {
  readonly changes: readonly TripChange[];
  /** The marker's key: the first change's eventID, the record a redelivery of this transaction starts at. */
  readonly firstEventId: string;
  /** What the marker records: every change of the batch up to this sequence number is in this transaction. */
  readonly lastSequenceNumber: string;
  readonly windows: readonly WindowIncrement[];
  readonly openTripsDelta: number;
}

/** DynamoDB's limit on the items of one TransactWriteItems. */
export const MAX_TRANSACTION_ITEMS = 100;

function windowKey(entity: MetricEntity, id: string, windowStart: string): string {
  return `${windowPartition(entity, id)}|${windowStart}`;
}

/**
 * The first transaction of a batch's changes: as many changes, in order, as fit in MAX_TRANSACTION_ITEMS
 * items (the marker, the merged windows, the open-trips counter). Increments of the same window are merged
 * (a transaction may touch an item only once), which also spares the hot `all` window one write per trip.
 */
export function firstTransaction(changes: readonly TripChange[], maxItems = MAX_TRANSACTION_ITEMS): MetricsTransaction | undefined {
  const first = changes[0];
  if (first === undefined) return undefined;
  const taken: TripChange[] = [];
  const windows = new Map<string, WindowIncrement>();
  let openTripsDelta = 0;
  for (const change of changes) {
    const touched = change.kind === 'completed' ? windowsOf(change.metrics).map((window) => ({ ...window, key: windowKey(window.entity, window.id, change.metrics.windowStart) })) : [];
    const newWindows = touched.filter(({ key }) => !windows.has(key)).length;
    // The marker + windows + the open-trips counter (counted even when the deltas happen to cancel out).
    if (taken.length > 0 && 1 + windows.size + newWindows + 1 > maxItems) break;
    taken.push(change);
    openTripsDelta += change.kind === 'opened' ? 1 : -1;
    if (change.kind !== 'completed') continue;
    for (const { entity, id, key } of touched) {
      const increment = windows.get(key) ?? { entity, id, windowStart: change.metrics.windowStart, tripCount: 0, fareMicros: 0, durationMs: 0 };
      increment.tripCount += 1;
      increment.fareMicros += change.metrics.fareMicros;
      increment.durationMs += change.metrics.durationMs;
      windows.set(key, increment);
    }
  }
  const last = taken[taken.length - 1] ?? first;
  return { changes: taken, firstEventId: first.eventId, lastSequenceNumber: last.sequenceNumber, windows: [...windows.values()], openTripsDelta };
}

/** A window as the metrics API returns it (docs/contracts.md §6b). */
export interface MetricsWindow {
  readonly window_start: string;
  readonly trip_count: number;
  /**
   * Exact, at the six decimals the KPI SQL sums at, not rounded to cents: rounded windows would not add up
   * to the day's total_fare (fares carry many decimals), exact ones do once their sum is rounded.
   */
  readonly total_fare: number;
  readonly average_trip_duration_minutes: number;
}

/** Rounds numerator / denominator (both non-negative integers) to 2 decimals, half away from zero, exactly. */
function roundedQuotient(numerator: number, denominator: number): number {
  // value * 100 = numerator * 100 / denominator; +½ then floor, all in integers.
  return Math.floor((numerator * 200 + denominator) / (2 * denominator)) / 100;
}

export function metricsWindow(windowStart: string, tripCount: number, fareMicros: number, durationMs: number): MetricsWindow {
  return {
    window_start: windowStart,
    trip_count: tripCount,
    total_fare: fareMicros / 1_000_000,
    average_trip_duration_minutes: tripCount === 0 ? 0 : roundedQuotient(durationMs, tripCount * 60_000),
  };
}
