/** Retry-queue messages and the SQS records Lambda delivers them in. */
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { RetryMessage } from '../../lib/domain/envelopes';
import { tripEndEvent } from './kinesis';

/** An end parked once because its start was missing, unless overridden. */
export function retryMessage(overrides: Partial<RetryMessage> = {}): RetryMessage {
  return {
    schema_version: 1,
    event: tripEndEvent(),
    reason: 'START_NOT_FOUND',
    attempts: 1,
    first_seen_at: '2024-05-25T14:05:02.250Z',
    last_error: null,
    ...overrides,
  };
}

export interface SqsRecordOptions {
  messageId?: string;
  receiveCount?: number;
  sentAt?: Date;
}

/** A record whose body is `body` as JSON; a string body is delivered as is (for broken messages). */
export function sqsRecord(body: unknown, options: SqsRecordOptions = {}): SQSRecord {
  const sentAt = options.sentAt ?? new Date('2024-05-25T14:05:03.000Z');
  return {
    messageId: options.messageId ?? '059f36b4-87a3-44ab-83d2-661975830a7d',
    receiptHandle: `AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a-${options.messageId ?? 'message'}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: String(sentAt.getTime()),
      SenderId: 'AIDAIENQZJOLO23YVJ4VO',
      ApproximateFirstReceiveTimestamp: String(sentAt.getTime() + 30_000),
    },
    messageAttributes: {},
    md5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:tripstream-test-retry',
    awsRegion: 'eu-west-1',
  };
}

/** A batch of records with message ids `message-1`, `message-2`, ... */
export function sqsEvent(bodies: readonly unknown[]): SQSEvent {
  return { Records: bodies.map((body, index) => sqsRecord(body, { messageId: `message-${index + 1}` })) };
}
