/**
 * The daily KPI job of the local run: what EMR Serverless does on AWS, done with the local engine over the
 * local bucket. Staged trips are mirrored from completed-trips/ to a temp dir, the shared KPI SQL runs for
 * every date present, and each date's output is uploaded to daily-kpis/ and copied to `<out>/daily-kpis/`
 * byte for byte.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DATA_PREFIXES } from '../lib/config';
import { computeDailyKpis, type DailyKpiRow } from '../lib/kpi/duckdb-engine';

const STAGED_KEY = /^completed-trips\/trip_date=(\d{4}-\d{2}-\d{2})\/([^/]+\.jsonl)$/;

export interface KpiStepResult {
  readonly rows: DailyKpiRow[];
  readonly dates: string[];
  /** Staged files read from completed-trips/. */
  readonly stagedFiles: number;
}

async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let continuationToken: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(continuationToken === undefined ? {} : { ContinuationToken: continuationToken }) }),
    );
    for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
    continuationToken = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (continuationToken !== undefined);
  return keys;
}

async function downloadText(s3: S3Client, bucket: string, key: string): Promise<string> {
  const { Body: body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (body === undefined) throw new Error(`s3://${bucket}/${key} has no body`);
  return body.transformToString('utf8');
}

export async function runKpiStep(s3: S3Client, bucket: string, outDir: string): Promise<KpiStepResult> {
  const workDir = await mkdtemp(path.join(tmpdir(), 'tripstream-kpis-'));
  try {
    const stagedDir = path.join(workDir, 'completed-trips');
    const computedDir = path.join(workDir, 'daily-kpis');
    const stagedKeys = (await listKeys(s3, bucket, DATA_PREFIXES.completedTrips)).filter((key) => STAGED_KEY.test(key));
    const dates = new Set<string>();
    for (const key of stagedKeys) {
      const [, date, file] = STAGED_KEY.exec(key) ?? [];
      if (date === undefined || file === undefined) continue;
      dates.add(date);
      const dateDir = path.join(stagedDir, `trip_date=${date}`);
      await mkdir(dateDir, { recursive: true });
      await writeFile(path.join(dateDir, file), await downloadText(s3, bucket, key));
    }
    const sortedDates = [...dates].sort();
    const rows = sortedDates.length === 0 ? [] : await computeDailyKpis({ stagedTripsDir: stagedDir, outputDir: computedDir, dates: sortedDates });

    const outKpiDir = path.join(outDir, 'daily-kpis');
    await rm(outKpiDir, { recursive: true, force: true });
    for (const row of rows) {
      const partition = `trip_date=${row.trip_date}`;
      const files = await readdir(path.join(computedDir, partition));
      await mkdir(path.join(outKpiDir, partition), { recursive: true });
      for (const file of files.sort()) {
        const content = await readFile(path.join(computedDir, partition, file));
        const key = `${DATA_PREFIXES.dailyKpis}${partition}/${file}`;
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: content, ContentType: 'application/x-ndjson' }));
        await writeFile(path.join(outKpiDir, partition, file), content);
      }
    }
    return { rows, dates: sortedDates, stagedFiles: stagedKeys.length };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
