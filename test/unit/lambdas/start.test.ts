import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { eventFingerprint } from '../../../lib/domain/fingerprint';
import { startedItem } from '../../factories/dynamodb-stream';
import { DEFAULT_ARRIVAL, kinesisEvent, kinesisSequenceNumber, tripEndEvent, tripStartEvent } from '../../factories/kinesis';
import { conditionalCheckFailed, deadLettersSent, lambdaContext, NOW, outcomes, retryMessagesSent, TEST_ENVIRONMENT, useHandlerTestLifecycle, useTestEnvironment } from './harness';

const documentMock = mockClient(DynamoDBDocumentClient);
const sqsMock = mockClient(SQSClient);

type HandlerModule = typeof import('../../../lambdas/start/handler');
type ObservabilityModule = typeof import('../../../lambdas/shared/observability');
let handler: HandlerModule['handler'];
let outcomeTally: ObservabilityModule['outcomeTally'];

beforeAll(() => {
  useTestEnvironment();
  ({ handler } = jest.requireActual<HandlerModule>('../../../lambdas/start/handler'));
  ({ outcomeTally } = outcomes());
});

useHandlerTestLifecycle([documentMock, sqsMock], () => {
  documentMock.on(PutCommand).resolves({});
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'sent-1' });
});

const context = lambdaContext('tripstream-test-start');

function throttled(): Error {
  return Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), { name: 'ProvisionedThroughputExceededException' });
}

