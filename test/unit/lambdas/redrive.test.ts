import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
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
  useHandlerTestLifecycle,
  useTestEnvironment,
} from '../../support/handler-harness';
import { tripEndEvent, tripStartEvent } from '../../support/kinesis';
import { deadLetter, RETRY_ORIGIN, retryMessage, sqsEvent, sqsRecord } from '../../support/sqs';

const documentMock = mockClient(DynamoDBDocumentClient);
const sqsMock = mockClient(SQSClient);

type HandlerModule = typeof import('../../../lambdas/redrive/handler');
let handler: HandlerModule['handler'];

beforeAll(() => {
  useTestEnvironment();
  ({ handler } = jest.requireActual<HandlerModule>('../../../lambdas/redrive/handler'));
});

useHandlerTestLifecycle([documentMock, sqsMock], () => {
  documentMock.on(UpdateCommand).resolves({});
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'sent-1' });
});

// The test environment allows 2 processing retries, 30 s base delay capped at 100 s.
const context = lambdaContext('tripstream-test-redrive');
const FIRST_SEEN = '2024-05-25T14:05:02.250Z';
const THROTTLED = 'ThrottlingException: Throughput exceeds the current capacity of your table.';

describe('redrive handler', () => {
  it('applies a retried end again, keeping its first-seen time and origin on the item, and lets the message go', async () => {
    // Prepare
    const message = retryMessage({ attempts: 1 });
    documentMock.on(UpdateCommand).resolves({ Attributes: openStartItem() });

    // Act
    const response = await handler(sqsEvent([message]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(documentMock).toHaveReceivedCommandTimes(UpdateCommand, 1);
    const [update] = documentMock.commandCalls(UpdateCommand).map((call) => resolveUpdate(call.args[0].input));
    expect(update?.key).toEqual({ trip_id: 'c66ce556bc' });
    expect(update?.set).toMatchObject({ end_first_seen_at: FIRST_SEEN, end_origin: RETRY_ORIGIN });
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 0);
    expect(outcomeTally()).toEqual({ TripCompleted: 1 });
    expect(settledDeliveries()).toEqual([{ event: message.event, origin: RETRY_ORIGIN, outcome: 'completed' }]);
  });

  it('records a retried end whose start is still missing as an open half, without parking it again', async () => {
    // Act
    const response = await handler(sqsEvent([retryMessage()]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(documentMock).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 0);
    expect(outcomeTally()).toEqual({ TripHalfOpened: 1 });
  });

  it('parks an event that fails again as PROCESSING_FAILED with one more attempt, a longer delay and the same origin', async () => {
    // Prepare
    documentMock.on(UpdateCommand).rejects(dynamoDbThrottled());

    // Act
    const response = await handler(sqsEvent([retryMessage({ attempts: 1, last_error: 'ThrottlingException: earlier' })]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(retryMessagesSent(sqsMock)).toEqual([
      {
        body: retryMessage({ attempts: 2, last_error: THROTTLED }),
        delaySeconds: 60,
        attributes: { reason: 'PROCESSING_FAILED', trip_id: 'c66ce556bc', attempts: '2' },
      },
    ]);
    expect(deadLettersSent(sqsMock)).toEqual([]);
    expect(outcomeTally()).toEqual({ RetryScheduled: 1 });
  });

  it('dead-letters an event as PROCESSING_FAILED once its retries are spent, carrying its origin into the letter', async () => {
    // Prepare
    const start = tripStartEvent();
    documentMock.on(UpdateCommand).rejects(dynamoDbThrottled());

    // Act
    const response = await handler(
      sqsEvent([retryMessage({ event: start, attempts: 2, last_error: 'ThrottlingException: earlier' })]),
      context,
    );

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(retryMessagesSent(sqsMock)).toEqual([]);
    expect(deadLettersSent(sqsMock)).toEqual([
      {
        body: {
          schema_version: 2,
          reason: 'PROCESSING_FAILED',
          trip_id: 'c66ce556bc',
          event: start,
          detail: `still failing after 3 attempts: ${THROTTLED}`,
          attempts: 3,
          first_seen_at: FIRST_SEEN,
          dead_lettered_at: NOW.toISOString(),
          source: 'redrive',
          origin: RETRY_ORIGIN,
        },
        delaySeconds: undefined,
        attributes: { reason: 'PROCESSING_FAILED', trip_id: 'c66ce556bc' },
      },
    ]);
    expect(outcomeTally()).toEqual({ 'DeadLettered:PROCESSING_FAILED': 1 });
  });

  it('keeps a null origin (an event that did not come from a stream record) null in the letter', async () => {
    // Prepare
    documentMock.on(UpdateCommand).rejects(dynamoDbThrottled());

    // Act
    await handler(sqsEvent([retryMessage({ attempts: 2, origin: null })]), context);

    // Assess
    const [letter] = deadLettersSent(sqsMock);
    expect(letter?.body).toMatchObject({ reason: 'PROCESSING_FAILED', origin: null });
  });

  it('records a retried start', async () => {
    // Prepare
    const message = retryMessage({ event: tripStartEvent(), attempts: 1 });

    // Act
    const response = await handler(sqsEvent([message]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(documentMock).toHaveReceivedCommandTimes(UpdateCommand, 1);
    const [update] = documentMock.commandCalls(UpdateCommand).map((call) => resolveUpdate(call.args[0].input));
    expect(update?.set).toMatchObject({ start_first_seen_at: FIRST_SEEN, start_origin: RETRY_ORIGIN });
    expect(outcomeTally()).toEqual({ TripHalfOpened: 1 });
  });

  it('ignores a retried end that another delivery of it recorded meanwhile', async () => {
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
    ['CONFLICTING_DUPLICATE', tripEndEvent({ fare_amount: 1 }), () => completedItem()],
    ['CONFLICTING_DUPLICATE', tripEndEvent({ fare_amount: 1 }), () => openEndItem()],
    ['DROPOFF_BEFORE_PICKUP', tripEndEvent({ dropoff_datetime: '2024-05-25T12:00:00.000Z' }), () => openStartItem()],
  ])('dead-letters a retried end that breaks a rule as %s, with its origin', async (reason, end, stored) => {
    // Prepare
    documentMock.on(UpdateCommand).rejects(conditionalCheckFailed(stored()));

    // Act
    const response = await handler(sqsEvent([retryMessage({ event: end, attempts: 2 })]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    const [letter] = deadLettersSent(sqsMock);
    expect(letter?.body).toMatchObject({
      reason,
      event: end,
      attempts: 3,
      first_seen_at: FIRST_SEEN,
      source: 'redrive',
      origin: RETRY_ORIGIN,
    });
    expect(retryMessagesSent(sqsMock)).toEqual([]);
  });

  it('evicts an end that drops off before a retried start: the end is dead-lettered with its own origin, then replaced', async () => {
    // Prepare
    const earlyEnd = tripEndEvent({ dropoff_datetime: '2024-05-25T12:00:00.000Z' });
    documentMock
      .on(UpdateCommand)
      .rejectsOnce(conditionalCheckFailed(openEndItem(earlyEnd)))
      .resolves({});

    // Act
    const response = await handler(sqsEvent([retryMessage({ event: tripStartEvent(), attempts: 1 })]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(documentMock).toHaveReceivedCommandTimes(UpdateCommand, 2);
    expect(deadLettersSent(sqsMock).map(({ body }) => body)).toEqual([
      expect.objectContaining({
        reason: 'DROPOFF_BEFORE_PICKUP',
        event: earlyEnd,
        first_seen_at: END_SIGHTING.firstSeenAt,
        origin: END_SIGHTING.origin,
        source: 'end',
      }),
    ]);
    expect(outcomeTally()).toEqual({ 'DeadLettered:DROPOFF_BEFORE_PICKUP': 1, TripHalfOpened: 1 });
  });

  it.each([
    ['an attempts count of 0', { ...retryMessage(), attempts: 0 }, /^not a retry message: attempts: /],
    ['a version 1 message (before origins)', { ...retryMessage(), schema_version: 1 }, /^not a retry message: schema_version: /],
    ['a retry reason that no longer exists', { ...retryMessage(), reason: 'START_NOT_FOUND' }, /^not a retry message: reason: /],
    ['a message without an origin', (({ origin: _origin, ...rest }) => rest)(retryMessage()), /^not a retry message: origin: /],
  ])('dead-letters a body with %s as INVALID_EVENT, keeping the body', async (_case, body, detail) => {
    // Prepare
    const sentAt = new Date('2024-05-25T15:00:00.000Z');

    // Act
    const response = await handler({ Records: [sqsRecord(body, { receiveCount: 2, sentAt })] }, context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(documentMock.calls()).toHaveLength(0);
    const [letter] = deadLettersSent(sqsMock);
    expect(letter?.body).toEqual({
      schema_version: 2,
      reason: 'INVALID_EVENT',
      trip_id: 'c66ce556bc',
      event: body,
      detail: expect.stringMatching(detail),
      attempts: 2,
      first_seen_at: sentAt.toISOString(),
      dead_lettered_at: NOW.toISOString(),
      source: 'redrive',
      origin: null,
    });
  });

  it('applies a dead letter moved back by SQS "redrive to source" with its first-seen time and origin, and lets it go', async () => {
    // Prepare
    const letter = deadLetter();
    documentMock.on(UpdateCommand).resolves({ Attributes: openStartItem() });

    // Act
    const response = await handler(sqsEvent([letter]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    const [update] = documentMock.commandCalls(UpdateCommand).map((call) => resolveUpdate(call.args[0].input));
    expect(update?.set).toMatchObject({ end_first_seen_at: letter.first_seen_at, end_origin: RETRY_ORIGIN });
    expect(outcomeTally()).toEqual({ TripCompleted: 1 });
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 0);
  });

  it('gives a moved-back letter a fresh retry budget when applying it fails again', async () => {
    // Prepare: the letter was given up after many attempts; redriven, it is at attempt 2 of a new budget.
    documentMock.on(UpdateCommand).rejects(dynamoDbThrottled());
    const letter = deadLetter({ reason: 'PROCESSING_FAILED', attempts: 9, source: 'redrive', detail: 'still failing after 9 attempts: x' });

    // Act
    const response = await handler(sqsEvent([letter]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(retryMessagesSent(sqsMock).map(({ body, delaySeconds }) => ({ body, delaySeconds }))).toEqual([
      {
        body: retryMessage({ event: tripEndEvent(), attempts: 2, first_seen_at: letter.first_seen_at, last_error: THROTTLED }),
        delaySeconds: 60,
      },
    ]);
    expect(deadLettersSent(sqsMock)).toEqual([]);
  });

  it('dead-letters a moved-back letter that carries no valid event as INVALID_EVENT, keeping the letter', async () => {
    // Prepare
    const letter = deadLetter({ reason: 'INVALID_EVENT', trip_id: null, event: '{"trip_id": "c6', source: 'end' });

    // Act
    const response = await handler(sqsEvent([letter]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(documentMock.calls()).toHaveLength(0);
    const [sent] = deadLettersSent(sqsMock);
    expect(sent?.body).toMatchObject({
      reason: 'INVALID_EVENT',
      event: letter,
      detail: expect.stringContaining('carries no valid trip event'),
    });
  });

  it('reports exactly the messages whose event could not be put anywhere', async () => {
    // Prepare: message-2 fails again and the retry queue refuses it; message-3 is not JSON and the DLQ refuses it.
    const messages = [
      retryMessage({ event: tripEndEvent({ trip_id: 'trip-1' }) }),
      retryMessage({ event: tripEndEvent({ trip_id: 'trip-2' }) }),
      '{"schema_version": 2',
      retryMessage({ event: tripEndEvent({ trip_id: 'trip-4' }) }),
    ];
    documentMock.on(UpdateCommand).callsFake(async (input: UpdateCommandInput) => {
      if (input.Key?.trip_id === 'trip-2') throw dynamoDbThrottled();
      return { Attributes: openStartItem(tripStartEvent({ trip_id: String(input.Key?.trip_id) })) };
    });
    sqsMock.on(SendMessageCommand).rejects(new Error('SQS unavailable'));

    // Act
    const response = await handler(sqsEvent(messages), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'message-2' }, { itemIdentifier: 'message-3' }] });
    expect(outcomeTally()).toEqual({ TripCompleted: 2 });
  });

  it('reports a message whose INVALID_EVENT letter would not fit one SQS message as failed, for the redrive policy to move it whole', async () => {
    // Prepare: a 200 KB body of control characters, which JSON escapes to six times its size.
    const body = '\u0001'.repeat(200_000);

    // Act
    const response = await handler(sqsEvent([retryMessage({ event: tripStartEvent() }), body]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'message-2' }] });
    expect(deadLettersSent(sqsMock)).toEqual([]);
  });
});
