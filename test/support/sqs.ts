/** Retry-queue messages and the SQS records Lambda delivers them in. */
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { DeadLetterMessage, EventOrigin, RetryMessage } from '../../domain/envelopes';
import { DEFAULT_ARRIVAL, kinesisSequenceNumber, tripEndEvent } from './kinesis';

/** Where the factory's parked end was read from: its Kinesis record on the end stream. */
export const RETRY_ORIGIN: EventOrigin = { shard_id: 'shardId-000000000001', sequence_number: kinesisSequenceNumber(1) };

/** An end parked once because applying it failed (throttled), unless overridden. */
export function retryMessage(overrides: Partial<RetryMessage> = {}): RetryMessage {
  return {
    schema_version: 2,
    event: tripEndEvent(),
    reason: 'PROCESSING_FAILED',
    attempts: 1,
    first_seen_at: DEFAULT_ARRIVAL.toISOString(),
    last_error: 'ThrottlingException: Throughput exceeds the current capacity of your table.',
    origin: RETRY_ORIGIN,
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

export interface OnFailureRecordOptions {
  readonly stream: 'kinesis' | 'dynamodb';
  readonly functionName: string;
  readonly streamArn: string;
  readonly shardId: string;
  readonly startSequenceNumber: string;
  readonly endSequenceNumber: string;
  readonly batchSize?: number;
}

/** The invocation record Lambda sends to a stream mapping's on-failure destination: a pointer to a sequence range. */
export function onFailureRecord(options: OnFailureRecordOptions): Record<string, unknown> {
  const batchInfo = {
    shardId: options.shardId,
    startSequenceNumber: options.startSequenceNumber,
    endSequenceNumber: options.endSequenceNumber,
    approximateArrivalOfFirstRecord: '2024-05-25T14:05:02.250Z',
    approximateArrivalOfLastRecord: '2024-05-25T14:05:02.900Z',
    batchSize: options.batchSize ?? 2,
    streamArn: options.streamArn,
  };
  return {
    requestContext: {
      requestId: '316aa6d0-8154-xmpl-9af7-85d5f4a6bc81',
      functionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${options.functionName}`,
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 3,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: '2024-05-25T14:06:10.021Z',
    [options.stream === 'kinesis' ? 'KinesisBatchInfo' : 'DDBStreamBatchInfo']: batchInfo,
  };
}

/** The dead letter of an end that expired open (no start within the grace period), unless overridden. */
export function deadLetter(overrides: Partial<DeadLetterMessage> = {}): DeadLetterMessage {
  return {
    schema_version: 2,
    reason: 'ORPHAN_END',
    trip_id: 'c66ce556bc',
    event: tripEndEvent(),
    detail:
      'no start arrived for trip c66ce556bc: its end, first seen at 2024-05-25T14:05:02.250Z, expired open at 2024-05-27T14:05:02.000Z',
    attempts: 1,
    first_seen_at: '2024-05-25T14:05:02.250Z',
    dead_lettered_at: '2024-05-27T14:05:03.000Z',
    source: 'match',
    origin: RETRY_ORIGIN,
    ...overrides,
  };
}
