/**
 * The raw archive's layout and object format, as Firehose writes it (lib/constructs/raw-stream-archive.ts)
 * and as the local runtime writes it the same way: `raw/<stream folder>/<UTC date of arrival>/<name>.gz`,
 * each object a GZIP of the stream records' data, every record followed by a newline.
 */
import { randomUUID } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { TripHalf } from '../domain/csv';
import { DATA_PREFIXES, RAW_ARCHIVE_STREAMS } from '../lib/config';

export type RawStreamFolder = (typeof RAW_ARCHIVE_STREAMS)[TripHalf];

/** A Firehose-style object name: `<delivery stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<random>` plus the GZIP extension. */
export function rawArchiveKey(
  folder: RawStreamFolder,
  firstArrival: Date,
  deliveryStreamName: string,
  random: string = randomUUID(),
): string {
  const iso = firstArrival.toISOString();
  const stamp = `${iso.slice(0, 10)}-${iso.slice(11, 13)}-${iso.slice(14, 16)}-${iso.slice(17, 19)}`;
  return `${DATA_PREFIXES.raw}${folder}/${iso.slice(0, 10)}/${deliveryStreamName}-1-${stamp}-${random}.gz`;
}

/** The object body: each record's data followed by the newline Firehose's AppendDelimiterToRecord adds. */
export function encodeRawObject(records: readonly Uint8Array[]): Buffer {
  return gzipSync(Buffer.concat(records.flatMap((data) => [Buffer.from(data), Buffer.from('\n')])));
}

/** The archived records of an object, one per line (a record's data is one JSON event, never containing a newline). */
export function decodeRawObject(body: Uint8Array): string[] {
  const text = gunzipSync(body).toString('utf8');
  if (text === '') return [];
  const lines = text.split('\n');
  // The delimiter follows every record, the last one included.
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/**
 * Which stream an archived object came from, by its `raw/<folder>/` segments; undefined for a key outside
 * that layout, Firehose's error output (`raw/errors/...`, records it could not deliver) included.
 */
export function streamKindOfKey(key: string): TripHalf | undefined {
  const segments = key.split(/[\\/]/);
  const root = DATA_PREFIXES.raw.replace(/\/$/, '');
  for (const kind of ['start', 'end'] as const) {
    const at = segments.indexOf(RAW_ARCHIVE_STREAMS[kind]);
    if (at > 0 && segments[at - 1] === root) return kind;
  }
  return undefined;
}
