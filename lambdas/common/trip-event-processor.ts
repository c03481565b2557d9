/**
 * Settles one delivery of a trip event: it is recorded (completed, open half, or duplicate), or it breaks a
 * rule and goes to the DLQ, or applying it failed (throttling, an error) and it goes to the retry queue
 * until its budget is spent, then to the DLQ as PROCESSING_FAILED. A half waiting for its partner is not a
 * failure: it is recorded as open and never touches the retry queue.
 *
 * Start, end and redrive handlers share it; they differ only in how they decode records and in which
 * attempt a delivery is.
 */

import type { RetryQueue } from '../../aws/trip-queues';
import { decideRetry, type RetryPolicy } from '../../domain/backoff';
import { type DeadLetterReason, type EventOrigin, type HandlerName, RETRY_MESSAGE_SCHEMA_VERSION } from '../../domain/envelopes';
import { errorText } from '../../domain/error-text';
import type { TripEvent } from '../../domain/events';
import type { DeadLetters } from './dead-letters';
import { countOutcome, reportSettled, type TripLogger } from './observability';
import type { TripOutcome, TripRecorder } from './trip-recorder';

/** A valid event and where it stands. */
export interface TripDelivery {
  readonly event: TripEvent;
  /** Attempts made with this event so far, the current one included (1 on the stream). */
  readonly attempt: number;
  /** When the pipeline first saw the event (stream arrival), kept across retries. */
  readonly firstSeenAt: string;
  /** The stream record the event came from, kept across retries and dead letters. */
  readonly origin: EventOrigin | null;
  readonly source: HandlerName;
}

const OUTCOME_METRICS = {
  completed: 'TripCompleted',
  open: 'TripHalfOpened',
  duplicate: 'DuplicateIgnored',
} as const;

export class TripEventProcessor {
  constructor(
    private readonly trips: TripRecorder,
    private readonly retryQueue: RetryQueue,
    private readonly deadLetters: DeadLetters,
    private readonly processingBudget: RetryPolicy,
  ) {}

  /**
   * Settles one attempt: the event ends up in the trips table, on the retry queue or in the DLQ. Throws
   * only when the queue it had to go to could not be reached; the caller then reports the record as
   * failed so the event source redelivers it (nothing is dropped).
   */
  async process(delivery: TripDelivery, log: TripLogger): Promise<void> {
    let outcome: TripOutcome;
    try {
      outcome = await this.trips.apply(delivery.event, { firstSeenAt: delivery.firstSeenAt, origin: delivery.origin }, (end, detail) =>
        this.deadLetters.send(
          {
            reason: 'DROPOFF_BEFORE_PICKUP',
            trip_id: end.event.trip_id,
            event: end.event,
            detail,
            attempts: 1,
            first_seen_at: end.sighting.firstSeenAt,
            source: 'end',
            origin: end.sighting.origin,
          },
          log,
        ),
      );
    } catch (error) {
      log.warn('Applying the trip event failed', { error, attempt: delivery.attempt });
      await this.retryOrGiveUp(delivery, errorText(error, { withName: true }), log);
      return;
    }
    if (outcome.kind === 'rejected') {
      await this.deadLetter(outcome.reason, delivery, outcome.detail, log);
      return;
    }
    if (outcome.kind === 'duplicate') log.info('Duplicate event ignored', { event_type: delivery.event.event_type });
    countOutcome(OUTCOME_METRICS[outcome.kind]);
    reportSettled({ event: delivery.event, origin: delivery.origin, outcome: outcome.kind });
  }

  /** A delivery whose event an earlier record of the same batch carries: a duplicate, settled without a write. */
  ignoreCopy(delivery: TripDelivery, log: TripLogger): void {
    log.info('Duplicate event ignored (an earlier record of the batch carries it)', { event_type: delivery.event.event_type });
    countOutcome(OUTCOME_METRICS.duplicate);
    reportSettled({ event: delivery.event, origin: delivery.origin, outcome: 'duplicate' });
  }

  private async retryOrGiveUp(delivery: TripDelivery, lastError: string, log: TripLogger): Promise<void> {
    const decision = decideRetry(delivery.attempt, this.processingBudget);
    if (decision.action === 'give-up') {
      await this.deadLetter('PROCESSING_FAILED', delivery, `still failing after ${decision.attempts} attempts: ${lastError}`, log);
      return;
    }
    await this.retryQueue.park(
      {
        schema_version: RETRY_MESSAGE_SCHEMA_VERSION,
        event: delivery.event,
        reason: 'PROCESSING_FAILED',
        attempts: decision.attempts,
        first_seen_at: delivery.firstSeenAt,
        last_error: lastError,
        origin: delivery.origin,
      },
      decision.delaySeconds,
    );
    countOutcome('RetryScheduled');
    reportSettled({ event: delivery.event, origin: delivery.origin, outcome: 'retrying' });
    log.info('Event parked on the retry queue', { attempts: decision.attempts, delay_seconds: decision.delaySeconds });
  }

  private deadLetter(reason: DeadLetterReason, delivery: TripDelivery, detail: string, log: TripLogger): Promise<void> {
    return this.deadLetters.send(
      {
        reason,
        trip_id: delivery.event.trip_id,
        event: delivery.event,
        detail,
        attempts: delivery.attempt,
        first_seen_at: delivery.firstSeenAt,
        source: delivery.source,
        origin: delivery.origin,
      },
      log,
    );
  }
}
