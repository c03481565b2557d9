import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { completedItem, startedItem } from '../../factories/dynamodb-stream';
import { tripEndEvent, tripStartEvent } from '../../factories/kinesis';
import { retryMessage, sqsEvent, sqsRecord } from '../../factories/sqs';
import { conditionalCheckFailed, deadLettersSent, lambdaContext, NOW, outcomes, retryMessagesSent, useHandlerTestLifecycle, useTestEnvironment } from './harness';

const documentMock = mockClient(DynamoDBDocumentClient);
const sqsMock = mockClient(SQSClient);

type HandlerModule = typeof import('../../../lambdas/redrive/handler');
type ObservabilityModule = typeof import('../../../lambdas/shared/observability');
let handler: HandlerModule['handler'];
let outcomeTally: ObservabilityModule['outcomeTally'];

beforeAll(() => {
  useTestEnvironment();
  ({ handler } = jest.requireActual<HandlerModule>('../../../lambdas/redrive/handler'));
  ({ outcomeTally } = outcomes());
});

useHandlerTestLifecycle([documentMock, sqsMock], () => {
  documentMock.on(UpdateCommand).resolves({});
  documentMock.on(PutCommand).resolves({});
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'sent-1' });
});

// The test environment allows 3 orphan-end retries and 2 processing retries, 30 s base delay capped at 100 s.
const context = lambdaContext('tripstream-test-redrive');
const FIRST_SEEN = '2024-05-25T14:05:02.250Z';

function throttled(): Error {
  return Object.assign(new Error('Throughput exceeds the current capacity of your table.'), { name: 'ThrottlingException' });
}

