/**
 * The operator's view of the dead-letter queue (`npm run dlq`): read every message once, describe it,
 * select by reason, trip, source and first-seen time, and redrive the selection through the retry queue.
 *
 * The queue is read whole by aws/queue-reader.ts; what the command did not delete is made visible again
 * at the end, so a `list` leaves the queue as it found it.
 */
import { ChangeMessageVisibilityBatchCommand, DeleteMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { READ_QUEUE_DEFAULTS, type ReadQueueOptions, type ReceivedMessage, readWholeQueue, SQS_BATCH_LIMIT } from '../aws/queue-reader';
import { RetryQueue } from '../aws/trip-queues';
import type { DeadLetterReason, HandlerName } from '../domain/envelopes';
import { errorText } from '../domain/error-text';
import {
  type DeadLetterQueueMessage,
  parseDeadLetterQueueMessage,
  type RedrivePlan,
  redriveDeadLetterQueueMessage,
} from '../domain/redrive';
import { type TimeWindow, withinWindow } from './time-window';

export interface QueuedLetter extends ReceivedMessage {
  readonly message: DeadLetterQueueMessage;
}

/** One line of `dlq list`: what an operator sorts and filters by. */
export interface LetterSummary {
  readonly message_id: string;
  readonly kind: DeadLetterQueueMessage['kind'];
  /** The dead letter's reason; for a retry message moved by the redrive policy, why it was being retried. */
  readonly reason: string | null;
  readonly trip_id: string | null;
  readonly source: HandlerName | null;
  readonly attempts: number | null;
  readonly first_seen_at: string | null;
  readonly dead_lettered_at: string | null;
  readonly redrivable: boolean;
  readonly detail: string;
}

export async function readDeadLetterQueue(
  sqs: SQSClient,
  queueUrl: string,
  options: ReadQueueOptions = READ_QUEUE_DEFAULTS,
): Promise<QueuedLetter[]> {
  const received = await readWholeQueue(sqs, queueUrl, options);
  return received.map((message) => ({ ...message, message: parseDeadLetterQueueMessage(message.body) }));
}

/** Makes messages visible again right away (the command is done with them). */
export async function releaseLetters(sqs: SQSClient, queueUrl: string, letters: readonly QueuedLetter[]): Promise<void> {
  for (let index = 0; index < letters.length; index += SQS_BATCH_LIMIT) {
    const batch = letters.slice(index, index + SQS_BATCH_LIMIT);
    const response = await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: batch.map((letter, position) => ({ Id: String(position), ReceiptHandle: letter.receiptHandle, VisibilityTimeout: 0 })),
      }),
    );
    // A message that stays hidden is not lost: it reappears when its visibility timeout ends.
    if ((response.Failed ?? []).length > 0)
      throw new Error(`${response.Failed?.length} letters stay hidden until their visibility timeout ends`);
  }
}

export function summarize(letter: QueuedLetter): LetterSummary {
  const plan = redriveDeadLetterQueueMessage(letter.message);
  const base = { message_id: letter.messageId, kind: letter.message.kind, redrivable: plan.replayable };
  switch (letter.message.kind) {
    case 'dead-letter': {
      const dead = letter.message.letter;
      return {
        ...base,
        reason: dead.reason,
        trip_id: dead.trip_id,
        source: dead.source,
        attempts: dead.attempts,
        first_seen_at: dead.first_seen_at,
        dead_lettered_at: dead.dead_lettered_at,
        detail: plan.replayable ? dead.detail : plan.detail,
      };
    }
    case 'retry-message': {
      const retry = letter.message.message;
      return {
        ...base,
        reason: retry.reason,
        trip_id: retry.event.trip_id,
        source: null,
        attempts: retry.attempts,
        first_seen_at: retry.first_seen_at,
        dead_lettered_at: letter.sentAt,
        detail: `moved by the retry queue's redrive policy${retry.last_error === null ? '' : `: ${retry.last_error}`}`,
      };
    }
    case 'on-failure':
    case 'other':
      return {
        ...base,
        reason: null,
        trip_id: null,
        source: null,
        attempts: null,
        first_seen_at: null,
        dead_lettered_at: letter.sentAt,
        detail: letter.message.detail,
      };
  }
}

