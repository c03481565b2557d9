/**
 * Live metrics (5-minute tumbling windows of completed trips, and the number of open trips) kept from the
 * trips table's stream. Pure: which stream records change a metric, by how much, how one shard's changes
 * add up in a Lambda tumbling window's state, and what that state writes when its window closes.
 *
 * Exactly once under at-least-once delivery, without transactions and without any item two shards write
 * (docs/adr/0008-live-metrics-per-shard-partials.md). Each shard's consumer adds its changes up in the
 * tumbling window's state, which Lambda hands from invocation to invocation of that shard's window. The state
 * carries the sequence number of the last record it counted: a record at or below it is a redelivery of one
 * already in the state and is skipped, so the state counts every record of its window once. At the window's
 * final invocation the state is added to items only this shard writes (its partial of each 5-minute window and
 * entity kind, holding every id's sums; its open-trips partial), each conditioned on a mark that grows along the shard (the tumbling window's
 * start and the state's first sequence number): a retried final invocation finds its mark applied and
 * changes nothing. Readers sum a window's partials over the shards.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { HALVES_ATTRIBUTE } from './trip-item';
import * as z from './validation';

const WINDOW_MINUTES = 5;
const WINDOW_MS = WINDOW_MINUTES * 60_000;

export const METRIC_ENTITIES = ['all', 'vendor', 'pickup_location'] as const;
export type MetricEntity = (typeof METRIC_ENTITIES)[number];

/** Attribute names of the metrics table. */
export const METRICS_KEY = { partition: 'pk', sort: 'sk' } as const;
export const METRICS_TTL_ATTRIBUTE = 'expires_at';
/** The partition of the open-trips partials: one item per stream shard, summed by readers. */
export const OPEN_TRIPS_PARTITION = 'open_trips';

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
interface CompletedTripMetrics {
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
      metrics: {
        windowStart: windowStartOf(dropoff),
        vendorId,
        pickupLocationId,
        fareMicros: toMicros(fare),
        durationMs: dropoff - pickup,
      },
    },
  };
}

/**
 * The partition of an entity kind's windows, e.g. `window#vendor`. One item per window and shard holds the
 * partial of every id of the kind, so a shard's flush writes three items per window, not one per id
 * (docs/adr/0009-live-metrics-partials-per-entity-kind.md).
 */
export function windowPartition(entity: MetricEntity): string {
  return `window#${entity}`;
}

/** The windows a completed trip counts in: all trips, its vendor, its pickup location (blank codes: all only). */
function windowsOf(metrics: CompletedTripMetrics): { entity: MetricEntity; id: string }[] {
  return [
    { entity: 'all' as const, id: 'all' },
    ...(metrics.vendorId === null ? [] : [{ entity: 'vendor' as const, id: String(metrics.vendorId) }]),
    ...(metrics.pickupLocationId === null ? [] : [{ entity: 'pickup_location' as const, id: String(metrics.pickupLocationId) }]),
  ];
}

/** Trips, fare in millionths, duration in ms: what completions add to a window. Integers, so sums are exact. */
export type WindowSums = readonly [number, number, number];

/** What one shard's changes add to one 5-minute window of one entity kind: each id's sums. */
export interface WindowPartial {
  readonly entity: MetricEntity;
  readonly windowStart: string;
  readonly sums: Readonly<Record<string, WindowSums>>;
}

/** Adds sums to what an item held, id by id: the ids of either, each the sum of both. */
export function addWindowSums(
  held: Readonly<Record<string, WindowSums>>,
  added: Readonly<Record<string, WindowSums>>,
): Record<string, WindowSums> {
  const total: Record<string, WindowSums> = { ...held };
  for (const [id, [trips, fare, duration]] of Object.entries(added)) {
    const [heldTrips, heldFare, heldDuration] = total[id] ?? [0, 0, 0];
    total[id] = [heldTrips + trips, heldFare + fare, heldDuration + duration];
  }
  return total;
}

/**
 * The tumbling window's state (Lambda keeps it per shard, at most 1 MB): what the shard's records of this
 * window add up to so far. `windows` maps `<entity>|<id>|<windowStart>` to [trips, fare micros, duration ms].
 * Its size grows with the distinct windows touched, not with the records: a few hundred entries at live
 * traffic, tens of KB.
 */
