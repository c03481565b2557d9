/**
 * Live metrics (5-minute tumbling windows of completed trips, and the number of open trips) kept from the
 * trips table's stream. Pure: which stream records change a metric, by how much, and how a batch of changes
 * becomes conditional transactions that count every stream record once however often it is delivered.
 *
 * Exactly once under at-least-once delivery: each record's change is written in one TransactWriteItems
 * together with a marker item keyed by the record's eventID (unique per stream record, the same on every
 * redelivery) and conditioned on that marker not existing. A redelivered record fails its marker's condition
 * and the whole transaction (its increments included) is refused.
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

export type TripChange =
  | { readonly kind: 'opened'; readonly eventId: string; readonly tripId: string }
  | { readonly kind: 'completed'; readonly eventId: string; readonly tripId: string; readonly metrics: CompletedTripMetrics }
  | { readonly kind: 'open-removed'; readonly eventId: string; readonly tripId: string };

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
  if (tripId === null) return { relevant: true, tripId, detail: 'stream record names no trip_id' };
  if (kind !== 'completed') return { relevant: true, change: { kind, eventId, tripId } };

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

/** One transaction's worth of changes: their markers, the merged window increments and the open-trip delta. */
export interface MetricsTransaction {
  readonly changes: readonly TripChange[];
  readonly windows: readonly WindowIncrement[];
  readonly openTripsDelta: number;
}

/** DynamoDB's limit on the items of one TransactWriteItems. */
export const MAX_TRANSACTION_ITEMS = 100;

function windowKey(entity: MetricEntity, id: string, windowStart: string): string {
  return `${windowPartition(entity, id)}|${windowStart}`;
}

/**
 * Groups changes, in order, into transactions of at most MAX_TRANSACTION_ITEMS items. Increments of the same
 * window within a transaction are merged (a transaction may touch an item only once), which also spares the
 * hot `all` window one write per trip.
 */
export function planTransactions(changes: readonly TripChange[], maxItems = MAX_TRANSACTION_ITEMS): MetricsTransaction[] {
  const plans: MetricsTransaction[] = [];
  let current: TripChange[] = [];
  let windows = new Map<string, WindowIncrement>();
  let openTripsDelta = 0;
  const flush = (): void => {
    if (current.length > 0) plans.push({ changes: current, windows: [...windows.values()], openTripsDelta });
    current = [];
    windows = new Map();
    openTripsDelta = 0;
  };
  for (const change of changes) {
    // A batch never holds a record twice, but if it did the second copy must not enter the same transaction.
    if (current.some((held) => held.eventId === change.eventId)) continue;
    const touched = change.kind === 'completed' ? windowsOf(change.metrics).map((window) => ({ ...window, key: windowKey(window.entity, window.id, change.metrics.windowStart) })) : [];
    const newWindows = touched.filter(({ key }) => !windows.has(key)).length;
    // Markers + windows + the open-trips counter (counted even when the deltas happen to cancel out).
    if (current.length > 0 && current.length + 1 + windows.size + newWindows + 1 > maxItems) flush();
    current.push(change);
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
  flush();
  return plans;
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
