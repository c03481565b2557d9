import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  DescribeStreamSummaryCommand,
  KinesisClient,
  PutRecordsCommand,
  type PutRecordsCommandInput,
  type PutRecordsResultEntry,
  ResourceNotFoundException,
} from '@aws-sdk/client-kinesis';
import { GetObjectCommand, type GetObjectCommandOutput, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { type ProduceOptions, produce } from '../../../producer/produce';
import { endCsv, endRowFields, startCsv, startRowFields } from '../../support/csv';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const kinesis = new KinesisClient({ region: 'eu-west-1', credentials });
const kinesisMock = mockClient(kinesis);
const s3 = new S3Client({ region: 'eu-west-1', credentials });
const s3Mock = mockClient(s3);

let workDir: string;

beforeEach(async () => {
  kinesisMock.reset();
  s3Mock.reset();
  kinesisMock.on(DescribeStreamSummaryCommand).resolves({});
  workDir = await mkdtemp(join(tmpdir(), 'produce-test-'));
});

afterEach(async () => {
  await rm(workDir, { recursive: true, force: true });
});

const accepted = (input: PutRecordsCommandInput) => ({
  FailedRecordCount: 0,
  Records: (input.Records ?? []).map((): PutRecordsResultEntry => ({ SequenceNumber: '1', ShardId: 'shardId-000000000000' })),
});

/** Writes the two CSVs and returns produce() options that read them. */
async function inputs(startText: string, endText: string, overrides: Partial<ProduceOptions> = {}): Promise<ProduceOptions> {
  const start = join(workDir, 'trip_start.csv');
  const end = join(workDir, 'trip_end.csv');
  await writeFile(start, startText);
  await writeFile(end, endText);
  return {
    start,
    end,
    startStream: 'trip-start',
    endStream: 'trip-end',
    order: 'event-time',
    quarantine: join(workDir, 'quarantine'),
    kinesis,
    retryBaseDelayMs: 1,
    retryMaxDelayMs: 2,
    ...overrides,
  };
}

async function jsonLines(path: string | undefined): Promise<unknown[]> {
  if (path === undefined) throw new Error('no file was written');
  const text = await readFile(path, 'utf8');
  return text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as unknown);
}

function sentTripIds(stream: string): string[] {
  return kinesisMock
    .commandCalls(PutRecordsCommand)
    .filter((call) => call.args[0].input.StreamName === stream)
    .flatMap((call) => (call.args[0].input.Records ?? []).map((entry) => entry.PartitionKey ?? ''));
}

function tripIds(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `trip-${String(index).padStart(4, '0')}`);
}

