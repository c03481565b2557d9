/**
 * The live metrics table: each shard's partials of the 5-minute windows, one item per window and entity kind
 * holding every id's sums, and each shard's open-trips partial. Every item is written by one shard's consumer
 * only, conditioned on its mark (domain/live-metrics.ts), never in a transaction; readers sum the partials.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, paginateQuery, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  addWindowSums,
  METRICS_KEY,
  METRICS_TTL_ATTRIBUTE,
  type MetricEntity,
  type MetricsWindow,
  metricsWindow,
  OPEN_TRIPS_PARTITION,
  type ShardPartials,
  type WindowPartial,
  type WindowSums,
  windowPartialSortKey,
  windowPartition,
  windowStartOfSortKey,
} from '../domain/live-metrics';
import type { MetricsReader } from '../domain/metrics-api';
import * as z from '../domain/validation';

export interface MetricsRetention {
  readonly windowDays: number;
}

/** How many partials of one closed window are written at once, and how many days of a range are read at once. */
const REQUESTS_IN_FLIGHT = 16;

export interface PartialsOutcome {
  /** Items the partials were added to. */
  readonly added: number;
  /** Items that held this mark (or a later one) already: a retried final invocation. */
  readonly alreadyAdded: number;
}

const sumsSchema = z.tuple([z.number().check(z.int(), z.nonnegative()), z.number().check(z.int()), z.number().check(z.int())]);
const heldPartialSchema = z.object({ applied_through: z.string(), sums: z.record(z.string(), sumsSchema) });
/** A window partial as a query or scan reads it; a range query projects only the asked id's sums, absent when the shard counted none. */
const readPartialSchema = z.object({ [METRICS_KEY.sort]: z.string(), sums: z.optional(z.record(z.string(), sumsSchema)) });

/** The window a partial item belongs to and the sums it holds, by id. */
export function windowPartialOf(item: Record<string, unknown>): { windowStart: string; sums: Readonly<Record<string, WindowSums>> } {
  const partial = readPartialSchema.parse(item);
  return { windowStart: windowStartOfSortKey(partial[METRICS_KEY.sort]), sums: partial.sums ?? {} };
}
const openTripsItemSchema = z.object({ open_trips: z.number().check(z.int()) });

/** Runs tasks with at most `limit` in flight, keeping their order. */
async function inBatches<T>(tasks: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = [];
  for (let index = 0; index < tasks.length; index += limit) {
    results.push(...(await Promise.all(tasks.slice(index, index + limit).map((task) => task()))));
  }
  return results;
}

/** A range of sort keys cut at UTC midnights, so a long range is read as days side by side. */
function dayRanges(fromWindowStart: string, toInclusive: string): { from: string; to: string }[] {
  const ranges: { from: string; to: string }[] = [];
  let from = fromWindowStart;
  while (from.slice(0, 10) < toInclusive.slice(0, 10)) {
    const nextDay = new Date(Date.parse(`${from.slice(0, 10)}T00:00:00.000Z`) + 86_400_000).toISOString();
    ranges.push({ from, to: `${from.slice(0, 10)}T23:59:59.999Z` });
    from = nextDay;
  }
  ranges.push({ from, to: toInclusive });
  return ranges;
}

/** The shards' partials of one id, summed per window as they are read. */
export class WindowTotals {
  private readonly totals = new Map<string, [number, number, number]>();

  add(windowStart: string, [trips, fare, duration]: WindowSums): void {
    if (trips === 0) return;
    const total = this.totals.get(windowStart) ?? [0, 0, 0];
    this.totals.set(windowStart, [total[0] + trips, total[1] + fare, total[2] + duration]);
  }

  /** The windows from `fromWindowStart` to `toInclusive`, by start, in the API's shape. */
  windows(fromWindowStart = '', toInclusive = '\uffff'): MetricsWindow[] {
    return [...this.totals.entries()]
      .filter(([windowStart]) => windowStart >= fromWindowStart && windowStart <= toInclusive)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([windowStart, [trips, fare, duration]]) => metricsWindow(windowStart, trips, fare, duration));
  }
}

