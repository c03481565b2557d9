/**
 * The live-metrics handler counts completed and open trips for the live metrics API.
 *
 * Trips table stream (a tumbling-window mapping) -> live metrics: 5-minute windows of completed trips (all,
 * per vendor, per pickup location) and the open-trips count, as per-shard partials in the metrics table
 * (docs/adr/0008-live-metrics-per-shard-partials.md).
 *
 * Within a tumbling window the handler only adds the batch to the window's state, which Lambda hands to the
 * shard's next invocation: no writes. The window's final invocation adds the state to the shard's partial
 * items (one per 5-minute window and entity kind, and its open trips), each conditioned on the state's mark, so a retried final invocation adds nothing twice. A failed
 * write fails the invocation: Lambda retries it with the same state.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DynamoDBRecord } from 'aws-lambda';
import { MetricsTable } from '../../aws/metrics-table';
import {
  addToWindowState,
  readWindowState,
  shardPartials,
  type TripChange,
  type TumblingWindowState,
  tripChangeOf,
} from '../../domain/live-metrics';
import * as z from '../../domain/validation';
import { liveMetricsEnvSchema, readEnvironment } from '../../lib/handler-environment';
import { createDocumentClient } from '../common/clients/dynamodb';
import { instrumented, logger, metrics } from '../common/observability';

const environment = readEnvironment(liveMetricsEnvSchema);
const table = new MetricsTable(createDocumentClient(), environment.METRICS_TABLE_NAME, {
  windowDays: environment.METRICS_WINDOW_RETENTION_DAYS,
});

/** What a tumbling-window mapping adds to a DynamoDB Streams event (the Lambda developer guide's event). */
const tumblingWindowSchema = z.object({
  shardId: z.string().check(z.minLength(1)),
  window: z.object({ start: z.iso.datetime({ offset: true }), end: z.iso.datetime({ offset: true }) }),
  state: z.optional(z.unknown()),
  isFinalInvokeForWindow: z.boolean(),
  isWindowTerminatedEarly: z.optional(z.boolean()),
});

export interface DynamoDBTumblingWindowEvent extends z.infer<typeof tumblingWindowSchema> {
  readonly Records: DynamoDBRecord[];
}

/** Lambda's answer to a tumbling-window invocation: without `state` it counts as failed. */
export interface TumblingWindowResponse {
  readonly state: TumblingWindowState;
  readonly batchItemFailures: [];
}

function changesOf(records: readonly DynamoDBRecord[]): TripChange[] {
  const changes: TripChange[] = [];
  for (const record of records) {
    const result = tripChangeOf(record);
    if (!result.relevant) continue;
    if (result.change === undefined) {
      // Only a completion image can be unreadable in practice, and the match handler dead-letters that very
      // record (INVALID_EVENT, full image): counted and logged here, not dead-lettered a second time.
      logger.error('Stream record changes a live metric but cannot be read; skipped', {
        trip_id: result.tripId,
        detail: result.detail,
        event_id: record.eventID,
      });
      metrics.addMetric('LiveMetricRecordUnreadable', MetricUnit.Count, 1);
      continue;
    }
    changes.push(result.change);
  }
  return changes;
}

export const handler = instrumented('live-metrics', async (event: DynamoDBTumblingWindowEvent): Promise<TumblingWindowResponse> => {
  const parsed = tumblingWindowSchema.safeParse(event);
  // Thrown, not skipped: without a tumbling window there is no state to count in, so nothing would be counted.
  if (!parsed.success)
    throw new Error(`not a tumbling-window event (the live-metrics mapping needs a tumbling window): ${z.describeIssues(parsed.error)}`);
  const { shardId, window, isFinalInvokeForWindow } = parsed.data;
  const { state, counted, skipped } = addToWindowState(readWindowState(parsed.data.state), changesOf(event.Records));
  if (skipped > 0) {
    metrics.addMetric('LiveMetricDuplicatesSkipped', MetricUnit.Count, skipped);
    logger.info('Redelivered stream records skipped: the window state counted them before', { shard_id: shardId, records: skipped });
  }
  if (counted > 0) metrics.addMetric('LiveMetricChangesCounted', MetricUnit.Count, counted);
  if (!isFinalInvokeForWindow) return { state: state ?? {}, batchItemFailures: [] };
  if (parsed.data.isWindowTerminatedEarly === true)
    logger.warn('Tumbling window cut short (state near 1 MB); it continues with a fresh state', {
      shard_id: shardId,
      window_start: window.start,
    });
  if (state !== undefined) {
    const partials = shardPartials(state, shardId, window.start);
    const outcome = await table.addPartials(partials);
    metrics.addMetric('LiveMetricPartialsWritten', MetricUnit.Count, outcome.added);
    if (outcome.alreadyAdded > 0)
      logger.info('Partials of a retried final invocation were added before', {
        shard_id: shardId,
        mark: partials.mark,
        items: outcome.alreadyAdded,
      });
    // The business dashboard's live view: completions and their fares, counted once like the windows.
    const all = partials.windows.flatMap((partial) => (partial.entity === 'all' ? Object.values(partial.sums) : []));
    const trips = all.reduce((sum, [tripCount]) => sum + tripCount, 0);
    if (trips > 0) {
      metrics.addMetric('LiveTripsCompleted', MetricUnit.Count, trips);
      metrics.addMetric('LiveCompletedFare', MetricUnit.NoUnit, all.reduce((sum, [, fareMicros]) => sum + fareMicros, 0) / 1_000_000);
    }
  }
  return { state: {}, batchItemFailures: [] };
});
