/**
 * Trips table stream -> live metrics: 5-minute windows of completed trips (all, per vendor, per pickup
 * location) and the open-trips counter, in the metrics table. Each stream record is applied once, however
 * often it is delivered, through a conditional marker in the same transaction as its increments
 * (lib/domain/live-metrics.ts).
 *
 * Records are applied in batch order, one planned transaction after another. When a transaction fails,
 * its records and every later relevant record are reported failed; the mapping resumes from the lowest one,
 * and the records already applied before it are skipped as duplicates on redelivery.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { planTransactions, tripChangeOf, type TripChange } from '../../lib/domain/live-metrics';
import { liveMetricsEnvSchema, readEnvironment } from '../../lib/handler-environment';
import { MetricsTable } from '../common/adapters/metrics-table';
import { createDocumentClient } from '../common/clients/dynamodb';
import { instrumented, logger, metrics } from '../common/observability';

const environment = readEnvironment(liveMetricsEnvSchema);
const table = new MetricsTable(createDocumentClient(), environment.METRICS_TABLE_NAME, {
  markerHours: environment.METRICS_MARKER_RETENTION_HOURS,
  windowDays: environment.METRICS_WINDOW_RETENTION_DAYS,
});

export const handler = instrumented('live-metrics', async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const changes: TripChange[] = [];
  const sequenceNumberOf = new Map<string, string>();
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
    const sequenceNumber = record.dynamodb?.SequenceNumber;
    if (sequenceNumber === undefined) throw new Error(`Stream record ${result.change.eventId} has no dynamodb.SequenceNumber`);
    sequenceNumberOf.set(result.change.eventId, sequenceNumber);
    changes.push(result.change);
  }

  const plans = planTransactions(changes);
  for (const [index, plan] of plans.entries()) {
    try {
      const { applied, duplicates } = await table.apply(plan);
      if (applied.length > 0) metrics.addMetric('LiveMetricChangesApplied', MetricUnit.Count, applied.length);
      // The business dashboard's live view: completions and their fares, counted once like the windows.
      const completions = applied.flatMap((change) => (change.kind === 'completed' ? [change.metrics] : []));
      if (completions.length > 0) {
        metrics.addMetric('LiveTripsCompleted', MetricUnit.Count, completions.length);
        metrics.addMetric('LiveCompletedFare', MetricUnit.NoUnit, completions.reduce((sum, trip) => sum + trip.fareMicros, 0) / 1_000_000);
      }
      if (duplicates.length > 0) {
        metrics.addMetric('LiveMetricDuplicatesSkipped', MetricUnit.Count, duplicates.length);
        logger.info('Redelivered stream records skipped', { event_ids: duplicates.map((change) => change.eventId) });
      }
    } catch (error) {
      const unapplied = plans.slice(index).flatMap((remaining) => remaining.changes);
      logger.error('Applying live metric changes failed; they and the records after them are reported failed', { records: unapplied.length, error });
      return { batchItemFailures: unapplied.map((change) => ({ itemIdentifier: sequenceNumberOf.get(change.eventId) ?? '' })) };
    }
  }
  return { batchItemFailures: [] };
});
