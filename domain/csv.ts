/**
 * One CSV row (columns already named by the header) -> a wire event, with every rule of docs/contracts.md §1.
 * A rejected row gets one reason naming every bad column and what is wrong with it, so an operator can
 * fix the source without guessing. The built event is checked against the wire schema before it is
 * returned: whatever this module accepts, the handlers accept too.
 */

import { MAX_TRIP_ID_LENGTH } from './bounds';
import {
  describeIssues,
  EVENT_SCHEMA_VERSION,
  type TripEndEvent,
  type TripStartEvent,
  tripEndEventSchema,
  tripStartEventSchema,
} from './events';
import { type NumberOutcome, parseAmount, parseFare, parseIntegerCode } from './numbers';
import { parseTimestamp } from './timestamps';
import {
  END_EVENT_FIELDS,
  type FieldKind,
  isRequiredField,
  START_EVENT_FIELDS,
  TRIP_FIELDS,
  TRIP_KEY_FIELD,
  type TripField,
  type TripHalf,
} from './trip-record';
import type * as z from './validation';

export { CSV_COLUMNS, type EndColumn, type StartColumn, type TripHalf } from './trip-record';

/** The columns that may not be blank: the key, then the half's fields that are never null. */
export const REQUIRED_COLUMNS: Record<TripHalf, readonly string[]> = {
  start: [TRIP_KEY_FIELD, ...START_EVENT_FIELDS.filter(isRequiredField)],
  end: [TRIP_KEY_FIELD, ...END_EVENT_FIELDS.filter(isRequiredField)],
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
    ...row.fields(START_EVENT_FIELDS),
  };
  return row.outcome(tripStartEventSchema, candidate);
}

export function parseEndRow(record: Record<string, string>): RowOutcome<TripEndEvent> {
  const row = new RowFields(record);
  const candidate = {
    schema_version: EVENT_SCHEMA_VERSION,
    event_type: 'trip_end',
    trip_id: row.tripId(),
    ...row.fields(END_EVENT_FIELDS),
  };
  return row.outcome(tripEndEventSchema, candidate);
}

/** How the text of a CSV cell of each kind becomes its value; the key has its own reader (tripId). */
const NUMBER_PARSERS: Partial<Record<FieldKind, (text: string) => NumberOutcome>> = {
  code: parseIntegerCode,
  amount: parseAmount,
  money: parseFare,
};

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

  /** Each field read by its kind, in the order given; a blank optional field is null. */
  fields(fields: readonly TripField[]): Record<string, unknown> {
    return Object.fromEntries(fields.map((field) => [field, this.field(field)]));
  }

  private field(field: TripField): unknown {
    const { kind } = TRIP_FIELDS[field];
    const presence: Presence = isRequiredField(field) ? 'required' : 'optional';
    if (kind === 'instant') return this.timestamp(field, presence);
    const parse = NUMBER_PARSERS[kind];
    if (parse === undefined) throw new Error(`${field}: a ${kind} field has no CSV reader`);
    return this.number(field, presence, parse);
  }

  timestamp(column: string, presence: 'required'): string | undefined;
  timestamp(column: string, presence: 'optional'): string | null | undefined;
  timestamp(column: string, presence: Presence): string | null | undefined;
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
  number(column: string, presence: Presence, parse: (text: string) => NumberOutcome): number | null | undefined;
  number(column: string, presence: Presence, parse: (text: string) => NumberOutcome): number | null | undefined {
    const text = this.text(column, presence);
    if (text === undefined) return presence === 'optional' ? null : undefined;
    const parsed = parse(text);
    if (parsed.ok) return parsed.value;
    this.problems.push(`${column}: ${quote(text)} ${parsed.problem}`);
    return undefined;
  }

  outcome<S extends z.ZodMiniType>(schema: S, candidate: Record<string, unknown>): RowOutcome<z.infer<S>> {
    if (this.problems.length > 0) return { ok: false, reason: this.problems.join('; ') };
    const checked = schema.safeParse(candidate);
    return checked.success ? { ok: true, event: checked.data } : { ok: false, reason: describeIssues(checked.error) };
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
  return JSON.stringify(value.length > MAX_QUOTED_VALUE_LENGTH ? `${value.slice(0, MAX_QUOTED_VALUE_LENGTH)}…` : value);
}
