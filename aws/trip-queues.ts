/**
 * The two SQS queues of the trip pipeline: the retry queue (events waiting to be applied again, with a
 * delay) and the dead-letter queue (events given up, with the reason). Both messages carry the full
 * event; their schemas are in domain/envelopes.ts.
 */
import { type MessageAttributeValue, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DeadLetterMessage, RetryMessage } from '../domain/envelopes';

export class RetryQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async park(message: RetryMessage, delaySeconds: number): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(message),
        DelaySeconds: delaySeconds,
        MessageAttributes: {
          reason: text(message.reason),
          attempts: { DataType: 'Number', StringValue: String(message.attempts) },
          ...tripIdAttribute(message.event.trip_id),
        },
      }),
    );
  }
}

export class DeadLetterQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  /** Reason and trip id are also message attributes, so an operator can sort dead letters without parsing bodies. */
  async send(message: DeadLetterMessage): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(message),
        MessageAttributes: { reason: text(message.reason), ...tripIdAttribute(message.trip_id) },
      }),
    );
  }
}

function text(value: string): MessageAttributeValue {
  return { DataType: 'String', StringValue: value };
}

/** Characters SQS accepts in attribute values (the body is JSON, which escapes everything else). */
const SQS_ATTRIBUTE_TEXT = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]+$/u;

/**
 * The trip id as an attribute when SQS can carry it. A payload too broken to name its trip, or naming it
 * with characters SQS refuses, gets no attribute rather than a refused message: the body still has it.
 */
function tripIdAttribute(tripId: string | null): Record<string, MessageAttributeValue> {
  return tripId !== null && SQS_ATTRIBUTE_TEXT.test(tripId) ? { trip_id: text(tripId) } : {};
}
