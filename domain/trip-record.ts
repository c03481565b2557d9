/**
 * The trip record, defined once: every field a trip carries, which half brings it, what kind of value it
 * holds and whether it may be null. Every view of a trip is derived from this table:
 *
 * - the wire events (events.ts) and the CSV columns they are read from (csv.ts);
 * - the halves' item attributes (trip-item.ts, trip-assembly.ts);
 * - the staged row of a completed trip (trip-item.ts) and its Glue columns (lib/constructs/catalog-columns.ts);
 * - the KPI engines' read schemas: DuckDB's view (kpi/duckdb-engine.ts) from here directly, Spark's
 *   from spark/trip_schema.py, generated from here by `npm run generate:schemas` (a test fails when stale).
 *
 * The order of the table is the order of the staged JSON object, and within a half the order of its event.
 */
import {
  AMOUNT_RANGE_PROBLEM,
  CODE_RANGE_PROBLEM,
  INSTANT_RANGE_PROBLEM,
  isAmountInRange,
  isInstantInRange,
  MAX_ABSOLUTE_CODE,
  MAX_TRIP_ID_LENGTH,
} from './bounds';
import * as z from './validation';

/**
 * Who brings a field: `key` both events; `start`/`end` that half's event; `derived` the start's write
 * (computed from its event, not on the wire); `staging` the match handler when it stages the trip.
 */
type FieldOrigin = 'key' | 'start' | 'end' | 'derived' | 'staging';

/**
 * What a field holds. `instant`: canonical UTC ISO text; `date`: YYYY-MM-DD; `code`: an integer code;
 * `amount`: a bounded finite number; `money`: an amount that is 0 or more.
 */
export type FieldKind = 'trip_id' | 'instant' | 'date' | 'code' | 'amount' | 'money';

/** How the KPI SQL reads a field from the `completed_trips` view: as it is, or an instant as epoch seconds. */
export type KpiInput = 'column' | 'epoch_seconds';

export interface TripFieldDefinition {
  readonly origin: FieldOrigin;
  readonly kind: FieldKind;
  readonly nullable: boolean;
  /** Position among its CSV file's columns, in the order of the real dataset (the key is in both files). */
  readonly csv?: { readonly start?: number; readonly end?: number };
  readonly kpi?: KpiInput;
}

export const TRIP_FIELDS = {
  trip_id: { origin: 'key', kind: 'trip_id', nullable: false, csv: { start: 0, end: 8 }, kpi: 'column' },
  trip_date: { origin: 'derived', kind: 'date', nullable: false, kpi: 'column' },
  pickup_datetime: { origin: 'start', kind: 'instant', nullable: false, csv: { start: 4 }, kpi: 'epoch_seconds' },
  dropoff_datetime: { origin: 'end', kind: 'instant', nullable: false, csv: { end: 0 }, kpi: 'epoch_seconds' },
  estimated_dropoff_datetime: { origin: 'start', kind: 'instant', nullable: true, csv: { start: 5 } },
  pickup_location_id: { origin: 'start', kind: 'code', nullable: true, csv: { start: 1 }, kpi: 'column' },
  dropoff_location_id: { origin: 'start', kind: 'code', nullable: true, csv: { start: 2 } },
  vendor_id: { origin: 'start', kind: 'code', nullable: true, csv: { start: 3 }, kpi: 'column' },
  estimated_fare_amount: { origin: 'start', kind: 'money', nullable: false, csv: { start: 6 } },
  rate_code: { origin: 'end', kind: 'code', nullable: true, csv: { end: 1 } },
  passenger_count: { origin: 'end', kind: 'code', nullable: true, csv: { end: 2 } },
  trip_distance: { origin: 'end', kind: 'amount', nullable: true, csv: { end: 3 }, kpi: 'column' },
  fare_amount: { origin: 'end', kind: 'money', nullable: false, csv: { end: 4 }, kpi: 'column' },
  tip_amount: { origin: 'end', kind: 'amount', nullable: true, csv: { end: 5 }, kpi: 'column' },
  payment_type: { origin: 'end', kind: 'code', nullable: true, csv: { end: 6 }, kpi: 'column' },
  trip_type: { origin: 'end', kind: 'code', nullable: true, csv: { end: 7 } },
  completed_at: { origin: 'staging', kind: 'instant', nullable: false, kpi: 'column' },
} as const satisfies Record<string, TripFieldDefinition>;

