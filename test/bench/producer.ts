/**
 * Producer throughput: the same generated trip files through produce() (batched PutRecords, several in
 * flight) and through a naive baseline (one PutRecord per row, one at a time), against the same kinesalite
 * running in its own process. Both read and validate the rows with the same domain reader, so the
 * difference is the sending.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutRecordCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { readEndCsv, readStartCsv, type CsvRow } from '../../lib/domain/csv-reader';
import type { TripEvent } from '../../lib/domain/events';
import { produce } from '../../producer/produce';
import { endCsv, endRowFields, startCsv, startRowFields } from '../factories/csv';
import type { Benchmark } from './benchmark';
import { createStream, emulatorKinesisClient, startKinesaliteProcess } from './kinesalite';

const TRIPS = 10_000;
const SHARDS = 2;

const pad = (value: number) => String(value).padStart(2, '0');

/** Valid trips, one every 7 seconds from 2024-05-25, in the real layout (day-first pickups). */
async function writeTripFiles(directory: string): Promise<{ start: string; end: string }> {
  const starts = [];
  const ends = [];
  for (let trip = 0; trip < TRIPS; trip += 1) {
    const pickup = new Date(Date.UTC(2024, 4, 25) + trip * 7_000);
    const dropoff = new Date(pickup.getTime() + 25 * 60_000);
    const tripId = `bench-${String(trip).padStart(6, '0')}`;
    starts.push(
      startRowFields({
        trip_id: tripId,
        pickup_datetime: `${pad(pickup.getUTCDate())}-${pad(pickup.getUTCMonth() + 1)}-${pickup.getUTCFullYear()} ${pad(pickup.getUTCHours())}:${pad(pickup.getUTCMinutes())}`,
      }),
    );
    ends.push(endRowFields({ trip_id: tripId, dropoff_datetime: dropoff.toISOString().replace('T', ' ').slice(0, 19) }));
  }
  const start = join(directory, 'trip_start.csv');
  const end = join(directory, 'trip_end.csv');
  await writeFile(start, startCsv(starts));
  await writeFile(end, endCsv(ends));
  return { start, end };
}

/** What a first attempt at a producer looks like: read a row, PutRecord it, wait, next row. */
async function onePutRecordPerRow(kinesis: KinesisClient, files: { start: string; end: string }, streams: { start: string; end: string }): Promise<number> {
  let sent = 0;
  const sendAll = async (rows: AsyncIterable<CsvRow<TripEvent>>, stream: string) => {
    for await (const row of rows) {
      if (!row.outcome.ok) continue;
      const event = row.outcome.event;
      await kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: event.trip_id, Data: Buffer.from(JSON.stringify(event)) }));
      sent += 1;
    }
  };
  await sendAll(readStartCsv(createReadStream(files.start)), streams.start);
  await sendAll(readEndCsv(createReadStream(files.end)), streams.end);
  return sent;
}

const perSecond = (records: number, ms: number) => Math.round((records * 1000) / ms);

export const benchmark: Benchmark = {
  name: 'producer',
  description: `${TRIPS} trips (${2 * TRIPS} rows) through produce() and through one PutRecord per row, kinesalite in a child process, ${SHARDS} shards per stream`,
  async run() {
    const directory = await mkdtemp(join(tmpdir(), 'bench-producer-'));
    const kinesis = await startKinesaliteProcess();
    const client = emulatorKinesisClient(kinesis.endpoint);
    try {
      const files = await writeTripFiles(directory);
      for (const name of ['batched-start', 'batched-end', 'single-start', 'single-end']) await createStream(client, name, SHARDS);

      const batchedStartedAt = performance.now();
      const summary = await produce({ ...files, startStream: 'batched-start', endStream: 'batched-end', order: 'event-time', kinesis: client });
      const batchedMs = performance.now() - batchedStartedAt;
      const batchedSent = summary.sent.start + summary.sent.end;
      if (batchedSent !== 2 * TRIPS) throw new Error(`produce() sent ${batchedSent} of ${2 * TRIPS} records`);

      const singleStartedAt = performance.now();
      const singleSent = await onePutRecordPerRow(client, files, { start: 'single-start', end: 'single-end' });
      const singleMs = performance.now() - singleStartedAt;

      const batchedRate = perSecond(batchedSent, batchedMs);
      const singleRate = perSecond(singleSent, singleMs);
      return {
        figures: {
          'records per run': 2 * TRIPS,
          'produce() records/s': batchedRate,
          'produce() seconds': (batchedMs / 1000).toFixed(2),
          'produce() PutRecords calls': summary.batches,
          'one PutRecord per row records/s': singleRate,
          'one PutRecord per row seconds': (singleMs / 1000).toFixed(2),
          'speed-up': `${(batchedRate / singleRate).toFixed(1)}x`,
        },
      };
    } finally {
      client.destroy();
      await kinesis.stop();
      await rm(directory, { recursive: true, force: true });
    }
  },
};