describe('produce', () => {
  it('quarantines every rejected row with its file, line, raw text and reason, and sends the rest', async () => {
    // Prepare
    kinesisMock.on(PutRecordsCommand).callsFake(accepted);
    const options = await inputs(
      startCsv([
        startRowFields({ trip_id: 'good-1' }),
        startRowFields({ trip_id: 'bad-date', pickup_datetime: '31-02-2024 10:00' }),
        'only,three,fields',
      ]),
      endCsv([endRowFields({ trip_id: 'good-1' }), endRowFields({ trip_id: 'bad-fare', fare_amount: '-3' })]),
    );

    // Act
    const summary = await produce(options);

    // Assess
    expect(summary).toMatchObject({
      rows: { start: 3, end: 2 },
      quarantined: { start: 2, end: 1 },
      sent: { start: 1, end: 1 },
      failed: { start: 0, end: 0 },
    });
    expect(sentTripIds('trip-start')).toEqual(['good-1']);
    expect(sentTripIds('trip-end')).toEqual(['good-1']);
    const rejected = await jsonLines(summary.quarantineFiles.rejected);
    expect(rejected).toEqual(
      expect.arrayContaining([
        {
          file: options.start,
          line_number: 3,
          raw: expect.stringContaining('bad-date'),
          reason: expect.stringContaining('pickup_datetime'),
        },
        { file: options.start, line_number: 4, raw: 'only,three,fields', reason: expect.stringContaining('fields') },
        { file: options.end, line_number: 3, raw: expect.stringContaining('bad-fare'), reason: expect.stringContaining('fare_amount') },
      ]),
    );
    expect(rejected).toHaveLength(3);
  });

  it('sends each valid row as its wire event, keyed by trip_id', async () => {
    // Prepare
    kinesisMock.on(PutRecordsCommand).callsFake(accepted);
    const options = await inputs(startCsv([startRowFields({ trip_id: 'abc', pickup_datetime: '25-05-2024 13:19' })]), endCsv([]));

    // Act
    await produce(options);

    // Assess
    const entry = kinesisMock.commandCalls(PutRecordsCommand)[0]?.args[0].input.Records?.[0];
    expect(entry?.PartitionKey).toBe('abc');
    expect(JSON.parse(Buffer.from(entry?.Data ?? new Uint8Array()).toString('utf8'))).toMatchObject({
      event_type: 'trip_start',
      trip_id: 'abc',
      pickup_datetime: '2024-05-25T13:19:00.000Z',
    });
  });

  it('paces rows as a live feed: two rows per trip at the rate, in send order, each sent as it arrives', async () => {
    // Prepare: a clock that moves only when the feed waits
    let nowMs = 0;
    const sleeps: number[] = [];
    const feedClock = {
      now: () => nowMs,
      sleep: (ms: number) => {
        sleeps.push(ms);
        nowMs += ms;
        return Promise.resolve();
      },
    };
    const sentAt: { at: number; trips: string[] }[] = [];
    kinesisMock.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => {
      sentAt.push({ at: nowMs, trips: (input.Records ?? []).map((entry) => `${input.StreamName ?? ''}:${entry.PartitionKey ?? ''}`) });
      return accepted(input);
    });
    const options = await inputs(
      startCsv([
        startRowFields({ trip_id: 'a', pickup_datetime: '25-05-2024 10:00' }),
        startRowFields({ trip_id: 'b', pickup_datetime: '25-05-2024 10:05' }),
        'only,three,fields',
      ]),
      endCsv([
        endRowFields({ trip_id: 'b', dropoff_datetime: '2024-05-25 10:30:00' }),
        endRowFields({ trip_id: 'a', dropoff_datetime: '2024-05-25 10:20:00' }),
      ]),
      { feedTripsPerSecond: 2, feedClock },
    );

    // Act
    const summary = await produce(options);

    // Assess: 4 rows/s, the malformed row taking its turn; each row leaves before the feed waits for the next
    expect(summary.sent).toEqual({ start: 2, end: 2 });
    expect(sleeps).toEqual([250, 250, 250, 250]);
    expect(sentAt.map((call) => call.trips)).toEqual([['trip-start:a'], ['trip-start:b'], ['trip-end:a'], ['trip-end:b']]);
    expect(sentAt.every((call, index) => index === 0 || call.at > (sentAt[index - 1]?.at ?? 0))).toBe(true);
  });

  it('sends exact duplicate rows once each', async () => {
    // Prepare
    kinesisMock.on(PutRecordsCommand).callsFake(accepted);
    const row = startRowFields({ trip_id: 'twice' });
    const options = await inputs(startCsv([row, row]), endCsv([]));

    // Act
    const summary = await produce(options);

    // Assess
    expect(sentTripIds('trip-start')).toEqual(['twice', 'twice']);
    expect(summary.sent.start).toBe(2);
  });

  it('validates and counts without sending or needing streams in a dry run', async () => {
    // Prepare
    const options = await inputs(startCsv([startRowFields(), startRowFields({ estimated_fare_amount: 'abc' })]), endCsv([endRowFields()]), {
      dryRun: true,
      startStream: '',
      endStream: '',
    });

    // Act
    const summary = await produce(options);

    // Assess
    expect(kinesisMock.calls()).toHaveLength(0);
    expect(summary).toMatchObject({
      rows: { start: 2, end: 1 },
      quarantined: { start: 1, end: 0 },
      sent: { start: 0, end: 0 },
      batches: 0,
    });
    expect(await jsonLines(summary.quarantineFiles.rejected)).toHaveLength(1);
  });

  it.each([
    ['ends-first', 'trip-end', 'trip-start'],
    ['file', 'trip-start', 'trip-end'],
  ] as const)('in %s order, has the first stream wholly accepted before the second gets a request', async (order, first, second) => {
    // Prepare
    const requests: string[] = [];
    const answered: string[] = [];
    kinesisMock.on(PutRecordsCommand).callsFake(async (input: PutRecordsCommandInput) => {
      requests.push(`${input.StreamName}:${answered.length}`);
      await new Promise((resolve) => setImmediate(resolve));
      answered.push(input.StreamName ?? '');
      return accepted(input);
    });
    const ids = tripIds(1200);
    const options = await inputs(
      startCsv(ids.map((trip_id) => startRowFields({ trip_id }))),
      endCsv(ids.map((trip_id) => endRowFields({ trip_id }))),
      { order, concurrency: 3 },
    );

    // Act
    const summary = await produce(options);

    // Assess
    const firstStreamRequests = requests.filter((request) => request.startsWith(`${first}:`)).length;
    const secondStreamRequests = requests.filter((request) => request.startsWith(`${second}:`));
    expect(firstStreamRequests).toBe(3);
    // Every request to the second stream is made once all three of the first stream's have been answered.
    expect(secondStreamRequests.every((request) => Number(request.split(':')[1]) >= 3)).toBe(true);
    expect(summary.sent).toEqual({ start: 1200, end: 1200 });
  });

  it('sends batches in row order across the two streams (event-time)', async () => {
    // Prepare
    kinesisMock.on(PutRecordsCommand).callsFake(accepted);
    const ids = tripIds(600);
    // Ends one minute after their starts: the merged order alternates between the streams.
    const options = await inputs(
      startCsv(
        ids.map((trip_id, index) =>
          startRowFields({
            trip_id,
            pickup_datetime: `2024-05-25 ${String(Math.floor(index / 60)).padStart(2, '0')}:${String(index % 60).padStart(2, '0')}`,
          }),
        ),
      ),
      endCsv(
        ids.map((trip_id, index) =>
          endRowFields({
            trip_id,
            dropoff_datetime: `2024-05-25 ${String(Math.floor((index + 1) / 60)).padStart(2, '0')}:${String((index + 1) % 60).padStart(2, '0')}`,
          }),
        ),
      ),
      { concurrency: 1 },
    );

    // Act
    await produce(options);

    // Assess: the start batch that fills first leaves first, the end batch opened after it follows
    const streams = kinesisMock.commandCalls(PutRecordsCommand).map((call) => call.args[0].input.StreamName);
    expect(streams).toEqual(['trip-start', 'trip-end', 'trip-start', 'trip-end']);
  });

  it('sends smaller batches under --rate, so no second goes out as one burst', async () => {
    // Prepare
    kinesisMock.on(PutRecordsCommand).callsFake(accepted);
    const options = await inputs(startCsv(tripIds(60).map((trip_id) => startRowFields({ trip_id }))), endCsv([]), { ratePerSecond: 200 });

    // Act
    const summary = await produce(options);

    // Assess
    const sizes = kinesisMock.commandCalls(PutRecordsCommand).map((call) => call.args[0].input.Records?.length);
    expect(sizes).toEqual([20, 20, 20]);
    expect(summary.sent.start).toBe(60);
  });

  it('writes records Kinesis keeps refusing next to the quarantine, with the reason, and counts them as failed', async () => {
    // Prepare
    kinesisMock.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => ({
      FailedRecordCount: 1,
      Records: (input.Records ?? []).map(
        (entry): PutRecordsResultEntry =>
          entry.PartitionKey === 'stuck'
            ? { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal service failure.' }
            : { SequenceNumber: '1', ShardId: 's' },
      ),
    }));
    const options = await inputs(startCsv([startRowFields({ trip_id: 'fine' }), startRowFields({ trip_id: 'stuck' })]), endCsv([]), {
      maxSendAttempts: 3,
    });

    // Act
    const summary = await produce(options);

    // Assess
    expect(summary).toMatchObject({ sent: { start: 1, end: 0 }, failed: { start: 1, end: 0 }, retriedEntries: 2 });
    expect(await jsonLines(summary.quarantineFiles.unsent)).toEqual([
      {
        file: options.start,
        line_number: 3,
        raw: expect.stringContaining('stuck'),
        reason: 'InternalFailure: Internal service failure.',
        stream: 'trip-start',
        partition_key: 'stuck',
        data: expect.stringContaining('"trip_id":"stuck"'),
        attempts: 3,
      },
    ]);
    expect(await readdir(join(workDir, 'quarantine'))).toEqual([expect.stringMatching(/^unsent-records-.*\.jsonl$/)]);
  });

  it('refuses to start when a stream does not exist, before sending anything', async () => {
    // Prepare
    kinesisMock.on(DescribeStreamSummaryCommand, { StreamName: 'trip-end' }).rejects(
      new ResourceNotFoundException({
        message: 'Stream trip-end under account 000000000000 not found.',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const options = await inputs(startCsv([startRowFields()]), endCsv([endRowFields()]));

    // Act
    const run = produce(options);

    // Assess
    await expect(run).rejects.toThrow('cannot use Kinesis stream trip-end: Stream trip-end under account 000000000000 not found.');
    expect(kinesisMock).not.toHaveReceivedCommand(PutRecordsCommand);
  });

  it('reports an unreadable input file by name', async () => {
    // Prepare
    const options = await inputs(startCsv([]), endCsv([]), { start: join(workDir, 'missing.csv') });

    // Act
    const run = produce(options);

    // Assess
    await expect(run).rejects.toThrow(`cannot read ${join(workDir, 'missing.csv')}`);
  });

  it('checks both headers before sending anything, even when the bad one is read last', async () => {
    // Prepare
    kinesisMock.on(PutRecordsCommand).callsFake(accepted);
    const options = await inputs(startCsv([startRowFields()]), 'trip_id,when\nx,y\n', { order: 'file' });

    // Act
    const run = produce(options);

    // Assess
    await expect(run).rejects.toThrow(`cannot use ${options.end}: the end file header lacks required column`);
    expect(kinesisMock).not.toHaveReceivedCommand(PutRecordsCommand);
  });

  it('streams inputs from S3 and quarantines to an S3 prefix', async () => {
    // Prepare
    kinesisMock.on(PutRecordsCommand).callsFake(accepted);
    const startText = startCsv([startRowFields({ trip_id: 's3-trip' }), startRowFields({ trip_id: 'bad', pickup_datetime: 'yesterday' })]);
    const endText = endCsv([endRowFields({ trip_id: 's3-trip' })]);
    const objects: Record<string, string> = { 'in/trip_start.csv': startText, 'in/trip_end.csv': endText };
    s3Mock.on(HeadObjectCommand).callsFake((input: { Key: string }) => ({ ContentLength: Buffer.byteLength(objects[input.Key] ?? '') }));
    s3Mock.on(GetObjectCommand).callsFake((input: { Key: string }) => ({
      Body: Readable.from([Buffer.from(objects[input.Key] ?? '')]) as unknown as GetObjectCommandOutput['Body'],
    }));
    s3Mock.on(PutObjectCommand).resolves({});
    const options = await inputs('', '', {
      start: 's3://raw/in/trip_start.csv',
      end: 's3://raw/in/trip_end.csv',
      quarantine: 's3://raw/quarantine/',
      s3,
    });

    // Act
    const summary = await produce(options);

    // Assess
    expect(summary).toMatchObject({ sent: { start: 1, end: 1 }, quarantined: { start: 1, end: 0 } });
    expect(summary.quarantineFiles.rejected).toMatch(/^s3:\/\/raw\/quarantine\/rejected-rows-.*\.jsonl$/);
    const upload = s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(upload?.Bucket).toBe('raw');
    const body = JSON.parse(
      Buffer.from(upload?.Body as Uint8Array)
        .toString('utf8')
        .trim(),
    ) as unknown;
    expect(body).toEqual({
      file: 's3://raw/in/trip_start.csv',
      line_number: 3,
      raw: expect.stringContaining('yesterday'),
      reason: expect.stringContaining('pickup_datetime'),
    });
  });
});
