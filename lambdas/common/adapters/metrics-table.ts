/**
 * The live metrics table: window items per entity, one open-trips counter, and one marker per applied stream
 * record. Writes are conditional transactions (see lib/domain/live-metrics.ts); reads are key queries.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, paginateQuery, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from '../../../lib/validation';
import {
  METRICS_KEY,
  METRICS_TTL_ATTRIBUTE,
  metricsWindow,
  OPEN_TRIPS_KEY,
  planTransactions,
  windowPartition,
  type MetricEntity,
  type MetricsTransaction,
  type MetricsWindow,
  type TripChange,
} from '../../../lib/domain/live-metrics';
import type { MetricsReader } from '../../../lib/live-metrics/metrics-api';

export interface MetricsRetention {
  /** Markers must outlive every redelivery of their record: the stream's retention, with margin. */
  readonly markerHours: number;
  readonly windowDays: number;
}

export interface AppliedTransaction {
  readonly applied: readonly TripChange[];
  /** Changes whose marker already existed: delivered before, counted then, skipped now. */
  readonly duplicates: readonly TripChange[];
}


const windowItemSchema = z.object({
  [METRICS_KEY.sort]: z.string(),
  trip_count: z.number().check(z.int(), z.nonnegative()),
  fare_micros: z.number().check(z.int()),
  duration_ms: z.number().check(z.int()),
});
const openTripsItemSchema = z.object({ open_trips: z.number().check(z.int()) });

function markerKey(eventId: string) {
  return { [METRICS_KEY.partition]: `event#${eventId}`, [METRICS_KEY.sort]: 'event' };
}

export class MetricsTable implements MetricsReader {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retention: MetricsRetention,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * Applies one planned transaction. When some markers exist already, those changes are dropped and the rest
   * is applied again (at most once per change); any other refusal is thrown for the caller to retry.
   */
  async apply(transaction: MetricsTransaction): Promise<AppliedTransaction> {
    const duplicates: TripChange[] = [];
    let pending: MetricsTransaction | undefined = transaction;
    while (pending !== undefined) {
      try {
        await this.client.send(new TransactWriteCommand({ TransactItems: this.transactItems(pending) }));
        return { applied: pending.changes, duplicates };
      } catch (error) {
        const seenBefore = alreadyApplied(error, pending.changes);
        if (seenBefore.length === 0) throw error;
        duplicates.push(...seenBefore);
        const remaining: TripChange[] = pending.changes.filter((change) => !seenBefore.includes(change));
        // A subset of a planned transaction fits in one transaction.
        pending = planTransactions(remaining)[0];
      }
    }
    return { applied: [], duplicates };
  }

  async windows(entity: MetricEntity, id: string, fromWindowStart: string, toInclusive: string): Promise<MetricsWindow[]> {
    const windows: MetricsWindow[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
        ExpressionAttributeNames: { '#pk': METRICS_KEY.partition, '#sk': METRICS_KEY.sort },
        ExpressionAttributeValues: { ':pk': windowPartition(entity, id), ':from': fromWindowStart, ':to': toInclusive },
      },
    );
    for await (const page of pages) {
      for (const raw of page.Items ?? []) {
        const item = windowItemSchema.parse(raw);
        windows.push(metricsWindow(item[METRICS_KEY.sort], item.trip_count, item.fare_micros, item.duration_ms));
      }
    }
    return windows;
  }

  async openTrips(): Promise<number> {
    const { Item: item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { [METRICS_KEY.partition]: OPEN_TRIPS_KEY.pk, [METRICS_KEY.sort]: OPEN_TRIPS_KEY.sk }, ConsistentRead: true }),
    );
    return item === undefined ? 0 : openTripsItemSchema.parse(item).open_trips;
  }

  private transactItems(transaction: MetricsTransaction) {
    const nowSeconds = Math.floor(this.clock().getTime() / 1000);
    const markers = transaction.changes.map((change) => ({
      Put: {
        TableName: this.tableName,
        Item: { ...markerKey(change.eventId), trip_id: change.tripId, change: change.kind, [METRICS_TTL_ATTRIBUTE]: nowSeconds + this.retention.markerHours * 3600 },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': METRICS_KEY.partition },
      },
    }));
    const windows = transaction.windows.map((window) => ({
      Update: {
        TableName: this.tableName,
        Key: { [METRICS_KEY.partition]: windowPartition(window.entity, window.id), [METRICS_KEY.sort]: window.windowStart },
        UpdateExpression: 'ADD trip_count :trips, fare_micros :fare, duration_ms :duration SET entity = :entity, entity_id = :id, #ttl = :ttl',
        ExpressionAttributeNames: { '#ttl': METRICS_TTL_ATTRIBUTE },
        ExpressionAttributeValues: {
          ':trips': window.tripCount,
          ':fare': window.fareMicros,
          ':duration': window.durationMs,
          ':entity': window.entity,
          ':id': window.id,
          // From the window's own start, so every increment of a window sets the same expiry.
          ':ttl': Math.floor(Date.parse(window.windowStart) / 1000) + this.retention.windowDays * 86_400,
        },
      },
    }));
    const openTrips =
      transaction.openTripsDelta === 0
        ? []
        : [
            {
              Update: {
                TableName: this.tableName,
                Key: { [METRICS_KEY.partition]: OPEN_TRIPS_KEY.pk, [METRICS_KEY.sort]: OPEN_TRIPS_KEY.sk },
                UpdateExpression: 'ADD open_trips :delta',
                ExpressionAttributeValues: { ':delta': transaction.openTripsDelta },
              },
            },
          ];
    // Markers first: CancellationReasons are positional, and alreadyApplied reads the first ones.
    return [...markers, ...windows, ...openTrips];
  }
}

/** The changes whose marker condition failed in a cancelled transaction (markers are its first items). */
function alreadyApplied(error: unknown, changes: readonly TripChange[]): TripChange[] {
  if (!(error instanceof TransactionCanceledException)) return [];
  const reasons = error.CancellationReasons ?? [];
  return changes.filter((_change, index) => reasons[index]?.Code === 'ConditionalCheckFailed');
}
