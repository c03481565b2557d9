/**
 * Streams a trip CSV into rows: each one either a wire event or a quarantined row with a reason.
 * Constant memory for any file size (csv-parse with backpressure through `for await`).
 *
 * - The header decides the columns (trimmed, case-insensitive, any order; unknown columns ignored).
 *   A header without every required column throws CsvHeaderError before any row is yielded.
 * - A UTF-8 BOM and CRLF or LF line endings are accepted; blank lines are skipped.
 * - `lineNumber` is the 1-based physical line where the row starts (the header is line 1 unless blank
 *   lines precede it); `raw` is the row's text without its line ending.
 * - Every field must be UTF-8: csv-parse reads bytes as latin1 (one character per byte, nothing replaced)
 *   and each row is decoded strictly here, so a byte that is not UTF-8 rejects its row instead of turning
 *   into U+FFFD (which would make `caf\xE9` and `caf\xE8` the same trip). Such a row's exact bytes are kept
 *   in `rawBase64`.
 * - A row whose field count differs from the header's is quarantined. Stray quotes inside a field are
 *   kept as text (relax_quotes), so the field's own rule rejects it with a precise reason.
 * - A row over MAX_ROW_BYTES is quarantined (its first bytes kept) and reading goes on at the next row;
 *   a quote that is never closed makes the rest of the file one quarantined row whose reason names the
 *   line where that quote opened (see csv-row-guard.ts).
 */
import { pipeline, type Readable } from 'node:stream';
import { type CsvError, type Info, type Parser, parse } from 'csv-parse';
import { CSV_COLUMNS, parseEndRow, parseStartRow, REQUIRED_COLUMNS, type RowOutcome, type TripHalf } from './csv';
import { CsvRowGuard, type GuardedRow } from './csv-row-guard';
import type { TripEndEvent, TripStartEvent } from './events';
import { decodeUtf8 } from './utf8';

export interface CsvRow<E> {
  lineNumber: number;
  /** The row's text; for a row that is not UTF-8, with U+FFFD in place of each bad sequence (see rawBase64). */
  raw: string;
  /** The row's exact bytes, base64-encoded, when they are not UTF-8 (and `raw` therefore not exact). */
  rawBase64?: string;
  outcome: RowOutcome<E>;
}

/** The header cannot drive the file (missing or repeated required columns, empty file): nothing is read. */
export class CsvHeaderError extends Error {
  override name = 'CsvHeaderError';
}

