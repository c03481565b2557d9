import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { completedTripSchema, TRIP_STATUS } from '../../../lib/domain/trip-item';
import { completedTripItem, streamEvent, streamSequenceNumber } from '../../factories/dynamodb-stream';
import { deadLettersSent, lambdaContext, NOW, outcomes, TEST_ENVIRONMENT, useHandlerTestLifecycle, useTestEnvironment } from './harness';

const s3Mock = mockClient(S3Client);
const sqsMock = mockClient(SQSClient);

type HandlerModule = typeof import('../../../lambdas/match/handler');
type ObservabilityModule = typeof import('../../../lambdas/shared/observability');
let handler: HandlerModule['handler'];
let outcomeTally: ObservabilityModule['outcomeTally'];

beforeAll(() => {
  useTestEnvironment();
  ({ handler } = jest.requireActual<HandlerModule>('../../../lambdas/match/handler'));
  ({ outcomeTally } = outcomes());
});

useHandlerTestLifecycle([s3Mock, sqsMock], () => {
  s3Mock.on(PutObjectCommand).resolves({});
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'sent-1' });
});

const context = lambdaContext('tripstream-test-match');

interface StagedFile {
  readonly key: string;
  readonly contentType: string | undefined;
  readonly rows: unknown[];
}

function stagedFiles(): StagedFile[] {
  return s3Mock
    .commandCalls(PutObjectCommand)
    .map((call) => call.args[0].input)
    .map((input) => ({
      key: input.Key ?? '',
      contentType: input.ContentType,
      rows: String(input.Body)
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as unknown),
    }))
    .sort((a, b) => a.key.localeCompare(b.key));
}

/** The staged record of an item: its completed-trip fields only. */
function stagedRow(item: Record<string, unknown>): unknown {
  return Object.fromEntries(Object.keys(completedTripSchema.shape).map((field) => [field, item[field]]));
}

const onMay25 = (tripId: string) => completedTripItem({ trip_id: tripId });
const onMay26 = (tripId: string) =>
  completedTripItem({ trip_id: tripId, trip_date: '2024-05-26', pickup_datetime: '2024-05-26T00:10:00.000Z', dropoff_datetime: '2024-05-26T00:40:00.000Z' });

describe('match handler', () => {
  it('stages the batch as one JSON-lines object per trip_date, never one per trip', async () => {
    // Prepare
    const items = [onMay25('trip-1'), onMay26('trip-2'), onMay25('trip-3')];

    // Act
    const response = await handler(streamEvent(items.map((newImage) => ({ newImage }))), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(s3Mock).toHaveReceivedCommandTimes(PutObjectCommand, 2);
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, { Bucket: TEST_ENVIRONMENT.DATA_BUCKET_NAME });
    const files = stagedFiles();
    expect(files).toEqual([
      {
        key: expect.stringMatching(/^completed-trips\/trip_date=2024-05-25\/[0-9a-f]{32}\.jsonl$/),
        contentType: 'application/x-ndjson',
        rows: [stagedRow(items[0] ?? {}), stagedRow(items[2] ?? {})],
      },
      {
        key: expect.stringMatching(/^completed-trips\/trip_date=2024-05-26\/[0-9a-f]{32}\.jsonl$/),
        contentType: 'application/x-ndjson',
        rows: [stagedRow(items[1] ?? {})],
      },
    ]);
    for (const row of files.flatMap((file) => file.rows)) expect(completedTripSchema.safeParse(row).success).toBe(true);
    expect(outcomeTally()).toEqual({ TripsStaged: 3, StagedFilesWritten: 2 });
  });

  it('writes the same keys when the same batch is delivered again, so a retry overwrites', async () => {
    // Prepare
    const batch = streamEvent([{ newImage: onMay25('trip-1') }, { newImage: onMay26('trip-2') }]);
    const otherBatch = streamEvent([{ newImage: onMay25('trip-3'), sequenceNumber: streamSequenceNumber(7) }]);

    // Act
    await handler(batch, context);
    await handler(batch, context);
    await handler(otherBatch, context);

    // Assess
    const keys = s3Mock.commandCalls(PutObjectCommand).map((call) => call.args[0].input.Key);
    expect(keys).toHaveLength(5);
    expect(new Set(keys.slice(0, 2))).toEqual(new Set(keys.slice(2, 4)));
    expect(keys.slice(0, 2)).not.toContain(keys[4]);
  });

  it('skips records that are not completed trips, as the stream filter would', async () => {
    // Prepare
    const started = { ...onMay25('trip-1'), status: TRIP_STATUS.started };

    // Act
    const response = await handler(
      streamEvent([{ eventName: 'INSERT', newImage: started }, { eventName: 'REMOVE', oldImage: onMay25('trip-2') }]),
      context,
    );

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(s3Mock).toHaveReceivedCommandTimes(PutObjectCommand, 0);
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 0);
    expect(outcomeTally()).toEqual({});
  });

  it('dead-letters a completed item that is not a valid completed trip as INVALID_EVENT and stages the rest', async () => {
    // Prepare
    const broken = { ...onMay25('trip-2'), fare_amount: 'forty' };

    // Act
    const response = await handler(streamEvent([{ newImage: onMay25('trip-1') }, { newImage: broken }]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(stagedFiles().map((file) => file.rows.length)).toEqual([1]);
    expect(deadLettersSent(sqsMock)).toEqual([
      {
        body: {
          schema_version: 1,
          reason: 'INVALID_EVENT',
          trip_id: 'trip-2',
          event: broken,
          detail: expect.stringContaining('fare_amount'),
          attempts: 1,
          first_seen_at: '2024-05-25T14:05:03.000Z',
          dead_lettered_at: NOW.toISOString(),
          source: 'match',
        },
        delaySeconds: undefined,
        attributes: { reason: 'INVALID_EVENT', trip_id: 'trip-2' },
      },
    ]);
  });

  it("reports exactly one date's records when that date's write fails", async () => {
    // Prepare
    s3Mock.on(PutObjectCommand).callsFake(async (input: { Key: string }) => {
      if (input.Key.includes('trip_date=2024-05-26/')) throw new Error('SlowDown');
      return {};
    });
    const items = [onMay25('trip-1'), onMay26('trip-2'), onMay25('trip-3'), onMay26('trip-4')];

    // Act
    const response = await handler(streamEvent(items.map((newImage) => ({ newImage }))), context);

    // Assess
    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: streamSequenceNumber(2) }, { itemIdentifier: streamSequenceNumber(4) }],
    });
    expect(outcomeTally()).toEqual({ TripsStaged: 2, StagedFilesWritten: 1 });
  });

  it('reports the record of an invalid item when the DLQ cannot take it', async () => {
    // Prepare
    sqsMock.on(SendMessageCommand).rejects(new Error('SQS unavailable'));
    const broken = { ...onMay25('trip-2'), pickup_datetime: null };

    // Act
    const response = await handler(streamEvent([{ newImage: onMay25('trip-1') }, { newImage: broken }]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: streamSequenceNumber(2) }] });
    expect(s3Mock).toHaveReceivedCommandTimes(PutObjectCommand, 1);
  });
});
