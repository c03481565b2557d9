/**
 * The ledger step: every record sent, accounted for from what the run reads back once it has drained (the
 * trips table, the dead-letter queue, the streams) and from what only the handlers can tell (duplicates).
 * The run's own reads go through uncounted clients, so aws_requests stays the pipeline's traffic.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { TripHalf } from '../../domain/csv';
import { type DeadLetterQueueMessage, parseDeadLetterQueueMessage } from '../../domain/redrive';
import type { AcknowledgedRecord } from '../../producer/kinesis-sender';
import { type DeadLetterTally, readDeadLetterBodies, tallyDeadLetters } from './dead-letters';
import { computeLedger, describeLedger, type Ledger, recordKey } from './ledger';
import { readTripItems, type TripItemSummary } from './open-halves';
import type { LocalResources } from './resources';
import { acknowledgedRecords, sentRecords } from './sent-records';
import type { ReadBackRecord } from './stream-readback';

/** Which records the handlers found to be duplicates: the part of the ledger only they can tell. */
export async function observeDuplicates(): Promise<{ readonly duplicates: Set<string>; readonly stop: () => void }> {
  const { observeOutcomes } = await import('../../lambdas/common/observability.js');
  const duplicates = new Set<string>();
  const stop = observeOutcomes({
    settled: ({ event, origin, outcome }) => {
      if (outcome === 'duplicate' && origin !== null)
        duplicates.add(recordKey(event.event_type === 'trip_start' ? 'start' : 'end', origin));
    },
  });
  return { duplicates, stop };
}

export interface LedgerInputsOfRun {
  readonly inspection: { readonly dynamodb: DynamoDBClient; readonly sqs: SQSClient };
  readonly resources: LocalResources;
  readonly outDir: string;
  readonly acknowledged: readonly AcknowledgedRecord[];
  readonly duplicates: ReadonlySet<string>;
  /** Both streams as read back for the archive: the same records. */
  readonly readBack: Readonly<Record<TripHalf, readonly ReadBackRecord[]>>;
}

export interface RunLedger {
  readonly ledger: Ledger;
  readonly items: TripItemSummary[];
  readonly deadLettered: DeadLetterTally;
  readonly letters: DeadLetterQueueMessage[];
}

/** Reads the results back, writes `<out>/dead-letters.jsonl`, and balances the ledger. */
export async function computeRunLedger(inputs: LedgerInputsOfRun): Promise<RunLedger> {
  const [items, deadLetterBodies] = await Promise.all([
    readTripItems(inputs.inspection.dynamodb, inputs.resources.tripsTable.name),
    readDeadLetterBodies(inputs.inspection.sqs, inputs.resources.deadLetterQueue.url),
  ]);
  const sent = acknowledgedRecords(inputs.acknowledged);
  await writeFile(path.join(inputs.outDir, 'dead-letters.jsonl'), deadLetterBodies.map((body) => `${body}\n`).join(''));
  const letters = deadLetterBodies.map(parseDeadLetterQueueMessage);
  const deadLettered = tallyDeadLetters(letters);
  const ledger = computeLedger({
    sent,
    items,
    letters: letters.flatMap((letter) => (letter.kind === 'dead-letter' ? [letter.letter] : [])),
    movedByRedrivePolicy: letters.flatMap((letter) => (letter.kind === 'retry-message' ? [letter.message] : [])),
    duplicates: inputs.duplicates,
    onStream: sentRecords(inputs.readBack),
  });
  return { ledger, items, deadLettered, letters };
}

export function logLedger(ledger: Ledger, log: (line: string) => void): void {
  for (const line of describeLedger(ledger)) log(`ledger ${line}`);
}
