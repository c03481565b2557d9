/**
 * The daily KPI job of the local run: what EMR Serverless does on AWS, done with the local engine over the
 * local bucket. Staged trips are copied from completed-trips/ to `<out>/completed-trips/` byte for byte (so
 * the Spark job can be run on exactly what was staged), the shared KPI SQL files run over that copy for every
 * date present, and each date's output is uploaded to daily-kpis/ and daily-kpis-by-dimension/ and copied to
 * `<out>/daily-kpis/` and `<out>/daily-kpis-by-dimension/` byte for byte.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetObjectCommand, PutObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import type { DimensionKpiRow } from '../../kpi/dimension-kpi';
import { computeKpis, type DailyKpiRow, KPI_OUTPUT_FILE } from '../../kpi/duckdb-engine';
import { DATA_PREFIXES } from '../../lib/config';

const STAGED_KEY = /^completed-trips\/trip_date=(\d{4}-\d{2}-\d{2})\/([^/]+\.jsonl)$/;

export interface KpiStepResult {
  readonly rows: DailyKpiRow[];
  readonly dimensionRows: DimensionKpiRow[];
  readonly dates: string[];
  /** Staged files read from completed-trips/. */
  readonly stagedFiles: number;
}

async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
    for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
  }
  return keys;
}

async function downloadBytes(s3: S3Client, bucket: string, key: string): Promise<Uint8Array> {
  const { Body: body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (body === undefined) throw new Error(`s3://${bucket}/${key} has no body`);
  return body.transformToByteArray();
}

export async function runKpiStep(s3: S3Client, bucket: string, outDir: string): Promise<KpiStepResult> {
  const workDir = await mkdtemp(path.join(tmpdir(), 'tripstream-kpis-'));
  try {
    const stagedDir = path.join(outDir, 'completed-trips');
    await rm(stagedDir, { recursive: true, force: true });
    const computedDir = path.join(workDir, 'daily-kpis');
    let stagedFiles = 0;
    const dates = new Set<string>();
    for (const key of await listKeys(s3, bucket, DATA_PREFIXES.completedTrips)) {
      const [, date, file] = STAGED_KEY.exec(key) ?? [];
      if (date === undefined || file === undefined) continue;
      stagedFiles += 1;
      dates.add(date);
      const dateDir = path.join(stagedDir, `trip_date=${date}`);
      await mkdir(dateDir, { recursive: true });
      await writeFile(path.join(dateDir, file), await downloadBytes(s3, bucket, key));
    }
    // The copy holds exactly the staged dates, so the engine computes every date it finds there.
    const computedByDimensionDir = path.join(workDir, 'daily-kpis-by-dimension');
    const { daily: rows, byDimension: dimensionRows } = await computeKpis({
      stagedTripsDir: stagedDir,
      outputDir: computedDir,
      dimensionOutputDir: computedByDimensionDir,
    });

    const publish = async (computed: string, prefix: string, computedDates: readonly string[]): Promise<void> => {
      const outPrefixDir = path.join(outDir, prefix);
      await rm(outPrefixDir, { recursive: true, force: true });
      for (const date of computedDates) {
        const file = `trip_date=${date}/${KPI_OUTPUT_FILE}`;
        const content = await readFile(path.join(computed, file));
        await s3.send(
          new PutObjectCommand({ Bucket: bucket, Key: `${prefix}${file}`, Body: content, ContentType: 'application/x-ndjson' }),
        );
        await mkdir(path.dirname(path.join(outPrefixDir, file)), { recursive: true });
        await writeFile(path.join(outPrefixDir, file), content);
      }
    };
    await publish(
      computedDir,
      DATA_PREFIXES.dailyKpis,
      rows.map((row) => row.trip_date),
    );
    await publish(computedByDimensionDir, DATA_PREFIXES.dailyKpisByDimension, [...new Set(dimensionRows.map((row) => row.trip_date))]);
    return { rows, dimensionRows, dates: [...dates].sort(), stagedFiles };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
