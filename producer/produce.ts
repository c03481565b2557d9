/**
 * The producer: reads the two trip CSVs (local or S3, streamed), validates every row with the domain rules,
 * quarantines what is rejected, and sends the rest to the two Kinesis streams in the chosen order.
 * Memory stays bounded whatever the file size: the reorder window, plus `concurrency` batches of at most 5 MiB.
 */
import { pipeline, type Readable, Transform } from 'node:stream';
import { DescribeStreamSummaryCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { S3Client } from '@aws-sdk/client-s3';
import type { TripHalf } from '../domain/csv';
import { type CsvRow, readEndCsv, readStartCsv } from '../domain/csv-reader';
import { errorText } from '../domain/error-text';
import type { TripEvent } from '../domain/events';
import { type Clock, FeedPacer } from './feed-pacer';
import { KINESIS_LIMITS, KinesisBatchSender, recordSize, type SenderEvents, type UnsentRecord } from './kinesis-sender';
import { inspectInput, openInput } from './locations';
import { orderRows, type SendOrder, type SourcedRow } from './ordering';
import { QuarantineSink } from './quarantine';
import { RateLimiter } from './rate-limiter';

export type { SendOrder } from './ordering';

export interface ProduceOptions {
  /** trip_start.csv: a local path or s3://bucket/key. */
  start: string;
  /** trip_end.csv: a local path or s3://bucket/key. */
  end: string;
  startStream: string;
  endStream: string;
  order: SendOrder;
  /** Directory or s3://bucket/prefix for rejected rows and unsent records; without it they are only counted. */
  quarantine?: string;
  /** Upper bound on records sent per second (resends included). */
  ratePerSecond?: number;
  /** Rows arrive as a live feed's would, at this many trips (two rows each) per second; see feed-pacer.ts. */
  feedTripsPerSecond?: number;
  /** The feed's clock (tests pass a fake one); the system clock by default. */
  feedClock?: Clock;
  /** Validate, quarantine and count, but send nothing (no stream names or AWS access needed). */
  dryRun?: boolean;
  kinesis: KinesisClient;
  /** Needed when an input or the quarantine is on S3. */
  s3?: S3Client;
  onProgress?: (snapshot: ProgressSnapshot) => void;
  /** Told each record Kinesis acknowledged, with its shard and sequence number (the local run's ledger). */
  onAcknowledged?: SenderEvents['onAcknowledged'];
  /** PutRecords attempts per record, the first included (default 8). */
  maxSendAttempts?: number;
  /** PutRecords batches in flight at once (default 4). */
  concurrency?: number;
  /** Valid rows per file held to restore event-time order (default 10,000); see ordering.ts. */
  reorderWindow?: number;
  /** First resend delay bound; doubles per attempt up to retryMaxDelayMs (defaults 100 ms and 5 s). */
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
}

/** Per-file counts, the same in progress snapshots and in the final summary. */
export interface PerFile {
  start: number;
  end: number;
}

/** What has happened so far: reported while running and in the summary. */
interface ProduceCounts {
  rows: PerFile;
  quarantined: PerFile;
  sent: PerFile;
  /** Valid records Kinesis did not accept within the attempt budget (written to the unsent file). */
  failed: PerFile;
  /** Entries sent again after a partial or whole-request failure (one record resent twice counts twice). */
  retriedEntries: number;
  /** PutRecords batches formed (resends of part of a batch are not new batches). */
  batches: number;
}

export interface ProgressSnapshot extends ProduceCounts {
  batchesInFlight: number;
  /** Input bytes consumed so far, and the total when the sizes are known (for a percentage). */
  bytesRead: number;
  totalBytes?: number;
  elapsedMs: number;
}

export interface ProduceSummary extends ProduceCounts {
  durationMs: number;
  /** Valid rows that could not be put in event-time order within the reorder window (sent all the same). */
  outOfOrder: number;
  /** The quarantine files this run wrote, if any. */
  quarantineFiles: { rejected?: string; unsent?: string };
}

export const PRODUCER_DEFAULTS = {
  maxSendAttempts: 8,
  concurrency: 4,
  reorderWindow: 10_000,
  retryBaseDelayMs: 100,
  retryMaxDelayMs: 5_000,
  progressIntervalMs: 200,
} as const;

function countingBytes(onBytes: (count: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      onBytes(chunk.length);
      callback(null, chunk);
    },
  });
}