const sequenceNumberSchema = z.string().check(z.regex(SEQUENCE_NUMBER));
const liveWindowStateSchema = z.object({
  /** The first record counted in this state: with the tumbling window, it names the state's partials. */
  first: sequenceNumberSchema,
  /** The last record counted: records at or below it are redeliveries. */
  through: sequenceNumberSchema,
  openTrips: z.number().check(z.int()),
  windows: z.record(z.string(), z.tuple([z.number().check(z.int()), z.number().check(z.int()), z.number().check(z.int())])),
});
export type LiveWindowState = z.infer<typeof liveWindowStateSchema>;

/** Lambda's state of a window nothing has been counted in yet: an empty object. */
export type TumblingWindowState = LiveWindowState | Record<string, never>;

/** Reads the state Lambda handed over: empty at a window's first invocation, else what the last one returned. */
export function readWindowState(state: unknown): LiveWindowState | undefined {
  if (state === undefined || state === null || (typeof state === 'object' && Object.keys(state).length === 0)) return undefined;
  return liveWindowStateSchema.parse(state);
}

function stateKey(entity: MetricEntity, id: string, windowStart: string): string {
  return `${entity}|${id}|${windowStart}`;
}

/**
 * Adds a batch's changes to the state. Changes are taken in sequence order; one at or below the state's
 * `through` was counted when it was delivered before, and is skipped. Returns the new state (undefined while
 * nothing has been counted) and how many changes were skipped.
 */
export function addToWindowState(
  state: LiveWindowState | undefined,
  changes: readonly TripChange[],
): { state: LiveWindowState | undefined; counted: number; skipped: number } {
  const ordered = [...changes].sort((a, b) => compareSequenceNumbers(a.sequenceNumber, b.sequenceNumber));
  let next: LiveWindowState | undefined = state === undefined ? undefined : { ...state, windows: { ...state.windows } };
  let counted = 0;
  for (const change of ordered) {
    if (next !== undefined && compareSequenceNumbers(change.sequenceNumber, next.through) <= 0) continue;
    next ??= { first: change.sequenceNumber, through: change.sequenceNumber, openTrips: 0, windows: {} };
    next.through = change.sequenceNumber;
    next.openTrips += change.kind === 'opened' ? 1 : -1;
    counted += 1;
    if (change.kind !== 'completed') continue;
    for (const { entity, id } of windowsOf(change.metrics)) {
      const key = stateKey(entity, id, change.metrics.windowStart);
      const [trips, fare, duration] = next.windows[key] ?? [0, 0, 0];
      next.windows[key] = [trips + 1, fare + change.metrics.fareMicros, duration + change.metrics.durationMs];
    }
  }
  return { state: next, counted, skipped: changes.length - counted };
}

/** What a closed window's state adds to the shard's partials, and the mark that makes adding it idempotent. */
export interface ShardPartials {
  readonly shardId: string;
  /**
   * Grows along the shard: the tumbling window's start, then the state's first sequence number (a window
   * cut short at 1 MB continues with a fresh state, so one tumbling window can close more than once).
   * A partial item records the last mark added to it and accepts only a greater one.
   */
  readonly mark: string;
  readonly windows: readonly WindowPartial[];
  readonly openTripsDelta: number;
}

/** Sequence numbers padded to their longest form, so marks compare as text. */
const SEQUENCE_DIGITS = 40;

export function shardPartials(state: LiveWindowState, shardId: string, tumblingWindowStart: string): ShardPartials {
  const byItem = new Map<string, { entity: MetricEntity; windowStart: string; sums: Record<string, WindowSums> }>();
  for (const [key, sums] of Object.entries(state.windows)) {
    const [entity, id, windowStart] = key.split('|') as [MetricEntity, string, string];
    const itemKey = `${entity}|${windowStart}`;
    const item = byItem.get(itemKey) ?? { entity, windowStart, sums: {} };
    item.sums[id] = sums;
    byItem.set(itemKey, item);
  }
  return {
    shardId,
    mark: `${tumblingWindowStart}#${state.first.padStart(SEQUENCE_DIGITS, '0')}`,
    windows: [...byItem.values()],
    openTripsDelta: state.openTrips,
  };
}

/** The sort key of a shard's partial of a 5-minute window: the window's start first, so a range query finds it. */
export function windowPartialSortKey(windowStart: string, shardId: string): string {
  return `${windowStart}#${shardId}`;
}

/** The 5-minute window a partial's sort key belongs to (a sort key without a shard is the window's start). */
export function windowStartOfSortKey(sortKey: string): string {
  const separator = sortKey.indexOf('#');
  return separator < 0 ? sortKey : sortKey.slice(0, separator);
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