describe('redrive handler', () => {
  it('completes a parked end once its start is recorded, and lets the message go', async () => {
    // Prepare
    const message = retryMessage({ attempts: 2 });

    // Act
    const response = await handler(sqsEvent([message]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(documentMock).toHaveReceivedCommandWith(UpdateCommand, { Key: { trip_id: 'c66ce556bc' } });
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 0);
    expect(outcomeTally()).toEqual({ TripCompleted: 1 });
  });

  it.each([
    [1, 2, 60],
    [2, 3, 100],
  ])(
    'parks a still-orphaned end again: received with %i attempts, sent with %i and a %i s delay',
    async (received, sent, delaySeconds) => {
      // Prepare
      documentMock.on(UpdateCommand).rejects(conditionalCheckFailed());

      // Act
      const response = await handler(sqsEvent([retryMessage({ attempts: received })]), context);

      // Assess
      expect(response).toEqual({ batchItemFailures: [] });
      expect(retryMessagesSent(sqsMock)).toEqual([
        {
          body: retryMessage({ attempts: sent }),
          delaySeconds,
          attributes: { reason: 'START_NOT_FOUND', trip_id: 'c66ce556bc', attempts: String(sent) },
        },
      ]);
      expect(deadLettersSent(sqsMock)).toEqual([]);
    },
  );

  it('dead-letters an end as ORPHAN_END once its retries are spent, with attempts and first-seen time', async () => {
    // Prepare
    const end = tripEndEvent();
    documentMock.on(UpdateCommand).rejects(conditionalCheckFailed());

    // Act
    const response = await handler(sqsEvent([retryMessage({ event: end, attempts: 3, first_seen_at: FIRST_SEEN })]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(retryMessagesSent(sqsMock)).toEqual([]);
    expect(deadLettersSent(sqsMock)).toEqual([
      {
        body: {
          schema_version: 1,
          reason: 'ORPHAN_END',
          trip_id: 'c66ce556bc',
          event: end,
          detail: `no start recorded for trip c66ce556bc after 4 attempts since ${FIRST_SEEN}`,
          attempts: 4,
          first_seen_at: FIRST_SEEN,
          dead_lettered_at: NOW.toISOString(),
          source: 'redrive',
        },
        delaySeconds: undefined,
        attributes: { reason: 'ORPHAN_END', trip_id: 'c66ce556bc' },
      },
    ]);
    expect(outcomeTally()).toEqual({ 'DeadLettered:ORPHAN_END': 1 });
  });

  it('parks an event that fails unexpectedly again as PROCESSING_FAILED while its budget lasts', async () => {
    // Prepare
    documentMock.on(UpdateCommand).rejects(throttled());

    // Act
    const response = await handler(sqsEvent([retryMessage({ attempts: 1 })]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(retryMessagesSent(sqsMock).map(({ body, delaySeconds }) => ({ body, delaySeconds }))).toEqual([
      {
        body: retryMessage({
          reason: 'PROCESSING_FAILED',
          attempts: 2,
          last_error: 'ThrottlingException: Throughput exceeds the current capacity of your table.',
        }),
        delaySeconds: 60,
      },
    ]);
    expect(outcomeTally()).toEqual({ RetryScheduled: 1 });
  });

  it('dead-letters an event as PROCESSING_FAILED once its processing retries are spent', async () => {
    // Prepare
    const start = tripStartEvent();
    documentMock.on(PutCommand).rejects(throttled());

    // Act
    const response = await handler(
      sqsEvent([retryMessage({ event: start, reason: 'PROCESSING_FAILED', attempts: 2, last_error: 'ThrottlingException: earlier' })]),
      context,
    );

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(retryMessagesSent(sqsMock)).toEqual([]);
    const [letter] = deadLettersSent(sqsMock);
    expect(letter?.body).toEqual({
      schema_version: 1,
      reason: 'PROCESSING_FAILED',
      trip_id: 'c66ce556bc',
      event: start,
      detail: 'still failing after 3 attempts: ThrottlingException: Throughput exceeds the current capacity of your table.',
      attempts: 3,
      first_seen_at: FIRST_SEEN,
      dead_lettered_at: NOW.toISOString(),
      source: 'redrive',
    });
  });

  it('records a start that was parked after an unexpected failure', async () => {
    // Prepare
    const message = retryMessage({ event: tripStartEvent(), reason: 'PROCESSING_FAILED', attempts: 1, last_error: 'ThrottlingException: x' });

    // Act
    const response = await handler(sqsEvent([message]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(documentMock).toHaveReceivedCommandTimes(PutCommand, 1);
    expect(outcomeTally()).toEqual({ TripStarted: 1 });
  });

  it('ignores a parked end that was completed meanwhile by another delivery of it', async () => {
    // Prepare
    const end = tripEndEvent();
    documentMock.on(UpdateCommand).rejects(conditionalCheckFailed(completedItem(end)));

    // Act
    const response = await handler(sqsEvent([retryMessage({ event: end })]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 0);
    expect(outcomeTally()).toEqual({ DuplicateIgnored: 1 });
  });

  it.each([
    ['CONFLICTING_DUPLICATE', tripEndEvent({ fare_amount: 1 }), completedItem()],
    ['DROPOFF_BEFORE_PICKUP', tripEndEvent({ dropoff_datetime: '2024-05-25T12:00:00.000Z' }), startedItem()],
  ])('dead-letters a parked end that breaks a rule as %s', async (reason, end, stored) => {
    // Prepare
    documentMock.on(UpdateCommand).rejects(conditionalCheckFailed(stored));

    // Act
    const response = await handler(sqsEvent([retryMessage({ event: end, attempts: 2 })]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    const [letter] = deadLettersSent(sqsMock);
    expect(letter?.body).toMatchObject({ reason, event: end, attempts: 3, first_seen_at: FIRST_SEEN, source: 'redrive' });
    expect(retryMessagesSent(sqsMock)).toEqual([]);
  });

  it('dead-letters a body that is not a retry message as INVALID_EVENT, keeping the body', async () => {
    // Prepare
    const body = { ...retryMessage(), attempts: 0 };
    const sentAt = new Date('2024-05-25T15:00:00.000Z');

    // Act
    const response = await handler({ Records: [sqsRecord(body, { receiveCount: 2, sentAt })] }, context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(documentMock.calls()).toHaveLength(0);
    const [letter] = deadLettersSent(sqsMock);
    expect(letter?.body).toEqual({
      schema_version: 1,
      reason: 'INVALID_EVENT',
      trip_id: 'c66ce556bc',
      event: body,
      detail: expect.stringMatching(/^not a retry message: attempts: /),
      attempts: 2,
      first_seen_at: sentAt.toISOString(),
      dead_lettered_at: NOW.toISOString(),
      source: 'redrive',
    });
  });

  it('reports exactly the messages whose event could not be put anywhere', async () => {
    // Prepare: message-2 has to wait again and the retry queue refuses it; message-3 is not JSON and the DLQ refuses it.
    const messages = [
      retryMessage({ event: tripEndEvent({ trip_id: 'trip-1' }) }),
      retryMessage({ event: tripEndEvent({ trip_id: 'trip-2' }) }),
      '{"schema_version": 1',
      retryMessage({ event: tripEndEvent({ trip_id: 'trip-4' }) }),
    ];
    documentMock.on(UpdateCommand).callsFake(async (input: { Key: { trip_id: string } }) => {
      if (input.Key.trip_id === 'trip-2') throw conditionalCheckFailed();
      return {};
    });
    sqsMock.on(SendMessageCommand).rejects(new Error('SQS unavailable'));

    // Act
    const response = await handler(sqsEvent(messages), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'message-2' }, { itemIdentifier: 'message-3' }] });
    expect(outcomeTally()).toEqual({ TripCompleted: 2 });
  });
});
