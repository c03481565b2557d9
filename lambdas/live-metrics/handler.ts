/**
 * Trips table stream -> live metrics: 5-minute windows of completed trips (all, per vendor, per pickup
 * location) and the open-trips counter, in the metrics table. Each stream record is counted once, however
 * often it is delivered, through one conditional marker per transaction (lib/domain/live-metrics.ts).
 *
 * Transactions are applied in batch order, one after another. When one fails, its records and every later
 * one are reported failed, so the mapping's checkpoint lands on a transaction's first record; a redelivery
 * skips what a marker says was applied already.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { assertShardOrder, changesAfter, firstTransaction, tripChangeOf, type TripChange } from '../../lib/domain/live-metrics';
import { liveMetricsEnvSchema, readEnvironment } from '../../lib/handler-environment';
import { MetricsTable, type TransactionOutcome } from '../common/adapters/metrics-table';
import { createDocumentClient } from '../common/clients/dynamodb';
import { instrumented, logger, metrics } from '../common/observability';

const environment = readEnvironment(liveMetricsEnvSchema);
const table = new MetricsTable(createDocumentClient(), environment.METRICS_TABLE_NAME, {
  markerHours: environment.METRICS_MARKER_RETENTION_HOURS,
  windowDays: environment.METRICS_WINDOW_RETENTION_DAYS,
});

/**
 * A transaction is not started with less time left than this: the batch's rest is reported failed instead, so
 * the checkpoint moves past what was applied rather than a timeout retrying the whole batch (which, without
 * bisection, counts against the batch's retry budget however much of it was done).
 */
export const TIME_LEFT_FOR_A_TRANSACTION_MS = 5_000;

/** The answer that moves the checkpoint to the first of `unapplied`: they are all delivered again. */
function failedFrom(unapplied: readonly TripChange[]): DynamoDBBatchResponse {
  return { batchItemFailures: unapplied.map((change) => ({ itemIdentifier: change.sequenceNumber })) };
}

export const handler = instrumented('live-metrics', async (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> => {
  const changes: TripChange[] = [];
  for (const record of event.Records) {
    const result = tripChangeOf(record);
    if (!result.relevant) continue;
    if (result.change === undefined) {
      // Only a completion image can be unreadable in practice, and the match handler dead-letters that very
      // record (INVALID_EVENT, full image): counted and logged here, not dead-lettered a second time.
      logger.error('Stream record changes a live metric but cannot be read; skipped', { trip_id: result.tripId, detail: result.detail, event_id: record.eventID });
      metrics.addMetric('LiveMetricRecordUnreadable', MetricUnit.Count, 1);
      continue;
    }
    changes.push(result.change);
  }
  assertShardOrder(changes);

  let pending: readonly TripChange[] = changes;
  for (let transaction = firstTransaction(pending); transaction !== undefined; transaction = firstTransaction(pending)) {
    if (context.getRemainingTimeInMillis() < TIME_LEFT_FOR_A_TRANSACTION_MS) {
      logger.warn('Too little time left for another transaction; the records not yet applied are reported failed', { records: pending.length });
      metrics.addMetric('LiveMetricBatchCutShort', MetricUnit.Count, 1);
      return failedFrom(pending);
    }
    let outcome: TransactionOutcome;
    try {
      outcome = await table.apply(transaction);
    } catch (error) {
      logger.error('Applying live metric changes failed; they and the records after them are reported failed', { records: pending.length, error });
      return failedFrom(pending);
    }
    if (!outcome.applied) {
      const remaining = changesAfter(pending, outcome.appliedThrough);
      const skipped = pending.length - remaining.length;
      if (skipped === 0) {
        // A marker of this very record always covers it; one that does not was not written by this handler.
        logger.error('A marker refused a transaction without covering its first record; the rest of the batch is reported failed', {
          first_event_id: transaction.firstEventId,
          applied_through: outcome.appliedThrough,
        });
        return failedFrom(pending);
      }
      metrics.addMetric('LiveMetricDuplicatesSkipped', MetricUnit.Count, skipped);
      logger.info('Redelivered stream records skipped: a transaction counted them before', { first_event_id: transaction.firstEventId, applied_through: outcome.appliedThrough, records: skipped });
      pending = remaining;
      continue;
    }
    metrics.addMetric('LiveMetricChangesApplied', MetricUnit.Count, transaction.changes.length);
    // The business dashboard's live view: completions and their fares, counted once like the windows.
    const completions = transaction.changes.flatMap((change) => (change.kind === 'completed' ? [change.metrics] : []));
    if (completions.length > 0) {
      metrics.addMetric('LiveTripsCompleted', MetricUnit.Count, completions.length);
      metrics.addMetric('LiveCompletedFare', MetricUnit.NoUnit, completions.reduce((sum, trip) => sum + trip.fareMicros, 0) / 1_000_000);
    }
    pending = pending.slice(transaction.changes.length);
  }
  return { batchItemFailures: [] };
});
