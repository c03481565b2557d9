/**
 * The SQS event source mapping of the retry queue, driven the way Lambda drives it: five concurrent
 * pollers, each doing ReceiveMessage with every attribute, up to batchSize within the batching window, an SQSEvent in AWS's shape, then
 * - success: the batch is deleted;
 * - partial failure (ReportBatchItemFailures): everything but the reported message ids is deleted;
 *   an empty or unknown id fails the whole batch;
 * - function error: nothing is deleted.
 * Messages left behind reappear after the queue's visibility timeout, and the queue's redrive policy
 * (maxReceiveCount -> DLQ) is applied by the emulator, as by SQS. DelaySeconds is SQS's job too.
 */
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type { QueueMappingSettings } from '../../lib/config';
import type { LocalInvoker, RecordView } from './invoker';
import { sqsRecord } from './lambda-events';
import { outcomeFromResponse } from './shard-batcher';

const SQS_MAX_RECEIVE = 10;
/** Lambda polls a queue with five concurrent batches to begin with, and scales up from there. */
const QUEUE_POLLERS = 5;
const QUEUE_POLL_INTERVAL_MS = 200;
/** Lambda long-polls (20 s); locally 1 s, and stopping the mapping cuts a long poll short. */
const LONG_POLL_SECONDS = 1;
const MAX_CONSECUTIVE_ERRORS = 20;

export interface QueueMappingOptions {
  /** The key the invoker knows the function by. */
  readonly handler: string;
  readonly region: string;
  readonly queue: { readonly url: string; readonly arn: string };
  readonly settings: QueueMappingSettings;
  readonly sqs: SQSClient;
  // Only `invoke` is needed, so tests can stand a fake function in for the in-process one.
  readonly invoker: Pick<LocalInvoker, 'invoke'>;
  readonly view: RecordView<SQSRecord>;
}

/** Which messages of a batch to delete, given the function's answer (pure; exported for tests). */
export function messagesToDelete(records: readonly SQSRecord[], ok: boolean, response: unknown): SQSRecord[] {
  if (!ok) return [];
  const outcome = outcomeFromResponse(response);
  if (outcome.kind !== 'partial') return [...records];
  const ids = new Set(records.map((record) => record.messageId));
  const failed = new Set<string>();
  for (const identifier of outcome.failedIdentifiers) {
    if (typeof identifier !== 'string' || !ids.has(identifier)) return [];
    failed.add(identifier);
  }
  return records.filter((record) => !failed.has(record.messageId));
}

export interface QueueDepth {
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
}

export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<QueueDepth> {
  const { Attributes: attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }),
  );
  return {
    visible: Number(attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(attributes.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}

export class QueueMapping {
  private stopping = false;
  private readonly stopped = new AbortController();
  private loops: Promise<void>[] = [];
  private failure: Error | undefined;
  private busyPollers = 0;
  private received = 0;

  constructor(private readonly options: QueueMappingOptions) {}

  start(): void {
    for (let poller = 0; poller < QUEUE_POLLERS; poller += 1) this.loops.push(this.run());
  }

  get idle(): boolean {
    return this.busyPollers === 0;
  }

  get error(): Error | undefined {
    return this.failure;
  }

  get activity(): number {
    return this.received;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.stopped.abort();
    await Promise.all(this.loops);
  }

  private async run(): Promise<void> {
    let errors = 0;
    while (!this.stopping && this.failure === undefined) {
      try {
        const handled = await this.pollOnce();
        errors = 0;
        if (!handled) await sleep(QUEUE_POLL_INTERVAL_MS);
      } catch (error) {
        if (this.stopping) return;
        errors += 1;
        if (errors >= MAX_CONSECUTIVE_ERRORS) {
          this.failure ??= new Error(`polling ${this.options.queue.url} failed ${errors} times: ${String(error)}`, { cause: error });
          return;
        }
        await sleep(QUEUE_POLL_INTERVAL_MS);
      }
    }
  }

  /** One receive-invoke-delete round; false when the queue had nothing to deliver. */
  private async pollOnce(): Promise<boolean> {
    const { batchSize, maxBatchingWindowSeconds } = this.options.settings;
    const messages: Message[] = [];
    let windowEndsAt: number | undefined;
    for (;;) {
      const { Messages: received = [] } = await this.options.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.options.queue.url,
          MaxNumberOfMessages: Math.min(SQS_MAX_RECEIVE, batchSize - messages.length),
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
          WaitTimeSeconds: messages.length === 0 ? LONG_POLL_SECONDS : 0,
        }),
        // Only a poll for a new batch is cut short: a mapping stops once the run has drained, so that poll
        // had nothing to receive, while messages already gathered for a batch are always delivered.
        messages.length === 0 ? { abortSignal: this.stopped.signal } : {},
      );
      messages.push(...received);
      this.received += received.length;
      if (messages.length === 0) return false;
      windowEndsAt ??= Date.now() + maxBatchingWindowSeconds * 1000;
      if (messages.length >= batchSize || Date.now() >= windowEndsAt) break;
      if (received.length === 0) await sleep(Math.min(QUEUE_POLL_INTERVAL_MS, Math.max(0, windowEndsAt - Date.now())));
    }
    // Received messages stay in flight on the queue until deleted or visible again, so the done detector
    // sees them there while this poller is between receive and invoke.
    this.busyPollers += 1;
    try {
      const source = { region: this.options.region, queueArn: this.options.queue.arn };
      const records = messages.map((message) => sqsRecord(source, message));
      const result = await this.options.invoker.invoke(this.options.handler, records, this.options.view);
      const toDelete = messagesToDelete(records, result.ok, result.ok ? result.response : undefined);
      for (let index = 0; index < toDelete.length; index += SQS_MAX_RECEIVE) {
        const chunk = toDelete.slice(index, index + SQS_MAX_RECEIVE);
        const { Failed: failed = [] } = await this.options.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.options.queue.url,
            Entries: chunk.map((record, position) => ({ Id: String(position), ReceiptHandle: record.receiptHandle })),
          }),
        );
        if (failed.length > 0) throw new Error(`DeleteMessageBatch failed for ${failed.length} messages: ${failed[0]?.Message ?? ''}`);
      }
      return true;
    } finally {
      this.busyPollers -= 1;
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
