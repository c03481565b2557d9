/**
 * What happens to a trip event after it was applied (or failed to be): the outcome is counted, an event
 * that breaks a rule goes to the DLQ, and an event that has to wait (start not there yet) or failed for an
 * unexpected reason goes to the retry queue until its budget is spent, then to the DLQ.
 *
 * Start, end and redrive handlers share it; they differ only in how they decode records and in which
 * attempt a delivery is.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { decideRetry, type RetryPolicy } from '../../lib/domain/backoff';
import { RETRY_MESSAGE_SCHEMA_VERSION, type DeadLetterReason, type HandlerName, type RetryReason } from '../../lib/domain/envelopes';
import type { TripEvent } from '../../lib/domain/events';
import type { RetryQueue } from './adapters/queues';
import type { DeadLetters } from './dead-letters';
import { countOutcome } from './observability';
import type { TripOutcome, TripService } from './trip-service';

/** A valid event and where it stands. */
export interface TripDelivery {
  readonly event: TripEvent;
  /** Attempts made with this event so far, the current one included (1 on the stream). */
  readonly attempt: number;
  /** When the pipeline first saw the event (stream arrival), kept across retries. */
  readonly firstSeenAt: string;
  readonly source: HandlerName;
}

export interface RetryBudgets {
  /** For ends whose start is not recorded yet (ORPHAN_END when spent). */
  readonly orphanEnd: RetryPolicy;
  /** For unexpected failures such as throttling (PROCESSING_FAILED when spent). */
  readonly processing: RetryPolicy;
}

export class TripEventProcessor {
  constructor(
    private readonly trips: TripService,
    private readonly retryQueue: RetryQueue,
    private readonly deadLetters: DeadLetters,
    private readonly budgets: RetryBudgets,
  ) {}

  /**
   * Settles one attempt: the event ends up in the trips table, on the retry queue or in the DLQ. Throws
   * only when the queue it had to go to could not be reached; the caller then reports the record as
   * failed so the event source redelivers it (nothing is dropped).
   */
  async process(delivery: TripDelivery, log: Logger): Promise<void> {
    let outcome: TripOutcome;
    try {
      outcome = await this.trips.apply(delivery.event);
    } catch (error) {
      log.warn('Applying the trip event failed', { error, attempt: delivery.attempt });
      await this.retryOrGiveUp(delivery, 'PROCESSING_FAILED', describeError(error), log);
      return;
    }
    switch (outcome.kind) {
      case 'started':
        countOutcome('TripStarted');
        return;
      case 'completed':
        countOutcome('TripCompleted');
        return;
      case 'duplicate':
        log.info('Duplicate event ignored', { event_type: delivery.event.event_type });
        countOutcome('DuplicateIgnored');
        return;
      case 'start-not-found':
        await this.retryOrGiveUp(delivery, 'START_NOT_FOUND', null, log);
        return;
      case 'rejected':
        await this.deadLetter(outcome.reason, delivery, outcome.detail, log);
        return;
    }
  }

  private async retryOrGiveUp(delivery: TripDelivery, reason: RetryReason, lastError: string | null, log: Logger): Promise<void> {
    const decision = decideRetry(delivery.attempt, reason === 'START_NOT_FOUND' ? this.budgets.orphanEnd : this.budgets.processing);
    if (decision.action === 'give-up') {
      const detail =
        reason === 'START_NOT_FOUND'
          ? `no start recorded for trip ${delivery.event.trip_id} after ${decision.attempts} attempts since ${delivery.firstSeenAt}`
          : `still failing after ${decision.attempts} attempts: ${lastError ?? 'unknown error'}`;
      await this.deadLetter(reason === 'START_NOT_FOUND' ? 'ORPHAN_END' : 'PROCESSING_FAILED', delivery, detail, log);
      return;
    }
    await this.retryQueue.park(
      {
        schema_version: RETRY_MESSAGE_SCHEMA_VERSION,
        event: delivery.event,
        reason,
        attempts: decision.attempts,
        first_seen_at: delivery.firstSeenAt,
        last_error: lastError,
      },
      decision.delaySeconds,
    );
    countOutcome(reason === 'START_NOT_FOUND' ? 'EndParked' : 'RetryScheduled');
    log.info('Event parked on the retry queue', { reason, attempts: decision.attempts, delay_seconds: decision.delaySeconds });
  }

  private deadLetter(reason: DeadLetterReason, delivery: TripDelivery, detail: string, log: Logger): Promise<void> {
    return this.deadLetters.send(
      {
        reason,
        trip_id: delivery.event.trip_id,
        event: delivery.event,
        detail,
        attempts: delivery.attempt,
        first_seen_at: delivery.firstSeenAt,
        source: delivery.source,
      },
      log,
    );
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
