/**
 * The local stand-in for the two Firehose delivery streams: once the run has drained, both Kinesis streams
 * are read from TRIM_HORIZON, every record is grouped by stream and UTC date of arrival, and written as the
 * deployed archive writes it (lib/ops/raw-archive.ts) to the local data bucket and to `<out>/raw/`.
 *
 * Its clients are not request-counted: on AWS this work is Firehose's, not the pipeline's.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, type KinesisClient, type _Record } from '@aws-sdk/client-kinesis';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { RAW_ARCHIVE_STREAMS } from '../lib/config';
import type { CsvKind } from '../lib/domain/csv';
import { encodeRawObject, rawArchiveKey } from '../lib/ops/raw-archive';

/** Firehose's buffering size in the deployed archive: an object holds at most this much data. */
const OBJECT_BYTES = 64 * 1024 * 1024;

export interface ArchiveTargets {
  readonly kinesis: KinesisClient;
  readonly s3: S3Client;
  readonly bucket: string;
  readonly outDir: string;
  readonly streams: Record<CsvKind, string>;
  /** Names the objects like a delivery stream would (`<prefix>-trip-start-raw`). */
  readonly deliveryStreamPrefix: string;
}

export interface ArchiveSummary {
  readonly records: Record<CsvKind, number>;
  readonly objects: string[];
}

/** Every record of a stream, all shards, from the oldest one kept. */
export async function readWholeStream(kinesis: KinesisClient, streamName: string): Promise<_Record[]> {
  const shardIds: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await kinesis.send(new ListShardsCommand(nextToken === undefined ? { StreamName: streamName } : { NextToken: nextToken }));
    for (const shard of page.Shards ?? []) if (shard.ShardId !== undefined) shardIds.push(shard.ShardId);
    nextToken = page.NextToken;
  } while (nextToken !== undefined);

  const records: _Record[] = [];
  for (const shardId of shardIds) {
    let { ShardIterator: iterator } = await kinesis.send(new GetShardIteratorCommand({ StreamName: streamName, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }));
    while (iterator !== undefined) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      const got = page.Records ?? [];
      records.push(...got);
      // An open shard always returns a next iterator: it is read to its end once a page is empty and caught up.
      if (got.length === 0 && (page.MillisBehindLatest ?? 0) === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return records;
}

function arrivalOf(record: _Record): Date {
  return record.ApproximateArrivalTimestamp ?? new Date(0);
}

/** Records of one stream as archive objects: grouped by UTC arrival date, in arrival order, split at the buffering size. */
export function archiveObjects(kind: CsvKind, records: readonly _Record[], deliveryStreamName: string): { key: string; body: Buffer }[] {
  const byDate = new Map<string, _Record[]>();
  const ordered = [...records].sort((a, b) => arrivalOf(a).getTime() - arrivalOf(b).getTime());
  for (const record of ordered) {
    const date = arrivalOf(record).toISOString().slice(0, 10);
    const group = byDate.get(date) ?? [];
    group.push(record);
    byDate.set(date, group);
  }
  const objects: { key: string; body: Buffer }[] = [];
  for (const group of byDate.values()) {
    let chunk: _Record[] = [];
    let bytes = 0;
    const flush = () => {
      const first = chunk[0];
      if (first === undefined) return;
      objects.push({ key: rawArchiveKey(RAW_ARCHIVE_STREAMS[kind], arrivalOf(first), deliveryStreamName), body: encodeRawObject(chunk.map((record) => record.Data ?? new Uint8Array())) });
      chunk = [];
      bytes = 0;
    };
    for (const record of group) {
      const size = (record.Data?.byteLength ?? 0) + 1;
      if (bytes + size > OBJECT_BYTES) flush();
      chunk.push(record);
      bytes += size;
    }
    flush();
  }
  return objects;
}

export async function archiveStreams(targets: ArchiveTargets): Promise<ArchiveSummary> {
  const records: Record<CsvKind, number> = { start: 0, end: 0 };
  const written: string[] = [];
  for (const kind of ['start', 'end'] as const) {
    const streamRecords = await readWholeStream(targets.kinesis, targets.streams[kind]);
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
