/**
 * What the ledger counts as sent: the records PutRecords acknowledged (producer and replay), each named by the
 * shard and sequence number Kinesis returned; and what the streams' read-back (stream-readback.ts) holds.
 */

import type { TripHalf } from '../../domain/csv';
import type { AcknowledgedRecord } from '../../producer/kinesis-sender';
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

export function sentRecords(streams: Readonly<Record<TripHalf, readonly ReadBackRecord[]>>): SentRecord[] {
  return (['start', 'end'] as const).flatMap((kind) =>
    streams[kind].map((record) => ({
      kind,
      tripId: tripIdOf(record.data),
      shardId: record.shardId,
      sequenceNumber: record.sequenceNumber,
    })),
  );
}

/** The acknowledged records as the ledger names them; the partition key is the event's trip_id. */
export function acknowledgedRecords(acknowledged: readonly AcknowledgedRecord[]): SentRecord[] {
  return acknowledged.map((record) => ({
    kind: record.kind,
    tripId: record.partitionKey,
    shardId: record.shardId,
    sequenceNumber: record.sequenceNumber,
  }));
}
