/**
 * Streams a trip CSV into rows: each one either a wire event or a quarantined row with a reason.
 * Constant memory for any file size (csv-parse with backpressure through `for await`).
 *
 * - The header decides the columns (trimmed, case-insensitive, any order; unknown columns ignored).
 *   A header without every required column throws CsvHeaderError before any row is yielded.
 * - A UTF-8 BOM and CRLF or LF line endings are accepted; blank lines are skipped.
 * - `lineNumber` is the 1-based physical line where the row starts (the header is line 1 unless blank
 *   lines precede it); `raw` is the row's text without its line ending.
 * - A row whose field count differs from the header's is quarantined. Stray quotes inside a field are
 *   kept as text (relax_quotes), so the field's own rule rejects it with a precise reason.
 * - A quote that is never closed swallows the rest of the file into one field: when the file ends
 *   inside it, that tail is one quarantined row; when it outgrows MAX_ROW_CHARACTERS first, csv-parse
 *   cannot resume, so CsvSyntaxError is thrown rather than silently dropping what follows.
 */
import { pipeline, type Readable } from 'node:stream';
import { parse, type CsvError, type Info, type Parser } from 'csv-parse';
import { CSV_COLUMNS, REQUIRED_COLUMNS, parseEndRow, parseStartRow, type CsvKind, type RowOutcome } from './csv';
import type { TripEndEvent, TripStartEvent } from './events';

export interface CsvRow<E> {
  lineNumber: number;
  raw: string;
  outcome: RowOutcome<E>;
}

/** The header cannot drive the file (missing or repeated required columns, empty file): nothing is read. */
export class CsvHeaderError extends Error {
  override name = 'CsvHeaderError';
}

/** The file stops being readable CSV at `lineNumber`; rows before it were yielded, none after it. */
export class CsvSyntaxError extends Error {
  override name = 'CsvSyntaxError';

  constructor(
    message: string,
    readonly lineNumber: number,
  ) {
    super(message);
  }
}

export function readStartCsv(input: Readable): AsyncIterable<CsvRow<TripStartEvent>> {
  return readTripCsv(input, 'start', parseStartRow);
}

export function readEndCsv(input: Readable): AsyncIterable<CsvRow<TripEndEvent>> {
  return readTripCsv(input, 'end', parseEndRow);
}

interface ParsedRecord {
  record: string[];
  raw: string;
  info: Info;
}

/** What csv-parse reported through on_skip, kept until the rows parsed before it have been yielded. */
interface SkippedRecord {
  /** How many records csv-parse had emitted before this one: its place in the file. */
  afterRecords: number;
  error: CsvError | undefined;
  raw: string;
}

/**
 * Bounds the memory one row may take. Trip rows are ~100 characters, so only a quote that is never closed
 * (or a file that is not CSV) gets near it; without a bound such a file would be buffered whole.
 */
export const MAX_ROW_CHARACTERS = 1_048_576;

const KNOWN_COLUMNS: Record<CsvKind, ReadonlySet<string>> = {
  start: new Set(CSV_COLUMNS.start),
  end: new Set(CSV_COLUMNS.end),
};

async function* readTripCsv<E>(
  input: Readable,
  kind: CsvKind,
  parseRow: (record: Record<string, string>) => RowOutcome<E>,
): AsyncGenerator<CsvRow<E>> {
  const skipped: SkippedRecord[] = [];
  let unreadableFromHere = false;
  const parser: Parser = parse({
    bom: true,
    raw: true,
    info: true,
    record_delimiter: ['\r\n', '\n'],
    skip_empty_lines: true,
    relax_column_count: true,
    relax_quotes: true,
    max_record_size: MAX_ROW_CHARACTERS,
    skip_records_with_error: true,
    on_skip: (error: CsvError | undefined, raw: string | undefined) => {
      // After an over-long row csv-parse discards the input chunk by chunk, reporting each; the first is enough.
      if (unreadableFromHere) return undefined;
      unreadableFromHere = error?.code === 'CSV_MAX_RECORD_SIZE';
      skipped.push({ afterRecords: parser.info.records, error, raw: raw ?? '' });
      return undefined;
    },
  });
  // pipeline, unlike pipe, carries an input error (unreadable file) into the parser, so the loop throws it.
  pipeline(input, parser, () => undefined);

  const lines = new LineCounter();
  let columns: Map<string, number> | undefined;
  let width = 0;
  for await (const parsed of parser as AsyncIterable<ParsedRecord>) {
    yield* quarantineSkipped(skipped, parsed.info.records, lines, columns !== undefined);
    const { lineNumber, raw } = lines.place(parsed.raw);
    if (isBlank(parsed.record)) continue;
    if (columns === undefined) {
      columns = headerColumns(parsed.record, kind);
      width = parsed.record.length;
      continue;
    }
    if (parsed.record.length !== width) {
      const reason = `row has ${parsed.record.length} fields but the header has ${width}`;
      yield { lineNumber, raw, outcome: { ok: false, reason } };
      continue;
    }
    yield { lineNumber, raw, outcome: parseRow(namedFields(parsed.record, columns)) };
  }
  yield* quarantineSkipped(skipped, Number.POSITIVE_INFINITY, lines, columns !== undefined);
  if (columns === undefined) {
    throw new CsvHeaderError(`the ${kind} file is empty: expected a header row (${CSV_COLUMNS[kind].join(',')})`);
  }
}

