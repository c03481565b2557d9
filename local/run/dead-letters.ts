/**
 * Reads the dead-letter queue at the end of a run and tallies it for summary.json. The DLQ holds three
 * kinds of message:
 * - the handlers' dead letters (DeadLetterMessage: full event, reason, trip_id);
 * - the stream mappings' on-failure invocation records (KinesisBatchInfo / DDBStreamBatchInfo): pointers
 *   to a discarded shard range, with no trip_id, counted apart;
 * - retry-queue messages moved by the queue's redrive policy (maxReceiveCount), counted apart.
 * Messages are received, not deleted: the queue keeps them for an operator, as on AWS.
 */
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { deadLetterMessageSchema, retryMessageSchema, type DeadLetterMessage, type RetryMessage } from '../../lib/domain/envelopes';

export interface DeadLetterTally {
  /** Sum of by_reason. */
  total: number;
  /** Distinct trip_ids per reason (a dead letter without a trip_id counts once per message). */
  by_reason: Record<string, number>;
  /** Messages read from the DLQ, of every kind. */
  messages: number;
  /** On-failure invocation records of the stream mappings: batches discarded after their retries. */
  on_failure_batches: number;
  /** Retry-queue messages the SQS redrive policy moved after maxReceiveCount receives. */
  moved_by_redrive_policy: number;
  /** Messages of none of the kinds above. */
  unrecognized: number;
}

export type ClassifiedDeadLetter =
  | { readonly kind: 'dead-letter'; readonly message: DeadLetterMessage }
  | { readonly kind: 'on-failure'; readonly record: Record<string, unknown> }
  | { readonly kind: 'redrive-policy'; readonly tripId: string; readonly message: RetryMessage }
  | { readonly kind: 'unrecognized'; readonly body: string };

export function classifyDeadLetter(body: string): ClassifiedDeadLetter {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { kind: 'unrecognized', body };
  }
  const deadLetter = deadLetterMessageSchema.safeParse(parsed);
  if (deadLetter.success) return { kind: 'dead-letter', message: deadLetter.data };
  if (typeof parsed === 'object' && parsed !== null && ('KinesisBatchInfo' in parsed || 'DDBStreamBatchInfo' in parsed)) {
    return { kind: 'on-failure', record: parsed as Record<string, unknown> };
  }
  const retry = retryMessageSchema.safeParse(parsed);
  if (retry.success) return { kind: 'redrive-policy', tripId: retry.data.event.trip_id, message: retry.data };
  return { kind: 'unrecognized', body };
}

export function tallyDeadLetters(bodies: readonly string[]): DeadLetterTally {
  const tripsByReason = new Map<string, Set<string>>();
  const withoutTrip = new Map<string, number>();
  const tally: DeadLetterTally = { total: 0, by_reason: {}, messages: bodies.length, on_failure_batches: 0, moved_by_redrive_policy: 0, unrecognized: 0 };
  for (const body of bodies) {
    const classified = classifyDeadLetter(body);
    if (classified.kind === 'on-failure') tally.on_failure_batches += 1;
    else if (classified.kind === 'redrive-policy') tally.moved_by_redrive_policy += 1;
    else if (classified.kind === 'unrecognized') tally.unrecognized += 1;
    else {
      const { reason, trip_id: tripId } = classified.message;
      if (tripId === null) withoutTrip.set(reason, (withoutTrip.get(reason) ?? 0) + 1);
      else tripsByReason.set(reason, (tripsByReason.get(reason) ?? new Set<string>()).add(tripId));
    }
  }
  const reasons = new Set([...tripsByReason.keys(), ...withoutTrip.keys()]);
  for (const reason of [...reasons].sort()) {
    const count = (tripsByReason.get(reason)?.size ?? 0) + (withoutTrip.get(reason) ?? 0);
    tally.by_reason[reason] = count;
    tally.total += count;
  }
  return tally;
}

/**
 * Every message on the queue, each received once: a long visibility timeout keeps received messages
 * hidden until the read is over, and nothing is deleted.
 */
export async function readQueue(sqs: SQSClient, queueUrl: string): Promise<string[]> {
  const bodies: string[] = [];
  const seen = new Set<string>();
  let emptyReceives = 0;
  while (emptyReceives < 2) {
    const { Messages: messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 900, WaitTimeSeconds: 0 }),
    );
    emptyReceives = messages.length === 0 ? emptyReceives + 1 : 0;
    for (const message of messages) {
      const id = message.MessageId ?? '';
      if (seen.has(id)) continue;
      seen.add(id);
      bodies.push(message.Body ?? '');
    }
  }
  return bodies;
}
