/**
 * What a Lambda stream event source mapping (Kinesis, DynamoDB Streams) decides for one shard, without I/O:
 * which records form the next batch, and what happens after the function answered.
 *
 * - A batch is handed over when it is full (batchSize), or when the batching window since its first
 *   record has passed; a retry is handed over at once.
 * - Success: the checkpoint moves past the batch.
 * - Partial failure (ReportBatchItemFailures): the checkpoint moves to the lowest failed sequence number
 *   and only the records from there on are retried. An identifier that is empty or not in the batch fails
 *   the batch whole.
 * - Function error (thrown, timed out, or a bad identifier): with bisectBatchOnError the batch is split in
 *   two and the halves are retried one after the other; splitting does not use up retry attempts (as on
 *   AWS). Without bisect, or for a single record, the same batch is retried.
 * - Retries are counted per record, for the record at the checkpoint: a failure counts against the record
 *   that failed (the lowest reported one, or the head of a batch that failed whole and cannot be split).
 *   When the checkpoint moves on, the next record starts with a full budget, so failures of different
 *   records never add up. A record is given up on once it has itself failed retryAttempts + 1 times (-1:
 *   never): with bisect on, that record alone goes to the on-failure destination and the rest are
 *   delivered; without bisect, the batch being retried goes, as on AWS.
 * - Records older than maxRecordAgeSeconds are discarded to the on-failure destination before delivery.
 * One bad record never blocks the shard. Records stay in order: one batch per shard at a time
 * (parallelizationFactor 1).
 */

export interface StreamBatchSettings {
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  /** Retries of a failing record before it is discarded; -1 retries until the record is too old. */
  readonly retryAttempts: number;
  readonly maxRecordAgeSeconds: number;
  readonly bisectBatchOnError: boolean;
}

export interface SequencedRecord {
  readonly sequenceNumber: string;
  /** When the record reached the stream (ms since epoch): what maxRecordAgeSeconds is measured from. */
  readonly arrivalMs: number;
}

export type BatchOutcome =
  | { readonly kind: 'success' }
  | { readonly kind: 'partial'; readonly failedIdentifiers: readonly (string | null | undefined)[] }
  | { readonly kind: 'error' };

/**
 * Lambda's tumbling windows (when the mapping has one): a batch never spans two windows, and a window's last
 * records are handed over as soon as the window has closed or a later window's records are behind them.
 */
export interface BatchWindowing<R> {
  windowOf(record: R): number;
  isClosed(windowStartMs: number): boolean;
}

export type DiscardCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

export interface DiscardedBatch<R> {
  readonly records: readonly R[];
  readonly condition: DiscardCondition;
  /** Invocations made with the first of these records (0 when it expired before any). */
  readonly invokeCount: number;
}

interface Buffered<R> {
  readonly record: R;
  readonly bufferedAtMs: number;
}

/** What happened so far to the record at the checkpoint (the head of the buffer). */
interface HeadHistory<R> {
  readonly record: R;
  /** Invocations that included it. */
  invocations: number;
  /** Invocations in which it was the failing record. */
  failures: number;
}

export class ShardBatcher<R extends SequencedRecord> {
  private readonly buffer: Buffered<R>[] = [];
  /** Sizes of bisected parts still to deliver, the next one last; empty when batches are of batchSize. */
  private readonly pendingParts: number[] = [];
  private head: HeadHistory<R> | undefined;
  private retryPending = false;

  constructor(private readonly settings: StreamBatchSettings) {
    if (settings.batchSize < 1) throw new Error(`batchSize must be at least 1, got ${settings.batchSize}`);
    if (!Number.isInteger(settings.retryAttempts) || settings.retryAttempts < -1) {
      throw new Error(`retryAttempts must be -1 (infinite) or a non-negative integer, got ${settings.retryAttempts}`);
    }
  }

  get bufferedCount(): number {
    return this.buffer.length;
  }

  add(records: readonly R[], nowMs: number): void {
    for (const record of records) this.buffer.push({ record, bufferedAtMs: nowMs });
  }

  /** Records at the head that are too old to be processed; they go to the on-failure destination. */
  takeExpired(nowMs: number): DiscardedBatch<R> | null {
    if (this.settings.maxRecordAgeSeconds < 0) return null;
    const oldestAllowed = nowMs - this.settings.maxRecordAgeSeconds * 1000;
    let expired = 0;
    while (expired < this.buffer.length && (this.buffer[expired]?.record.arrivalMs ?? nowMs) < oldestAllowed) expired += 1;
    if (expired === 0) return null;
    const invokeCount = this.historyOfHead()?.invocations ?? 0;
    const records = this.removeHead(expired);
    this.retryPending = this.pendingParts.length > 0;
    return { records, condition: 'RecordAgeExceeded', invokeCount };
  }

  /** The next batch to invoke the function with, or null while the window is still gathering. */
  nextBatch(nowMs: number, windowing?: BatchWindowing<R>): R[] | null {
    const head = this.buffer[0];
    if (head === undefined) return null;
    let limit = this.currentLimit();
    let windowEnds = false;
    if (windowing !== undefined) {
      const headWindow = windowing.windowOf(head.record);
      const inWindow = this.buffer.findIndex((entry) => windowing.windowOf(entry.record) !== headWindow);
      windowEnds = inWindow >= 0 || windowing.isClosed(headWindow);
      if (inWindow >= 0) limit = Math.min(limit, inWindow);
    }
    const ready =
      this.retryPending ||
      windowEnds ||
      this.buffer.length >= limit ||
      nowMs - head.bufferedAtMs >= this.settings.maxBatchingWindowSeconds * 1000;
    if (!ready) return null;
    return this.buffer.slice(0, limit).map((entry) => entry.record);
  }

