/**
 * The one instrumentation style of every handler: a Powertools logger and EMF metrics at module scope,
 * and `instrumented(...)` around each handler so context, cold start and metric flushing happen the same
 * way everywhere.
 *
 * Outcomes can also be observed in-process through one port, `observeOutcomes`. On Lambda nothing observes
 * them; a host that runs these same modules in its own process (the local runtime's ledger, the unit tests)
 * installs an observer.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes } from '@aws-lambda-powertools/logger/types';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { processWide } from '../../aws/process-wide';
import type { DeadLetterReason, EventOrigin, HandlerName } from '../../domain/envelopes';
import type { TripEvent } from '../../domain/events';
import { KPI_DATES_MISSING_METRIC, METRICS_NAMESPACE, SERVICE_NAME } from '../../lib/names';

export const logger = new Logger({ serviceName: SERVICE_NAME });
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });

/** What the handling of one record logs through: a message and its attributes. */
export interface TripLogger {
  debug(message: string, ...attributes: LogAttributes[]): void;
  info(message: string, ...attributes: LogAttributes[]): void;
  warn(message: string, ...attributes: LogAttributes[]): void;
  error(message: string, ...attributes: LogAttributes[]): void;
}

/**
 * A logger for one record: everything the handler logger carries, plus the record's trip_id. A child
 * rather than appendKeys, because records of a batch are handled concurrently and must not share keys.
 * The child is made on the first line logged: most records log nothing (only duplicates, retries and
 * dead letters do), and making a Powertools child (its options, environment and console) for every record
 * cost a noticeable share of the local run's CPU (docs/local-runtime.md, what made the run faster).
 */
export function loggerForTrip(tripId: string | null): TripLogger {
  let child: Logger | undefined;
  const forTrip = (): Logger => (child ??= logger.createChild({ persistentKeys: { trip_id: tripId } }));
  return {
    debug: (message, ...attributes) => forTrip().debug(message, ...attributes),
    info: (message, ...attributes) => forTrip().info(message, ...attributes),
    warn: (message, ...attributes) => forTrip().warn(message, ...attributes),
    error: (message, ...attributes) => forTrip().error(message, ...attributes),
  };
}

/** Business outcomes, one EMF metric each. */
export type Outcome =
  | 'TripHalfOpened'
  | 'TripCompleted'
  | 'DuplicateIgnored'
  | 'RetryScheduled'
  | 'TripsStaged'
  | 'StagedFilesWritten'
  | 'KpiJobStarted'
  | 'KpiDateSkipped'
  /** Open starts removed by TTL at the end of their grace period: trips whose end never came. */
  | 'OpenStartsExpired';

/** How one delivery of a trip event was settled by a handler. */
export interface SettledDelivery {
  readonly event: Pick<TripEvent, 'event_type' | 'trip_id'>;
  readonly origin: EventOrigin | null;
  readonly outcome: 'completed' | 'open' | 'duplicate' | 'retrying';
}

export interface OutcomeObserver {
  /** Every metric counted: an Outcome, or `DeadLettered:<reason>`. */
  counted?(name: string, count: number): void;
  settled?(delivery: SettledDelivery): void;
}

// Per process, not per module copy: the handler bundles the local runtime may load carry their own copies.
const observers = processWide('outcome-observers', () => new Set<OutcomeObserver>());

/** Installs an in-process observer; returns the function that removes it. */
export function observeOutcomes(observer: OutcomeObserver): () => void {
  observers.add(observer);
  return () => observers.delete(observer);
}

function counted(name: string, count: number): void {
  for (const observer of observers) observer.counted?.(name, count);
}

export function reportSettled(delivery: SettledDelivery): void {
  for (const observer of observers) observer.settled?.(delivery);
}

/**
 * A gauge published on every scheduled KPI run, zero included: the freshness alarm treats a day without it as
 * breaching (the check did not run), so unlike the outcome counts it cannot be left out when nothing is wrong.
 */
export function reportKpiDatesMissing(count: number): void {
  metrics.addMetric(KPI_DATES_MISSING_METRIC, MetricUnit.Count, count);
  counted(KPI_DATES_MISSING_METRIC, count);
}

export function countOutcome(outcome: Outcome, count = 1): void {
  if (count <= 0) return;
  metrics.addMetric(outcome, MetricUnit.Count, count);
  counted(outcome, count);
}

/** Dead letters are counted per reason, as a dimension, so an alarm or a dashboard can split them. */
export function countDeadLetter(reason: DeadLetterReason, count = 1): void {
  if (count <= 0) return;
  const single = metrics.singleMetric();
  single.addDimension('reason', reason);
  single.addMetric('DeadLettered', MetricUnit.Count, count);
  counted(`DeadLettered:${reason}`, count);
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
