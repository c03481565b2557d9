/**
 * Reads a whole SQS queue without deleting anything: the DLQ for `tripstream dlq` and for a local run's
 * summary alike.
 *
 * Each receive hides its messages for the visibility timeout, so repeated receives walk the queue; messages
 * are de-duplicated by MessageId (a message seen again after its timeout keeps only the newest receipt
 * handle) and the walk stops after a few receives that bring nothing new.
 */
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

export interface ReceivedMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  /** When SQS accepted the message (its SentTimestamp), as an ISO instant. */
  readonly sentAt: string | null;
  readonly receiveCount: number;
}

export interface ReadQueueOptions {
  /** How long received messages stay hidden: longer than the whole read and what follows it takes. */
  readonly visibilityTimeoutSeconds: number;
  /** Consecutive receives with nothing new that end the walk. */
  readonly emptyReceivesToStop: number;
  /** Long-poll wait of each receive (1 s and more ask every SQS server, not a sample). */
  readonly waitTimeSeconds: number;
}

export const READ_QUEUE_DEFAULTS: ReadQueueOptions = { visibilityTimeoutSeconds: 300, emptyReceivesToStop: 2, waitTimeSeconds: 1 };

/** The most messages one SQS receive or batch call takes. */
export const SQS_BATCH_LIMIT = 10;

/** Every message on the queue, each once, in the order first received. */
export async function readWholeQueue(
  sqs: SQSClient,
  queueUrl: string,
  options: ReadQueueOptions = READ_QUEUE_DEFAULTS,
): Promise<ReceivedMessage[]> {
  const received = new Map<string, ReceivedMessage>();
  let emptyReceives = 0;
  while (emptyReceives < options.emptyReceivesToStop) {
    const { Messages: messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: SQS_BATCH_LIMIT,
        VisibilityTimeout: options.visibilityTimeoutSeconds,
        WaitTimeSeconds: options.waitTimeSeconds,
        MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
      }),
    );
    const fresh = messages.filter((message) => message.MessageId !== undefined && !received.has(message.MessageId));
    emptyReceives = fresh.length === 0 ? emptyReceives + 1 : 0;
    for (const message of messages) {
      if (message.MessageId === undefined || message.ReceiptHandle === undefined) continue;
      const sentAt = Number(message.Attributes?.SentTimestamp);
      received.set(message.MessageId, {
        messageId: message.MessageId,
        receiptHandle: message.ReceiptHandle,
        body: message.Body ?? '',
        sentAt: Number.isFinite(sentAt) ? new Date(sentAt).toISOString() : null,
        receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 1),
      });
    }
  }
  return [...received.values()];
}
