/**
 * Sends records to Kinesis with PutRecords: batches per stream within the service limits, several batches in
 * flight, and a resend of exactly the entries a response marks as failed, with capped exponential backoff and
 * full jitter. Whatever still fails after the attempt budget is handed back with its reason, never dropped.
 */
import { type KinesisClient, PutRecordsCommand, type PutRecordsResultEntry } from '@aws-sdk/client-kinesis';
import type { TripHalf } from '../domain/csv';
import { errorText } from '../domain/error-text';
import { delay, type RateLimiter } from './rate-limiter';

/** Kinesis PutRecords limits: records per request, bytes per request and per record (partition key + data). */
export const KINESIS_LIMITS = {
  recordsPerRequest: 500,
  bytesPerRequest: 5 * 1024 * 1024,
  bytesPerRecord: 1024 * 1024,
} as const;

export interface OutgoingRecord {
  kind: TripHalf;
  stream: string;
  partitionKey: string;
  data: Uint8Array;
  /** Where the record came from, so an unsent record can be traced back to its row. */
  file: string;
  lineNumber: number;
  raw: string;
}

/** Partition key and data bytes: what Kinesis counts against its size limits. */
export function recordSize(record: Pick<OutgoingRecord, 'partitionKey' | 'data'>): number {
  return Buffer.byteLength(record.partitionKey, 'utf8') + record.data.byteLength;
}

export interface UnsentRecord {
  record: OutgoingRecord;
  reason: string;
  attempts: number;
}

/** A record Kinesis said it stored: where (shard and sequence number its PutRecords entry returned). */
export interface AcknowledgedRecord {
  readonly kind: TripHalf;
  readonly stream: string;
  readonly partitionKey: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
}

export interface SenderEvents {
  onSent(kind: TripHalf, count: number): void;
  /** Every stored entry with the shard and sequence number Kinesis returned for it: what a ledger counts as sent. */
  onAcknowledged?(records: AcknowledgedRecord[]): void;
  onRetried(count: number): void;
  onBatch(): void;
  /** Awaited: the caller writes unsent records somewhere durable before the sender moves on. */
  onUnsent(unsent: UnsentRecord[]): Promise<void>;
}

export interface SenderSettings {
  kinesis: KinesisClient;
  /** Batches in flight at once, across both streams. */
  concurrency: number;
  /** PutRecords attempts per entry, the first one included. */
  maxAttempts: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  rateLimiter?: RateLimiter;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

interface PendingBatch {
  records: OutgoingRecord[];
  bytes: number;
}

const THROTTLING_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'LimitExceededException',
  'ThrottlingException',
  'KMSThrottlingException',
  'RequestLimitExceeded',
]);

interface ServiceErrorShape {
  name?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

/**
 * Throttling, server faults and failures without any HTTP response (connection reset, timeout) can succeed
 * later; a client fault such as a missing stream or denied access will not, so it is not retried.
 */
export function isRetryableRequestError(error: unknown): boolean {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as ServiceErrorShape;
  if (shape.name !== undefined && THROTTLING_ERRORS.has(shape.name)) return true;
  if (shape.$fault === 'server') return true;
  return shape.$metadata?.httpStatusCode === undefined;
}

/** Full jitter: a uniform delay up to the capped exponential bound, so resends from many batches spread out. */
export function backoffDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const bound = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
  return Math.floor(random() * bound);
}

export class KinesisBatchSender {
  private readonly pending = new Map<string, PendingBatch>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly maxRecordsPerBatch: number;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private firstError: unknown;

  constructor(
    private readonly settings: SenderSettings,
    private readonly events: SenderEvents,
  ) {
    if (!(settings.concurrency >= 1)) throw new RangeError('concurrency must be at least 1');
    if (!(settings.maxAttempts >= 1)) throw new RangeError('maxAttempts must be at least 1');
    this.maxRecordsPerBatch = Math.min(KINESIS_LIMITS.recordsPerRequest, settings.rateLimiter?.burstSize ?? Infinity);
    this.random = settings.random ?? Math.random;
    this.sleep = settings.sleep ?? delay;
  }

  get batchesInFlight(): number {
    return this.inFlight.size;
  }

  /** Queues a record; resolves once it is in a batch, waiting when the in-flight limit is reached. */
  async add(record: OutgoingRecord): Promise<void> {
    const size = recordSize(record);
    if (size > KINESIS_LIMITS.bytesPerRecord) {
      throw new RangeError(`record of ${size} bytes exceeds the Kinesis limit of ${KINESIS_LIMITS.bytesPerRecord}`);
    }
    const batch = this.pending.get(record.stream);
    if (batch !== undefined && batch.bytes + size > KINESIS_LIMITS.bytesPerRequest) {
      await this.dispatchThrough(record.stream);
    }
    const current = this.pending.get(record.stream) ?? { records: [], bytes: 0 };
    current.records.push(record);
    current.bytes += size;
    this.pending.set(record.stream, current);
    if (current.records.length >= this.maxRecordsPerBatch) await this.dispatchThrough(record.stream);
  }

