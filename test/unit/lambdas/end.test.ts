import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { eventFingerprint } from '../../../lib/domain/fingerprint';
import { completedItem, startedItem } from '../../factories/dynamodb-stream';
import { DEFAULT_ARRIVAL, kinesisEvent, kinesisSequenceNumber, tripEndEvent, tripStartEvent } from '../../factories/kinesis';
import { conditionalCheckFailed, deadLettersSent, lambdaContext, NOW, outcomes, retryMessagesSent, TEST_ENVIRONMENT, useHandlerTestLifecycle, useTestEnvironment } from './harness';

const documentMock = mockClient(DynamoDBDocumentClient);
const sqsMock = mockClient(SQSClient);

type HandlerModule = typeof import('../../../lambdas/end/handler');
type ObservabilityModule = typeof import('../../../lambdas/shared/observability');
let handler: HandlerModule['handler'];
let startHandler: HandlerModule['handler'];
let outcomeTally: ObservabilityModule['outcomeTally'];

beforeAll(() => {
  useTestEnvironment();
  ({ handler } = jest.requireActual<HandlerModule>('../../../lambdas/end/handler'));
  ({ handler: startHandler } = jest.requireActual<HandlerModule>('../../../lambdas/start/handler'));
  ({ outcomeTally } = outcomes());
});

useHandlerTestLifecycle([documentMock, sqsMock], () => {
  documentMock.on(UpdateCommand).resolves({});
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'sent-1' });
});

const context = lambdaContext('tripstream-test-end');

