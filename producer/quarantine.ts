/**
 * Where rejected rows and unsent records go: one JSON line each, in a local directory or under an S3 prefix.
 * Files are created on the first line only, and are named per run so two runs never overwrite each other.
 */

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, type Writable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { isS3Url, parseS3Url } from './locations';

/** A row the domain rules rejected, or a record too large for Kinesis. */
export interface RejectedRow {
  file: string;
  line_number: number;
  /** The row's text; when its bytes are not UTF-8, with U+FFFD in their place (raw_base64 has them exactly). */
  raw: string;
  raw_base64?: string;
  reason: string;
}

/** A valid record Kinesis did not accept within the attempt budget. */
export interface UnsentRow extends RejectedRow {
  stream: string;
  partition_key: string;
  /** The record data exactly as it was to be sent (the wire event as JSON). */
  data: string;
  attempts: number;
}

interface LineFile {
  location: string;
  write(line: string): Promise<void>;
  close(): Promise<void>;
}

async function openLocalFile(directory: string, name: string): Promise<LineFile> {
  await mkdir(directory, { recursive: true });
  const location = join(directory, name);
  const stream = createWriteStream(location, { flags: 'wx' });
  await once(stream, 'open');
  return lineFile(location, stream, async () => {
    stream.end();
    await once(stream, 'finish');
  });
}

function openS3Object(s3: S3Client, prefix: string, name: string): LineFile {
  const { bucket, key } = parseS3Url(prefix);
  const objectKey = key === '' || key.endsWith('/') ? `${key}${name}` : `${key}/${name}`;
  const body = new PassThrough();
  const upload = new Upload({ client: s3, params: { Bucket: bucket, Key: objectKey, Body: body, ContentType: 'application/x-ndjson' } });
  const done = upload.done();
  // Surfaced by close(); without this an early upload failure would be an unhandled rejection.
  done.catch(() => undefined);
  return lineFile(`s3://${bucket}/${objectKey}`, body, async () => {
    body.end();
    await done;
  });
}

function lineFile(location: string, stream: Writable, close: () => Promise<void>): LineFile {
  return {
    location,
    async write(line: string) {
      if (!stream.write(`${line}\n`)) await once(stream, 'drain');
    },
    close,
  };
}

export class QuarantineSink {
  private rejectedFile: Promise<LineFile> | undefined;
  private unsentFile: Promise<LineFile> | undefined;
  private readonly runStamp: string;

  constructor(
    private readonly destination: string,
    private readonly s3: S3Client | undefined,
    startedAt: Date = new Date(),
  ) {
    this.runStamp = startedAt.toISOString().replace(/[:.]/g, '-');
    if (isS3Url(destination) && s3 === undefined) throw new Error(`an S3 client is needed to quarantine to ${destination}`);
  }

  async rejected(row: RejectedRow): Promise<void> {
    this.rejectedFile ??= this.open(`rejected-rows-${this.runStamp}.jsonl`);
    await (await this.rejectedFile).write(JSON.stringify(row));
  }

  async unsent(row: UnsentRow): Promise<void> {
    this.unsentFile ??= this.open(`unsent-records-${this.runStamp}.jsonl`);
    await (await this.unsentFile).write(JSON.stringify(row));
  }

  /** Closes what was written and says where it is. */
  async close(): Promise<{ rejected?: string; unsent?: string }> {
    const written: { rejected?: string; unsent?: string } = {};
    if (this.rejectedFile !== undefined) {
      const file = await this.rejectedFile;
      await file.close();
      written.rejected = file.location;
    }
    if (this.unsentFile !== undefined) {
      const file = await this.unsentFile;
      await file.close();
      written.unsent = file.location;
    }
    return written;
  }

  private async open(name: string): Promise<LineFile> {
    if (isS3Url(this.destination)) return openS3Object(this.s3 as S3Client, this.destination, name);
    return openLocalFile(this.destination, name);
  }
}
