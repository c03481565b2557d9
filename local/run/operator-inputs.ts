/**
 * What an operator feeds into a local run besides the CSVs, the way they would on AWS:
 * - `--redrive <dead-letters.jsonl>`: an earlier run's dead letters, each redriven through the retry queue
 *   as a retry with a fresh budget (the same conversion and queue adapter as `npm run dlq -- redrive`);
 * - `--replay <raw folder>`: an earlier run's raw archive, re-sent into the streams by `npm run replay`'s code.
 */
import { readFile } from 'node:fs/promises';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { RetryQueue } from '../../aws/trip-queues';
import type { TripHalf } from '../../domain/csv';
import { parseDeadLetterQueueMessage, redriveDeadLetterQueueMessage } from '../../domain/redrive';
import { type ReplayOptions, type ReplaySummary, replay } from '../../producer/replay';

export interface RedriveFileSummary {
  readonly letters: number;
  readonly redriven: number;
  /** Letters that carry no replayable event, by line of the file, with why. */
  readonly left: { readonly line: number; readonly trip_id: string | null; readonly detail: string }[];
}

export async function redriveDeadLetterFile(sqs: SQSClient, retryQueueUrl: string, file: string): Promise<RedriveFileSummary> {
  const lines = (await readFile(file, 'utf8')).split('\n');
  const retryQueue = new RetryQueue(sqs, retryQueueUrl);
  let letters = 0;
  let redriven = 0;
  const left: RedriveFileSummary['left'] = [];
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    letters += 1;
    const plan = redriveDeadLetterQueueMessage(parseDeadLetterQueueMessage(line));
    if (!plan.replayable) {
      left.push({ line: index + 1, trip_id: plan.tripId, detail: plan.detail });
      continue;
    }
    await retryQueue.park(plan.message, 0);
    redriven += 1;
  }
  return { letters, redriven, left };
}

export function replayRawArchive(
  kinesis: KinesisClient,
  streams: Record<TripHalf, string>,
  from: string,
  unsent: string,
  onAcknowledged: ReplayOptions['onAcknowledged'],
): Promise<ReplaySummary> {
  return replay({ from, streams, selection: {}, kinesis, unsent, ...(onAcknowledged === undefined ? {} : { onAcknowledged }) });
}
