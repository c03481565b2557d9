/** What was sent on both streams, read back from the streams themselves, for the ledger. */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { LocalResources } from './resources';
import type { SentRecord } from './ledger';
import { readWholeStream } from './stream-readback';

function tripIdOf(data: Uint8Array): string | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(data).toString('utf8'));
    const tripId = typeof parsed === 'object' && parsed !== null ? (parsed as { trip_id?: unknown }).trip_id : undefined;
    return typeof tripId === 'string' ? tripId : null;
  } catch {
    return null;
  }
}

export async function sentRecords(kinesis: KinesisClient, resources: Pick<LocalResources, 'tripStartStream' | 'tripEndStream'>): Promise<SentRecord[]> {
  const streams = [
    ['start', resources.tripStartStream.name],
    ['end', resources.tripEndStream.name],
  ] as const;
  const sent: SentRecord[] = [];
  for (const [kind, streamName] of streams) {
    for (const record of await readWholeStream(kinesis, streamName)) {
      sent.push({ kind, tripId: tripIdOf(record.data), shardId: record.shardId, sequenceNumber: record.sequenceNumber });
    }
  }
  return sent;
}