export type TripField = keyof typeof TRIP_FIELDS;
/** The one field both events carry: the trip's identity. */
export const TRIP_KEY_FIELD = 'trip_id' satisfies TripField;
type Definition<F extends TripField> = (typeof TRIP_FIELDS)[F];
type FieldsOf<O extends FieldOrigin> = { [F in TripField]: Definition<F>['origin'] extends O ? F : never }[TripField];
export type StartEventField = FieldsOf<'start'>;
export type EndEventField = FieldsOf<'end'>;

function fieldsWhere(keep: (definition: TripFieldDefinition) => boolean): TripField[] {
  return (Object.keys(TRIP_FIELDS) as TripField[]).filter((field) => keep(TRIP_FIELDS[field]));
}

/** The fields each event carries besides `trip_id`, in event order. */
export const START_EVENT_FIELDS = fieldsWhere((field) => field.origin === 'start') as StartEventField[];
export const END_EVENT_FIELDS = fieldsWhere((field) => field.origin === 'end') as EndEventField[];
/** Every field of the staged row, in staged order. */
export const STAGED_TRIP_FIELDS = Object.keys(TRIP_FIELDS) as TripField[];

// --- Value schemas, one per kind ---------------------------------------------------------------------

/** Canonical UTC instant: what `Date.prototype.toISOString()` prints. Equal instants compare equal as text. */
const utcInstant = z.string().check(
  z.regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 'must be a UTC instant like 2024-05-25T13:19:00.000Z'),
  // Checks run even after the regex failed, and toISOString() throws on an invalid date.
  z.refine((text) => {
    const instant = new Date(text);
    return !Number.isNaN(instant.getTime()) && instant.toISOString() === text;
  }, 'is not a real calendar instant'),
  z.refine((text) => isInstantInRange(Date.parse(text)), INSTANT_RANGE_PROBLEM),
);
// z.number() already refuses NaN and the infinities.
const amount = z.number().check(z.refine(isAmountInRange, AMOUNT_RANGE_PROBLEM));
const money = amount.check(z.refine((value) => value >= 0, 'is negative (fares must be 0 or more)'));
const code = z.number().check(z.int(), z.gte(-MAX_ABSOLUTE_CODE, CODE_RANGE_PROBLEM), z.lte(MAX_ABSOLUTE_CODE, CODE_RANGE_PROBLEM));
const tripId = z.string().check(z.minLength(1), z.maxLength(MAX_TRIP_ID_LENGTH));
const calendarDate = z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/));

/**
 * `wire`: every rule of docs/contracts.md §1, for events anyone with PutRecord can send. `stored`: the
 * shape only, for what the pipeline wrote itself from validated events (items, staged rows).
 */
const KIND_SCHEMAS = {
  wire: { trip_id: tripId, instant: utcInstant, date: calendarDate, code, amount, money },
  stored: { trip_id: z.string(), instant: z.string(), date: calendarDate, code: z.number(), amount: z.number(), money: z.number() },
} as const;
export type Strictness = keyof typeof KIND_SCHEMAS;

type KindSchema<S extends Strictness, F extends TripField> = (typeof KIND_SCHEMAS)[S][Definition<F>['kind']];
type FieldSchema<S extends Strictness, F extends TripField> = Definition<F>['nullable'] extends true
  ? z.ZodMiniNullable<KindSchema<S, F>>
  : KindSchema<S, F>;
export type TripFieldShape<S extends Strictness, F extends TripField> = { [K in F]: FieldSchema<S, K> };