  /** How long until the window of the head record closes (0 when a batch is ready now). */
  msUntilReady(nowMs: number): number | null {
    const head = this.buffer[0];
    if (head === undefined) return null;
    if (this.retryPending || this.buffer.length >= this.currentLimit()) return 0;
    return Math.max(0, head.bufferedAtMs + this.settings.maxBatchingWindowSeconds * 1000 - nowMs);
  }

  /** Applies the function's answer for `batch` (the value nextBatch returned); returns what to discard. */
  complete(batch: readonly R[], outcome: BatchOutcome): DiscardedBatch<R> | null {
    if (batch.length === 0 || this.buffer[0]?.record !== batch[0]) {
      throw new Error('complete() must be called with the batch nextBatch() returned');
    }
    if (outcome.kind === 'success') {
      this.removeHead(batch.length);
      this.retryPending = this.pendingParts.length > 0;
      return null;
    }
    const failedIndex = outcome.kind === 'partial' ? lowestFailedIndex(batch, outcome.failedIdentifiers) : null;
    if (failedIndex === null) return this.failWhole(batch);
    // The checkpoint moves to the failed record: the records before it are done.
    this.removeHead(failedIndex);
    const failing = batch.slice(failedIndex);
    const history = this.invokedHead();
    history.failures += 1;
    if (!this.exhausted(history)) return this.retry();
    return this.discard(this.settings.bisectBatchOnError ? failing.slice(0, 1) : failing, history);
  }

  private failWhole(batch: readonly R[]): DiscardedBatch<R> | null {
    const history = this.invokedHead();
    if (this.settings.bisectBatchOnError && batch.length > 1) {
      const firstHalf = Math.ceil(batch.length / 2);
      if (this.pendingParts.length > 0) this.pendingParts.pop();
      this.pendingParts.push(batch.length - firstHalf, firstHalf);
      return this.retry();
    }
    history.failures += 1;
    return this.exhausted(history) ? this.discard(batch, history) : this.retry();
  }

  private exhausted(history: HeadHistory<R>): boolean {
    return this.settings.retryAttempts >= 0 && history.failures > this.settings.retryAttempts;
  }

  private retry(): null {
    this.retryPending = true;
    return null;
  }

  private discard(records: readonly R[], history: HeadHistory<R>): DiscardedBatch<R> {
    this.removeHead(records.length);
    this.retryPending = this.pendingParts.length > 0;
    return { records: [...records], condition: 'RetryAttemptsExhausted', invokeCount: history.invocations };
  }

  /** The head's history, with the invocation that has just answered counted in (the head was in every batch). */
  private invokedHead(): HeadHistory<R> {
    const history = this.historyOfHead() ?? this.startHistory();
    history.invocations += 1;
    return history;
  }

  private historyOfHead(): HeadHistory<R> | undefined {
    const headRecord = this.buffer[0]?.record;
    return this.head !== undefined && headRecord !== undefined && this.head.record === headRecord ? this.head : undefined;
  }

  private startHistory(): HeadHistory<R> {
    const headRecord = this.buffer[0]?.record;
    if (headRecord === undefined) throw new Error('no record at the checkpoint');
    this.head = { record: headRecord, invocations: 0, failures: 0 };
    return this.head;
  }

  private currentLimit(): number {
    return this.pendingParts.at(-1) ?? this.settings.batchSize;
  }

  /** Removes `count` records from the head; the bisected parts they belonged to are done with them. */
  private removeHead(count: number): R[] {
    this.consumeParts(count);
    return this.buffer.splice(0, count).map((entry) => entry.record);
  }

  /** `count` records left the head: the bisected parts they belonged to are done; then batches are full-size again. */
  private consumeParts(count: number): void {
    let remaining = count;
    while (remaining > 0) {
      const top = this.pendingParts.at(-1);
      if (top === undefined) return;
      if (remaining >= top) {
        this.pendingParts.pop();
        remaining -= top;
      } else {
        this.pendingParts[this.pendingParts.length - 1] = top - remaining;
        remaining = 0;
      }
    }
  }
}

/**
 * Reads a function's batch response as Lambda does (stream and queue mappings alike): nothing, or an empty batchItemFailures, is success.
 * A response that is not an object with a batchItemFailures list is also success, as on AWS.
 */
export function outcomeFromResponse(response: unknown): BatchOutcome {
  if (typeof response !== 'object' || response === null) return { kind: 'success' };
  const failures: unknown = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (!Array.isArray(failures) || failures.length === 0) return { kind: 'success' };
  const failedIdentifiers = failures.map((failure: unknown) => {
    const identifier: unknown =
      typeof failure === 'object' && failure !== null ? (failure as { itemIdentifier?: unknown }).itemIdentifier : undefined;
    return typeof identifier === 'string' ? identifier : null;
  });
  return { kind: 'partial', failedIdentifiers };
}

function lowestFailedIndex<R extends SequencedRecord>(
  batch: readonly R[],
  identifiers: readonly (string | null | undefined)[],
): number | null {
  if (identifiers.length === 0) return null;
  let lowest = Number.POSITIVE_INFINITY;
  for (const identifier of identifiers) {
    if (typeof identifier !== 'string' || identifier === '') return null;
    const index = batch.findIndex((record) => record.sequenceNumber === identifier);
    if (index < 0) return null;
    lowest = Math.min(lowest, index);
  }
  return lowest;
}