/**
 * Physical line numbers, counted here because csv-parse's own count drifts after a CRLF inside quotes.
 * csv-parse's raw text of a record starts with one character (`\r` or `\n`) per blank line skipped before
 * it and ends with the first character of its own line ending; line breaks in between are quoted data.
 */
class LineCounter {
  private nextLine = 1;

  place(rawText: string): { lineNumber: number; raw: string } {
    const leading = /^[\r\n]*/.exec(rawText)?.[0] ?? '';
    const raw = rawText.slice(leading.length).replace(/[\r\n]+$/, '');
    const lineNumber = this.nextLine + leading.length;
    this.nextLine = lineNumber + countMatches(raw, /\r\n|\n/g) + 1;
    return { lineNumber, raw };
  }
}

function* quarantineSkipped(
  skipped: SkippedRecord[],
  beforeRecord: number,
  lines: LineCounter,
  headerRead: boolean,
): Generator<CsvRow<never>> {
  for (let next = skipped[0]; next !== undefined && next.afterRecords < beforeRecord; next = skipped[0]) {
    skipped.shift();
    yield quarantinedRow(next, lines, headerRead);
  }
}

function quarantinedRow({ error, raw: rawText }: SkippedRecord, lines: LineCounter, headerRead: boolean): CsvRow<never> {
  const { lineNumber, raw } = lines.place(rawText);
  if (!headerRead) {
    throw new CsvHeaderError(`line ${lineNumber}: the header row is not readable CSV (${error?.message ?? 'skipped'})`);
  }
  if (error?.code === 'CSV_MAX_RECORD_SIZE') {
    const message =
      `line ${lineNumber}: the row grew past ${MAX_ROW_CHARACTERS} characters, most likely because a quote ` +
      'opened there is never closed; the rest of the file cannot be read as CSV';
    throw new CsvSyntaxError(message, lineNumber);
  }
  const reason =
    error?.code === 'CSV_QUOTE_NOT_CLOSED'
      ? 'a quote opened on this row is never closed, so the rest of the file was read as one row'
      : `unreadable CSV: ${error?.message ?? 'csv-parse skipped the row'}`;
  return { lineNumber, raw, outcome: { ok: false, reason } };
}

function headerColumns(header: string[], kind: CsvKind): Map<string, number> {
  const columns = new Map<string, number>();
  header.forEach((name, index) => {
    const column = name.trim().toLowerCase();
    if (!KNOWN_COLUMNS[kind].has(column)) return;
    if (columns.has(column)) throw new CsvHeaderError(`the ${kind} file header names column ${column} twice`);
    columns.set(column, index);
  });
  const missing = REQUIRED_COLUMNS[kind].filter((column) => !columns.has(column));
  if (missing.length > 0) {
    throw new CsvHeaderError(
      `the ${kind} file header lacks required column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ` +
        `(found: ${header.map((name) => name.trim()).join(',')})`,
    );
  }
  return columns;
}

function namedFields(record: string[], columns: Map<string, number>): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [column, index] of columns) fields[column] = record[index] ?? '';
  return fields;
}

/** A line holding only spaces is as blank as an empty one. */
function isBlank(record: string[]): boolean {
  return record.length === 1 && record[0]?.trim() === '';
}

function countMatches(text: string, pattern: RegExp): number {
  return text.match(pattern)?.length ?? 0;
}
