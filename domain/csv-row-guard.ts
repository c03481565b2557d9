/**
 * Sits between the raw bytes of a trip CSV and csv-parse, and keeps two kinds of row from reaching it:
 *
 * - a row over `maxRowBytes`: csv-parse can only stop the whole file at its record size limit (it drops the
 *   rest of each chunk it is given from then on), so the guard drops such a row itself, reports it, and gives
 *   csv-parse one empty line per line the row spanned instead: csv-parse skips them (skip_empty_lines) and
 *   the line numbers of the rows after it stay right;
 * - the tail of a file in which a quote is never closed: reported with the line where that quote opened.
 *
 * To know where rows end the guard follows the same quoting rules as csv-parse with the options the reader
 * uses (`"` quotes and escapes, `,` delimits, `\n` or `\r\n` ends a record, relax_quotes): a quote opens a
 * quoted field only as the first character of a field; inside one, `""` is a quote, and a quote followed by
 * anything but a delimiter or a line ending closes the field too (relaxed) with the rest read unquoted.
 * It also removes a leading UTF-8 byte-order mark, because csv-parse would switch its encoding on seeing one.
 * Memory: at most one row of `maxRowBytes` is held; a longer one is counted through, not kept.
 */
import { Transform, type TransformCallback } from 'node:stream';

/** A row the guard kept from csv-parse. `head` is the row's first bytes (all of it when `complete`). */
export interface GuardedRow {
  readonly problem: 'oversize' | 'unclosed-quote';
  /** Line where the row starts (1-based, physical). */
  readonly lineNumber: number;
  /** Last physical line the row touches. */
  readonly lastLine: number;
  /** For an unclosed quote: the line where that quote opened. */
  readonly quoteLine: number;
  /** Size of the row without its line ending. */
  readonly bytes: number;
  readonly head: Buffer;
  readonly complete: boolean;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

const enum Scan {
  FieldStart,
  Unquoted,
  Quoted,
  /** A quote inside a quoted field: an escaped quote, the field's end, or a relaxed end. */
  QuoteInQuoted,
  /** `"\r` inside a quoted field: the field ends there when a `\n` follows. */
  QuoteThenCr,
}

export class CsvRowGuard extends Transform {
  private state = Scan.FieldStart;
  /** Bytes of the current row from earlier chunks, not yet passed on (none while a row is being discarded). */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private line = 1;
  private rowLine = 1;
  private rowBytes = 0;
  private lastByte = -1;
  private quoteLine = 0;
  private discardedHead: Buffer | undefined;
  private bomChecked = false;
  private bomProbe: Buffer = Buffer.alloc(0);

  constructor(
    private readonly maxRowBytes: number,
    private readonly headBytes: number,
    private readonly onGuarded: (row: GuardedRow) => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const data = this.withoutBom(chunk);
    if (data !== undefined && data.length > 0) this.scan(data);
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (!this.bomChecked) {
      this.bomChecked = true;
      if (this.bomProbe.length > 0) this.scan(this.bomProbe);
    }
    if (this.state === Scan.Quoted) {
      this.report('unclosed-quote');
    } else if (this.discardedHead !== undefined) {
      this.report('oversize');
    } else {
      this.pushPending();
    }
    callback();
  }

  /** Holds back the first bytes until it is known whether they are a byte-order mark. */
  private withoutBom(chunk: Buffer): Buffer | undefined {
    if (this.bomChecked) return chunk;
    this.bomProbe = Buffer.concat([this.bomProbe, chunk]);
    if (this.bomProbe.length < BOM.length && BOM.subarray(0, this.bomProbe.length).equals(this.bomProbe)) return undefined;
    this.bomChecked = true;
    return this.bomProbe.subarray(0, BOM.length).equals(BOM) ? this.bomProbe.subarray(BOM.length) : this.bomProbe;
  }

