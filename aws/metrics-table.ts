/**
 * The live metrics table: each shard's partials of the 5-minute windows per entity, and each shard's
 * open-trips partial. Every item is written by one shard's consumer only, with a conditional UpdateItem
 * (its mark, domain/live-metrics.ts), never in a transaction; readers sum the partials.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, paginateQuery, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  METRICS_KEY,
  METRICS_TTL_ATTRIBUTE,
  type MetricEntity,
  type MetricsWindow,
  metricsWindow,
  OPEN_TRIPS_PARTITION,
  type ShardPartials,
  windowPartialSortKey,
  windowPartition,
  windowStartOfSortKey,
} from '../domain/live-metrics';
import type { MetricsReader } from '../domain/metrics-api';
import * as z from '../domain/validation';

export interface MetricsRetention {
  readonly windowDays: number;
}

/** How many partials of one closed window are written at once. */
const WRITES_IN_FLIGHT = 16;

export interface PartialsOutcome {
  /** Items the partials were added to. */
  readonly added: number;
  /** Items that held this mark (or a later one) already: a retried final invocation. */
  readonly alreadyAdded: number;
}

const windowItemSchema = z.object({
  [METRICS_KEY.sort]: z.string(),
  trip_count: z.number().check(z.int(), z.nonnegative()),
  fare_micros: z.number().check(z.int()),
  duration_ms: z.number().check(z.int()),
});
const openTripsItemSchema = z.object({ open_trips: z.number().check(z.int()) });

export class MetricsTable implements MetricsReader {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retention: MetricsRetention,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * Adds a closed window's partials to this shard's items, each conditioned on the mark: an item that holds
   * the mark already is left alone, so a retried final invocation adds nothing twice. Items are independent
   * (no transaction): a failure part way leaves the others added, and the retry adds only the rest.
   */
  async addPartials(partials: ShardPartials): Promise<PartialsOutcome> {
    const nowSeconds = Math.floor(this.clock().getTime() / 1000);
    const updates = [
      ...partials.windows.map((window) => ({
        Key: {
          [METRICS_KEY.partition]: windowPartition(window.entity, window.id),
          [METRICS_KEY.sort]: windowPartialSortKey(window.windowStart, partials.shardId),
        },
        UpdateExpression:
          'ADD trip_count :trips, fare_micros :fare, duration_ms :duration SET entity = :entity, entity_id = :id, shard_id = :shard, applied_through = :mark, #ttl = :ttl',
        ExpressionAttributeValues: {
          ':trips': window.tripCount,
          ':fare': window.fareMicros,
          ':duration': window.durationMs,
          ':entity': window.entity,
          ':id': window.id,
          ':shard': partials.shardId,
          ':mark': partials.mark,
          // Kept windowDays from the window's start, and never less from now: a replayed day's windows start in
          // the past, and an expiry already passed has TTL delete them as they are written (DynamoDB Local's
          // sweeper did, in ends-first runs: docs/adr/0008-live-metrics-per-shard-partials.md).
          ':ttl': Math.max(Math.floor(Date.parse(window.windowStart) / 1000), nowSeconds) + this.retention.windowDays * 86_400,
        },
        ExpressionAttributeNames: { '#ttl': METRICS_TTL_ATTRIBUTE },
      })),
      // Open trips have no window to expire with: the shard's partial is kept.
      ...(partials.openTripsDelta === 0
        ? []
        : [
            {
              Key: { [METRICS_KEY.partition]: OPEN_TRIPS_PARTITION, [METRICS_KEY.sort]: `shard#${partials.shardId}` },
              UpdateExpression: 'ADD open_trips :delta SET shard_id = :shard, applied_through = :mark',
              ExpressionAttributeValues: { ':delta': partials.openTripsDelta, ':shard': partials.shardId, ':mark': partials.mark },
            },
          ]),
    ];
    let added = 0;
    let alreadyAdded = 0;
    for (let index = 0; index < updates.length; index += WRITES_IN_FLIGHT) {
      const results = await Promise.all(
        updates.slice(index, index + WRITES_IN_FLIGHT).map(async (update) => {
          try {
            await this.client.send(
              new UpdateCommand({
                TableName: this.tableName,
                ...update,
                ConditionExpression: 'attribute_not_exists(applied_through) OR applied_through < :mark',
              }),
            );
            return true;
          } catch (error) {
            if (error instanceof ConditionalCheckFailedException) return false;
            throw error;
          }
        }),
      );
      added += results.filter(Boolean).length;
      alreadyAdded += results.filter((result) => !result).length;
    }
    return { added, alreadyAdded };
  }

  async windows(entity: MetricEntity, id: string, fromWindowStart: string, toInclusive: string): Promise<MetricsWindow[]> {
    const windows: MetricsWindow[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
        ExpressionAttributeNames: { '#pk': METRICS_KEY.partition, '#sk': METRICS_KEY.sort },
        // Every shard's partial of the last window too: their sort keys continue after the window's start.
        ExpressionAttributeValues: { ':pk': windowPartition(entity, id), ':from': fromWindowStart, ':to': `${toInclusive}#\uffff` },
      },
    );
    // Partials come sorted by window, so a window's partials are adjacent.
    const sums = new Map<string, { trips: number; fare: number; duration: number }>();
    for await (const page of pages) {
      for (const raw of page.Items ?? []) {
        const item = windowItemSchema.parse(raw);
        const windowStart = windowStartOfSortKey(item[METRICS_KEY.sort]);
        const sum = sums.get(windowStart) ?? { trips: 0, fare: 0, duration: 0 };
        sum.trips += item.trip_count;
        sum.fare += item.fare_micros;
        sum.duration += item.duration_ms;
        sums.set(windowStart, sum);
      }
    }
    for (const [windowStart, sum] of sums) windows.push(metricsWindow(windowStart, sum.trips, sum.fare, sum.duration));
    return windows;
  }

  /** The shards' open-trips partials summed (one item per stream shard the consumer has read). */
  async openTrips(): Promise<number> {
    let openTrips = 0;
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': METRICS_KEY.partition },
        ExpressionAttributeValues: { ':pk': OPEN_TRIPS_PARTITION },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) for (const raw of page.Items ?? []) openTrips += openTripsItemSchema.parse(raw).open_trips;
    return openTrips;
  }
}
