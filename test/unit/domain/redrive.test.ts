import {
  parseDeadLetterQueueMessage,
  redriveDeadLetter,
  redriveDeadLetterQueueMessage,
  redriveDeliverySchema,
} from '../../../domain/redrive';
import { tripEndEvent, tripStartEvent } from '../../support/kinesis';
import { deadLetter, RETRY_ORIGIN, retryMessage } from '../../support/sqs';

describe('redriveDeadLetter', () => {
  it('turns a letter into a retry message with a fresh budget, keeping the event, first-seen time and why it was given up', () => {
    // Prepare
    const letter = deadLetter();

    // Act
    const plan = redriveDeadLetter(letter);

    // Assess
    expect(plan).toEqual({
      replayable: true,
      tripId: 'c66ce556bc',
      message: {
        schema_version: 2,
        event: letter.event,
        reason: 'PROCESSING_FAILED',
        attempts: 1,
        first_seen_at: '2024-05-25T14:05:02.250Z',
        last_error: `redriven from the DLQ (ORPHAN_END by match after 1 attempts): ${letter.detail}`,
        origin: RETRY_ORIGIN,
      },
    });
  });

  it.each(['CONFLICTING_DUPLICATE', 'DROPOFF_BEFORE_PICKUP', 'PROCESSING_FAILED'] as const)(
    'redrives a %s letter with its event',
    (reason) => {
      // Prepare
      const start = tripStartEvent({ trip_id: 'trip-7' });

      // Act
      const plan = redriveDeadLetter(deadLetter({ reason, trip_id: 'trip-7', event: start, source: 'start' }));

      // Assess
      expect(plan).toMatchObject({ replayable: true, tripId: 'trip-7', message: { event: start, attempts: 1 } });
    },
  );

  it('redrives an INVALID_EVENT letter whose payload is a valid event now', () => {
    // Prepare
    const end = tripEndEvent({ trip_id: 'trip-9' });

    // Act
    const plan = redriveDeadLetter(deadLetter({ reason: 'INVALID_EVENT', trip_id: 'trip-9', event: end, source: 'end' }));

    // Assess
    expect(plan).toMatchObject({ replayable: true, message: { event: end } });
  });

  it('redrives the event of an INVALID_EVENT letter that wraps a retry message', () => {
    // Prepare
    const wrapped = retryMessage({ event: tripEndEvent({ trip_id: 'trip-3' }), attempts: 4 });

    // Act
    const plan = redriveDeadLetter(deadLetter({ reason: 'INVALID_EVENT', event: wrapped }));

    // Assess
    expect(plan).toMatchObject({ replayable: true, tripId: 'trip-3', message: { event: wrapped.event, attempts: 1 } });
  });

  it.each([
    ['unparseable text', '{"trip_id": "c66'],
    ['an event missing its fare', { ...tripEndEvent(), fare_amount: undefined }],
  ])('leaves an INVALID_EVENT letter carrying %s, saying why', (_what, payload) => {
    // Act
    const plan = redriveDeadLetter(deadLetter({ reason: 'INVALID_EVENT', trip_id: null, event: payload, source: 'end' }));

    // Assess
    expect(plan).toEqual({
      replayable: false,
      tripId: null,
      detail: expect.stringMatching(/^the INVALID_EVENT letter carries no valid trip event \(/),
    });
  });
});

describe('parseDeadLetterQueueMessage and redriveDeadLetterQueueMessage', () => {
  it('gives a retry message moved by the redrive policy a fresh budget', () => {
    // Prepare
    const moved = retryMessage({ attempts: 5, reason: 'PROCESSING_FAILED', last_error: 'ThrottlingException: x' });

    // Act
    const plan = redriveDeadLetterQueueMessage(parseDeadLetterQueueMessage(JSON.stringify(moved)));

    // Assess
    expect(plan).toEqual({ replayable: true, tripId: 'c66ce556bc', message: { ...moved, attempts: 1 } });
  });

  it.each([
    [
      'an on-failure pointer',
      JSON.stringify({ KinesisBatchInfo: { shardId: 'shardId-000000000000', batchSize: 3 } }),
      "a stream mapping's on-failure record",
    ],
    ['an unknown body', JSON.stringify({ hello: 'world' }), 'neither a dead letter nor a retry message'],
    ['a body that is not JSON', 'hello', 'not JSON: '],
    ['a broken dead letter', JSON.stringify({ ...deadLetter(), reason: 'LOST' }), 'not a dead letter: reason: '],
  ])('does not redrive %s', (_what, body, detail) => {
    // Act
    const plan = redriveDeadLetterQueueMessage(parseDeadLetterQueueMessage(body));

    // Assess
    expect(plan).toEqual({ replayable: false, tripId: null, detail: expect.stringContaining(detail) });
  });
});

describe('redriveDeliverySchema', () => {
  it('accepts a retry message as it is', () => {
    // Prepare
    const message = retryMessage({ attempts: 3 });

    // Act
    const parsed = redriveDeliverySchema.safeParse(message);

    // Assess
    expect(parsed).toEqual({ success: true, data: message });
  });

  it('accepts a dead letter as a retry with a fresh budget', () => {
    // Prepare
    const letter = deadLetter();

    // Act
    const parsed = redriveDeliverySchema.safeParse(letter);

    // Assess
    expect(parsed.success && parsed.data).toMatchObject({ event: letter.event, attempts: 1, first_seen_at: letter.first_seen_at });
  });

  it.each([
    ['a retry message without attempts', { ...retryMessage(), attempts: 0 }, 'attempts'],
    ['a dead letter with an unknown reason', { ...deadLetter(), reason: 'LOST' }, 'reason'],
    ['a dead letter without a valid event', deadLetter({ reason: 'INVALID_EVENT', event: 'oops' }), 'event'],
  ])('refuses %s, naming the field', (_what, body, field) => {
    // Act
    const parsed = redriveDeliverySchema.safeParse(body);

    // Assess
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.path.join('.'))).toContain(field);
  });
});
