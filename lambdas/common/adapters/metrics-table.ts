/**
 * The live metrics table: window items per entity, one open-trips counter, and one marker per applied
 * transaction. Writes are conditional transactions (see lib/domain/live-metrics.ts); reads are key queries.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, paginateQuery, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from '../../../lib/validation';
import {
  METRICS_KEY,
  METRICS_TTL_ATTRIBUTE,
  metricsWindow,
  OPEN_TRIPS_KEY,
  windowPartition,
  type MetricEntity,
  type MetricsTransaction,
  type MetricsWindow,
} from '../../../lib/domain/live-metrics';
import type { MetricsReader } from '../../../lib/live-metrics/metrics-api';

export interface MetricsRetention {
  /** Markers must outlive every redelivery of their record: the stream's retention, with margin. */
  readonly markerHours: number;
  readonly windowDays: number;
}

export type TransactionOutcome =
  | { readonly applied: true }
  /** The transaction's marker existed: a transaction starting at the same record counted the batch's changes up to this sequence number. */
  | { readonly applied: false; readonly appliedThrough: string };


const windowItemSchema = z.object({
  [METRICS_KEY.sort]: z.string(),
  trip_count: z.number().check(z.int(), z.nonnegative()),
  fare_micros: z.number().check(z.int()),
  duration_ms: z.number().check(z.int()),
});
const openTripsItemSchema = z.object({ open_trips: z.number().check(z.int()) });
const markerItemSchema = z.object({ last_sequence_number: z.string().check(z.regex(/^\d{1,40}$/)) });

function markerKey(firstEventId: string) {
  return { [METRICS_KEY.partition]: `applied#${firstEventId}`, [METRICS_KEY.sort]: 'applied' };
}

export class MetricsTable implements MetricsReader {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retention: MetricsRetention,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * Applies one planned transaction, or says how far a transaction from the same first record got when its
   * marker exists already; any other refusal is thrown for the caller to report.
   */
  async apply(transaction: MetricsTransaction): Promise<TransactionOutcome> {
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: this.transactItems(transaction) }));
      return { applied: true };
    } catch (error) {
      if (!markerExisted(error)) throw error;
    }
    const { Item: marker } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: markerKey(transaction.firstEventId), ConsistentRead: true }));
    // Refused by the marker yet not readable: expired in between (markers outlive the stream's retention) or
    // written by something else. Thrown, so the records are retried rather than guessed at.
    if (marker === undefined) throw new Error(`marker of ${transaction.firstEventId} refused the transaction but cannot be read`);
    return { applied: false, appliedThrough: markerItemSchema.parse(marker).last_sequence_number };
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
    const marker = {
      Put: {
        TableName: this.tableName,
        Item: {
          ...markerKey(transaction.firstEventId),
          last_sequence_number: transaction.lastSequenceNumber,
          changes: transaction.changes.length,
          [METRICS_TTL_ATTRIBUTE]: nowSeconds + this.retention.markerHours * 3600,
        },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': METRICS_KEY.partition },
      },
    };
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
    // The marker first: CancellationReasons are positional, and markerExisted reads the first.
    return [marker, ...windows, ...openTrips];
  }
}

/** Whether a cancelled transaction was refused by its marker's condition (the marker is its first item). */
function markerExisted(error: unknown): boolean {
  return error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed';
}
