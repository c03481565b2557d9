import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { KinesisClient, PutRecordsCommand, type PutRecordsCommandInput } from '@aws-sdk/client-kinesis';
import { GetObjectCommand, type GetObjectCommandOutput, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { encodeRawObject } from '../../../ops/raw-archive';
import { replay } from '../../../producer/replay';
import { tripEndEvent, tripStartEvent } from '../../support/kinesis';

const kinesisMock = mockClient(KinesisClient);
const s3Mock = mockClient(S3Client);
const streams = { start: 'tripstream-dev-trip-start', end: 'tripstream-dev-trip-end' };

const line = (value: unknown) => JSON.stringify(value);
const start1 = line(tripStartEvent({ trip_id: 'trip-1', pickup_datetime: '2024-05-25T08:00:00.000Z' }));
const start2 = line(tripStartEvent({ trip_id: 'trip-2', pickup_datetime: '2024-05-26T08:00:00.000Z' }));
const end1 = line(tripEndEvent({ trip_id: 'trip-1', dropoff_datetime: '2024-05-25T08:30:00.000Z' }));
const garbage = '{"trip_id": "trip-9", "fare": ';

function accepted(input: PutRecordsCommandInput) {
  return {
    Records: (input.Records ?? []).map((_, index) => ({ SequenceNumber: String(index), ShardId: 'shardId-000000000000' })),
    FailedRecordCount: 0,
  };
}

function sentRecords(): { stream: string | undefined; key: string | undefined; data: string }[] {
  return kinesisMock.commandCalls(PutRecordsCommand).flatMap((call) =>
    (call.args[0].input.Records ?? []).map((record) => ({
      stream: call.args[0].input.StreamName,
      key: record.PartitionKey,
      data: Buffer.from(record.Data ?? new Uint8Array()).toString('utf8'),
    })),
  );
}

async function localArchive(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'replay-unit-'));
  await mkdir(join(root, 'raw', 'trip-start', '2024-05-25'), { recursive: true });
  await mkdir(join(root, 'raw', 'trip-end', '2024-05-25'), { recursive: true });
  await writeFile(join(root, 'raw', 'trip-start', '2024-05-25', 'a.gz'), encodeRawObject([Buffer.from(start1), Buffer.from(start2)]));
  await writeFile(join(root, 'raw', 'trip-end', '2024-05-25', 'b.gz'), encodeRawObject([Buffer.from(end1), Buffer.from(garbage)]));
  return join(root, 'raw');
}

beforeEach(() => {
  kinesisMock.reset();
  s3Mock.reset();
  kinesisMock.on(PutRecordsCommand).callsFake(accepted);
});

describe('replay', () => {
  it('re-sends every archived record, byte for byte, to the stream it was archived from', async () => {
    // Prepare
    const from = await localArchive();

    // Act
    const summary = await replay({ from, streams, selection: {}, kinesis: new KinesisClient({ region: 'eu-west-1' }) });

    // Assess
    expect(sentRecords().sort((a, b) => a.data.localeCompare(b.data))).toEqual(
      [
        { stream: streams.start, key: 'trip-1', data: start1 },
        { stream: streams.start, key: 'trip-2', data: start2 },
        { stream: streams.end, key: 'trip-1', data: end1 },
        { stream: streams.end, key: 'unparseable-record', data: garbage },
      ].sort((a, b) => a.data.localeCompare(b.data)),
    );
    expect(summary).toMatchObject({
      objects: 2,
      records: 4,
      selected: { start: 2, end: 2 },
      sent: { start: 2, end: 2 },
      failed: { start: 0, end: 0 },
    });
  });

  it.each([
    [{ tripIds: ['trip-1'] }, [start1, end1]],
    [{ eventTime: { from: new Date('2024-05-26T00:00:00Z') } }, [start2]],
    [{ eventTime: { before: new Date('2024-05-25T08:30:00Z') } }, [start1]],
  ])('sends only what %j selects (a record that is no valid event matches no filter)', async (selection, expected) => {
    // Prepare
    const from = await localArchive();

    // Act
    await replay({ from, streams, selection, kinesis: new KinesisClient({ region: 'eu-west-1' }) });

    // Assess
    expect(
      sentRecords()
        .map(({ data }) => data)
        .sort(),
    ).toEqual([...expected].sort());
  });

  it('sends nothing on a dry run, and still counts the selection', async () => {
    // Prepare
    const from = await localArchive();

    // Act
    const summary = await replay({
      from,
      streams,
      selection: { tripIds: ['trip-2'] },
      kinesis: new KinesisClient({ region: 'eu-west-1' }),
      dryRun: true,
    });

    // Assess
    expect(kinesisMock).toHaveReceivedCommandTimes(PutRecordsCommand, 0);
    expect(summary.selected).toEqual({ start: 1, end: 0 });
  });

  it('reads an S3 prefix, object by object, and skips objects outside raw/<stream>/', async () => {
    // Prepare
    s3Mock.on(ListObjectsV2Command).resolves({
      Contents: [
        { Key: 'raw/trip-end/2024-05-25/x.gz' },
        { Key: 'raw/errors/trip-end/processing-failed/2024-05-25/y.gz' },
        { Key: 'raw/trip-end/notes.txt' },
      ],
    });
    s3Mock
      .on(GetObjectCommand)
      .callsFake(() => ({ Body: Readable.from([encodeRawObject([Buffer.from(end1)])]) as unknown as GetObjectCommandOutput['Body'] }));

    // Act
    const summary = await replay({
      from: 's3://tripstream-dev-data-123456789012-eu-west-1/raw/trip-end/',
      streams,
      selection: {},
      kinesis: new KinesisClient({ region: 'eu-west-1' }),
      s3: new S3Client({ region: 'eu-west-1' }),
    });

    // Assess
    expect(s3Mock).toHaveReceivedCommandWith(ListObjectsV2Command, {
      Bucket: 'tripstream-dev-data-123456789012-eu-west-1',
      Prefix: 'raw/trip-end/',
    });
    expect(sentRecords()).toEqual([{ stream: streams.end, key: 'trip-1', data: end1 }]);
    expect(summary).toMatchObject({
      objects: 1,
      skippedObjects: ['s3://tripstream-dev-data-123456789012-eu-west-1/raw/errors/trip-end/processing-failed/2024-05-25/y.gz'],
    });
  });

  it('hands back what Kinesis would not take within the attempt budget, with its origin', async () => {
    // Prepare
    const from = await localArchive();
    const directory = await mkdtemp(join(tmpdir(), 'replay-unsent-'));
    kinesisMock.on(PutRecordsCommand).rejects(
      Object.assign(new Error('Stream not found'), {
        name: 'ResourceNotFoundException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    // Act
    const summary = await replay({
      from,
      streams,
      selection: {},
      kinesis: new KinesisClient({ region: 'eu-west-1' }),
      unsent: directory,
      maxSendAttempts: 1,
    });

    // Assess
    expect(summary.failed).toEqual({ start: 2, end: 2 });
    expect(summary.unsentFile).toMatch(/unsent-records-.*\.jsonl$/);
  });
});
