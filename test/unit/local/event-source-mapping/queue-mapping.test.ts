import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { FakeFunction, queueMessage, REGION, RETRY_QUEUE, retryQueueMapping, runUntilInvoked } from '../../../support/mapping-harness';

const sqsMock = mockClient(SQSClient);
const sqs = new SQSClient({ region: REGION });
const settings = { batchSize: 10, maxBatchingWindowSeconds: 0, maximumConcurrency: 2 };

/** The queue holds these messages once; every later receive finds it empty. */
function queueHolds(...ids: string[]): void {
  sqsMock
    .on(ReceiveMessageCommand)
    .resolvesOnce({ Messages: ids.map((id) => queueMessage(id)) })
    .resolves({});
}

const deletedReceiptHandles = (): (string | undefined)[] =>
  sqsMock.commandCalls(DeleteMessageBatchCommand).flatMap((call) => (call.args[0].input.Entries ?? []).map((entry) => entry.ReceiptHandle));

beforeEach(() => {
  sqsMock.reset();
  sqsMock.on(DeleteMessageBatchCommand).resolves({ Successful: [], Failed: [] });
});

describe('QueueMapping event', () => {
  it('receives with every attribute and hands the function an SQSEvent in AWS shape', async () => {
    // Prepare
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({
        Messages: [
          queueMessage('m1', {
            MessageAttributes: { handler: { DataType: 'String', StringValue: 'end' } },
            MD5OfMessageAttributes: '3a5b4e7b1c2d9f0a8e6d5c4b3a2f1e0d',
          }),
        ],
      })
      .resolves({});
    const fn = new FakeFunction();

    // Act
    await runUntilInvoked(retryQueueMapping(fn, sqs, settings), fn);

    // Assess
    expect(sqsMock).toHaveReceivedCommandWith(ReceiveMessageCommand, {
      QueueUrl: RETRY_QUEUE.url,
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    });
    expect(fn.invocations[0]?.handler).toBe('redrive');
    expect(fn.invocations[0]?.records).toEqual([
      {
        messageId: 'm1',
        receiptHandle: 'receipt-m1',
        body: JSON.stringify({ schema_version: 1, message: 'm1' }),
        attributes: {
          ApproximateReceiveCount: '2',
          SentTimestamp: '1716646503000',
          SenderId: 'AIDAIENQZJOLO23YVJ4VO',
          ApproximateFirstReceiveTimestamp: '1716646533000',
        },
        messageAttributes: { handler: { dataType: 'String', stringValue: 'end', stringListValues: [], binaryListValues: [] } },
        md5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3',
        md5OfMessageAttributes: '3a5b4e7b1c2d9f0a8e6d5c4b3a2f1e0d',
        eventSource: 'aws:sqs',
        eventSourceARN: RETRY_QUEUE.arn,
        awsRegion: REGION,
      },
    ]);
  });

  it('asks for no more messages than batchSize', async () => {
    // Prepare
    queueHolds('m1', 'm2');
    const fn = new FakeFunction();

    // Act
    await runUntilInvoked(retryQueueMapping(fn, sqs, { batchSize: 2, maxBatchingWindowSeconds: 0, maximumConcurrency: 2 }), fn);

    // Assess
    const asked = sqsMock.commandCalls(ReceiveMessageCommand).map((call) => call.args[0].input.MaxNumberOfMessages);
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every((count) => count === 2)).toBe(true);
    expect(fn.batches).toEqual([['m1', 'm2']]);
  });
});

describe('QueueMapping deletes', () => {
  it.each([
    ['no response', undefined],
    ['an empty batchItemFailures', { batchItemFailures: [] }],
  ])('every message of a batch answered with %s', async (_name, response) => {
    // Prepare
    queueHolds('m1', 'm2', 'm3');
    const fn = new FakeFunction(() => response);

    // Act
    await runUntilInvoked(retryQueueMapping(fn, sqs, settings), fn);

    // Assess
    expect(sqsMock).toHaveReceivedCommandWith(DeleteMessageBatchCommand, { QueueUrl: RETRY_QUEUE.url });
    expect(deletedReceiptHandles()).toEqual(['receipt-m1', 'receipt-m2', 'receipt-m3']);
  });

  it('the messages not reported in batchItemFailures, and leaves the reported ones', async () => {
    // Prepare
    queueHolds('m1', 'm2', 'm3', 'm4');
    const fn = new FakeFunction(() => ({ batchItemFailures: [{ itemIdentifier: 'm3' }, { itemIdentifier: 'm2' }] }));

    // Act
    await runUntilInvoked(retryQueueMapping(fn, sqs, settings), fn);

    // Assess
    expect(fn.batches).toEqual([['m1', 'm2', 'm3', 'm4']]);
    expect(deletedReceiptHandles()).toEqual(['receipt-m1', 'receipt-m4']);
  });

  it.each([
    ['an itemIdentifier not in the batch', { itemIdentifier: 'm9' }],
    ['an empty itemIdentifier', { itemIdentifier: '' }],
    ['a missing itemIdentifier', {}],
  ])('nothing when a failure has %s (the whole batch fails)', async (_name, failure) => {
    // Prepare
    queueHolds('m1', 'm2');
    const fn = new FakeFunction(() => ({ batchItemFailures: [{ itemIdentifier: 'm1' }, failure] }));

    // Act
    await runUntilInvoked(retryQueueMapping(fn, sqs, settings), fn);

    // Assess
    expect(fn.batches).toEqual([['m1', 'm2']]);
    expect(sqsMock).not.toHaveReceivedCommand(DeleteMessageBatchCommand);
  });

  it('nothing when the function throws', async () => {
    // Prepare
    queueHolds('m1', 'm2');
    const fn = new FakeFunction(() => {
      throw new Error('Task timed out after 30.00 seconds');
    });

    // Act
    await runUntilInvoked(retryQueueMapping(fn, sqs, settings), fn);

    // Assess
    expect(fn.batches).toEqual([['m1', 'm2']]);
    expect(sqsMock).not.toHaveReceivedCommand(DeleteMessageBatchCommand);
  });
});
