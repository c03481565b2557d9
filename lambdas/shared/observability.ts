/**
 * The one instrumentation style of every handler: a Powertools logger and EMF metrics at module scope,
 * and `instrumented(...)` around each handler so context, cold start and metric flushing happen the same
 * way everywhere.
 *
 * Outcome counts are also kept in a process-wide tally. On Lambda it is unused; the local runtime, which
 * runs these same modules in its own process, reads it for `summary.json` (duplicates ignored, etc.).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../lib/config';
import type { DeadLetterReason, HandlerName } from '../../lib/domain/envelopes';

export const logger = new Logger({ serviceName: SERVICE_NAME });
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });

/**
 * A logger for one record: everything the handler logger carries, plus the record's trip_id. A child
 * rather than appendKeys, because records of a batch are handled concurrently and must not share keys.
 */
export function loggerForTrip(tripId: string | null): Logger {
  return logger.createChild({ persistentKeys: { trip_id: tripId } });
}

/** Business outcomes, one EMF metric each. */
export type Outcome =
  | 'TripStarted'
  | 'TripCompleted'
  | 'DuplicateIgnored'
  | 'EndParked'
  | 'RetryScheduled'
  | 'TripsStaged'
  | 'StagedFilesWritten'
  | 'KpiJobStarted'
  | 'KpiDateSkipped';

const tally = new Map<string, number>();

function addToTally(key: string, count: number): void {
  tally.set(key, (tally.get(key) ?? 0) + count);
}

export function countOutcome(outcome: Outcome, count = 1): void {
  if (count <= 0) return;
  metrics.addMetric(outcome, MetricUnit.Count, count);
  addToTally(outcome, count);
}

/** Dead letters are counted per reason, as a dimension, so an alarm or a dashboard can split them. */
export function countDeadLetter(reason: DeadLetterReason, count = 1): void {
  if (count <= 0) return;
  const single = metrics.singleMetric();
  single.addDimension('reason', reason);
  single.addMetric('DeadLettered', MetricUnit.Count, count);
  addToTally(`DeadLettered:${reason}`, count);
}

/** Outcome counts of this process since start (or the last reset), e.g. `{ DuplicateIgnored: 3 }`. */
export function outcomeTally(): Record<string, number> {
  return Object.fromEntries([...tally.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

export function resetOutcomeTally(): void {
  tally.clear();
}

/**
 * Wraps a handler: Lambda context and handler name in every log line, a cold-start metric, and the
 * stored metrics flushed even when the handler throws.
 */
export function instrumented<E, R>(
  name: HandlerName,
  handle: (event: E, context: Context) => Promise<R>,
): (event: E, context: Context) => Promise<R> {
  let coldStart = true;
  return async (event, context) => {
    logger.addContext(context);
    logger.appendKeys({ handler: name });
    if (coldStart) {
      metrics.captureColdStartMetric(context.functionName);
      coldStart = false;
    }
    try {
      return await handle(event, context);
    } finally {
      // A batch that changed nothing (all duplicates, say) has no metrics: flushing would only log a warning.
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
      logger.resetKeys();
    }
  };
}
