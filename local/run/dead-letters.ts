/**
 * Reads the dead-letter queue at the end of a run and tallies it for summary.json. The DLQ holds three
 * kinds of message:
 * - the handlers' dead letters (DeadLetterMessage: full event, reason, trip_id);
 * - the stream mappings' on-failure invocation records (KinesisBatchInfo / DDBStreamBatchInfo): pointers
 *   to a discarded shard range, with no trip_id, counted apart;
 * - retry-queue messages moved by the queue's redrive policy (maxReceiveCount), counted apart.
 * Messages are received, not deleted: the queue keeps them for an operator, as on AWS. Bodies are classified
 * by the operator tools' own classifier (domain/redrive.ts).
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { readWholeQueue } from '../../aws/queue-reader';
import type { DeadLetterQueueMessage } from '../../domain/redrive';

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

export function tallyDeadLetters(messages: readonly DeadLetterQueueMessage[]): DeadLetterTally {
  const tripsByReason = new Map<string, Set<string>>();
  const withoutTrip = new Map<string, number>();
  const tally: DeadLetterTally = {
    total: 0,
    by_reason: {},
    messages: messages.length,
    on_failure_batches: 0,
    moved_by_redrive_policy: 0,
    unrecognized: 0,
  };
  for (const message of messages) {
    if (message.kind === 'on-failure') tally.on_failure_batches += 1;
    else if (message.kind === 'retry-message') tally.moved_by_redrive_policy += 1;
    else if (message.kind === 'other') tally.unrecognized += 1;
    else {
      const { reason, trip_id: tripId } = message.letter;
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
 * The body of every message on the DLQ, each received once: a long visibility timeout keeps received
 * messages hidden until the run is over, and nothing is deleted.
 */
export async function readDeadLetterBodies(sqs: SQSClient, queueUrl: string): Promise<string[]> {
  const messages = await readWholeQueue(sqs, queueUrl, { visibilityTimeoutSeconds: 900, emptyReceivesToStop: 2, waitTimeSeconds: 0 });
  return messages.map((message) => message.body);
}
