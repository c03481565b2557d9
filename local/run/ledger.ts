/**
 * The run's ledger: every record sent on either stream ends up applied (in a completed trip), open (a
 * recorded half waiting for its partner), a duplicate ignored, or dead-lettered with a reason, and the
 * ledger proves it record by record from what the pipeline did, not from what the producer meant to do:
 * - PutRecords' answers: what was sent, each record by the shard and sequence number Kinesis acknowledged;
 * - the streams, read back whole: each acknowledged record must be there (one Kinesis acknowledged and did
 *   not keep is lost before any handler could see it, and fails the run by name);
 * - the trips table: which record each recorded half came from (its `<half>_origin`);
 * - the DLQ: which record each dead letter came from (its `origin`);
 * - the handlers' settlements: which records were found to be duplicates.
 * A record in none of these is unaccounted for, and the run fails naming it.
 */
import type { DeadLetterMessage, EventOrigin, RetryMessage } from '../../domain/envelopes';
import type { TripHalf } from '../../domain/trip-record';

export interface SentRecord {
  readonly kind: TripHalf;
  readonly tripId: string | null;
  readonly shardId: string;
  readonly sequenceNumber: string;
}

/** What the ledger reads of a trips-table item. */
export interface LedgerItem {
  readonly halves: number;
  readonly start_origin?: EventOrigin | null;
  readonly end_origin?: EventOrigin | null;
}

interface KindLedger {
  sent: number;
  applied: number;
  open: number;
  duplicates_ignored: number;
  dead_lettered: Record<string, number>;
  unaccounted: number;
}

export interface Ledger {
  start: KindLedger;
  end: KindLedger;
  balanced: boolean;
  /** The first unaccounted records, so a failed run names them. */
  unaccounted_records: NamedRecord[];
  /** Acknowledged records the stream's read-back does not hold (counted in `unaccounted` too), named. */
  missing_from_stream: NamedRecord[];
  /** Records on the stream that no PutRecords answer acknowledged (a resend of a stored record; informational). */
  unacknowledged_on_stream: { start: number; end: number };
}

export interface NamedRecord {
  kind: TripHalf;
  trip_id: string | null;
  shard_id: string;
  sequence_number: string;
}

const NAMED_UNACCOUNTED = 50;
/** The ledger's reason for a retry message the queue's redrive policy moved to the DLQ. */
export const MOVED_BY_REDRIVE_POLICY = 'MOVED_BY_REDRIVE_POLICY';

export function recordKey(kind: TripHalf, origin: EventOrigin): string {
  return `${kind}|${origin.shard_id}|${origin.sequence_number}`;
}

/** Which stream a dead letter's event came from: its event_type, or the handler that gave it up. */
function letterKind(letter: DeadLetterMessage): TripHalf | null {
  const event = letter.event;
  const eventType = typeof event === 'object' && event !== null ? (event as { event_type?: unknown }).event_type : undefined;
  if (eventType === 'trip_start') return 'start';
  if (eventType === 'trip_end') return 'end';
  if (letter.source === 'start' || letter.source === 'end') return letter.source;
  return null;
}

function emptyKind(): KindLedger {
  return { sent: 0, applied: 0, open: 0, duplicates_ignored: 0, dead_lettered: {}, unaccounted: 0 };
}

export interface LedgerInputs {
  readonly sent: readonly SentRecord[];
  readonly items: readonly LedgerItem[];
  readonly letters: readonly DeadLetterMessage[];
  /** Retry messages the SQS redrive policy moved to the DLQ: full events too, given up on by SQS itself. */
  readonly movedByRedrivePolicy: readonly RetryMessage[];
  /** recordKey()s of deliveries a handler settled as duplicates. */
  readonly duplicates: ReadonlySet<string>;
  /** The streams' read-back, when `sent` are the acknowledged records: each of them must be on it. */
  readonly onStream?: readonly SentRecord[];
}