async function assertStreamExists(kinesis: KinesisClient, stream: string): Promise<void> {
  try {
    await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
  } catch (error) {
    throw new Error(`cannot use Kinesis stream ${stream}: ${errorText(error)}`, { cause: error });
  }
}

function readCsv(kind: TripHalf, input: Readable): AsyncIterable<CsvRow<TripEvent>> {
  return kind === 'start' ? readStartCsv(input) : readEndCsv(input);
}

/** Reads the header and first row only, so a file the reader cannot use (CsvHeaderError) fails the run early. */
async function assertReadableHeader(kind: TripHalf, location: string, s3: S3Client | undefined): Promise<void> {
  const input = await openInput(location, s3);
  try {
    const rows = readCsv(kind, input)[Symbol.asyncIterator]();
    await rows.next();
    await rows.return?.();
  } catch (error) {
    throw new Error(`cannot use ${location}: ${errorText(error)}`, { cause: error });
  } finally {
    input.destroy();
  }
}

/** What has happened so far in one run, and its throttled progress reports. */
class ProduceTally {
  readonly rows: PerFile = { start: 0, end: 0 };
  readonly quarantined: PerFile = { start: 0, end: 0 };
  readonly sent: PerFile = { start: 0, end: 0 };
  readonly failed: PerFile = { start: 0, end: 0 };
  retriedEntries = 0;
  batches = 0;
  outOfOrder = 0;
  bytesRead = 0;
  sender: KinesisBatchSender | undefined;
  private lastProgressAt = 0;

  constructor(
    readonly startedAt: number,
    private readonly totalBytes: number | undefined,
    private readonly onProgress: ProduceOptions['onProgress'],
  ) {}

  snapshot(): ProgressSnapshot {
    return {
      rows: { ...this.rows },
      quarantined: { ...this.quarantined },
      sent: { ...this.sent },
      failed: { ...this.failed },
      retriedEntries: this.retriedEntries,
      batches: this.batches,
      batchesInFlight: this.sender?.batchesInFlight ?? 0,
      bytesRead: this.bytesRead,
      ...(this.totalBytes === undefined ? {} : { totalBytes: this.totalBytes }),
      elapsedMs: Date.now() - this.startedAt,
    };
  }

  report(force = false): void {
    if (this.onProgress === undefined) return;
    const now = Date.now();
    if (!force && now - this.lastProgressAt < PRODUCER_DEFAULTS.progressIntervalMs) return;
    this.lastProgressAt = now;
    this.onProgress(this.snapshot());
  }
}

/** Both inputs' sizes (their total, when known), after checking both headers and, unless dry, both streams. */
async function checkInputs(options: ProduceOptions): Promise<number | undefined> {
  const sizes = await Promise.all([inspectInput(options.start, options.s3), inspectInput(options.end, options.s3)]);
  // In file and ends-first order the second file is opened late: check both headers before anything is sent.
  await Promise.all([assertReadableHeader('start', options.start, options.s3), assertReadableHeader('end', options.end, options.s3)]);
  const totalBytes = sizes.every((size) => size !== undefined) ? sizes.reduce<number>((sum, size) => sum + (size ?? 0), 0) : undefined;
  if (options.dryRun !== true) {
    if (options.startStream === '' || options.endStream === '') throw new Error('both stream names are needed unless dryRun is set');
    await Promise.all([assertStreamExists(options.kinesis, options.startStream), assertStreamExists(options.kinesis, options.endStream)]);
  }
  return totalBytes;
}

function createSender(options: ProduceOptions, tally: ProduceTally, quarantine: QuarantineSink | undefined): KinesisBatchSender {
  const recordUnsent = async (unsent: UnsentRecord[]): Promise<void> => {
    for (const { record, reason, attempts } of unsent) {
      tally.failed[record.kind] += 1;
      await quarantine?.unsent({
        file: record.file,
        line_number: record.lineNumber,
        raw: record.raw,
        reason,
        stream: record.stream,
        partition_key: record.partitionKey,
        data: Buffer.from(record.data).toString('utf8'),
        attempts,
      });
    }
  };
  return new KinesisBatchSender(
    {
      kinesis: options.kinesis,
      concurrency: options.concurrency ?? PRODUCER_DEFAULTS.concurrency,
      maxAttempts: options.maxSendAttempts ?? PRODUCER_DEFAULTS.maxSendAttempts,
      retryBaseDelayMs: options.retryBaseDelayMs ?? PRODUCER_DEFAULTS.retryBaseDelayMs,
      retryMaxDelayMs: options.retryMaxDelayMs ?? PRODUCER_DEFAULTS.retryMaxDelayMs,
      ...(options.ratePerSecond === undefined ? {} : { rateLimiter: new RateLimiter(options.ratePerSecond) }),
    },
    {
      onSent: (kind, count) => {
        tally.sent[kind] += count;
        tally.report();
      },
      onRetried: (count) => {
        tally.retriedEntries += count;
      },
      onBatch: () => {
        tally.batches += 1;
      },
      onUnsent: recordUnsent,
      ...(options.onAcknowledged === undefined ? {} : { onAcknowledged: options.onAcknowledged }),
    },
  );
}