/** The file stops being readable CSV at `lineNumber`; rows before it were yielded, none after it. */
class CsvSyntaxError extends Error {
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
 * The largest row read (docs/contracts.md §1: a row over 1 MiB is rejected). Trip rows are ~100 bytes; the bound keeps
 * one runaway row (a quote never closed, a file that is not CSV) from being buffered whole.
 */
const MAX_ROW_BYTES = 1_048_576;
/** How much of a row over MAX_ROW_BYTES is kept in the quarantine, enough to recognise it. */
const OVERSIZE_ROW_HEAD_BYTES = 1_024;

const KNOWN_COLUMNS: Record<TripHalf, ReadonlySet<string>> = {
  start: new Set(CSV_COLUMNS.start),
  end: new Set(CSV_COLUMNS.end),
};

async function* readTripCsv<E>(
  input: Readable,
  kind: TripHalf,
  parseRow: (record: Record<string, string>) => RowOutcome<E>,
): AsyncGenerator<CsvRow<E>> {
  const skipped: SkippedRecord[] = [];
  const guarded: GuardedRow[] = [];
  let unreadableFromHere = false;
  const guard = new CsvRowGuard(MAX_ROW_BYTES, OVERSIZE_ROW_HEAD_BYTES, (row) => guarded.push(row));
  const parser: Parser = parse({
    // The guard has removed any BOM: csv-parse would switch to UTF-8 decoding on one.
    bom: false,
    // One character per byte, so nothing is replaced before the strict UTF-8 check of each row.
    encoding: 'latin1',
    raw: true,
    info: true,
    record_delimiter: ['\r\n', '\n'],
    skip_empty_lines: true,
    relax_column_count: true,
    relax_quotes: true,
    // The guard passes on no row over MAX_ROW_BYTES; this bound is a second line, never the first.
    max_record_size: MAX_ROW_BYTES,
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
  pipeline(input, guard, parser, () => undefined);

  const lines = new LineCounter();
  let columns: Map<string, number> | undefined;
  let headerNames: string[] = [];
  let width = 0;
  for await (const parsed of parser as AsyncIterable<ParsedRecord>) {
    yield* quarantineSkipped(skipped, parsed.info.records, lines, columns !== undefined);
    const { lineNumber, raw: latin1Raw } = lines.place(parsed.raw);
    yield* quarantineGuarded(guarded, lineNumber, columns !== undefined);
    const row = decodeRow(latin1Raw, parsed.record, headerNames);
    if (!row.ok && columns === undefined) {
      throw new CsvHeaderError(`line ${lineNumber}: the header row is not valid UTF-8 (${row.reason})`);
    }
    if (!row.ok) {
      yield { lineNumber, raw: row.raw, rawBase64: row.rawBase64, outcome: { ok: false, reason: row.reason } };
      continue;
    }
    if (isBlank(row.fields)) continue;
    if (columns === undefined) {
      columns = headerColumns(row.fields, kind);
      headerNames = row.fields.map((name) => name.trim());
      width = row.fields.length;
      continue;
    }
    if (row.fields.length !== width) {
      const reason = `row has ${row.fields.length} fields but the header has ${width}`;
      yield { lineNumber, raw: row.raw, outcome: { ok: false, reason } };
      continue;
    }
    yield { lineNumber, raw: row.raw, outcome: parseRow(namedFields(row.fields, columns)) };
  }
  yield* quarantineSkipped(skipped, Number.POSITIVE_INFINITY, lines, columns !== undefined);
  yield* quarantineGuarded(guarded, Number.POSITIVE_INFINITY, columns !== undefined);
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
  const { lineNumber, raw: latin1Raw } = lines.place(rawText);
  if (!headerRead) {
    throw new CsvHeaderError(`line ${lineNumber}: the header row is not readable CSV (${error?.message ?? 'skipped'})`);
  }
  if (error?.code === 'CSV_MAX_RECORD_SIZE') {
    // The guard keeps every row over MAX_ROW_BYTES from csv-parse, so this means the two disagree on where
    // rows end; going on could misplace every row after it.
    throw new CsvSyntaxError(`line ${lineNumber}: csv-parse saw a row over ${MAX_ROW_BYTES} bytes that the row guard did not`, lineNumber);
  }
  const { raw, rawBase64 } = rowText(Buffer.from(latin1Raw, 'latin1'));
  const reason = `unreadable CSV: ${error?.message ?? 'csv-parse skipped the row'}`;
  return { lineNumber, raw, ...(rawBase64 === undefined ? {} : { rawBase64 }), outcome: { ok: false, reason } };
}

/** Rows the guard kept from csv-parse, in their place among the parsed rows (by line number). */
function* quarantineGuarded(guarded: GuardedRow[], beforeLine: number, headerRead: boolean): Generator<CsvRow<never>> {
  for (let next = guarded[0]; next !== undefined && next.lineNumber < beforeLine; next = guarded[0]) {
    guarded.shift();
    const reason = guardedReason(next);
    if (!headerRead) throw new CsvHeaderError(`line ${next.lineNumber}: the header row is not readable CSV (${reason})`);
    const { raw, rawBase64 } = rowText(next.head);
    yield {
      lineNumber: next.lineNumber,
      raw: next.complete ? raw : `${raw}…`,
      ...(rawBase64 === undefined ? {} : { rawBase64 }),
      outcome: { ok: false, reason },
    };
  }
}

function guardedReason(row: GuardedRow): string {
  if (row.problem === 'unclosed-quote') {
    const span = row.lastLine > row.quoteLine ? `lines ${row.quoteLine}-${row.lastLine}` : `line ${row.quoteLine}`;
    return (
      `a quote opened on line ${row.quoteLine} is never closed, so the rest of the file (${span}) cannot be read as CSV` +
      (row.complete ? '' : `; only its first ${row.head.length} bytes are kept`)
    );
  }
  return (
    `row is ${row.bytes} bytes, over the ${MAX_ROW_BYTES}-byte limit (lines ${row.lineNumber}-${row.lastLine}); ` +
    `only its first ${row.head.length} bytes are kept`
  );
}

type DecodedRow = { ok: true; raw: string; fields: string[] } | { ok: false; raw: string; rawBase64: string; reason: string };

/** csv-parse's latin1 text (one character per byte) -> the row's UTF-8 text and fields, or the bytes that are not UTF-8. */
function decodeRow(latin1Raw: string, latin1Fields: string[], headerNames: readonly string[]): DecodedRow {
  // ASCII is the same in latin1 and UTF-8: the common case needs no decoding.
  if (isAscii(latin1Raw)) return { ok: true, raw: latin1Raw, fields: latin1Fields };
  const bytes = Buffer.from(latin1Raw, 'latin1');
  const decoded = decodeUtf8(bytes);
  // Fields are cut at ASCII delimiters and quotes, never inside a UTF-8 sequence: a valid row has valid fields.
  if (decoded.ok)
    return { ok: true, raw: decoded.text, fields: latin1Fields.map((field) => Buffer.from(field, 'latin1').toString('utf8')) };
  const problems = latin1Fields.flatMap((field, index) => {
    const checked = decodeUtf8(Buffer.from(field, 'latin1'));
    const column = headerNames[index] ?? `field ${index + 1}`;
    return checked.ok ? [] : [`${column}: ${quoteShown(checked.shown)} is not valid UTF-8`];
  });
  return {
    ok: false,
    raw: bytes.toString('utf8'),
    rawBase64: bytes.toString('base64'),
    reason: problems.length > 0 ? problems.join('; ') : `row ${quoteShown(decoded.shown)} is not valid UTF-8`,
  };
}

function rowText(bytes: Buffer): { raw: string; rawBase64?: string } {
  const decoded = decodeUtf8(bytes);
  return decoded.ok ? { raw: decoded.text } : { raw: bytes.toString('utf8'), rawBase64: bytes.toString('base64') };
}

/** A value with bytes that are not UTF-8 shown as \xHH, quoted and cut like the other reasons' values. */
function quoteShown(shown: string): string {
  const limit = 60;
  return `"${shown.length > limit ? `${shown.slice(0, limit)}…` : shown}"`;
}

function isAscii(text: string): boolean {
  return /^[\x00-\x7f]*$/.test(text);
}

function headerColumns(header: string[], kind: TripHalf): Map<string, number> {
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