export class MetricsTable implements MetricsReader {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retention: MetricsRetention,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * Adds a closed window's partials to this shard's items. An item that holds the mark already is left alone,
   * so a retried final invocation adds nothing twice. Items are independent (no transaction): a failure part
   * way leaves the others added, and the retry adds only the rest.
   */
  async addPartials(partials: ShardPartials): Promise<PartialsOutcome> {
    const nowSeconds = Math.floor(this.clock().getTime() / 1000);
    const tasks = [
      ...partials.windows.map((window) => () => this.addWindowPartial(window, partials, nowSeconds)),
      // Open trips have no window to expire with: the shard's partial is kept.
      ...(partials.openTripsDelta === 0 ? [] : [() => this.addOpenTripsPartial(partials)]),
    ];
    const results = await inBatches(tasks, REQUESTS_IN_FLIGHT);
    const added = results.filter(Boolean).length;
    return { added, alreadyAdded: results.length - added };
  }

  /**
   * Reads the shard's item of a window and entity kind, adds the partial id by id and puts it back, on the
   * condition that it still holds what was read. Only this shard writes the item, so the condition fails only
   * for two invocations of the shard's one final invocation at once; the invocation then fails and Lambda's
   * retry finds the mark applied. A whole item is put rather than added to in place: one request per kind
   * whatever the ids, where an update expression (4 KB at most) could not name 265 pickup locations.
   */
  private async addWindowPartial(partial: WindowPartial, partials: ShardPartials, nowSeconds: number): Promise<boolean> {
    const key = {
      [METRICS_KEY.partition]: windowPartition(partial.entity),
      [METRICS_KEY.sort]: windowPartialSortKey(partial.windowStart, partials.shardId),
    };
    const read = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true, ProjectionExpression: 'applied_through, sums' }),
    );
    const held = read.Item === undefined ? undefined : heldPartialSchema.parse(read.Item);
    if (held !== undefined && held.applied_through >= partials.mark) return false;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...key,
            entity: partial.entity,
            window_start: partial.windowStart,
            shard_id: partials.shardId,
            sums: addWindowSums(held?.sums ?? {}, partial.sums),
            applied_through: partials.mark,
            // Kept windowDays from the window's start, and never less from now: a replayed day's windows start in
            // the past, and an expiry already passed has TTL delete them as they are written (DynamoDB Local's
            // sweeper did, in ends-first runs: docs/adr/0008-live-metrics-per-shard-partials.md).
            [METRICS_TTL_ATTRIBUTE]:
              Math.max(Math.floor(Date.parse(partial.windowStart) / 1000), nowSeconds) + this.retention.windowDays * 86_400,
          },
          ...(held === undefined
            ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': METRICS_KEY.partition } }
            : { ConditionExpression: 'applied_through = :held', ExpressionAttributeValues: { ':held': held.applied_through } }),
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      throw new Error(
        `partial ${key[METRICS_KEY.partition]} / ${key[METRICS_KEY.sort]} changed while mark ${partials.mark} was being added (two invocations of one shard's final invocation); failing so that Lambda retries it`,
      );
    }
    return true;
  }

  private async addOpenTripsPartial(partials: ShardPartials): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [METRICS_KEY.partition]: OPEN_TRIPS_PARTITION, [METRICS_KEY.sort]: `shard#${partials.shardId}` },
          UpdateExpression: 'ADD open_trips :delta SET shard_id = :shard, applied_through = :mark',
          ConditionExpression: 'attribute_not_exists(applied_through) OR applied_through < :mark',
          ExpressionAttributeValues: { ':delta': partials.openTripsDelta, ':shard': partials.shardId, ':mark': partials.mark },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * The windows of one id in a range, each the sum of the shards' partials. Reads only the id's sums from each
   * item, a day of the range per query, the days side by side: a range of 31 days is 31 short queries at once.
   */
  async windows(entity: MetricEntity, id: string, fromWindowStart: string, toInclusive: string): Promise<MetricsWindow[]> {
    const totals = new WindowTotals();
    const readDay = async ({ from, to }: { from: string; to: string }): Promise<void> => {
      const pages = paginateQuery(
        { client: this.client },
        {
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
          ProjectionExpression: '#sk, sums.#id',
          ExpressionAttributeNames: { '#pk': METRICS_KEY.partition, '#sk': METRICS_KEY.sort, '#id': id },
          // Every shard's partial of the last window too: their sort keys continue after the window's start.
          ExpressionAttributeValues: { ':pk': windowPartition(entity), ':from': from, ':to': `${to}#\uffff` },
        },
      );
      for await (const page of pages) {
        for (const raw of page.Items ?? []) {
          const { windowStart, sums } = windowPartialOf(raw);
          totals.add(windowStart, sums[id] ?? [0, 0, 0]);
        }
      }
    };
    await inBatches(
      dayRanges(fromWindowStart, toInclusive).map((range) => () => readDay(range)),
      REQUESTS_IN_FLIGHT,
    );
    return totals.windows();
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
