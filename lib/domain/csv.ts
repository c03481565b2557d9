/**
 * One CSV row (columns already named by the header) -> a wire event, with every rule of docs/contracts.md §1.
 * A rejected row gets one reason naming every bad column and what is wrong with it, so an operator can
 * fix the source without guessing. The built event is checked against the wire schema before it is
 * returned: whatever this module accepts, the handlers accept too.
 */
import type { z } from 'zod';
import {
  EVENT_SCHEMA_VERSION,
  describeIssues,
  tripEndEventSchema,
  tripStartEventSchema,
  type TripEndEvent,
  type TripStartEvent,
} from './events';
import { MAX_TRIP_ID_LENGTH } from './bounds';
import { parseAmount, parseFare, parseIntegerCode, type NumberOutcome } from './numbers';
import { parseTimestamp } from './timestamps';

export type CsvKind = 'start' | 'end';

/** Columns in the order of the real dataset (trip_id is the last end column there). */
export const CSV_COLUMNS = {
  start: [
    'trip_id',
    'pickup_location_id',
    'dropoff_location_id',
    'vendor_id',
    'pickup_datetime',
    'estimated_dropoff_datetime',
    'estimated_fare_amount',
  ],
  end: [
    'dropoff_datetime',
    'rate_code',
    'passenger_count',
    'trip_distance',
    'fare_amount',
    'tip_amount',
    'payment_type',
    'trip_type',
    'trip_id',
  ],
} as const satisfies Record<CsvKind, readonly string[]>;
export type StartColumn = (typeof CSV_COLUMNS.start)[number];
export type EndColumn = (typeof CSV_COLUMNS.end)[number];

export const REQUIRED_COLUMNS: Record<CsvKind, readonly string[]> = {
  start: ['trip_id', 'pickup_datetime', 'estimated_fare_amount'],
  end: ['trip_id', 'dropoff_datetime', 'fare_amount'],
};

export type RowOutcome<E> = { ok: true; event: E } | { ok: false; reason: string };

/** Reasons quote the offending value; a runaway value (a wrong delimiter, say) is cut to keep them readable. */
const MAX_QUOTED_VALUE_LENGTH = 60;

export function parseStartRow(record: Record<string, string>): RowOutcome<TripStartEvent> {
  const row = new RowFields(record);
  const candidate = {
    schema_version: EVENT_SCHEMA_VERSION,
    event_type: 'trip_start',
    trip_id: row.tripId(),
    pickup_datetime: row.timestamp('pickup_datetime', 'required'),
    estimated_dropoff_datetime: row.timestamp('estimated_dropoff_datetime', 'optional'),
    pickup_location_id: row.number('pickup_location_id', 'optional', parseIntegerCode),
    dropoff_location_id: row.number('dropoff_location_id', 'optional', parseIntegerCode),
    vendor_id: row.number('vendor_id', 'optional', parseIntegerCode),
    estimated_fare_amount: row.number('estimated_fare_amount', 'required', parseFare),
  };
  return row.outcome(tripStartEventSchema, candidate);
}

export function parseEndRow(record: Record<string, string>): RowOutcome<TripEndEvent> {
  const row = new RowFields(record);
  const candidate = {
    schema_version: EVENT_SCHEMA_VERSION,
    event_type: 'trip_end',
    trip_id: row.tripId(),
    dropoff_datetime: row.timestamp('dropoff_datetime', 'required'),
    rate_code: row.number('rate_code', 'optional', parseIntegerCode),
    passenger_count: row.number('passenger_count', 'optional', parseIntegerCode),
    trip_distance: row.number('trip_distance', 'optional', parseAmount),
    fare_amount: row.number('fare_amount', 'required', parseFare),
    tip_amount: row.number('tip_amount', 'optional', parseAmount),
    payment_type: row.number('payment_type', 'optional', parseIntegerCode),
    trip_type: row.number('trip_type', 'optional', parseIntegerCode),
  };
  return row.outcome(tripEndEventSchema, candidate);
}

type Presence = 'required' | 'optional';

/** Reads the fields of one row, collecting a problem per bad column instead of stopping at the first. */
class RowFields {
  private readonly problems: string[] = [];

  constructor(private readonly record: Record<string, string>) {}

  tripId(): string | undefined {
    const text = this.text('trip_id', 'required');
    if (text === undefined) return undefined;
    if (text.length > MAX_TRIP_ID_LENGTH) {
      this.problems.push(`trip_id: ${quote(text)} is longer than ${MAX_TRIP_ID_LENGTH} characters`);
      return undefined;
    }
    return text;
  }

  timestamp(column: string, presence: 'required'): string | undefined;
  timestamp(column: string, presence: 'optional'): string | null | undefined;
  timestamp(column: string, presence: Presence): string | null | undefined {
    const text = this.text(column, presence);
    if (text === undefined) return presence === 'optional' ? null : undefined;
    const parsed = parseTimestamp(text);
    if (parsed.ok) return parsed.instant;
    this.problems.push(`${column}: ${quote(text)} ${parsed.problem}`);
    return undefined;
  }

  number(column: string, presence: 'required', parse: (text: string) => NumberOutcome): number | undefined;
  number(column: string, presence: 'optional', parse: (text: string) => NumberOutcome): number | null | undefined;
  number(column: string, presence: Presence, parse: (text: string) => NumberOutcome): number | null | undefined {
    const text = this.text(column, presence);
    if (text === undefined) return presence === 'optional' ? null : undefined;
    const parsed = parse(text);
    if (parsed.ok) return parsed.value;
    this.problems.push(`${column}: ${quote(text)} ${parsed.problem}`);
    return undefined;
  }

  outcome<S extends z.ZodType>(schema: S, candidate: Record<string, unknown>): RowOutcome<z.infer<S>> {
    if (this.problems.length > 0) return { ok: false, reason: this.problems.join('; ') };
    const checked = schema.safeParse(candidate);
    return checked.success
      ? { ok: true, event: checked.data }
      : { ok: false, reason: describeIssues(checked.error) };
  }

  /** Trimmed text of a column, or undefined when blank (a problem only when the column is required). */
  private text(column: string, presence: Presence): string | undefined {
    const value = this.record[column];
    const trimmed = value?.trim() ?? '';
    if (trimmed !== '') return trimmed;
    if (presence === 'required') {
      this.problems.push(value === undefined ? `${column}: column is missing` : `${column}: required but blank`);
    }
    return undefined;
  }
}

function quote(value: string): string {
  return JSON.stringify(
    value.length > MAX_QUOTED_VALUE_LENGTH ? `${value.slice(0, MAX_QUOTED_VALUE_LENGTH)}…` : value,
  );
}
