/**
 * Done-when test of issue 4: a messy file through produce() into kinesalite behind a proxy that throttles
 * part of every PutRecords call (and some whole calls); every valid row must be in the streams exactly once
 * and every invalid row in the quarantine.
 */

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { readEndCsv, readStartCsv } from '../../domain/csv-reader';
import { type ProduceSummary, produce } from '../../producer/produce';
import { generateSample, writeSampleFiles } from '../../tools/sample-generator';
import { collect, csvStream, endCsv, endRowFields, startCsv, startRowFields } from '../support/csv';
import { createStream, emulatorKinesisClient, type RunningKinesis, readWholeStream, startKinesalite } from '../support/kinesalite';

const THROTTLE_EVERY_NTH_ENTRY = 4;
const THROTTLE_EVERY_NTH_REQUEST = 5;

interface ProxyStats {
  putRecordsRequests: number;
  throttledEntries: number;
  throttledRequests: number;
}

/**
 * Forwards to Kinesis, except that in every PutRecords call each 4th entry is answered as throttled without
 * reaching the emulator, and every 5th call is refused whole, as Kinesis does when a shard is over its limit.
 */
async function startThrottlingProxy(target: string): Promise<{ endpoint: string; stats: ProxyStats; server: Server }> {
  const stats: ProxyStats = { putRecordsRequests: 0, throttledEntries: 0, throttledRequests: 0 };
  const forward = async (request: IncomingMessage, body: string): Promise<{ status: number; contentType: string; text: string }> => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === 'string' && !['host', 'content-length', 'connection'].includes(name)) headers[name] = value;
    }
    const response = await fetch(`${target}${request.url ?? '/'}`, { method: request.method ?? 'POST', headers, body });
    return {
      status: response.status,
      contentType: response.headers.get('content-type') ?? 'application/x-amz-json-1.1',
      text: await response.text(),
    };
  };

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const reply = (status: number, contentType: string, text: string) => {
        response.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
        response.end(text);
      };
      const handle = async () => {
        if (request.headers['x-amz-target'] !== 'Kinesis_20131202.PutRecords') {
          const passed = await forward(request, body);
          return reply(passed.status, passed.contentType, passed.text);
        }
        stats.putRecordsRequests += 1;
        const input = JSON.parse(body) as { StreamName: string; Records: unknown[] };
        if (stats.putRecordsRequests % THROTTLE_EVERY_NTH_REQUEST === 0) {
          stats.throttledRequests += 1;
          stats.throttledEntries += input.Records.length;
          const error = { __type: 'ProvisionedThroughputExceededException', message: 'Rate exceeded for stream (test proxy)' };
          return reply(400, 'application/x-amz-json-1.1', JSON.stringify(error));
        }
        const isThrottled = (index: number) => index % THROTTLE_EVERY_NTH_ENTRY === THROTTLE_EVERY_NTH_ENTRY - 1;
        const kept = input.Records.filter((_, index) => !isThrottled(index));
        let keptResults: unknown[] = [];
        if (kept.length > 0) {
          const passed = await forward(request, JSON.stringify({ ...input, Records: kept }));
          if (passed.status !== 200) return reply(passed.status, passed.contentType, passed.text);
          keptResults = (JSON.parse(passed.text) as { Records: unknown[] }).Records;
        }
        let next = 0;
        const results = input.Records.map((_, index) => {
          if (!isThrottled(index)) return keptResults[next++];
          stats.throttledEntries += 1;
          return { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded for shard (test proxy)' };
        });
        const failedRecordCount = input.Records.filter((_, index) => isThrottled(index)).length;
        return reply(200, 'application/x-amz-json-1.1', JSON.stringify({ FailedRecordCount: failedRecordCount, Records: results }));
      };
      handle().catch((error: unknown) => reply(500, 'text/plain', String(error)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}`, stats, server };
}

/** The same UTC instant written in each timestamp style the files use (docs/contracts.md §1). */
const pad = (value: number) => String(value).padStart(2, '0');
function timestampStyles(instant: Date): string[] {
  const y = instant.getUTCFullYear();
  const mo = pad(instant.getUTCMonth() + 1);
  const d = pad(instant.getUTCDate());
  const h = pad(instant.getUTCHours());
  const mi = pad(instant.getUTCMinutes());
  const plusTwo = new Date(instant.getTime() + 2 * 3_600_000);
  return [
    `${d}-${mo}-${y} ${h}:${mi}`,
    `${y}-${mo}-${d} ${h}:${mi}:00`,
    `${y}-${mo}-${d}T${h}:${mi}:00Z`,
    `${plusTwo.getUTCFullYear()}-${pad(plusTwo.getUTCMonth() + 1)}-${pad(plusTwo.getUTCDate())}T${pad(plusTwo.getUTCHours())}:${pad(plusTwo.getUTCMinutes())}:00+02:00`,
  ];
}

interface MessyFiles {
  startText: string;
  endText: string;
  /** `trip_id|event_type|instant` of every valid row, duplicates included. */
  expectedRecords: string[];
  invalidStartLines: number[];
  invalidEndLines: number[];
}

/** A messy pair of files: mixed timestamp styles, exact duplicate rows, invalid rows, rows slightly out of order. */
function messyFiles(trips: number): MessyFiles {
  const startRows: (ReturnType<typeof startRowFields> | string)[] = [];
  const endRows: (ReturnType<typeof endRowFields> | string)[] = [];
  const expectedRecords: string[] = [];
  const invalidStartLines: number[] = [];
  const invalidEndLines: number[] = [];
  const firstPickup = Date.UTC(2024, 4, 25, 0, 0);
  const invalidStarts = [
    startRowFields({ trip_id: 'bad-date', pickup_datetime: '31-02-2024 10:00' }),
    startRowFields({ trip_id: 'bad-fare', estimated_fare_amount: '-4.5' }),
    startRowFields({ trip_id: 'bad-vendor', vendor_id: 'uber' }),
    startRowFields({ trip_id: '' }),
    'not,a,start,row',
  ];
  const invalidEnds = [
    endRowFields({ trip_id: 'bad-dropoff', dropoff_datetime: '2024-13-01 10:00' }),
    endRowFields({ trip_id: 'bad-fare', fare_amount: 'twelve' }),
    endRowFields({ trip_id: 'no-fare', fare_amount: '' }),
    'garbage',
  ];

  for (let trip = 0; trip < trips; trip += 1) {
    const tripId = `trip-${String(trip).padStart(5, '0')}`;
    const pickup = new Date(firstPickup + trip * 3 * 60_000);
    const dropoff = new Date(pickup.getTime() + 20 * 60_000);
    const start = startRowFields({
      trip_id: tripId,
      pickup_datetime: timestampStyles(pickup)[trip % 4] ?? '',
      estimated_dropoff_datetime: '',
    });
    const end = endRowFields({ trip_id: tripId, dropoff_datetime: timestampStyles(dropoff)[(trip + 1) % 4] ?? '' });
    const copies = trip % 25 === 0 ? 2 : 1;
    for (let copy = 0; copy < copies; copy += 1) {
      startRows.push(start);
      endRows.push(end);
      expectedRecords.push(`${tripId}|trip_start|${pickup.toISOString()}`, `${tripId}|trip_end|${dropoff.toISOString()}`);
    }
    if (trip % 40 === 7) {
      invalidStartLines.push(startRows.length + 2);
      startRows.push(invalidStarts[((trip / 40) % invalidStarts.length) | 0] ?? 'x');
    }
    if (trip % 45 === 11) {
      invalidEndLines.push(endRows.length + 2);
      endRows.push(invalidEnds[((trip / 45) % invalidEnds.length) | 0] ?? 'x');
    }
  }
  // Real files are only roughly sorted: swap neighbours now and then (rows, not their expected records).
  for (let index = 10; index + 1 < startRows.length; index += 37) {
    const swapsInvalid = [index, index + 1].some((position) => invalidStartLines.includes(position + 2));
    if (swapsInvalid) continue;
    [startRows[index], startRows[index + 1]] = [startRows[index + 1] ?? '', startRows[index] ?? ''];
  }
  return {
    startText: startCsv(startRows),
    endText: endCsv(endRows, { lineEnding: '\r\n', bom: true }),
    expectedRecords,
    invalidStartLines,
    invalidEndLines,
  };
}

function recordKey(data: string): string {
  const event = JSON.parse(data) as { trip_id: string; event_type: string; pickup_datetime?: string; dropoff_datetime?: string };
  return `${event.trip_id}|${event.event_type}|${event.pickup_datetime ?? event.dropoff_datetime ?? ''}`;
}

async function jsonLines(path: string | undefined): Promise<{ file: string; line_number: number; raw: string; reason: string }[]> {
  if (path === undefined) return [];
  return (await readFile(path, 'utf8'))
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as { file: string; line_number: number; raw: string; reason: string });
}

describe('producer against a throttling Kinesis emulator', () => {
  let kinesis: RunningKinesis;
  let proxy: { endpoint: string; stats: ProxyStats; server: Server };
  let direct: KinesisClient;
  let throughProxy: KinesisClient;
  let workDir: string;

  beforeAll(async () => {
    kinesis = await startKinesalite();
    proxy = await startThrottlingProxy(kinesis.endpoint);
    direct = emulatorKinesisClient(kinesis.endpoint);
    throughProxy = emulatorKinesisClient(proxy.endpoint);
    workDir = await mkdtemp(join(tmpdir(), 'producer-e2e-'));
  });

  afterAll(async () => {
    direct.destroy();
    throughProxy.destroy();
    await new Promise((resolve) => proxy.server.close(resolve));
    await kinesis.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  it.each(['event-time', 'ends-first'] as const)(
    'delivers every valid row exactly once and quarantines every invalid row (%s)',
    async (order) => {
      // Prepare
      const files = messyFiles(1500);
      const start = join(workDir, `${order}-trip_start.csv`);
      const end = join(workDir, `${order}-trip_end.csv`);
      await writeFile(start, files.startText);
      await writeFile(end, files.endText);
      const startStream = `${order}-trip-start`;
      const endStream = `${order}-trip-end`;
      await createStream(direct, startStream, 3);
      await createStream(direct, endStream, 2);
      const throttledBefore = proxy.stats.throttledEntries;

      // Act
      const summary: ProduceSummary = await produce({
        start,
        end,
        startStream,
        endStream,
        order,
        quarantine: join(workDir, `${order}-quarantine`),
        kinesis: throughProxy,
        maxSendAttempts: 12,
        retryBaseDelayMs: 5,
        retryMaxDelayMs: 50,
      });

      // Assess
      const inStreams = [...(await readWholeStream(direct, startStream)), ...(await readWholeStream(direct, endStream))];
      expect(inStreams.map(recordKey).sort()).toEqual([...files.expectedRecords].sort());

      const rejected = await jsonLines(summary.quarantineFiles.rejected);
      expect(
        rejected
          .filter((row) => row.file === start)
          .map((row) => row.line_number)
          .sort((a, b) => a - b),
      ).toEqual(files.invalidStartLines);
      expect(
        rejected
          .filter((row) => row.file === end)
          .map((row) => row.line_number)
          .sort((a, b) => a - b),
      ).toEqual(files.invalidEndLines);
      expect(rejected.every((row) => row.reason.length > 0 && row.raw.length > 0)).toBe(true);

      const validPerFile = files.expectedRecords.length / 2;
      expect(summary.quarantined).toEqual({ start: files.invalidStartLines.length, end: files.invalidEndLines.length });
      expect(summary.rows).toEqual({
        start: validPerFile + files.invalidStartLines.length,
        end: validPerFile + files.invalidEndLines.length,
      });
      expect(summary.sent).toEqual({ start: validPerFile, end: validPerFile });
      expect(summary.failed).toEqual({ start: 0, end: 0 });
      expect(summary.quarantineFiles.unsent).toBeUndefined();
      // The neighbour swaps are well inside the reorder window.
      expect(summary.outOfOrder).toBe(0);
      // Every entry the proxy refused was sent again, and nothing else was.
      expect(summary.retriedEntries).toBe(proxy.stats.throttledEntries - throttledBefore);
      expect(summary.retriedEntries).toBeGreaterThan(0);
      expect(summary.batches).toBeGreaterThanOrEqual(Math.ceil((2 * validPerFile) / 500));
    },
    180_000,
  );

  it('delivers the generated sample of the local run exactly as its ground truth says (file order)', async () => {
    // Prepare
    const sample = generateSample({ trips: 2_000, seed: 'producer-e2e' });
    const paths = await writeSampleFiles(sample, join(workDir, 'sample'));
    await createStream(direct, 'sample-trip-start', 2);
    await createStream(direct, 'sample-trip-end', 2);
    // The multiset the streams must hold: what the domain reader makes of each valid row.
    const validEvents = [
      ...(await collect(readStartCsv(csvStream(sample.startCsv)))),
      ...(await collect(readEndCsv(csvStream(sample.endCsv)))),
    ].flatMap((row) => (row.outcome.ok ? [JSON.stringify(row.outcome.event)] : []));

    // Act
    const summary = await produce({
      start: paths.start,
      end: paths.end,
      startStream: 'sample-trip-start',
      endStream: 'sample-trip-end',
      order: 'file',
      quarantine: join(workDir, 'sample-quarantine'),
      kinesis: throughProxy,
      maxSendAttempts: 12,
      retryBaseDelayMs: 5,
      retryMaxDelayMs: 50,
    });

    // Assess
    const inStreams = [...(await readWholeStream(direct, 'sample-trip-start')), ...(await readWholeStream(direct, 'sample-trip-end'))];
    expect(inStreams.sort()).toEqual(validEvents.sort());
    expect(inStreams).toHaveLength(sample.expected.valid.start + sample.expected.valid.end);
    expect(summary.sent).toEqual(sample.expected.valid);
    expect(summary.quarantined).toEqual(sample.expected.quarantined);
    expect(summary.rows).toEqual(sample.expected.rows);
    const rejected = await jsonLines(summary.quarantineFiles.rejected);
    expect(rejected.filter((row) => row.file === paths.start).map((row) => row.line_number)).toEqual(
      sample.expected.quarantinedLines.start,
    );
    expect(rejected.filter((row) => row.file === paths.end).map((row) => row.line_number)).toEqual(sample.expected.quarantinedLines.end);
  }, 180_000);
});