/** Every row of both files, in the chosen order: validated, then quarantined or handed to the sender. */
async function sendRows(options: ProduceOptions, tally: ProduceTally, quarantine: QuarantineSink | undefined): Promise<void> {
  const { sender } = tally;
  const streamOf: Record<TripHalf, string> = { start: options.startStream, end: options.endStream };
  const fileOf: Record<TripHalf, string> = { start: options.start, end: options.end };
  const source = (kind: TripHalf) =>
    async function* (): AsyncGenerator<SourcedRow> {
      const counted = countingBytes((count) => (tally.bytesRead += count));
      // pipeline, unlike pipe, passes a read error on to the CSV reader instead of leaving it waiting.
      pipeline(await openInput(fileOf[kind], options.s3), counted, () => undefined);
      for await (const row of readCsv(kind, counted)) yield { kind, file: fileOf[kind], ...row };
    };
  const reject = async (row: SourcedRow, reason: string): Promise<void> => {
    tally.quarantined[row.kind] += 1;
    await quarantine?.rejected({
      file: row.file,
      line_number: row.lineNumber,
      raw: row.raw,
      ...(row.rawBase64 === undefined ? {} : { raw_base64: row.rawBase64 }),
      reason,
    });
  };
  const ordered = orderRows(options.order, source('start'), source('end'), options.reorderWindow ?? PRODUCER_DEFAULTS.reorderWindow, {
    onOutOfOrder: () => {
      tally.outOfOrder += 1;
    },
  });
  const pacer = options.feedTripsPerSecond === undefined ? undefined : new FeedPacer(options.feedTripsPerSecond, options.feedClock);
  let previousKind: TripHalf | undefined;
  for await (const row of ordered) {
    await pacer?.next(async () => sender?.sendPending());
    // In file and ends-first order the first file must be wholly in Kinesis before the second one starts.
    if (options.order !== 'event-time' && previousKind !== undefined && row.kind !== previousKind) await sender?.flush();
    previousKind = row.kind;
    tally.rows[row.kind] += 1;
    if (!row.outcome.ok) {
      await reject(row, row.outcome.reason);
    } else {
      const event = row.outcome.event;
      const record = { partitionKey: event.trip_id, data: Buffer.from(JSON.stringify(event), 'utf8') };
      const size = recordSize(record);
      if (size > KINESIS_LIMITS.bytesPerRecord) {
        await reject(row, `record too large for Kinesis: ${size} bytes (limit ${KINESIS_LIMITS.bytesPerRecord})`);
      } else if (sender !== undefined) {
        await sender.add({
          ...record,
          kind: row.kind,
          stream: streamOf[row.kind],
          file: row.file,
          lineNumber: row.lineNumber,
          raw: row.raw,
        });
      }
    }
    tally.report();
  }
  await sender?.flush();
}

export async function produce(options: ProduceOptions): Promise<ProduceSummary> {
  const startedAt = Date.now();
  const totalBytes = await checkInputs(options);
  const quarantine = options.quarantine === undefined ? undefined : new QuarantineSink(options.quarantine, options.s3, new Date(startedAt));
  const tally = new ProduceTally(startedAt, totalBytes, options.onProgress);
  if (options.dryRun !== true) tally.sender = createSender(options, tally, quarantine);
  try {
    await sendRows(options, tally, quarantine);
  } catch (error) {
    // Rows read before the failure are valid and were accepted: send them, and let the batches in flight
    // finish (their unsent records written), before giving up.
    await tally.sender?.flush().catch(() => undefined);
    await quarantine?.close().catch(() => undefined);
    throw error;
  }
  const quarantineFiles = (await quarantine?.close()) ?? {};
  tally.report(true);
  const { rows, quarantined, sent, failed, retriedEntries, batches, outOfOrder } = tally;
  return { rows, quarantined, sent, failed, retriedEntries, batches, durationMs: Date.now() - startedAt, outOfOrder, quarantineFiles };
}