  /** Sends every partial batch now, without waiting for the batches in flight (a paced feed's rows as they come). */
  async sendPending(): Promise<void> {
    for (const stream of [...this.pending.keys()]) await this.dispatch(stream);
    this.throwIfFailed();
  }

  /** Sends every partial batch and waits until nothing is in flight: a barrier between phases of a run. */
  async flush(): Promise<void> {
    for (const stream of [...this.pending.keys()]) await this.dispatch(stream);
    await Promise.all(this.inFlight);
    this.throwIfFailed();
  }

  /**
   * Dispatches `stream`'s batch, and before it every batch that was opened earlier (the Map keeps the order
   * in which pending batches were opened): batches leave in the order their first rows were given, so the
   * send order across the two streams follows the row order instead of whichever stream fills up first.
   */
  private async dispatchThrough(stream: string): Promise<void> {
    for (const opened of [...this.pending.keys()]) {
      await this.dispatch(opened);
      if (opened === stream) return;
    }
  }

  private async dispatch(stream: string): Promise<void> {
    const batch = this.pending.get(stream);
    this.pending.delete(stream);
    if (batch === undefined || batch.records.length === 0) return;
    while (this.inFlight.size >= this.settings.concurrency) await Promise.race(this.inFlight);
    this.throwIfFailed();
    this.events.onBatch();
    const sending: Promise<void> = this.sendBatch(stream, batch.records)
      .catch((error: unknown) => {
        this.firstError ??= error;
      })
      .finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
  }

  private throwIfFailed(): void {
    if (this.firstError !== undefined) throw this.firstError;
  }

  private async sendBatch(stream: string, records: OutgoingRecord[]): Promise<void> {
    let toSend = records;
    for (let attempt = 1; ; attempt += 1) {
      await this.settings.rateLimiter?.acquire(toSend.length);
      const failed = await this.attempt(stream, toSend);
      if (failed.length === 0) return;
      if (failed[0]?.final === true || attempt >= this.settings.maxAttempts) {
        await this.events.onUnsent(failed.map(({ record, reason }) => ({ record, reason, attempts: attempt })));
        return;
      }
      this.events.onRetried(failed.length);
      await this.sleep(backoffDelayMs(attempt, this.settings.retryBaseDelayMs, this.settings.retryMaxDelayMs, this.random));
      toSend = failed.map(({ record }) => record);
    }
  }

  /** One PutRecords call; returns the entries to try again (or give up on, when `final`). */
  private async attempt(stream: string, records: OutgoingRecord[]): Promise<{ record: OutgoingRecord; reason: string; final: boolean }[]> {
    let entries: PutRecordsResultEntry[];
    try {
      const response = await this.settings.kinesis.send(
        new PutRecordsCommand({
          StreamName: stream,
          Records: records.map((record) => ({ Data: record.data, PartitionKey: record.partitionKey })),
        }),
      );
      entries = response.Records ?? [];
    } catch (error) {
      const final = !isRetryableRequestError(error);
      const reason = errorText(error, { withName: true });
      return records.map((record) => ({ record, reason, final }));
    }
    const failed: { record: OutgoingRecord; reason: string; final: boolean }[] = [];
    const sent: Record<TripHalf, number> = { start: 0, end: 0 };
    const acknowledged: AcknowledgedRecord[] = [];
    records.forEach((record, index) => {
      const entry = entries[index];
      if (entry === undefined) {
        failed.push({ record, reason: 'PutRecords response had no entry for this record', final: false });
      } else if (entry.ErrorCode !== undefined && entry.ErrorCode !== null) {
        failed.push({ record, reason: `${entry.ErrorCode}: ${entry.ErrorMessage ?? 'no message'}`, final: false });
      } else {
        sent[record.kind] += 1;
        acknowledged.push({
          kind: record.kind,
          stream,
          partitionKey: record.partitionKey,
          shardId: entry.ShardId ?? '',
          sequenceNumber: entry.SequenceNumber ?? '',
        });
      }
    });
    if (acknowledged.length > 0) this.events.onAcknowledged?.(acknowledged);
    if (sent.start > 0) this.events.onSent('start', sent.start);
    if (sent.end > 0) this.events.onSent('end', sent.end);
    return failed;
  }
}
