import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { eventFingerprint } from '../../../domain/fingerprint';
import { completedItem, openEndItem, openStartItem } from '../../support/dynamodb-stream';
import {
  conditionalCheckFailed,
  deadLettersSent,
  dynamoDbThrottled,
  lambdaContext,
  NOW,
  outcomeTally,
  resolveUpdate,
  retryMessagesSent,
  settledDeliveries,
  TEST_ENVIRONMENT,
  useHandlerTestLifecycle,
  useTestEnvironment,
} from '../../support/handler-harness';
import { DEFAULT_ARRIVAL, kinesisEvent, kinesisOrigin, kinesisSequenceNumber, tripEndEvent, tripStartEvent } from '../../support/kinesis';

const documentMock = mockClient(DynamoDBDocumentClient);
const sqsMock = mockClient(SQSClient);

type HandlerModule = typeof import('../../../lambdas/end/handler');
let handler: HandlerModule['handler'];
let startHandler: HandlerModule['handler'];

beforeAll(() => {
  useTestEnvironment();
  ({ handler } = jest.requireActual<HandlerModule>('../../../lambdas/end/handler'));
  ({ handler: startHandler } = jest.requireActual<HandlerModule>('../../../lambdas/start/handler'));
});

useHandlerTestLifecycle([documentMock, sqsMock], () => {
  // No item before the write: ALL_OLD returns no attributes.
  documentMock.on(UpdateCommand).resolves({});
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'sent-1' });
});

const context = lambdaContext('tripstream-test-end');
const startContext = lambdaContext('tripstream-test-start');

// The test environment: open halves expire 24 h after they were first seen; a completed trip 90 days later still.
const ARRIVAL_SECONDS = Math.floor(DEFAULT_ARRIVAL.getTime() / 1000);
const EXTENSION_SECONDS = 90 * 86_400;
const EXPIRY_BASE = ARRIVAL_SECONDS + 24 * 3_600 - EXTENSION_SECONDS;

/**
 * A trips table that keeps items between calls: each UpdateItem returns the item as it was (ALL_OLD) and
 * stores its own attributes on it. Conditions are not evaluated; the tests using it never break them.
 */
function keepItems(): void {
  const items = new Map<string, Record<string, unknown>>();
  documentMock.on(UpdateCommand).callsFake(async (input: UpdateCommandInput) => {
    const update = resolveUpdate(input);
    const tripId = String(update.key?.trip_id);
    const before = items.get(tripId);
    const own = Object.fromEntries(Object.entries(update.set).filter(([name]) => name !== 'halves' && name !== 'expires_at'));
    const halves = typeof before?.halves === 'number' ? before.halves : 0;
    items.set(tripId, { ...before, trip_id: tripId, ...own, halves: halves + 1 });
    return before === undefined ? {} : { Attributes: before };
  });
}