  private scan(data: Buffer): void {
    // [passFrom, rowStart) of `data` are whole rows not yet pushed; the current row began at rowStart, or in an
    // earlier chunk when `pending` holds its first bytes (kept as chunks: joining them per chunk would be quadratic).
    let passFrom = 0;
    let rowStart = 0;
    for (let index = 0; index < data.length; index += 1) {
      const byte = data[index] as number;
      if (this.rowEndsAt(byte)) {
        if (this.discardedHead !== undefined) {
          // The row's size leaves out its line ending, \r\n or \n.
          if (this.lastByte === CR) this.rowBytes -= 1;
          this.report('oversize');
          passFrom = index + 1;
        } else {
          this.pushPending();
        }
        this.line += 1;
        rowStart = index + 1;
        this.startRow();
        continue;
      }
      if (byte === LF) this.line += 1;
      this.rowBytes += 1;
      this.lastByte = byte;
      if (this.rowBytes > this.maxRowBytes && this.discardedHead === undefined) {
        if (rowStart > passFrom) this.push(data.subarray(passFrom, rowStart));
        this.discardedHead = Buffer.concat([...this.pending, data.subarray(rowStart, index + 1)]).subarray(0, this.headBytes);
        this.pending = [];
        this.pendingBytes = 0;
      }
    }
    if (this.discardedHead !== undefined) return;
    if (rowStart > passFrom) this.push(data.subarray(passFrom, rowStart));
    if (rowStart < data.length) {
      this.pending.push(data.subarray(rowStart));
      this.pendingBytes += data.length - rowStart;
    }
  }

  private pushPending(): void {
    for (const piece of this.pending) this.push(piece);
    this.pending = [];
    this.pendingBytes = 0;
  }

  /** Advances the quoting state by one byte; true when the byte is the `\n` that ends the current row. */
  private rowEndsAt(byte: number): boolean {
    switch (this.state) {
      case Scan.FieldStart:
        if (byte === QUOTE) {
          this.state = Scan.Quoted;
          this.quoteLine = this.line;
          return false;
        }
        return this.unquoted(byte);
      case Scan.Unquoted:
        return this.unquoted(byte);
      case Scan.Quoted:
        if (byte === QUOTE) this.state = Scan.QuoteInQuoted;
        return false;
      case Scan.QuoteInQuoted:
        if (byte === QUOTE) {
          this.state = Scan.Quoted;
          return false;
        }
        if (byte === CR) {
          this.state = Scan.QuoteThenCr;
          return false;
        }
        return this.unquoted(byte);
      case Scan.QuoteThenCr:
        // Either way the quoted field has ended (a lone \r is field text under relax_quotes).
        return this.unquoted(byte);
    }
  }

  private unquoted(byte: number): boolean {
    if (byte === LF) return true;
    this.state = byte === COMMA ? Scan.FieldStart : Scan.Unquoted;
    return false;
  }

  private startRow(): void {
    this.state = Scan.FieldStart;
    this.rowLine = this.line;
    this.rowBytes = 0;
    this.quoteLine = 0;
  }

  /** Reports the current row (discarded or pending) and, mid-file, stands one empty line in for each of its lines. */
  private report(problem: GuardedRow['problem']): void {
    const complete = this.discardedHead === undefined;
    const head = this.discardedHead ?? Buffer.concat(this.pending, this.pendingBytes);
    this.onGuarded({
      problem,
      lineNumber: this.rowLine,
      lastLine: this.line,
      quoteLine: this.quoteLine,
      bytes: this.rowBytes,
      head: complete ? stripLineEnding(head) : head,
      complete,
    });
    if (problem === 'oversize') this.push(Buffer.alloc(this.line - this.rowLine + 1, LF));
    this.discardedHead = undefined;
    this.pending = [];
    this.pendingBytes = 0;
  }
}

function stripLineEnding(bytes: Buffer): Buffer {
  let end = bytes.length;
  while (end > 0 && (bytes[end - 1] === LF || bytes[end - 1] === CR)) end -= 1;
  return bytes.subarray(0, end);
}
