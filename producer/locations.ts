/**
 * Inputs and outputs named either as a local path or as `s3://bucket/key`. S3 objects are read as a stream
 * (the GetObject body), never downloaded whole.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { errorText } from '../domain/error-text';

export interface S3Location {
  bucket: string;
  key: string;
}

export function isS3Url(location: string): boolean {
  return location.startsWith('s3://');
}

/** `s3://bucket/key` -> bucket and key (the key may be empty for a bucket-wide prefix). */
export function parseS3Url(location: string): S3Location {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(location);
  if (match === null || match[1] === undefined) throw new Error(`not an S3 URL (s3://bucket/key): ${location}`);
  return { bucket: match[1], key: match[2] ?? '' };
}

function requireS3(s3: S3Client | undefined, location: string): S3Client {
  if (s3 === undefined) throw new Error(`an S3 client is needed to use ${location}`);
  return s3;
}

/** Checks that an input can be read before anything is sent; returns its size in bytes when known. */
export async function inspectInput(location: string, s3: S3Client | undefined): Promise<number | undefined> {
  try {
    if (!isS3Url(location)) {
      const info = await stat(location);
      if (!info.isFile()) throw new Error('not a regular file');
      return info.size;
    }
    const { bucket, key } = parseS3Url(location);
    const head = await requireS3(s3, location).send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return head.ContentLength;
  } catch (error) {
    throw new Error(`cannot read ${location}: ${errorText(error)}`, { cause: error });
  }
}

export async function openInput(location: string, s3: S3Client | undefined): Promise<Readable> {
  if (!isS3Url(location)) return createReadStream(location);
  const { bucket, key } = parseS3Url(location);
  const object = await requireS3(s3, location).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const body = object.Body;
  if (body === undefined || typeof (body as Readable).pipe !== 'function') throw new Error(`S3 returned no readable body for ${location}`);
  return body as Readable;
}