function fieldSchema<S extends Strictness, F extends TripField>(strictness: S, field: F): FieldSchema<S, F> {
  const definition: TripFieldDefinition = TRIP_FIELDS[field];
  const schema: z.ZodMiniType = KIND_SCHEMAS[strictness][definition.kind];
  return (definition.nullable ? z.nullable(schema) : schema) as FieldSchema<S, F>;
}

/** The zod shape of some fields, in the order given: what each view's object schema is built from. */
export function tripFieldShape<S extends Strictness, F extends TripField>(strictness: S, fields: readonly F[]): TripFieldShape<S, F> {
  return Object.fromEntries(fields.map((field) => [field, fieldSchema(strictness, field)])) as TripFieldShape<S, F>;
}

// --- Engine types ------------------------------------------------------------------------------------

/**
 * Column types of the staged row for the engines that read it. Codes are JSON numbers (`5.0` is valid in
 * a CSV and a code is stored as the number it is), so every number is a double.
 */
function isText(kind: FieldKind): boolean {
  return kind === 'trip_id' || kind === 'instant' || kind === 'date';
}

export function glueType(field: TripField): 'string' | 'double' {
  return isText(TRIP_FIELDS[field].kind) ? 'string' : 'double';
}

export function sparkType(field: TripField): 'STRING' | 'DOUBLE' {
  return isText(TRIP_FIELDS[field].kind) ? 'STRING' : 'DOUBLE';
}

export function duckDbType(field: TripField): 'VARCHAR' | 'DOUBLE' {
  return isText(TRIP_FIELDS[field].kind) ? 'VARCHAR' : 'DOUBLE';
}

/** The staged fields the KPI SQL needs, in staged order: what each engine reads from the JSON lines. */
export const KPI_INPUT_FIELDS = fieldsWhere((field) => field.kpi !== undefined);

/**
 * The columns of the `completed_trips` view the KPI SQL runs on, each with the staged field it comes from:
 * a field as it is, or an instant as `<name without _datetime>_epoch_seconds` (seconds since 1970-01-01Z).
 */
export const COMPLETED_TRIPS_VIEW_COLUMNS: readonly { readonly column: string; readonly field: TripField; readonly input: KpiInput }[] =
  KPI_INPUT_FIELDS.map((field) => {
    const input: KpiInput = (TRIP_FIELDS[field] as TripFieldDefinition).kpi ?? 'column';
    return { column: input === 'epoch_seconds' ? field.replace(/_datetime$/, '_epoch_seconds') : field, field, input };
  });

// --- CSV columns ---------------------------------------------------------------------------------------

/** Which half of a trip: its start or its end (one CSV file, one stream, one event type each). */
export type TripHalf = 'start' | 'end';
type CsvFieldsOf<K extends TripHalf> = {
  [F in TripField]: Definition<F> extends { readonly csv: { readonly [P in K]: number } } ? F : never;
}[TripField];
export type StartColumn = CsvFieldsOf<'start'>;
export type EndColumn = CsvFieldsOf<'end'>;

function csvColumnsOf<K extends TripHalf>(kind: K): CsvFieldsOf<K>[] {
  const positioned = STAGED_TRIP_FIELDS.flatMap((field) => {
    const position = (TRIP_FIELDS[field] as TripFieldDefinition).csv?.[kind];
    return position === undefined ? [] : [{ field: field as CsvFieldsOf<K>, position }];
  });
  return positioned.sort((a, b) => a.position - b.position).map(({ field }) => field);
}

/** The columns of each CSV file, in the order of the real dataset (trip_id is the last end column there). */
export const CSV_COLUMNS: { readonly start: readonly StartColumn[]; readonly end: readonly EndColumn[] } = {
  start: csvColumnsOf('start'),
  end: csvColumnsOf('end'),
};

/** A column that may not be blank: the fields that are never null. */
export function isRequiredField(field: TripField): boolean {
  return !TRIP_FIELDS[field].nullable;
}
