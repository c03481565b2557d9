import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetObjectCommand, type GetObjectCommandOutput, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { runKpiStep } from '../../../../local/run/kpi-step';

const BUCKET = 'kpi-step-test';

function stagedLine(id: string, fare: number): string {
  return JSON.stringify({
    trip_id: id,
    trip_date: '2024-05-24',
    pickup_datetime: '2024-05-24T08:00:00.000Z',
    dropoff_datetime: '2024-05-24T08:30:00.000Z',
    completed_at: '2024-05-24T08:30:01.000Z',
    fare_amount: fare,
    tip_amount: null,
    trip_distance: 2,
  });
}

/** An object body as the SDK hands it out; the step reads it only as bytes. */
function body(bytes: Buffer): GetObjectCommandOutput['Body'] {
  return { transformToByteArray: () => Promise.resolve(new Uint8Array(bytes)) } as unknown as GetObjectCommandOutput['Body'];
}

describe('runKpiStep', () => {
  const s3Mock = mockClient(S3Client);

  afterEach(() => {
    s3Mock.reset();
  });

  it('copies every staged file to <out>/completed-trips/ byte for byte and computes the KPIs from that copy', async () => {
    // Prepare: no newline at the end of one file, non-ASCII trip ids, and a key that is not a staged file
    const staged = {
      'completed-trips/trip_date=2024-05-24/a.jsonl': Buffer.from(`${stagedLine('täxi-1', 10)}\n${stagedLine('täxi-2', 20.5)}`, 'utf8'),
      'completed-trips/trip_date=2024-05-24/b.jsonl': Buffer.from(`${stagedLine('täxi-1', 10)}\n`, 'utf8'),
    };
    s3Mock.on(ListObjectsV2Command).resolves({ Contents: [...Object.keys(staged), 'completed-trips/readme.txt'].map((Key) => ({ Key })) });
    for (const [key, bytes] of Object.entries(staged))
      s3Mock.on(GetObjectCommand, { Bucket: BUCKET, Key: key }).resolves({ Body: body(bytes) });
    s3Mock.on(PutObjectCommand).resolves({});
    const outDir = await mkdtemp(path.join(tmpdir(), 'kpi-step-'));

    // Act
    const result = await runKpiStep(new S3Client({ region: 'us-east-1' }), BUCKET, outDir);

    // Assess
    const copyDir = path.join(outDir, 'completed-trips', 'trip_date=2024-05-24');
    expect((await readdir(copyDir)).sort()).toEqual(['a.jsonl', 'b.jsonl']);
    for (const [key, bytes] of Object.entries(staged)) {
      expect((await readFile(path.join(copyDir, path.basename(key)))).equals(bytes)).toBe(true);
    }
    expect(result).toEqual(
      expect.objectContaining({
        stagedFiles: 2,
        dates: ['2024-05-24'],
        rows: [expect.objectContaining({ trip_count: 2, total_fare: 30.5 })],
      }),
    );
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, { Bucket: BUCKET, Key: 'daily-kpis/trip_date=2024-05-24/part-00000.json' });
  });
});