describe('end handler', () => {
  it('records an end whose start is missing as an open half with one conditional UpdateItem, and never parks it', async () => {
    // Prepare
    const end = tripEndEvent();

    // Act
    const response = await handler(kinesisEvent([end]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(documentMock).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(documentMock.calls()).toHaveLength(1);
    expect(documentMock).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: TEST_ENVIRONMENT.TRIPS_TABLE_NAME,
      Key: { trip_id: 'c66ce556bc' },
    });
    const [update] = documentMock.commandCalls(UpdateCommand).map((call) => resolveUpdate(call.args[0].input));
    expect(update).toEqual({
      key: { trip_id: 'c66ce556bc' },
      set: {
        dropoff_datetime: '2024-05-25T14:05:00.000Z',
        rate_code: 5,
        passenger_count: 0,
        trip_distance: 0.1,
        fare_amount: 40.09620692463166,
        tip_amount: 0,
        payment_type: 3,
        trip_type: 2,
        end_fingerprint: eventFingerprint(end),
        end_first_seen_at: DEFAULT_ARRIVAL.toISOString(),
        end_origin: kinesisOrigin(1),
        halves: 'if_not_exists(halves, 0) + 1',
        expires_at: `if_not_exists(expires_at, ${EXPIRY_BASE}) + ${EXTENSION_SECONDS}`,
      },
      remove: [],
      condition:
        'attribute_not_exists(end_fingerprint) AND (attribute_not_exists(pickup_datetime) OR pickup_datetime <= "2024-05-25T14:05:00.000Z")',
      returnValues: 'ALL_OLD',
      returnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    expect(sqsMock.calls()).toHaveLength(0);
    expect(outcomeTally()).toEqual({ TripHalfOpened: 1 });
    expect(settledDeliveries()).toEqual([{ event: end, origin: kinesisOrigin(1), outcome: 'open' }]);
  });

  it('completes the trip when ALL_OLD shows the start was already recorded', async () => {
    // Prepare
    documentMock.on(UpdateCommand).resolves({ Attributes: openStartItem() });

    // Act
    const response = await handler(kinesisEvent([tripEndEvent()]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(documentMock).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 0);
    expect(outcomeTally()).toEqual({ TripCompleted: 1 });
    expect(settledDeliveries().map(({ outcome }) => outcome)).toEqual(['completed']);
  });

  it.each([
    [
      'start first, then end',
      [() => startHandler(kinesisEvent([tripStartEvent()]), startContext), () => handler(kinesisEvent([tripEndEvent()]), context)],
    ],
    [
      'end first, then start',
      [() => handler(kinesisEvent([tripEndEvent()]), context), () => startHandler(kinesisEvent([tripStartEvent()]), startContext)],
    ],
  ])('costs a completed trip exactly two successful writes and no reads, %s', async (_order, deliveries) => {
    // Prepare
    keepItems();

    // Act
    const responses = [];
    for (const deliver of deliveries) responses.push(await deliver());

    // Assess
    expect(responses).toEqual([{ batchItemFailures: [] }, { batchItemFailures: [] }]);
    expect(documentMock.calls()).toHaveLength(2);
    expect(documentMock).toHaveReceivedCommandTimes(UpdateCommand, 2);
    expect(sqsMock.calls()).toHaveLength(0);
    expect(outcomeTally()).toEqual({ TripHalfOpened: 1, TripCompleted: 1 });
    expect(settledDeliveries().map(({ outcome }) => outcome)).toEqual(['open', 'completed']);
  });

  it.each([
    ['the end alone (end, then the same end)', () => openEndItem(tripEndEvent())],
    ['the completed trip (end first, then start)', () => completedItem(tripEndEvent(), tripStartEvent(), { first: 'end' })],
    ['the completed trip (start first, then end)', () => completedItem(tripEndEvent(), tripStartEvent(), { first: 'start' })],
  ])('ignores a redelivered end when the table holds %s: nothing sent anywhere', async (_case, stored) => {
    // Prepare
    documentMock.on(UpdateCommand).rejects(conditionalCheckFailed(stored()));

    // Act
    const response = await handler(kinesisEvent([tripEndEvent()]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(documentMock).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 0);
    expect(outcomeTally()).toEqual({ DuplicateIgnored: 1 });
  });

  it.each([
    ['the first end alone', (first: ReturnType<typeof tripEndEvent>) => openEndItem(first)],
    ['the trip completed end first', (first: ReturnType<typeof tripEndEvent>) => completedItem(first, tripStartEvent(), { first: 'end' })],
    [
      'the trip completed start first',
      (first: ReturnType<typeof tripEndEvent>) => completedItem(first, tripStartEvent(), { first: 'start' }),
    ],
  ])('keeps the first end and dead-letters a different one as CONFLICTING_DUPLICATE when the table holds %s', async (_case, stored) => {
    // Prepare
    const first = tripEndEvent();
    const second = tripEndEvent({ fare_amount: 12.5 });
    documentMock.on(UpdateCommand).rejects(conditionalCheckFailed(stored(first)));

    // Act
    const response = await handler(kinesisEvent([second]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(deadLettersSent(sqsMock)).toEqual([
      {
        body: {
          schema_version: 2,
          reason: 'CONFLICTING_DUPLICATE',
          trip_id: 'c66ce556bc',
          event: second,
          detail: `trip c66ce556bc already has a different end (fingerprint ${eventFingerprint(first)}); the first one stands`,
          attempts: 1,
          first_seen_at: DEFAULT_ARRIVAL.toISOString(),
          dead_lettered_at: NOW.toISOString(),
          source: 'end',
          origin: kinesisOrigin(1),
        },
        delaySeconds: undefined,
        attributes: { reason: 'CONFLICTING_DUPLICATE', trip_id: 'c66ce556bc' },
      },
    ]);
    expect(retryMessagesSent(sqsMock)).toEqual([]);
    expect(outcomeTally()).toEqual({ 'DeadLettered:CONFLICTING_DUPLICATE': 1 });
  });

  it('dead-letters an end whose dropoff is before the recorded pickup as DROPOFF_BEFORE_PICKUP (start first, then end)', async () => {
    // Prepare
    const end = tripEndEvent({ dropoff_datetime: '2024-05-25T13:00:00.000Z' });
    documentMock
      .on(UpdateCommand)
      .rejects(conditionalCheckFailed(openStartItem(tripStartEvent({ pickup_datetime: '2024-05-25T13:19:00.000Z' }))));

    // Act
    const response = await handler(kinesisEvent([end]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(documentMock).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(deadLettersSent(sqsMock).map(({ body }) => body)).toEqual([
      {
        schema_version: 2,
        reason: 'DROPOFF_BEFORE_PICKUP',
        trip_id: 'c66ce556bc',
        event: end,
        detail: 'dropoff_datetime 2024-05-25T13:00:00.000Z is before the recorded pickup_datetime 2024-05-25T13:19:00.000Z',
        attempts: 1,
        first_seen_at: DEFAULT_ARRIVAL.toISOString(),
        dead_lettered_at: NOW.toISOString(),
        source: 'end',
        origin: kinesisOrigin(1),
      },
    ]);
    expect(retryMessagesSent(sqsMock)).toEqual([]);
    expect(outcomeTally()).toEqual({ 'DeadLettered:DROPOFF_BEFORE_PICKUP': 1 });
  });

  it('dead-letters a trip_start on the end stream as INVALID_EVENT, exactly as it arrived', async () => {
    // Prepare
    const start = tripStartEvent();

    // Act
    const response = await handler(kinesisEvent([start]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(documentMock).toHaveReceivedCommandTimes(UpdateCommand, 0);
    const [letter] = deadLettersSent(sqsMock);
    expect(letter?.body).toMatchObject({
      reason: 'INVALID_EVENT',
      trip_id: 'c66ce556bc',
      event: start,
      attempts: 1,
      source: 'end',
      origin: kinesisOrigin(1),
    });
    expect(letter?.body.detail).toContain('event_type');
  });

  it('moves an end that fails unexpectedly onto the retry queue as PROCESSING_FAILED with its origin', async () => {
    // Prepare
    const end = tripEndEvent();
    documentMock.on(UpdateCommand).rejects(dynamoDbThrottled());

    // Act
    const response = await handler(kinesisEvent([end]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(retryMessagesSent(sqsMock)).toEqual([
      {
        body: {
          schema_version: 2,
          event: end,
          reason: 'PROCESSING_FAILED',
          attempts: 1,
          first_seen_at: DEFAULT_ARRIVAL.toISOString(),
          last_error: 'ThrottlingException: Throughput exceeds the current capacity of your table.',
          origin: kinesisOrigin(1),
        },
        delaySeconds: 30,
        attributes: { reason: 'PROCESSING_FAILED', trip_id: 'c66ce556bc', attempts: '1' },
      },
    ]);
    expect(deadLettersSent(sqsMock)).toEqual([]);
    expect(outcomeTally()).toEqual({ RetryScheduled: 1 });
  });

  it('retries rather than guesses when DynamoDB refuses an update the returned item allows', async () => {
    // Prepare: an open start whose pickup is before the dropoff, and no end.
    documentMock.on(UpdateCommand).rejects(conditionalCheckFailed(openStartItem()));

    // Act
    const response = await handler(kinesisEvent([tripEndEvent()]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(deadLettersSent(sqsMock)).toEqual([]);
    const [retry] = retryMessagesSent(sqsMock);
    expect(retry?.body).toMatchObject({ reason: 'PROCESSING_FAILED', attempts: 1, origin: kinesisOrigin(1) });
    expect(retry?.body.last_error).toBe('Error: The trips table refused the end of trip c66ce556bc, but the stored item allows it');
  });

  it('settles copies of an event within one batch as duplicates, without writing them', async () => {
    // Prepare
    const end = tripEndEvent();
    const other = tripEndEvent({ trip_id: 'trip-2' });

    // Act
    const response = await handler(kinesisEvent([end, other, end]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(documentMock).toHaveReceivedCommandTimes(UpdateCommand, 2);
    expect(sqsMock.calls()).toHaveLength(0);
    expect(outcomeTally()).toEqual({ TripHalfOpened: 2, DuplicateIgnored: 1 });
    // Records of one trip settle in batch order; other trips' records may settle in between.
    expect(settledDeliveries().filter((delivery) => delivery.event.trip_id === end.trip_id)).toEqual([
      { event: end, origin: kinesisOrigin(1), outcome: 'open' },
      { event: end, origin: kinesisOrigin(3), outcome: 'duplicate' },
    ]);
  });

  it('reports exactly the records that could not be put anywhere, and settles the others', async () => {
    // Prepare: trip-2 fails and the retry queue refuses it; trip-3 conflicts and the DLQ refuses it; trip-5 fails and is parked.
    const events = [
      tripEndEvent({ trip_id: 'trip-1' }),
      tripEndEvent({ trip_id: 'trip-2' }),
      tripEndEvent({ trip_id: 'trip-3', fare_amount: 1 }),
      tripEndEvent({ trip_id: 'trip-4' }),
      tripEndEvent({ trip_id: 'trip-5' }),
    ];
    documentMock.on(UpdateCommand).callsFake(async (input: UpdateCommandInput) => {
      const tripId = input.Key?.trip_id;
      if (tripId === 'trip-2' || tripId === 'trip-5') throw dynamoDbThrottled();
      if (tripId === 'trip-3')
        throw conditionalCheckFailed(completedItem(tripEndEvent({ trip_id: 'trip-3' }), tripStartEvent({ trip_id: 'trip-3' })));
      return { Attributes: openStartItem(tripStartEvent({ trip_id: String(tripId) })) };
    });
    sqsMock.on(SendMessageCommand).callsFake(async (input: { MessageBody: string }) => {
      const tripId = (JSON.parse(input.MessageBody) as { event: { trip_id: string } }).event.trip_id;
      if (tripId !== 'trip-5') throw new Error('SQS unavailable');
      return { MessageId: 'sent-5' };
    });

    // Act
    const response = await handler(kinesisEvent(events), context);

    // Assess
    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: kinesisSequenceNumber(2) }, { itemIdentifier: kinesisSequenceNumber(3) }],
    });
    expect(retryMessagesSent(sqsMock).map(({ body }) => body.event)).toEqual([events[1], events[4]]);
    expect(outcomeTally()).toEqual({ TripCompleted: 2, RetryScheduled: 1 });
  });
});
