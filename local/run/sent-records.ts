/** What was sent on both streams, from the streams' own read-back (stream-readback.ts), for the ledger. */
import type { CsvKind } from '../../lib/domain/csv';
import type { SentRecord } from './ledger';
import type { ReadBackRecord } from './stream-readback';

function tripIdOf(data: Uint8Array): string | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(data).toString('utf8'));
    const tripId = typeof parsed === 'object' && parsed !== null ? (parsed as { trip_id?: unknown }).trip_id : undefined;
    return typeof tripId === 'string' ? tripId : null;
  } catch {
    return null;
  }
}

export function sentRecords(streams: Readonly<Record<CsvKind, readonly ReadBackRecord[]>>): SentRecord[] {
  return (['start', 'end'] as const).flatMap((kind) =>
    streams[kind].map((record) => ({ kind, tripId: tripIdOf(record.data), shardId: record.shardId, sequenceNumber: record.sequenceNumber })),
  );
}
