/**
 * The local stand-in for the two Firehose delivery streams: once the run has drained, both Kinesis streams
 * are read back from TRIM_HORIZON (local/stream-readback.ts, one read shared with the ledger), every record
 * is grouped by stream and UTC date of arrival, and written as the deployed archive writes it
 * (ops/raw-archive.ts) to the local data bucket and to `<out>/raw/`.
 *
 * Its clients are not request-counted: on AWS this work is Firehose's, not the pipeline's.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { TripHalf } from '../../domain/csv';
import { RAW_ARCHIVE_STREAMS } from '../../lib/config';
import { encodeRawObject, rawArchiveKey } from '../../ops/raw-archive';
import type { ReadBackRecord } from './stream-readback';

/** Firehose's buffering size in the deployed archive: an object holds at most this much data. */
const OBJECT_BYTES = 64 * 1024 * 1024;

export interface ArchiveTargets {
  /** Each stream's records, read back once the run has drained. */
  readonly records: Readonly<Record<TripHalf, readonly ReadBackRecord[]>>;
  readonly s3: S3Client;
  readonly bucket: string;
  readonly outDir: string;
  /** Names the objects like a delivery stream would (`<prefix>-trip-start-raw`). */
  readonly deliveryStreamPrefix: string;
}

export interface ArchiveSummary {
  readonly records: Record<TripHalf, number>;
  readonly objects: string[];
}

function arrivalOf(record: ReadBackRecord): Date {
  return new Date(Number.isFinite(record.arrivalMs) ? record.arrivalMs : 0);
}

/** Records of one stream as archive objects: grouped by UTC arrival date, in arrival order, split at the buffering size. */
export function archiveObjects(
  kind: TripHalf,
  records: readonly ReadBackRecord[],
  deliveryStreamName: string,
): { key: string; body: Buffer }[] {
  const byDate = new Map<string, ReadBackRecord[]>();
  const ordered = [...records].sort((a, b) => arrivalOf(a).getTime() - arrivalOf(b).getTime());
  for (const record of ordered) {
    const date = arrivalOf(record).toISOString().slice(0, 10);
    const group = byDate.get(date) ?? [];
    group.push(record);
    byDate.set(date, group);
  }
  const objects: { key: string; body: Buffer }[] = [];
  for (const group of byDate.values()) {
    let chunk: ReadBackRecord[] = [];
    let bytes = 0;
    const flush = () => {
      const first = chunk[0];
      if (first === undefined) return;
      objects.push({
        key: rawArchiveKey(RAW_ARCHIVE_STREAMS[kind], arrivalOf(first), deliveryStreamName),
        body: encodeRawObject(chunk.map((record) => record.data)),
      });
      chunk = [];
      bytes = 0;
    };
    for (const record of group) {
      const size = record.data.byteLength + 1;
      if (bytes + size > OBJECT_BYTES) flush();
      chunk.push(record);
      bytes += size;
    }
    flush();
  }
  return objects;
}

export async function archiveStreams(targets: ArchiveTargets): Promise<ArchiveSummary> {
  const records: Record<TripHalf, number> = { start: 0, end: 0 };
  const written: string[] = [];
  for (const kind of ['start', 'end'] as const) {
    const streamRecords = targets.records[kind];
    records[kind] = streamRecords.length;
    for (const object of archiveObjects(kind, streamRecords, `${targets.deliveryStreamPrefix}-${RAW_ARCHIVE_STREAMS[kind]}-raw`)) {
      await targets.s3.send(new PutObjectCommand({ Bucket: targets.bucket, Key: object.key, Body: object.body }));
      const file = path.join(targets.outDir, ...object.key.split('/'));
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, object.body);
      written.push(object.key);
    }
  }
  return { records, objects: written };
}
