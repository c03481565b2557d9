import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { completedTripSchema } from '../../../domain/trip-item';
import {
  completedItem,
  completion,
  END_SIGHTING,
  expiredOpenEnd,
  expiredOpenStart,
  openEndItem,
  openStartItem,
  STREAM_RECORD_CREATED_AT,
  type StreamRecordOptions,
  streamEvent,
  streamSequenceNumber,
} from '../../support/dynamodb-stream';
import {
  deadLettersSent,
  lambdaContext,
  NOW,
  outcomeTally,
  TEST_ENVIRONMENT,
  useHandlerTestLifecycle,
  useTestEnvironment,
} from '../../support/handler-harness';
import { tripEndEvent, tripStartEvent } from '../../support/kinesis';

const s3Mock = mockClient(S3Client);
const sqsMock = mockClient(SQSClient);

type HandlerModule = typeof import('../../../lambdas/match/handler');
let handler: HandlerModule['handler'];

beforeAll(() => {
  useTestEnvironment();
  ({ handler } = jest.requireActual<HandlerModule>('../../../lambdas/match/handler'));
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

/** The staged record of an item: its completed-trip fields only, completed when its stream record was written. */
function stagedRow(item: Record<string, unknown> | undefined, completedAt: Date): unknown {
  const fields = Object.keys(completedTripSchema.shape).filter((field) => field !== 'completed_at');
  return { ...Object.fromEntries(fields.map((field) => [field, item?.[field]])), completed_at: completedAt.toISOString() };
}

const onMay25 = (tripId: string): StreamRecordOptions => completion(tripEndEvent({ trip_id: tripId }), tripStartEvent({ trip_id: tripId }));
const onMay26 = (tripId: string): StreamRecordOptions =>
  completion(
    tripEndEvent({ trip_id: tripId, dropoff_datetime: '2024-05-26T00:40:00.000Z' }),
    tripStartEvent({ trip_id: tripId, pickup_datetime: '2024-05-26T00:10:00.000Z' }),
  );

describe('match handler', () => {
  it('stages the batch as one JSON-lines object per trip_date, each trip completed when its completing write happened', async () => {
    // Prepare
    const records = [
      { ...onMay25('trip-1'), createdAt: new Date('2024-05-25T14:05:03.000Z') },
      { ...onMay26('trip-2'), createdAt: new Date('2024-05-26T00:40:07.000Z') },
      { ...onMay25('trip-3'), createdAt: new Date('2024-05-25T14:20:00.000Z') },
    ];

    // Act
    const response = await handler(streamEvent(records), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(s3Mock).toHaveReceivedCommandTimes(PutObjectCommand, 2);
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, { Bucket: TEST_ENVIRONMENT.DATA_BUCKET_NAME });
    const [first, second, third] = records;
    const files = stagedFiles();
    expect(files).toEqual([
      {
        key: expect.stringMatching(/^completed-trips\/trip_date=2024-05-25\/[0-9a-f]{32}\.jsonl$/),
        contentType: 'application/x-ndjson',
        rows: [
          stagedRow(first?.newImage, new Date('2024-05-25T14:05:03.000Z')),
          stagedRow(third?.newImage, new Date('2024-05-25T14:20:00.000Z')),
        ],
      },
      {
        key: expect.stringMatching(/^completed-trips\/trip_date=2024-05-26\/[0-9a-f]{32}\.jsonl$/),
        contentType: 'application/x-ndjson',
        rows: [stagedRow(second?.newImage, new Date('2024-05-26T00:40:07.000Z'))],
      },
    ]);
    for (const row of files.flatMap((file) => file.rows)) expect(completedTripSchema.safeParse(row).success).toBe(true);
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 0);
    expect(outcomeTally()).toEqual({ TripsStaged: 3, StagedFilesWritten: 2 });
  });

  it('stages a trip completed by its start (end first) the same way', async () => {
    // Prepare: the end was recorded first, the start's write completed the trip.
    const end = tripEndEvent();
    const start = tripStartEvent();
    const record = { eventName: 'MODIFY', oldImage: openEndItem(end), newImage: completedItem(end, start, { first: 'end' }) } as const;

    // Act
    const response = await handler(streamEvent([record]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(stagedFiles().map((file) => file.rows)).toEqual([[stagedRow(record.newImage, STREAM_RECORD_CREATED_AT)]]);
  });

  it('writes the same keys when the same batch is delivered again, so a retry overwrites', async () => {
    // Prepare
    const batch = streamEvent([onMay25('trip-1'), onMay26('trip-2')]);
    const otherBatch = streamEvent([{ ...onMay25('trip-3'), sequenceNumber: streamSequenceNumber(7) }]);

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

  it.each<[string, StreamRecordOptions]>([
    ['the INSERT of an open start', { eventName: 'INSERT', newImage: openStartItem() }],
    ['the INSERT of an open end', { eventName: 'INSERT', newImage: openEndItem() }],
    [
      'a MODIFY that leaves the trip open (an evicted end replaced by a start)',
      { eventName: 'MODIFY', oldImage: openEndItem(), newImage: openStartItem() },
    ],
    ['a MODIFY of a completed trip', { eventName: 'MODIFY', oldImage: completedItem(), newImage: completedItem() }],
    ['the REMOVE of a completed trip', { eventName: 'REMOVE', oldImage: completedItem() }],
  ])('does nothing with %s, as the stream filters would', async (_case, record) => {
    // Act
    const response = await handler(streamEvent([record]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(s3Mock).toHaveReceivedCommandTimes(PutObjectCommand, 0);
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 0);
    expect(outcomeTally()).toEqual({});
  });

  it('dead-letters an open end removed at the end of its grace period as ORPHAN_END, with its full event, origin and first-seen time', async () => {
    // Prepare
    const end = tripEndEvent();
    const removedAt = new Date('2024-05-26T14:30:00.000Z');

    // Act
    const response = await handler(streamEvent([onMay25('trip-1'), { ...expiredOpenEnd(end), createdAt: removedAt }]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(deadLettersSent(sqsMock)).toEqual([
      {
        body: {
          schema_version: 2,
          reason: 'ORPHAN_END',
          trip_id: 'c66ce556bc',
          event: end,
          detail: `no start arrived for trip c66ce556bc: its end, first seen at ${END_SIGHTING.firstSeenAt}, expired open at ${removedAt.toISOString()}`,
          attempts: 1,
          first_seen_at: END_SIGHTING.firstSeenAt,
          dead_lettered_at: NOW.toISOString(),
          source: 'match',
          origin: END_SIGHTING.origin,
        },
        delaySeconds: undefined,
        attributes: { reason: 'ORPHAN_END', trip_id: 'c66ce556bc' },
      },
    ]);
    expect(stagedFiles().map((file) => file.rows.length)).toEqual([1]);
    expect(outcomeTally()).toEqual({ 'DeadLettered:ORPHAN_END': 1, TripsStaged: 1, StagedFilesWritten: 1 });
  });

  it('counts an open start removed at the end of its grace period as OpenStartsExpired, and stages and dead-letters nothing for it', async () => {
    // Prepare
    const starts = [
      expiredOpenStart(tripStartEvent({ trip_id: 'trip-open-1' })),
      expiredOpenStart(tripStartEvent({ trip_id: 'trip-open-2' })),
    ];

    // Act
    const response = await handler(streamEvent([onMay25('trip-1'), ...starts]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 0);
    expect(stagedFiles().map((file) => file.rows.length)).toEqual([1]);
    expect(outcomeTally()).toEqual({ OpenStartsExpired: 2, TripsStaged: 1, StagedFilesWritten: 1 });
  });

  it('dead-letters a removed open end it cannot rebuild the event of as INVALID_EVENT, with the item', async () => {
    // Prepare
    const broken = { ...openEndItem(), fare_amount: 'forty' };

    // Act
    const response = await handler(streamEvent([{ eventName: 'REMOVE', oldImage: broken }]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    const [letter] = deadLettersSent(sqsMock);
    expect(letter?.body).toMatchObject({ reason: 'INVALID_EVENT', trip_id: 'c66ce556bc', event: broken, source: 'match', origin: null });
    expect(letter?.body.detail).toContain('fare_amount');
  });

  it('dead-letters a completed item that is not a valid completed trip as INVALID_EVENT and stages the rest', async () => {
    // Prepare
    const broken = { ...completedItem(tripEndEvent({ trip_id: 'trip-2' }), tripStartEvent({ trip_id: 'trip-2' })), fare_amount: 'forty' };

    // Act
    const response = await handler(streamEvent([onMay25('trip-1'), { ...onMay25('trip-2'), newImage: broken }]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(stagedFiles().map((file) => file.rows.length)).toEqual([1]);
    expect(deadLettersSent(sqsMock)).toEqual([
      {
        body: {
          schema_version: 2,
          reason: 'INVALID_EVENT',
          trip_id: 'trip-2',
          event: broken,
          detail: expect.stringContaining('fare_amount'),
          attempts: 1,
          first_seen_at: STREAM_RECORD_CREATED_AT.toISOString(),
          dead_lettered_at: NOW.toISOString(),
          source: 'match',
          origin: null,
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

    // Act
    const response = await handler(streamEvent([onMay25('trip-1'), onMay26('trip-2'), onMay25('trip-3'), onMay26('trip-4')]), context);

    // Assess
    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: streamSequenceNumber(2) }, { itemIdentifier: streamSequenceNumber(4) }],
    });
    expect(outcomeTally()).toEqual({ TripsStaged: 2, StagedFilesWritten: 1 });
  });

  it('reports the records of letters the DLQ cannot take: an invalid item and an expired end', async () => {
    // Prepare
    sqsMock.on(SendMessageCommand).rejects(new Error('SQS unavailable'));
    const broken = { ...(onMay25('trip-2').newImage ?? {}), pickup_datetime: null };

    // Act
    const response = await handler(
      streamEvent([onMay25('trip-1'), { ...onMay25('trip-2'), newImage: broken }, expiredOpenEnd(tripEndEvent({ trip_id: 'trip-3' }))]),
      context,
    );

    // Assess
    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: streamSequenceNumber(2) }, { itemIdentifier: streamSequenceNumber(3) }],
    });
    expect(s3Mock).toHaveReceivedCommandTimes(PutObjectCommand, 1);
  });
});
