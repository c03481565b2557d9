/**
 * Replay: re-sends archived records (the raw archive, ops/raw-archive.ts) into the trip streams through
 * the producer's sender, with its batching, resends and accounting. Each record goes back to the stream it
 * was archived from, byte for byte; the handlers' idempotence makes a record already applied a duplicate.
 *
 * The archive is read from S3 (`s3://bucket/raw/trip-start/2024-05-25/`) or from a local folder (a local
 * run's `<out>/raw/`), every `.gz` object under the prefix, in key order.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import type { TripHalf } from '../domain/csv';
import { eventTime, tripEventSchema } from '../domain/events';
import { decodeRawObject, streamKindOfKey } from '../ops/raw-archive';
import { type TimeWindow, withinWindow } from '../ops/time-window';
import { KinesisBatchSender, type SenderEvents, type UnsentRecord } from './kinesis-sender';
import { isS3Url, openInput, parseS3Url } from './locations';
import { type PerFile, PRODUCER_DEFAULTS } from './produce';
import { QuarantineSink } from './quarantine';

interface ReplaySelection {
  readonly tripIds?: readonly string[];
  /** On the event's own time: pickup for a start, dropoff for an end. */
  readonly eventTime?: TimeWindow;
}

export interface ReplayOptions {
  /** `s3://bucket/prefix` or a local folder. */
  readonly from: string;
  readonly streams: Record<TripHalf, string>;
  readonly selection: ReplaySelection;
  readonly kinesis: KinesisClient;
  /** Needed when `from` or `unsent` is on S3. */
  readonly s3?: S3Client;
  /** Where records Kinesis did not accept go (one JSON line each), as the producer's quarantine. */
  readonly unsent?: string;
  readonly dryRun?: boolean;
  readonly maxSendAttempts?: number;
  readonly concurrency?: number;
  /** Told each record Kinesis acknowledged, with its shard and sequence number (the local run's ledger). */
  readonly onAcknowledged?: SenderEvents['onAcknowledged'];
}

export interface ReplaySummary {
  readonly objects: number;
  /** Archived records read. */
  readonly records: number;
  /** Records the selection kept. */
  readonly selected: PerFile;
  readonly sent: PerFile;
  readonly failed: PerFile;
  /** Objects outside the raw/<stream>/ layout, skipped: their stream is unknown. */
  readonly skippedObjects: string[];
  readonly retriedEntries: number;
  readonly batches: number;
  readonly unsentFile?: string;
}

interface ArchivedObject {
  readonly name: string;
  read(): Promise<Uint8Array>;
}

async function* localObjects(directory: string): AsyncGenerator<ArchivedObject> {
  if ((await stat(directory)).isFile()) {
    yield { name: directory, read: () => readFile(directory) };
    return;
  }
  const entries = await readdir(directory, { withFileTypes: true, recursive: true });
  const files = entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.gz'))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
  for (const file of files) yield { name: file, read: () => readFile(file) };
}

async function* s3Objects(s3: S3Client, location: string): AsyncGenerator<ArchivedObject> {
  const { bucket, key: prefix } = parseS3Url(location);
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
    for (const object of page.Contents ?? []) {
      const key = object.Key;
      if (key === undefined || !key.endsWith('.gz')) continue;
      yield {
        name: `s3://${bucket}/${key}`,
        read: async () => buffer(await openInput(`s3://${bucket}/${key}`, s3)),
      };
    }
  }
}

function archivedObjects(location: string, s3: S3Client | undefined): AsyncGenerator<ArchivedObject> {
  if (!isS3Url(location)) return localObjects(location);
  if (s3 === undefined) throw new Error(`an S3 client is needed to read ${location}`);
  return s3Objects(s3, location);
}

/** Whether an archived record is selected. A record that is not a valid event matches no trip or time filter. */
function selects(line: string, selection: ReplaySelection): boolean {
  if (selection.tripIds === undefined && selection.eventTime === undefined) return true;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return false;
  }
  const event = tripEventSchema.safeParse(parsed);
  if (!event.success) return false;
  if (selection.tripIds !== undefined && !selection.tripIds.includes(event.data.trip_id)) return false;
  return selection.eventTime === undefined || withinWindow(eventTime(event.data), selection.eventTime);
}

/** The producer partitions by trip id; a record without a usable one still needs a key Kinesis accepts. */
function partitionKeyOf(line: string): string {
  try {
    const parsed = JSON.parse(line) as { trip_id?: unknown };
    if (typeof parsed.trip_id === 'string' && parsed.trip_id.length > 0 && parsed.trip_id.length <= 256) return parsed.trip_id;
  } catch {
    // not JSON: archived as it arrived, replayed as it arrived
  }
  return 'unparseable-record';
}

export async function replay(options: ReplayOptions): Promise<ReplaySummary> {
  const zero = (): PerFile => ({ start: 0, end: 0 });
  const selected = zero();
  const sent = zero();
  const failed = zero();
  const skippedObjects: string[] = [];
  let objects = 0;
  let records = 0;
  let retriedEntries = 0;
  let batches = 0;
  const quarantine = options.unsent === undefined ? undefined : new QuarantineSink(options.unsent, options.s3);
  const sender =
    options.dryRun === true
      ? undefined
      : new KinesisBatchSender(
          {
            kinesis: options.kinesis,
            concurrency: options.concurrency ?? PRODUCER_DEFAULTS.concurrency,
            maxAttempts: options.maxSendAttempts ?? PRODUCER_DEFAULTS.maxSendAttempts,
            retryBaseDelayMs: PRODUCER_DEFAULTS.retryBaseDelayMs,
            retryMaxDelayMs: PRODUCER_DEFAULTS.retryMaxDelayMs,
          },
          {
            onSent: (kind, count) => {
              sent[kind] += count;
            },
            onRetried: (count) => {
              retriedEntries += count;
            },
            onBatch: () => {
              batches += 1;
            },
            ...(options.onAcknowledged === undefined ? {} : { onAcknowledged: options.onAcknowledged }),
            onUnsent: async (unsent: UnsentRecord[]) => {
              for (const { record, reason, attempts } of unsent) {
                failed[record.kind] += 1;
                await quarantine?.unsent({
                  file: record.file,
                  line_number: record.lineNumber,
                  raw: record.raw,
                  reason,
                  stream: record.stream,
                  partition_key: record.partitionKey,
                  data: record.raw,
                  attempts,
                });
              }
            },
          },
        );

  try {
    for await (const object of archivedObjects(options.from, options.s3)) {
      const kind = streamKindOfKey(object.name);
      if (kind === undefined) {
        skippedObjects.push(object.name);
        continue;
      }
      objects += 1;
      const lines = decodeRawObject(await object.read());
      for (const [index, line] of lines.entries()) {
        records += 1;
        if (!selects(line, options.selection)) continue;
        selected[kind] += 1;
        await sender?.add({
          kind,
          stream: options.streams[kind],
          partitionKey: partitionKeyOf(line),
          data: Buffer.from(line, 'utf8'),
          file: object.name,
          lineNumber: index + 1,
          raw: line,
        });
      }
    }
    await sender?.flush();
  } finally {
    await sender?.flush().catch(() => undefined);
  }
  const files = (await quarantine?.close()) ?? {};
  return {
    objects,
    records,
    selected,
    sent,
    failed,
    skippedObjects,
    retriedEntries,
    batches,
    ...(files.unsent === undefined ? {} : { unsentFile: files.unsent }),
  };
}
