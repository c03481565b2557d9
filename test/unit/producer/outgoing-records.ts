/** Factories for the sender's input: records as produce() hands them over. */
import type { TripHalf } from '../../../domain/csv';
import type { OutgoingRecord, SenderEvents, UnsentRecord } from '../../../producer/kinesis-sender';

export function outgoingRecord(overrides: Partial<OutgoingRecord> & { sequence?: number; dataBytes?: number } = {}): OutgoingRecord {
  const { sequence = 1, dataBytes, ...fields } = overrides;
  const tripId = `trip-${sequence}`;
  const data = dataBytes === undefined ? Buffer.from(JSON.stringify({ trip_id: tripId })) : Buffer.alloc(dataBytes, 'x');
  return {
    kind: 'start' as TripHalf,
    stream: 'trip-start',
    partitionKey: tripId,
    data,
    file: 'trip_start.csv',
    lineNumber: sequence + 1,
    raw: `${tripId},...`,
    ...fields,
  };
}

export function outgoingRecords(count: number, overrides: Partial<OutgoingRecord> & { dataBytes?: number } = {}): OutgoingRecord[] {
  return Array.from({ length: count }, (_, index) => outgoingRecord({ ...overrides, sequence: index + 1 }));
}

/** SenderEvents that remember what they were told. */
export function recordingEvents() {
  const seen = { sent: { start: 0, end: 0 }, retried: 0, batches: 0, unsent: [] as UnsentRecord[] };
  const events: SenderEvents = {
    onSent: (kind, count) => {
      seen.sent[kind] += count;
    },
    onRetried: (count) => {
      seen.retried += count;
    },
    onBatch: () => {
      seen.batches += 1;
    },
    onUnsent: async (unsent) => {
      seen.unsent.push(...unsent);
    },
  };
  return { events, seen };
}
