/**
 * Builders of trip CSV text in the exact layout of the real dataset (day-first pickups without seconds,
 * `5.0`-style end codes, trip_id as the last end column). Every field is text, so a test can put any
 * malformed value in any column; a row given as a plain string is written as is.
 */
import { Readable } from 'node:stream';
import { CSV_COLUMNS, type EndColumn, type StartColumn, type TripHalf } from '../../domain/csv';

export type StartRowFields = Record<StartColumn, string>;
export type EndRowFields = Record<EndColumn, string>;

export interface CsvTextOptions {
  /** Header order; defaults to the real layout. Columns not in a row object are written blank. */
  columns?: readonly string[];
  lineEnding?: '\n' | '\r\n';
  bom?: boolean;
  /** The real files end with a line ending; set false to end on the last row. */
  finalLineEnding?: boolean;
}

/** `c66ce556bc,93,93,1,25-05-2024 13:19,25-05-2024 14:03,34.18595284` unless overridden. */
export function startRowFields(overrides: Partial<StartRowFields> = {}): StartRowFields {
  return {
    trip_id: 'c66ce556bc',
    pickup_location_id: '93',
    dropoff_location_id: '93',
    vendor_id: '1',
    pickup_datetime: '25-05-2024 13:19',
    estimated_dropoff_datetime: '25-05-2024 14:03',
    estimated_fare_amount: '34.18595284',
    ...overrides,
  };
}

/** `2024-05-25 14:05:00,5.0,0.0,0.1,40.09620692463166,0.0,3.0,2.0,c66ce556bc` unless overridden. */
export function endRowFields(overrides: Partial<EndRowFields> = {}): EndRowFields {
  return {
    dropoff_datetime: '2024-05-25 14:05:00',
    rate_code: '5.0',
    passenger_count: '0.0',
    trip_distance: '0.1',
    fare_amount: '40.09620692463166',
    tip_amount: '0.0',
    payment_type: '3.0',
    trip_type: '2.0',
    trip_id: 'c66ce556bc',
    ...overrides,
  };
}

/** An end row with the four codes blank, as 531 rows of the real data have. */
export function endRowWithBlankCodes(overrides: Partial<EndRowFields> = {}): EndRowFields {
  return endRowFields({ rate_code: '', passenger_count: '', payment_type: '', trip_type: '', ...overrides });
}

/** A row: the known fields (any left out are blank), extra columns named in `columns`, or a literal line. */
type RowInput<Fields> = Partial<Fields> | Readonly<Record<string, string | undefined>> | string;

export function startCsv(rows: ReadonlyArray<RowInput<StartRowFields>>, options: CsvTextOptions = {}): string {
  return csvText('start', rows, options);
}

export function endCsv(rows: ReadonlyArray<RowInput<EndRowFields>>, options: CsvTextOptions = {}): string {
  return csvText('end', rows, options);
}

export function csvText(
  kind: TripHalf,
  rows: ReadonlyArray<Readonly<Record<string, string | undefined>> | string>,
  options: CsvTextOptions = {},
): string {
  const columns = options.columns ?? CSV_COLUMNS[kind];
  const lineEnding = options.lineEnding ?? '\n';
  const lines = [
    columns.join(','),
    ...rows.map((row) => (typeof row === 'string' ? row : columns.map((column) => row[column] ?? '').join(','))),
  ];
  const text = lines.join(lineEnding) + (options.finalLineEnding === false ? '' : lineEnding);
  return options.bom === true ? `\uFEFF${text}` : text;
}

/** The text as a byte stream cut into small chunks, so rows straddle chunk boundaries as in a real file. */
export function csvStream(text: string, chunkBytes = 7): Readable {
  const bytes = Buffer.from(text, 'utf8');
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += chunkBytes) chunks.push(bytes.subarray(offset, offset + chunkBytes));
  return Readable.from(chunks);
}

/** Drains a reader into an array. */
export async function collect<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const collected: T[] = [];
  for await (const row of rows) collected.push(row);
  return collected;
}
