import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { DATA_PREFIXES } from '../../lib/names';

/** Enough to keep a year of backfill quick without bursting S3 request rates. */
const CONCURRENT_LISTINGS = 8;

/** The dates, of those given, with at least one staged object under completed-trips/trip_date=…/ (in order). */
export function datesWithStagedTrips(s3: S3Client, bucket: string, dates: readonly string[]): Promise<string[]> {
  return datesWithObjects(s3, bucket, DATA_PREFIXES.completedTrips, dates);
}

/** The dates, of those given, whose KPI row has been written under daily-kpis/trip_date=…/ (in order). */
export function datesWithKpis(s3: S3Client, bucket: string, dates: readonly string[]): Promise<string[]> {
  return datesWithObjects(s3, bucket, DATA_PREFIXES.dailyKpis, dates);
}

async function datesWithObjects(s3: S3Client, bucket: string, prefix: string, dates: readonly string[]): Promise<string[]> {
  const present: string[] = [];
  for (let start = 0; start < dates.length; start += CONCURRENT_LISTINGS) {
    const chunk = dates.slice(start, start + CONCURRENT_LISTINGS);
    const listings = await Promise.all(
      chunk.map((date) => s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}trip_date=${date}/`, MaxKeys: 1 }))),
    );
    chunk.forEach((date, index) => {
      const listing = listings[index];
      // Some S3 emulators leave out KeyCount; Contents says the same.
      if ((listing?.KeyCount ?? listing?.Contents?.length ?? 0) > 0) present.push(date);
    });
  }
  return present;
}
