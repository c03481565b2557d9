/**
 * What an operator's redrive sends back to the retry queue, and what a body on the DLQ is.
 *
 * An operator's redrive: a dead letter (or a retry message the queue's redrive policy moved to the DLQ)
 * becomes a retry message again, with a fresh budget, so the redrive handler applies its event as if it
 * had just failed on the stream. The event, its first-seen time and where it came from are kept; the
 * reason it was given up goes into `last_error`, so it is still there on the next failure.
 *
 * The same conversion serves `npm run dlq -- redrive`, `npm run local -- --redrive` and the redrive
 * handler receiving a letter that SQS's own "redrive to source" moved back onto the retry queue; and the one
 * classifier of DLQ bodies, `parseDeadLetterQueueMessage`, serves them and a local run's summary.
 */

import {
  type DeadLetterMessage,
  deadLetterMessageSchema,
  RETRY_MESSAGE_SCHEMA_VERSION,
  type RetryMessage,
  retryMessageSchema,
} from './envelopes';
import { errorText } from './error-text';
import { describeIssues, type TripEvent, tripEventSchema } from './events';
import * as z from './validation';

/** Attempts a redriven event counts as having had: its first delivery, so every retry of the budget is left. */
const REDRIVE_FRESH_ATTEMPTS = 1;

/** What a message on the DLQ is, as far as a redrive is concerned. */
export type DeadLetterQueueMessage =
  | { readonly kind: 'dead-letter'; readonly letter: DeadLetterMessage }
  /** A retry message SQS moved after maxReceiveCount receives (the retry queue's redrive policy). */
  | { readonly kind: 'retry-message'; readonly message: RetryMessage }
  /** A stream mapping's on-failure record: a pointer to a shard range it discarded, not an event. */
  | { readonly kind: 'on-failure'; readonly record: Record<string, unknown>; readonly detail: string }
  /** Anything else: a body no schema of ours describes. */
  | { readonly kind: 'other'; readonly payload: unknown; readonly detail: string };

export type RedrivePlan =
  | { readonly replayable: true; readonly tripId: string; readonly message: RetryMessage }
  | { readonly replayable: false; readonly tripId: string | null; readonly detail: string };

/** What a body on the DLQ is: the one classifier of DLQ bodies. */
export function parseDeadLetterQueueMessage(body: string): DeadLetterQueueMessage {
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch (error) {
    return { kind: 'other', payload: body, detail: `not JSON: ${errorText(error)}` };
  }
  const letter = deadLetterMessageSchema.safeParse(payload);
  if (letter.success) return { kind: 'dead-letter', letter: letter.data };
  if (isOnFailureRecord(payload)) {
    return {
      kind: 'on-failure',
      record: payload,
      detail: "a stream mapping's on-failure record: a pointer to a discarded batch, not an event",
    };
  }
  const retry = retryMessageSchema.safeParse(payload);
  if (retry.success) return { kind: 'retry-message', message: retry.data };
  const detail = looksLikeDeadLetter(payload)
    ? `not a dead letter: ${describeIssues(letter.error)}`
    : 'neither a dead letter nor a retry message';
  return { kind: 'other', payload, detail };
}

/**
 * The trip event a dead letter can be redriven with. Letters of every reason but INVALID_EVENT carry a
 * validated event; an INVALID_EVENT letter carries whatever arrived, which is replayable when it is a
 * valid event now (the validation was at fault) or a retry message wrapping one.
 */
function replayableEvent(letter: DeadLetterMessage): { event: TripEvent } | { detail: string } {
  const event = tripEventSchema.safeParse(letter.event);
  if (event.success) return { event: event.data };
  const wrapped = retryMessageSchema.safeParse(letter.event);
  if (wrapped.success) return { event: wrapped.data.event };
  return { detail: `the ${letter.reason} letter carries no valid trip event (${describeIssues(event.error)})` };
}

/** The retry message that redrives `letter`, or why it cannot be redriven. */
export function redriveDeadLetter(letter: DeadLetterMessage): RedrivePlan {
  const found = replayableEvent(letter);
  if ('detail' in found) return { replayable: false, tripId: letter.trip_id, detail: found.detail };
  return {
    replayable: true,
    tripId: found.event.trip_id,
    message: {
      schema_version: RETRY_MESSAGE_SCHEMA_VERSION,
      event: found.event,
      reason: 'PROCESSING_FAILED',
      attempts: REDRIVE_FRESH_ATTEMPTS,
      first_seen_at: letter.first_seen_at,
      last_error: `redriven from the DLQ (${letter.reason} by ${letter.source} after ${letter.attempts} attempts): ${letter.detail}`,
      origin: letter.origin,
    },
  };
}

/** The retry message that redrives whatever is on the DLQ, or why it cannot be redriven. */
export function redriveDeadLetterQueueMessage(message: DeadLetterQueueMessage): RedrivePlan {
  switch (message.kind) {
    case 'dead-letter':
      return redriveDeadLetter(message.letter);
    case 'retry-message':
      return {
        replayable: true,
        tripId: message.message.event.trip_id,
        message: { ...message.message, attempts: REDRIVE_FRESH_ATTEMPTS },
      };
    case 'on-failure':
    case 'other':
      return { replayable: false, tripId: null, detail: message.detail };
  }
}

/** The issues of an inner parse, reported as the outer schema's own (same paths and messages). */
function forwardIssues(error: z.core.$ZodError, payload: unknown, issues: z.core.$ZodRawIssue[]): void {
  for (const issue of error.issues) issues.push({ code: 'custom', message: issue.message, path: issue.path, input: payload });
}

/** The invocation record a Kinesis or DynamoDB Streams mapping sends to its on-failure destination. */
function isOnFailureRecord(payload: unknown): payload is Record<string, unknown> {
  return typeof payload === 'object' && payload !== null && ('KinesisBatchInfo' in payload || 'DDBStreamBatchInfo' in payload);
}

function looksLikeDeadLetter(payload: unknown): boolean {
  return typeof payload === 'object' && payload !== null && 'dead_lettered_at' in payload;
}

/**
 * What the redrive handler accepts as a message body: a retry message, or a dead letter that SQS's
 * "redrive to source" moved back (converted here into a retry message with a fresh budget). A body of
 * neither kind is refused with the issues of the schema it looks closest to.
 */
export const redriveDeliverySchema: z.ZodMiniType<RetryMessage> = z.pipe(
  z.unknown(),
  z.transform((payload, context): RetryMessage => {
    if (!looksLikeDeadLetter(payload)) {
      const retry = retryMessageSchema.safeParse(payload);
      if (retry.success) return retry.data;
      forwardIssues(retry.error, payload, context.issues);
      return z.NEVER;
    }
    const letter = deadLetterMessageSchema.safeParse(payload);
    if (!letter.success) {
      forwardIssues(letter.error, payload, context.issues);
      return z.NEVER;
    }
    const plan = redriveDeadLetter(letter.data);
    if (plan.replayable) return plan.message;
    context.issues.push({ code: 'custom', message: plan.detail, input: payload, path: ['event'] });
    return z.NEVER;
  }),
);
