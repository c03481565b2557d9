/**
 * Producer throughput: the same generated trip files through produce() (batched PutRecords, several in
 * flight) and through a naive baseline (one PutRecord per row, one at a time), against the same kinesalite
 * running in its own process. Both read and validate the rows with the same domain reader, so the
 * difference is the sending.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { type CsvRow, readEndCsv, readStartCsv } from '../../domain/csv-reader';
import type { TripEvent } from '../../domain/events';
import { produce } from '../../producer/produce';
import { generateSample, writeSampleFiles } from '../../tools/sample-generator';
import { createStream, emulatorKinesisClient, startKinesaliteProcess } from '../support/kinesalite';
import type { Benchmark } from './benchmark';

const TRIPS = 10_000;
const SHARDS = 2;

/** The seeded sample of the local run (realistic layout and trouble), written to `directory`. */
async function writeTripFiles(directory: string): Promise<{ files: { start: string; end: string }; validRows: number }> {
  const sample = generateSample({ trips: TRIPS, seed: 'producer-bench' });
  const paths = await writeSampleFiles(sample, directory);
  return { files: { start: paths.start, end: paths.end }, validRows: sample.expected.valid.start + sample.expected.valid.end };
}

/** What a first attempt at a producer looks like: read a row, PutRecord it, wait, next row. */
async function onePutRecordPerRow(
  kinesis: KinesisClient,
  files: { start: string; end: string },
  streams: { start: string; end: string },
): Promise<number> {
  let sent = 0;
  const sendAll = async (rows: AsyncIterable<CsvRow<TripEvent>>, stream: string) => {
    for await (const row of rows) {
      if (!row.outcome.ok) continue;
      const event = row.outcome.event;
      await kinesis.send(
        new PutRecordCommand({ StreamName: stream, PartitionKey: event.trip_id, Data: Buffer.from(JSON.stringify(event)) }),
      );
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
  description: `generated sample of ${TRIPS} trips through produce() and through one PutRecord per row, kinesalite in a child process, ${SHARDS} shards per stream`,
  async run() {
    const directory = await mkdtemp(join(tmpdir(), 'bench-producer-'));
    const kinesis = await startKinesaliteProcess();
    const client = emulatorKinesisClient(kinesis.endpoint);
    try {
      const { files, validRows } = await writeTripFiles(directory);
      for (const name of ['batched-start', 'batched-end', 'single-start', 'single-end']) await createStream(client, name, SHARDS);

      const batchedStartedAt = performance.now();
      let peakHeapBytes = 0;
      const summary = await produce({
        ...files,
        startStream: 'batched-start',
        endStream: 'batched-end',
        order: 'event-time',
        kinesis: client,
        onProgress: () => {
          peakHeapBytes = Math.max(peakHeapBytes, process.memoryUsage().heapUsed);
        },
      });
      const batchedMs = performance.now() - batchedStartedAt;
      const batchedSent = summary.sent.start + summary.sent.end;
      if (batchedSent !== validRows) throw new Error(`produce() sent ${batchedSent} of ${validRows} valid rows`);

      const singleStartedAt = performance.now();
      const singleSent = await onePutRecordPerRow(client, files, { start: 'single-start', end: 'single-end' });
      if (singleSent !== validRows) throw new Error(`the baseline sent ${singleSent} of ${validRows} valid rows`);
      const singleMs = performance.now() - singleStartedAt;

      const batchedRate = perSecond(batchedSent, batchedMs);
      const singleRate = perSecond(singleSent, singleMs);
      return {
        figures: {
          'valid rows sent per run': validRows,
          'produce() records/s': batchedRate,
          'produce() seconds': (batchedMs / 1000).toFixed(2),
          'produce() PutRecords batches': summary.batches,
          'produce() peak heap MB (sampled)': (peakHeapBytes / 1024 / 1024).toFixed(0),
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
