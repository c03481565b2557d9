/** The data bucket, as the match handler uses it: one JSON-lines object per write. */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

export class StagingBucket {
  constructor(
    private readonly client: S3Client,
    private readonly bucketName: string,
  ) {}

  /** Writes (or overwrites) `key` with one JSON object per line. */
  async putJsonLines(key: string, rows: readonly object[]): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucketName,
        Key: key,
        Body: rows.map((row) => `${JSON.stringify(row)}\n`).join(''),
        ContentType: 'application/x-ndjson',
      }),
    );
  }
}