describe('start handler', () => {
  it('records a valid start as the trip item with one conditional PutItem', async () => {
    // Prepare
    const start = tripStartEvent();

    // Act
    const response = await handler(kinesisEvent([start]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(documentMock).toHaveReceivedCommandTimes(PutCommand, 1);
    expect(documentMock).toHaveReceivedCommandWith(PutCommand, {
      TableName: TEST_ENVIRONMENT.TRIPS_TABLE_NAME,
      Item: {
        trip_id: 'c66ce556bc',
        status: 'STARTED',
        trip_date: '2024-05-25',
        pickup_datetime: '2024-05-25T13:19:00.000Z',
        estimated_dropoff_datetime: '2024-05-25T14:03:00.000Z',
        pickup_location_id: 93,
        dropoff_location_id: 93,
        vendor_id: 1,
        estimated_fare_amount: 34.18595284,
        start_fingerprint: eventFingerprint(start),
        started_at: NOW.toISOString(),
        expires_at: NOW.getTime() / 1000 + 90 * 86_400,
      },
      ConditionExpression: 'attribute_not_exists(#trip_id)',
      ExpressionAttributeNames: { '#trip_id': 'trip_id' },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 0);
    expect(outcomeTally()).toEqual({ TripStarted: 1 });
  });

  it('ignores a redelivered start: same content as the stored one, nothing sent anywhere', async () => {
    // Prepare
    const start = tripStartEvent();
    documentMock.on(PutCommand).rejects(conditionalCheckFailed(startedItem(start)));

    // Act
    const response = await handler(kinesisEvent([start]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 0);
    expect(outcomeTally()).toEqual({ DuplicateIgnored: 1 });
  });

  it('keeps the first start and dead-letters a different one as CONFLICTING_DUPLICATE, with the full event', async () => {
    // Prepare
    const first = tripStartEvent();
    const second = tripStartEvent({ estimated_fare_amount: 99 });
    documentMock.on(PutCommand).rejects(conditionalCheckFailed(startedItem(first)));

    // Act
    const response = await handler(kinesisEvent([second]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(deadLettersSent(sqsMock)).toEqual([
      {
        body: {
          schema_version: 1,
          reason: 'CONFLICTING_DUPLICATE',
          trip_id: 'c66ce556bc',
          event: second,
          detail: expect.stringContaining(`already has a different start (fingerprint ${eventFingerprint(first)})`),
          attempts: 1,
          first_seen_at: DEFAULT_ARRIVAL.toISOString(),
          dead_lettered_at: NOW.toISOString(),
          source: 'start',
        },
        delaySeconds: undefined,
        attributes: { reason: 'CONFLICTING_DUPLICATE', trip_id: 'c66ce556bc' },
      },
    ]);
    expect(retryMessagesSent(sqsMock)).toEqual([]);
    expect(outcomeTally()).toEqual({ 'DeadLettered:CONFLICTING_DUPLICATE': 1 });
  });

  it('dead-letters a payload that is not JSON as INVALID_EVENT, keeping the text exactly', async () => {
    // Prepare
    const garbage = 'c66ce556bc,93,93,1,25-05-2024 13:19';

    // Act
    const response = await handler(kinesisEvent([garbage]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(documentMock).toHaveReceivedCommandTimes(PutCommand, 0);
    const [letter] = deadLettersSent(sqsMock);
    expect(letter?.body).toEqual({
      schema_version: 1,
      reason: 'INVALID_EVENT',
      trip_id: null,
      event: garbage,
      detail: expect.stringMatching(/^not JSON: /),
      attempts: 1,
      first_seen_at: DEFAULT_ARRIVAL.toISOString(),
      dead_lettered_at: NOW.toISOString(),
      source: 'start',
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
    expect(documentMock).toHaveReceivedCommandTimes(PutCommand, 0);
    const [letter] = deadLettersSent(sqsMock);
    expect(letter?.body).toMatchObject({ reason: 'INVALID_EVENT', trip_id: 'c66ce556bc', event: payload, source: 'start' });
    expect(letter?.body.detail).toContain(field);
    expect(letter?.attributes).toEqual({ reason: 'INVALID_EVENT', trip_id: 'c66ce556bc' });
    expect(outcomeTally()).toEqual({ 'DeadLettered:INVALID_EVENT': 1 });
  });

  it('moves a start that fails unexpectedly off the shard, onto the retry queue as PROCESSING_FAILED', async () => {
    // Prepare
    const start = tripStartEvent();
    documentMock.on(PutCommand).rejects(throttled());

    // Act
    const response = await handler(kinesisEvent([start]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(retryMessagesSent(sqsMock)).toEqual([
      {
        body: {
          schema_version: 1,
          event: start,
          reason: 'PROCESSING_FAILED',
          attempts: 1,
          first_seen_at: DEFAULT_ARRIVAL.toISOString(),
          last_error: 'ProvisionedThroughputExceededException: Rate of requests exceeds the allowed throughput.',
        },
        delaySeconds: 30,
        attributes: { reason: 'PROCESSING_FAILED', trip_id: 'c66ce556bc', attempts: '1' },
      },
    ]);
    expect(outcomeTally()).toEqual({ RetryScheduled: 1 });
  });

  it('reports exactly the records that could not be put anywhere, and settles the others', async () => {
    // Prepare: 2 fails and its retry message is refused; 3 is invalid and the DLQ refuses it.
    const events = [
      tripStartEvent({ trip_id: 'trip-1' }),
      tripStartEvent({ trip_id: 'trip-2' }),
      { ...tripStartEvent({ trip_id: 'trip-3' }), estimated_fare_amount: 'free' },
      tripStartEvent({ trip_id: 'trip-4' }),
    ];
    documentMock.on(PutCommand).callsFake(async (input: { Item: { trip_id: string } }) => {
      if (input.Item.trip_id === 'trip-2') throw throttled();
      return {};
    });
    sqsMock.on(SendMessageCommand).rejects(new Error('SQS unavailable'));

    // Act
    const response = await handler(kinesisEvent(events), context);

    // Assess
    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: kinesisSequenceNumber(2) }, { itemIdentifier: kinesisSequenceNumber(3) }],
    });
    expect(documentMock).toHaveReceivedCommandTimes(PutCommand, 3);
    expect(outcomeTally()).toEqual({ TripStarted: 2 });
  });

  it('reports every record when none could be settled, instead of throwing', async () => {
    // Prepare
    documentMock.on(PutCommand).rejects(throttled());
    sqsMock.on(SendMessageCommand).rejects(new Error('SQS unavailable'));

    // Act
    const response = await handler(kinesisEvent([tripStartEvent({ trip_id: 'trip-1' }), tripStartEvent({ trip_id: 'trip-2' })]), context);

    // Assess
    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: kinesisSequenceNumber(1) }, { itemIdentifier: kinesisSequenceNumber(2) }],
    });
  });
});