describe('end handler', () => {
  it('completes the trip with one conditional UpdateItem', async () => {
    // Prepare
    const end = tripEndEvent();

    // Act
    const response = await handler(kinesisEvent([end]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(documentMock).toHaveReceivedCommandTimes(UpdateCommand, 1);
    const update = documentMock.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(update).toMatchObject({
      TableName: TEST_ENVIRONMENT.TRIPS_TABLE_NAME,
      Key: { trip_id: 'c66ce556bc' },
      ConditionExpression: 'attribute_exists(#trip_id) AND attribute_not_exists(#end_fingerprint) AND #pickup_datetime <= :dropoff_datetime',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    // The update, resolved through its placeholders, sets exactly the completed trip's attributes.
    const assignments = (update?.UpdateExpression ?? '').replace(/^SET /, '').split(', ');
    const written = Object.fromEntries(
      assignments.map((assignment) => {
        const [name = '', value = ''] = assignment.split(' = ');
        return [update?.ExpressionAttributeNames?.[name], update?.ExpressionAttributeValues?.[value]];
      }),
    );
    expect(written).toEqual({
      status: 'COMPLETED',
      dropoff_datetime: '2024-05-25T14:05:00.000Z',
      rate_code: 5,
      passenger_count: 0,
      trip_distance: 0.1,
      fare_amount: 40.09620692463166,
      tip_amount: 0,
      payment_type: 3,
      trip_type: 2,
      end_fingerprint: eventFingerprint(end),
      completed_at: NOW.toISOString(),
      expires_at: NOW.getTime() / 1000 + 90 * 86_400,
    });
    expect(update?.ExpressionAttributeNames).toMatchObject({ '#trip_id': 'trip_id', '#pickup_datetime': 'pickup_datetime' });
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 0);
    expect(outcomeTally()).toEqual({ TripCompleted: 1 });
  });

  it('costs a completed trip exactly two DynamoDB writes and no reads, start and end together', async () => {
    // Prepare
    documentMock.on(PutCommand).resolves({});

    // Act
    const started = await startHandler(kinesisEvent([tripStartEvent()]), lambdaContext('tripstream-test-start'));
    const ended = await handler(kinesisEvent([tripEndEvent()]), context);

    // Assess
    expect([started, ended]).toEqual([{ batchItemFailures: [] }, { batchItemFailures: [] }]);
    expect(documentMock.calls()).toHaveLength(2);
    expect(documentMock).toHaveReceivedCommandTimes(PutCommand, 1);
    expect(documentMock).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(outcomeTally()).toEqual({ TripStarted: 1, TripCompleted: 1 });
  });

  it('parks an end whose start is not recorded yet on the retry queue, with a delay and one attempt', async () => {
    // Prepare
    const end = tripEndEvent();
    documentMock.on(UpdateCommand).rejects(conditionalCheckFailed());

    // Act
    const response = await handler(kinesisEvent([end]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(retryMessagesSent(sqsMock)).toEqual([
      {
        body: {
          schema_version: 1,
          event: end,
          reason: 'START_NOT_FOUND',
          attempts: 1,
          first_seen_at: DEFAULT_ARRIVAL.toISOString(),
          last_error: null,
        },
        delaySeconds: 30,
        attributes: { reason: 'START_NOT_FOUND', trip_id: 'c66ce556bc', attempts: '1' },
      },
    ]);
    expect(deadLettersSent(sqsMock)).toEqual([]);
    expect(outcomeTally()).toEqual({ EndParked: 1 });
  });

  it('ignores a redelivered end: the stored end has the same content', async () => {
    // Prepare
    const end = tripEndEvent();
    documentMock.on(UpdateCommand).rejects(conditionalCheckFailed(completedItem(end)));

    // Act
    const response = await handler(kinesisEvent([end]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 0);
    expect(outcomeTally()).toEqual({ DuplicateIgnored: 1 });
  });

  it('keeps the first end and dead-letters a different one as CONFLICTING_DUPLICATE, with the full event', async () => {
    // Prepare
    const first = tripEndEvent();
    const second = tripEndEvent({ fare_amount: 12.5 });
    documentMock.on(UpdateCommand).rejects(conditionalCheckFailed(completedItem(first)));

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
          detail: expect.stringContaining(`already has a different end (fingerprint ${eventFingerprint(first)})`),
          attempts: 1,
          first_seen_at: DEFAULT_ARRIVAL.toISOString(),
          dead_lettered_at: NOW.toISOString(),
          source: 'end',
        },
        delaySeconds: undefined,
        attributes: { reason: 'CONFLICTING_DUPLICATE', trip_id: 'c66ce556bc' },
      },
    ]);
    expect(outcomeTally()).toEqual({ 'DeadLettered:CONFLICTING_DUPLICATE': 1 });
  });

  it('dead-letters an end whose dropoff is before the recorded pickup as DROPOFF_BEFORE_PICKUP', async () => {
    // Prepare
    const end = tripEndEvent({ dropoff_datetime: '2024-05-25T13:00:00.000Z' });
    documentMock.on(UpdateCommand).rejects(conditionalCheckFailed(startedItem(tripStartEvent({ pickup_datetime: '2024-05-25T13:19:00.000Z' }))));

    // Act
    const response = await handler(kinesisEvent([end]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    const [letter] = deadLettersSent(sqsMock);
    expect(letter?.body).toEqual({
      schema_version: 1,
      reason: 'DROPOFF_BEFORE_PICKUP',
      trip_id: 'c66ce556bc',
      event: end,
      detail: 'dropoff_datetime 2024-05-25T13:00:00.000Z is before the recorded pickup_datetime 2024-05-25T13:19:00.000Z',
      attempts: 1,
      first_seen_at: DEFAULT_ARRIVAL.toISOString(),
      dead_lettered_at: NOW.toISOString(),
      source: 'end',
    });
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
    expect(letter?.body).toMatchObject({ reason: 'INVALID_EVENT', trip_id: 'c66ce556bc', event: start, attempts: 1, source: 'end' });
    expect(letter?.body.detail).toContain('event_type');
  });

  it('retries rather than guesses when DynamoDB refuses an update the returned item allows', async () => {
    // Prepare: a started item whose pickup is before the dropoff and that has no end.
    documentMock.on(UpdateCommand).rejects(conditionalCheckFailed(startedItem()));

    // Act
    const response = await handler(kinesisEvent([tripEndEvent()]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(deadLettersSent(sqsMock)).toEqual([]);
    const [retry] = retryMessagesSent(sqsMock);
    expect(retry?.body).toMatchObject({ reason: 'PROCESSING_FAILED', attempts: 1 });
    expect(retry?.body.last_error).toContain('refused the trip_end of trip c66ce556bc');
  });

  it('reports exactly the records that could not be put anywhere, and settles the others', async () => {
    // Prepare: trip-2 has no start and the retry queue refuses it; trip-3 conflicts and the DLQ refuses it.
    const events = [
      tripEndEvent({ trip_id: 'trip-1' }),
      tripEndEvent({ trip_id: 'trip-2' }),
      tripEndEvent({ trip_id: 'trip-3', fare_amount: 1 }),
      tripEndEvent({ trip_id: 'trip-4' }),
      tripEndEvent({ trip_id: 'trip-5' }),
    ];
    documentMock.on(UpdateCommand).callsFake(async (input: { Key: { trip_id: string } }) => {
      if (input.Key.trip_id === 'trip-2' || input.Key.trip_id === 'trip-5') throw conditionalCheckFailed();
      if (input.Key.trip_id === 'trip-3') throw conditionalCheckFailed(completedItem(tripEndEvent({ trip_id: 'trip-3' }), tripStartEvent({ trip_id: 'trip-3' })));
      return {};
    });
    sqsMock.on(SendMessageCommand).callsFake(async (input: { MessageBody: string }) => {
      const tripId = (JSON.parse(input.MessageBody) as { trip_id?: string; event: { trip_id: string } }).event.trip_id;
      if (tripId !== 'trip-5') throw new Error('SQS unavailable');
      return { MessageId: 'sent-5' };
    });

    // Act
    const response = await handler(kinesisEvent(events), context);

    // Assess
    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: kinesisSequenceNumber(2) }, { itemIdentifier: kinesisSequenceNumber(3) }],
    });
    expect(retryMessagesSent(sqsMock).map(({ body }) => body.event)).toEqual([
      events[1],
      events[4],
    ]);
    expect(outcomeTally()).toEqual({ TripCompleted: 2, EndParked: 1 });
  });
});
