/**
 * Where a dead letter's payload goes when the letter would not fit into one SQS message: an object in the data
 * bucket, named by the payload's SHA-256, so the letter can point at it with the hash to check (ADR 0005).
 */
import { createHash } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { DeadLetterPayloadLocation, HandlerName } from '../../../domain/envelopes';
import { DATA_PREFIXES } from '../../../lib/names';

export class DeadLetterPayloads {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  /** Stores the payload's JSON text; the same payload always lands on the same key (a resend overwrites it with itself). */
  async store(source: HandlerName, payloadJson: string): Promise<DeadLetterPayloadLocation> {
    const body = Buffer.from(payloadJson, 'utf8');
    const sha256 = createHash('sha256').update(body).digest('hex');
    const key = `${DATA_PREFIXES.deadLetterPayloads}${source}/${sha256}.json`;
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: 'application/json' }));
    return { s3_uri: `s3://${this.bucket}/${key}`, bytes: body.length, sha256 };
  }
}