export function computeLedger(inputs: LedgerInputs): Ledger {
  const recorded = new Map<string, 'applied' | 'open'>();
  for (const item of inputs.items) {
    const state = item.halves >= 2 ? 'applied' : 'open';
    if (item.start_origin) recorded.set(recordKey('start', item.start_origin), state);
    if (item.end_origin) recorded.set(recordKey('end', item.end_origin), state);
  }
  const lettered = new Map<string, string>();
  for (const letter of inputs.letters) {
    const kind = letterKind(letter);
    if (kind !== null && letter.origin !== null) lettered.set(recordKey(kind, letter.origin), letter.reason);
  }
  for (const moved of inputs.movedByRedrivePolicy) {
    const kind = moved.event.event_type === 'trip_start' ? 'start' : 'end';
    if (moved.origin !== null) lettered.set(recordKey(kind, moved.origin), MOVED_BY_REDRIVE_POLICY);
  }
  const ledger: Ledger = {
    start: emptyKind(),
    end: emptyKind(),
    balanced: true,
    unaccounted_records: [],
    missing_from_stream: [],
    unacknowledged_on_stream: { start: 0, end: 0 },
  };
  const keyOf = (record: SentRecord): string =>
    recordKey(record.kind, { shard_id: record.shardId, sequence_number: record.sequenceNumber });
  const named = (record: SentRecord): NamedRecord => ({
    kind: record.kind,
    trip_id: record.tripId,
    shard_id: record.shardId,
    sequence_number: record.sequenceNumber,
  });
  const onStream = inputs.onStream === undefined ? undefined : new Set(inputs.onStream.map(keyOf));
  if (inputs.onStream !== undefined) {
    const acknowledged = new Set(inputs.sent.map(keyOf));
    for (const record of inputs.onStream) if (!acknowledged.has(keyOf(record))) ledger.unacknowledged_on_stream[record.kind] += 1;
  }
  for (const record of inputs.sent) {
    const key = keyOf(record);
    const entry = ledger[record.kind];
    entry.sent += 1;
    if (onStream !== undefined && !onStream.has(key)) {
      entry.unaccounted += 1;
      ledger.balanced = false;
      if (ledger.missing_from_stream.length < NAMED_UNACCOUNTED) ledger.missing_from_stream.push(named(record));
      continue;
    }
    // A half in the table outranks a letter: a retry copy may have been given up after another delivery of
    // the same record was recorded. A letter outranks a duplicate: an end evicted for dropping off before
    // its start was recorded first, then rejected.
    const state = recorded.get(key);
    const reason = lettered.get(key);
    if (state !== undefined) entry[state] += 1;
    else if (reason !== undefined) entry.dead_lettered[reason] = (entry.dead_lettered[reason] ?? 0) + 1;
    else if (inputs.duplicates.has(key)) entry.duplicates_ignored += 1;
    else {
      entry.unaccounted += 1;
      ledger.balanced = false;
      if (ledger.unaccounted_records.length < NAMED_UNACCOUNTED) ledger.unaccounted_records.push(named(record));
    }
  }
  for (const entry of [ledger.start, ledger.end]) {
    entry.dead_lettered = Object.fromEntries(Object.entries(entry.dead_lettered).sort(([a], [b]) => a.localeCompare(b)));
  }
  return ledger;
}

/** One line per kind: `start: 5000 sent = 4979 applied + 20 open + 1 duplicates + 0 dead-lettered`. */
export function describeLedger(ledger: Ledger): string[] {
  return (['start', 'end'] as const).map((kind) => {
    const entry = ledger[kind];
    const missing = ledger.missing_from_stream.filter((record) => record.kind === kind).length;
    const dead = Object.values(entry.dead_lettered).reduce((sum, count) => sum + count, 0);
    const reasons = Object.entries(entry.dead_lettered)
      .map(([reason, count]) => `${reason} ${count}`)
      .join(', ');
    return (
      `${kind}: ${entry.sent} sent = ${entry.applied} applied + ${entry.open} open + ${entry.duplicates_ignored} duplicates + ` +
      `${dead} dead-lettered${reasons === '' ? '' : ` (${reasons})`}${entry.unaccounted > 0 ? ` + ${entry.unaccounted} UNACCOUNTED` : ''}` +
      (missing > 0 ? ` (${missing} acknowledged by Kinesis but not on the stream)` : '')
    );
  });
}