export interface LetterFilter {
  readonly reasons?: readonly DeadLetterReason[];
  readonly tripIds?: readonly string[];
  readonly sources?: readonly HandlerName[];
  readonly messageIds?: readonly string[];
  readonly firstSeen?: TimeWindow;
}

/** Whether a letter is selected; a message without the filtered field (an on-failure pointer) never matches that filter. */
export function matchesFilter(summary: LetterSummary, filter: LetterFilter): boolean {
  const within = <T>(value: T | null, allowed: readonly T[] | undefined): boolean =>
    allowed === undefined || (value !== null && allowed.includes(value));
  if (!within(summary.reason as DeadLetterReason | null, filter.reasons)) return false;
  if (!within(summary.trip_id, filter.tripIds)) return false;
  if (!within(summary.source, filter.sources)) return false;
  if (!within(summary.message_id, filter.messageIds)) return false;
  if (filter.firstSeen === undefined) return true;
  return summary.first_seen_at !== null && withinWindow(summary.first_seen_at, filter.firstSeen);
}

export type RedriveOutcome =
  | { readonly messageId: string; readonly tripId: string; readonly status: 'redriven' | 'would-redrive' }
  | { readonly messageId: string; readonly tripId: string | null; readonly status: 'left'; readonly detail: string }
  /** The send or the delete failed; the letter stays on the DLQ (after a failed delete, also on the retry queue: redriving it again is a duplicate, not a double count). */
  | { readonly messageId: string; readonly tripId: string | null; readonly status: 'failed'; readonly detail: string };

export interface RedriveTargets {
  readonly sqs: SQSClient;
  readonly deadLetterQueueUrl: string;
  readonly retryQueueUrl: string;
}

/**
 * Sends each redrivable letter's event to the retry queue as a retry with a fresh budget, and deletes the
 * letter only once the send succeeded. A letter that carries no replayable event is left in place.
 */
export async function redriveLetters(
  targets: RedriveTargets,
  letters: readonly QueuedLetter[],
  dryRun: boolean,
): Promise<RedriveOutcome[]> {
  const retryQueue = new RetryQueue(targets.sqs, targets.retryQueueUrl);
  const outcomes: RedriveOutcome[] = [];
  for (const letter of letters) {
    const plan: RedrivePlan = redriveDeadLetterQueueMessage(letter.message);
    if (!plan.replayable) {
      outcomes.push({ messageId: letter.messageId, tripId: plan.tripId, status: 'left', detail: plan.detail });
      continue;
    }
    if (dryRun) {
      outcomes.push({ messageId: letter.messageId, tripId: plan.tripId, status: 'would-redrive' });
      continue;
    }
    try {
      await retryQueue.park(plan.message, 0);
    } catch (error) {
      outcomes.push({
        messageId: letter.messageId,
        tripId: plan.tripId,
        status: 'failed',
        detail: `not sent to the retry queue: ${errorText(error, { withName: true })}`,
      });
      continue;
    }
    try {
      await targets.sqs.send(new DeleteMessageCommand({ QueueUrl: targets.deadLetterQueueUrl, ReceiptHandle: letter.receiptHandle }));
    } catch (error) {
      outcomes.push({
        messageId: letter.messageId,
        tripId: plan.tripId,
        status: 'failed',
        detail: `redriven, but not deleted from the DLQ (a second redrive of it is a duplicate): ${errorText(error, { withName: true })}`,
      });
      continue;
    }
    outcomes.push({ messageId: letter.messageId, tripId: plan.tripId, status: 'redriven' });
  }
  return outcomes;
}
