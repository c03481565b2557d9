import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { eventFingerprint } from '../../../domain/fingerprint';
import { completedItem, END_SIGHTING, openEndItem, openStartItem } from '../../support/dynamodb-stream';
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

type HandlerModule = typeof import('../../../lambdas/start/handler');
let handler: HandlerModule['handler'];

beforeAll(() => {
  useTestEnvironment();
  ({ handler } = jest.requireActual<HandlerModule>('../../../lambdas/start/handler'));
});

useHandlerTestLifecycle([documentMock, sqsMock], () => {
  // No item before the write: ALL_OLD returns no attributes.
  documentMock.on(UpdateCommand).resolves({});
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'sent-1' });
});

const context = lambdaContext('tripstream-test-start');

// The test environment: open halves expire 24 h after they were first seen; a completed trip 90 days later still.
const ARRIVAL_SECONDS = Math.floor(DEFAULT_ARRIVAL.getTime() / 1000);
const EXTENSION_SECONDS = 90 * 86_400;
const EXPIRY_BASE = ARRIVAL_SECONDS + 24 * 3_600 - EXTENSION_SECONDS;

function updates(): UpdateCommandInput[] {
  return documentMock.commandCalls(UpdateCommand).map((call) => call.args[0].input);
}

describe('start handler', () => {
  it('records a start with one conditional UpdateItem that sets only its own half, the halves count and the expiry', async () => {
    // Prepare
    const start = tripStartEvent();

    // Act
    const response = await handler(kinesisEvent([start]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(documentMock).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(documentMock.calls()).toHaveLength(1);
    expect(documentMock).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: TEST_ENVIRONMENT.TRIPS_TABLE_NAME,
      Key: { trip_id: 'c66ce556bc' },
    });
    const [update] = updates().map(resolveUpdate);
    expect(update).toEqual({
      key: { trip_id: 'c66ce556bc' },
      set: {
        pickup_datetime: '2024-05-25T13:19:00.000Z',
        estimated_dropoff_datetime: '2024-05-25T14:03:00.000Z',
        pickup_location_id: 93,
        dropoff_location_id: 93,
        vendor_id: 1,
        estimated_fare_amount: 34.18595284,
        trip_date: '2024-05-25',
        start_fingerprint: eventFingerprint(start),
        start_first_seen_at: DEFAULT_ARRIVAL.toISOString(),
        start_origin: kinesisOrigin(1),
        halves: 'if_not_exists(halves, 0) + 1',
        expires_at: `if_not_exists(expires_at, ${EXPIRY_BASE}) + ${EXTENSION_SECONDS}`,
      },
      remove: [],
      condition:
        'attribute_not_exists(start_fingerprint) AND (attribute_not_exists(dropoff_datetime) OR dropoff_datetime >= "2024-05-25T13:19:00.000Z")',
      returnValues: 'ALL_OLD',
      returnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 0);
    expect(outcomeTally()).toEqual({ TripHalfOpened: 1 });
    expect(settledDeliveries()).toEqual([{ event: start, origin: kinesisOrigin(1), outcome: 'open' }]);
  });

  it('completes the trip when ALL_OLD shows the end was already recorded', async () => {
    // Prepare
    documentMock.on(UpdateCommand).resolves({ Attributes: openEndItem() });

    // Act
    const response = await handler(kinesisEvent([tripStartEvent()]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(documentMock).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 0);
    expect(outcomeTally()).toEqual({ TripCompleted: 1 });
    expect(settledDeliveries().map(({ outcome }) => outcome)).toEqual(['completed']);
  });

  it.each([
    ['the start alone (start, then the same start)', () => openStartItem(tripStartEvent())],
    ['the completed trip (start first, then end)', () => completedItem(tripEndEvent(), tripStartEvent(), { first: 'start' })],
    ['the completed trip (end first, then start)', () => completedItem(tripEndEvent(), tripStartEvent(), { first: 'end' })],
  ])('ignores a redelivered start when the table holds %s: nothing sent anywhere', async (_case, stored) => {
    // Prepare
    documentMock.on(UpdateCommand).rejects(conditionalCheckFailed(stored()));

    // Act
    const response = await handler(kinesisEvent([tripStartEvent()]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(documentMock).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 0);
    expect(outcomeTally()).toEqual({ DuplicateIgnored: 1 });
    expect(settledDeliveries().map(({ outcome }) => outcome)).toEqual(['duplicate']);
  });

  it.each([
    ['the first start alone', (first: ReturnType<typeof tripStartEvent>) => openStartItem(first)],
    [
      'the trip completed start first',
      (first: ReturnType<typeof tripStartEvent>) => completedItem(tripEndEvent(), first, { first: 'start' }),
    ],
    ['the trip completed end first', (first: ReturnType<typeof tripStartEvent>) => completedItem(tripEndEvent(), first, { first: 'end' })],
  ])('keeps the first start and dead-letters a different one as CONFLICTING_DUPLICATE when the table holds %s', async (_case, stored) => {
    // Prepare
    const first = tripStartEvent();
    const second = tripStartEvent({ estimated_fare_amount: 99 });
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
          detail: `trip c66ce556bc already has a different start (fingerprint ${eventFingerprint(first)}); the first one stands`,
          attempts: 1,
          first_seen_at: DEFAULT_ARRIVAL.toISOString(),
          dead_lettered_at: NOW.toISOString(),
          source: 'start',
          origin: kinesisOrigin(1),
        },
        delaySeconds: undefined,
        attributes: { reason: 'CONFLICTING_DUPLICATE', trip_id: 'c66ce556bc' },
      },
    ]);
    expect(retryMessagesSent(sqsMock)).toEqual([]);
    expect(documentMock).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(outcomeTally()).toEqual({ 'DeadLettered:CONFLICTING_DUPLICATE': 1 });
  });

  describe('a start arriving after an end that drops off before its pickup (end first, then start)', () => {
    const start = tripStartEvent({ pickup_datetime: '2024-05-25T13:19:00.000Z' });
    const earlyEnd = tripEndEvent({ dropoff_datetime: '2024-05-25T13:00:00.000Z' });

    it('dead-letters the stored end with its full event first, then records the start in its place', async () => {
      // Prepare: the first write is refused with the stored end; the replacement is accepted.
      const steps: string[] = [];
      documentMock.on(UpdateCommand).callsFake(async (input: UpdateCommandInput) => {
        const replacing = (input.UpdateExpression ?? '').includes(' REMOVE ');
        steps.push(replacing ? 'replace end with start' : 'record start');
        if (!replacing) throw conditionalCheckFailed(openEndItem(earlyEnd));
        return {};
      });
      sqsMock.on(SendMessageCommand).callsFake(async () => {
        steps.push('dead-letter end');
        return { MessageId: 'sent-1' };
      });

      // Act
      const response = await handler(kinesisEvent([start]), context);

      // Assess
      expect(response).toEqual({ batchItemFailures: [] });
      expect(steps).toEqual(['record start', 'dead-letter end', 'replace end with start']);
      expect(deadLettersSent(sqsMock)).toEqual([
        {
          body: {
            schema_version: 2,
            reason: 'DROPOFF_BEFORE_PICKUP',
            trip_id: 'c66ce556bc',
            event: earlyEnd,
            detail:
              'dropoff_datetime 2024-05-25T13:00:00.000Z is before the pickup_datetime 2024-05-25T13:19:00.000Z of the start that arrived after it',
            attempts: 1,
            first_seen_at: END_SIGHTING.firstSeenAt,
            dead_lettered_at: NOW.toISOString(),
            source: 'end',
            origin: END_SIGHTING.origin,
          },
          delaySeconds: undefined,
          attributes: { reason: 'DROPOFF_BEFORE_PICKUP', trip_id: 'c66ce556bc' },
        },
      ]);
      const replacement = updates().map(resolveUpdate)[1];
      expect(replacement).toEqual({
        key: { trip_id: 'c66ce556bc' },
        set: {
          pickup_datetime: '2024-05-25T13:19:00.000Z',
          estimated_dropoff_datetime: '2024-05-25T14:03:00.000Z',
          pickup_location_id: 93,
          dropoff_location_id: 93,
          vendor_id: 1,
          estimated_fare_amount: 34.18595284,
          trip_date: '2024-05-25',
          start_fingerprint: eventFingerprint(start),
          start_first_seen_at: DEFAULT_ARRIVAL.toISOString(),
          start_origin: kinesisOrigin(1),
          // The start's own open expiry, not the evicted end's.
          expires_at: EXPIRY_BASE + EXTENSION_SECONDS,
        },
        remove: [
          'dropoff_datetime',
          'rate_code',
          'passenger_count',
          'trip_distance',
          'fare_amount',
          'tip_amount',
          'payment_type',
          'trip_type',
          'end_fingerprint',
          'end_first_seen_at',
          'end_origin',
        ],
        condition: `attribute_not_exists(start_fingerprint) AND end_fingerprint = "${eventFingerprint(earlyEnd)}"`,
        returnValues: undefined,
        returnValuesOnConditionCheckFailure: 'ALL_OLD',
      });
      expect(retryMessagesSent(sqsMock)).toEqual([]);
      expect(outcomeTally()).toEqual({ 'DeadLettered:DROPOFF_BEFORE_PICKUP': 1, TripHalfOpened: 1 });
      expect(settledDeliveries()).toEqual([{ event: start, origin: kinesisOrigin(1), outcome: 'open' }]);
    });

    it('does not remove the end when its dead letter could not be sent, and retries the start', async () => {
      // Prepare
      documentMock.on(UpdateCommand).rejects(conditionalCheckFailed(openEndItem(earlyEnd)));
      sqsMock.on(SendMessageCommand, { QueueUrl: TEST_ENVIRONMENT.DEAD_LETTER_QUEUE_URL }).rejects(new Error('SQS unavailable'));

      // Act
      const response = await handler(kinesisEvent([start]), context);

      // Assess
      expect(response).toEqual({ batchItemFailures: [] });
      expect(documentMock).toHaveReceivedCommandTimes(UpdateCommand, 1);
      expect(retryMessagesSent(sqsMock).map(({ body }) => body)).toEqual([
        {
          schema_version: 2,
          event: start,
          reason: 'PROCESSING_FAILED',
          attempts: 1,
          first_seen_at: DEFAULT_ARRIVAL.toISOString(),
          last_error: 'Error: SQS unavailable',
          origin: kinesisOrigin(1),
        },
      ]);
      expect(outcomeTally()).toEqual({ RetryScheduled: 1 });
    });

    it('retries the start when the item changed between the refusal and the replacement', async () => {
      // Prepare: another end replaced the evicted one meanwhile, so the replacement's condition fails.
      documentMock
        .on(UpdateCommand)
        .rejectsOnce(conditionalCheckFailed(openEndItem(earlyEnd)))
        .rejectsOnce(conditionalCheckFailed(openEndItem(tripEndEvent({ dropoff_datetime: '2024-05-25T12:00:00.000Z' }))));

      // Act
      const response = await handler(kinesisEvent([start]), context);

      // Assess
      expect(response).toEqual({ batchItemFailures: [] });
      expect(documentMock).toHaveReceivedCommandTimes(UpdateCommand, 2);
      const [retry] = retryMessagesSent(sqsMock);
      expect(retry?.body).toMatchObject({ reason: 'PROCESSING_FAILED', attempts: 1, origin: kinesisOrigin(1) });
      expect(retry?.body.last_error).toBe('Error: The item of trip c66ce556bc changed while its end was being replaced; retrying');
      expect(outcomeTally()).toEqual({ 'DeadLettered:DROPOFF_BEFORE_PICKUP': 1, RetryScheduled: 1 });
    });
  });

  it('dead-letters a payload that is not JSON as INVALID_EVENT, keeping the text exactly', async () => {
    // Prepare
    const garbage = 'c66ce556bc,93,93,1,25-05-2024 13:19';

    // Act
    const response = await handler(kinesisEvent([garbage]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(documentMock).toHaveReceivedCommandTimes(UpdateCommand, 0);
    const [letter] = deadLettersSent(sqsMock);
    expect(letter?.body).toEqual({
      schema_version: 2,
      reason: 'INVALID_EVENT',
      trip_id: null,
      event: garbage,
      detail: expect.stringMatching(/^not JSON: /),
      attempts: 1,
      first_seen_at: DEFAULT_ARRIVAL.toISOString(),
      dead_lettered_at: NOW.toISOString(),
      source: 'start',
      origin: kinesisOrigin(1),
    });
    expect(letter?.attributes).toEqual({ reason: 'INVALID_EVENT' });
  });

  it.each([
    ['a trip_end on the start stream', tripEndEvent(), 'event_type'],
    ['a negative estimated fare', tripStartEvent({ estimated_fare_amount: -1 }), 'estimated_fare_amount'],
    ['a pickup that is not a UTC instant', { ...tripStartEvent(), pickup_datetime: '25-05-2024 13:19' }, 'pickup_datetime'],
    ['an unknown field', { ...tripStartEvent(), surge: 2 }, 'surge'],
  ])('dead-letters %s as INVALID_EVENT with the parsed payload and the failing field', async (_case, payload, field) => {
    // Prepare
    const batch = kinesisEvent([payload]);

    // Act
    const response = await handler(batch, context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(documentMock).toHaveReceivedCommandTimes(UpdateCommand, 0);
    const [letter] = deadLettersSent(sqsMock);
    expect(letter?.body).toMatchObject({
      reason: 'INVALID_EVENT',
      trip_id: 'c66ce556bc',
      event: payload,
      source: 'start',
      origin: kinesisOrigin(1),
    });
    expect(letter?.body.detail).toContain(field);
    expect(letter?.attributes).toEqual({ reason: 'INVALID_EVENT', trip_id: 'c66ce556bc' });
    expect(outcomeTally()).toEqual({ 'DeadLettered:INVALID_EVENT': 1 });
  });

  it('moves a start that fails unexpectedly off the shard, onto the retry queue as PROCESSING_FAILED with its origin', async () => {
    // Prepare
    const start = tripStartEvent();
    documentMock.on(UpdateCommand).rejects(dynamoDbThrottled('ProvisionedThroughputExceededException'));

    // Act
    const response = await handler(kinesisEvent([start]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(retryMessagesSent(sqsMock)).toEqual([
      {
        body: {
          schema_version: 2,
          event: start,
          reason: 'PROCESSING_FAILED',
          attempts: 1,
          first_seen_at: DEFAULT_ARRIVAL.toISOString(),
          last_error: 'ProvisionedThroughputExceededException: Rate of requests exceeds the allowed throughput.',
          origin: kinesisOrigin(1),
        },
        delaySeconds: 30,
        attributes: { reason: 'PROCESSING_FAILED', trip_id: 'c66ce556bc', attempts: '1' },
      },
    ]);
    expect(deadLettersSent(sqsMock)).toEqual([]);
    expect(outcomeTally()).toEqual({ RetryScheduled: 1 });
    expect(settledDeliveries()).toEqual([{ event: start, origin: kinesisOrigin(1), outcome: 'retrying' }]);
  });

  it.each([
    ['no item', undefined, 'no item was returned'],
    ['an item that allows the write (a compatible end, no start)', openEndItem(), 'the stored item allows it'],
  ])('retries rather than guesses when DynamoDB refuses the start and returns %s', async (_case, stored, why) => {
    // Prepare
    documentMock.on(UpdateCommand).rejects(conditionalCheckFailed(stored));

    // Act
    const response = await handler(kinesisEvent([tripStartEvent()]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(deadLettersSent(sqsMock)).toEqual([]);
    const [retry] = retryMessagesSent(sqsMock);
    expect(retry?.body).toMatchObject({ reason: 'PROCESSING_FAILED', attempts: 1 });
    expect(retry?.body.last_error).toBe(`Error: The trips table refused the start of trip c66ce556bc, but ${why}`);
  });

  it('settles copies of an event within one batch as duplicates, without writing them', async () => {
    // Prepare
    const start = tripStartEvent();

    // Act
    const response = await handler(kinesisEvent([start, start, start]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(documentMock).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 0);
    expect(outcomeTally()).toEqual({ TripHalfOpened: 1, DuplicateIgnored: 2 });
    expect(settledDeliveries()).toEqual([
      { event: start, origin: kinesisOrigin(1), outcome: 'open' },
      { event: start, origin: kinesisOrigin(2), outcome: 'duplicate' },
      { event: start, origin: kinesisOrigin(3), outcome: 'duplicate' },
    ]);
  });

  it('reports exactly the records that could not be put anywhere, and settles the others', async () => {
    // Prepare: 2 fails and its retry message is refused; 3 is invalid and the DLQ refuses it.
    const events = [
      tripStartEvent({ trip_id: 'trip-1' }),
      tripStartEvent({ trip_id: 'trip-2' }),
      { ...tripStartEvent({ trip_id: 'trip-3' }), estimated_fare_amount: 'free' },
      tripStartEvent({ trip_id: 'trip-4' }),
    ];
    documentMock.on(UpdateCommand).callsFake(async (input: UpdateCommandInput) => {
      if (input.Key?.trip_id === 'trip-2') throw dynamoDbThrottled('ProvisionedThroughputExceededException');
      return {};
    });
    sqsMock.on(SendMessageCommand).rejects(new Error('SQS unavailable'));

    // Act
    const response = await handler(kinesisEvent(events), context);

    // Assess
    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: kinesisSequenceNumber(2) }, { itemIdentifier: kinesisSequenceNumber(3) }],
    });
    expect(documentMock).toHaveReceivedCommandTimes(UpdateCommand, 3);
    expect(outcomeTally()).toEqual({ TripHalfOpened: 2 });
  });

  it('reports a record whose INVALID_EVENT letter would not fit one SQS message as failed, for its mapping to hand on whole', async () => {
    // Prepare: 200,000 control characters, a 200 KB record whose text JSON escapes to six times its size.
    const hostile = '\u0001'.repeat(200_000);

    // Act
    const response = await handler(kinesisEvent([tripStartEvent({ trip_id: 'trip-1' }), hostile]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: kinesisSequenceNumber(2) }] });
    expect(deadLettersSent(sqsMock)).toEqual([]);
    expect(outcomeTally()).toEqual({ TripHalfOpened: 1 });
  });

  it('reports every record when none could be settled, instead of throwing', async () => {
    // Prepare
    documentMock.on(UpdateCommand).rejects(dynamoDbThrottled('ProvisionedThroughputExceededException'));
    sqsMock.on(SendMessageCommand).rejects(new Error('SQS unavailable'));

    // Act
    const response = await handler(kinesisEvent([tripStartEvent({ trip_id: 'trip-1' }), tripStartEvent({ trip_id: 'trip-2' })]), context);

    // Assess
    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: kinesisSequenceNumber(1) }, { itemIdentifier: kinesisSequenceNumber(2) }],
    });
  });
});
