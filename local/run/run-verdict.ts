/**
 * The run's verdict once it has drained and its outputs are read: whether it failed (an unbalanced ledger, live
 * metrics that disagree with the KPIs), and what its data tells a person beside the KPIs (data-quality.ts).
 */
import path from 'node:path';
import type { DeadLetterQueueMessage } from '../../domain/redrive';
import type { AcknowledgedRecord } from '../../producer/kinesis-sender';
import { assessDataQuality, type DataQuality, readCompletedTrips } from './data-quality';
import type { Ledger, NamedRecord } from './ledger';
import type { LiveMetricsCheck } from './live-metrics-check';
import type { TripItemSummary } from './open-halves';

/** A run in which some record sent is in no category: it names the records (summary.json has the whole ledger). */
class UnbalancedLedgerError extends Error {
  constructor(
    readonly ledger: Ledger,
    summaryPath: string,
  ) {
    const name = (record: NamedRecord): string =>
      `${record.kind} of trip ${record.trip_id ?? '(unreadable)'} (${record.shard_id} ${record.sequence_number})`;
    const missing = ledger.missing_from_stream.length;
    const lost =
      missing === 0
        ? ''
        : `${missing} records Kinesis acknowledged are not on the stream: ${ledger.missing_from_stream.map(name).join('; ')}. `;
    const unaccounted = ledger.start.unaccounted + ledger.end.unaccounted - missing;
    const neither =
      unaccounted === 0
        ? ''
        : `${unaccounted} records sent are neither applied, open, duplicates nor dead-lettered: ${ledger.unaccounted_records.map(name).join('; ')}. `;
    super(`the ledger does not balance: ${lost}${neither}See ${summaryPath}`);
  }
}

/** The error that fails the run, if any; the summary is written first, saying so. */
export function runFailure(ledger: Ledger, liveCheck: LiveMetricsCheck | undefined, summaryPath: string): Error | undefined {
  if (!ledger.balanced) return new UnbalancedLedgerError(ledger, summaryPath);
  if (liveCheck !== undefined && !liveCheck.agrees_with_kpis) {
    return new Error(`the live metrics disagree with the daily KPIs: ${liveCheck.disagreements.join('; ')}. See ${summaryPath}`);
  }
  return undefined;
}

export async function assessRunDataQuality(inputs: {
  readonly acknowledged: readonly AcknowledgedRecord[];
  readonly items: readonly TripItemSummary[];
  readonly letters: readonly DeadLetterQueueMessage[];
  readonly outDir: string;
}): Promise<DataQuality> {
  const idsOf = (kind: AcknowledgedRecord['kind']): string[] =>
    inputs.acknowledged.filter((record) => record.kind === kind).map((record) => record.partitionKey);
  return assessDataQuality({
    sentIds: { start: idsOf('start'), end: idsOf('end') },
    openStartIds: inputs.items.filter((item) => item.halves === 1 && item.start_origin !== undefined).map((item) => item.trip_id),
    orphanEndIds: inputs.letters.flatMap((letter) =>
      letter.kind === 'dead-letter' && letter.letter.reason === 'ORPHAN_END' && letter.letter.trip_id !== null
        ? [letter.letter.trip_id]
        : [],
    ),
    completedTrips: await readCompletedTrips(path.join(inputs.outDir, 'completed-trips')),
  });
}
