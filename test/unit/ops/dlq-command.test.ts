import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { EXIT_CODES, runCommand } from '../../../bin/cli';
import { buildDlqProgram } from '../../../bin/commands/dlq';
import { tripEndEvent, tripStartEvent } from '../../support/kinesis';
import { deadLetter, retryMessage } from '../../support/sqs';

const sqsMock = mockClient(SQSClient);
const cloudFormationMock = mockClient(CloudFormationClient);

const DLQ_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/tripstream-dev-dlq';
const RETRY_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/tripstream-dev-retry';

const orphan = deadLetter({ trip_id: 'trip-1', event: tripEndEvent({ trip_id: 'trip-1' }), first_seen_at: '2024-05-25T14:05:02.250Z' });
const conflict = deadLetter({
  reason: 'CONFLICTING_DUPLICATE',
  trip_id: 'trip-2',
  event: tripStartEvent({ trip_id: 'trip-2' }),
  source: 'start',
  attempts: 1,
  first_seen_at: '2024-05-26T09:00:00.000Z',
});
const broken = deadLetter({ reason: 'INVALID_EVENT', trip_id: null, event: '{"trip_id": "tr', source: 'end', attempts: 1 });

function message(id: string, body: unknown): Message {
  return {
    MessageId: id,
    ReceiptHandle: `handle-${id}`,
    Body: typeof body === 'string' ? body : JSON.stringify(body),
    Attributes: { SentTimestamp: String(Date.parse('2024-05-25T14:10:00.000Z')), ApproximateReceiveCount: '1' },
  };
}

/** The queue as successive receives see it: each listed page once, then empty receives. */
function queueHolds(...pages: Message[][]): void {
  const receive = sqsMock.on(ReceiveMessageCommand);
  for (const page of pages) receive.resolvesOnce({ Messages: page });
  receive.resolves({ Messages: [] });
}

interface CliResult {
  code: number;
  out: string;
  err: string;
}

async function dlq(...args: string[]): Promise<CliResult> {
  let out = '';
  let err = '';
  const program = buildDlqProgram({
    sqs: () => new SQSClient({ region: 'eu-west-1' }),
    cloudFormation: () => new CloudFormationClient({ region: 'eu-west-1' }),
    writeOut: (text) => (out += text),
    writeErr: (text) => (err += text),
  });
  const consoleError = jest.spyOn(console, 'error').mockImplementation((text: string) => (err += `${text}\n`));
  process.exitCode = undefined;
  try {
    await runCommand(program, ['node', 'dlq', ...args]);
    return { code: Number(process.exitCode ?? 0), out, err };
  } finally {
    process.exitCode = undefined;
    consoleError.mockRestore();
  }
}

function sentBodies(): Record<string, unknown>[] {
  return sqsMock
    .commandCalls(SendMessageCommand)
    .map((call) => JSON.parse(call.args[0].input.MessageBody ?? '') as Record<string, unknown>);
}

beforeEach(() => {
  sqsMock.reset();
  cloudFormationMock.reset();
  sqsMock.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'sent' });
  sqsMock.on(DeleteMessageCommand).resolves({});
  cloudFormationMock.on(DescribeStacksCommand).resolves({
    Stacks: [
      {
        StackName: 'tripstream-dev-data',
        CreationTime: new Date(),
        StackStatus: 'CREATE_COMPLETE',
        Outputs: [
          { OutputKey: 'DeadLetterQueueUrl', OutputValue: DLQ_URL },
          { OutputKey: 'RetryQueueUrl', OutputValue: RETRY_URL },
        ],
      },
    ],
  });
});

describe('dlq list', () => {
  it("lists every letter of the stack's DLQ, each once, and leaves the queue as it found it", async () => {
    // Prepare: the second page repeats m-1 (its visibility timeout ran out) next to a new letter.
    queueHolds([message('m-1', orphan), message('m-2', conflict)], [message('m-1', orphan), message('m-3', broken)]);

    // Act
    const result = await dlq('list');

    // Assess
    expect(result.code).toBe(EXIT_CODES.ok);
    expect(cloudFormationMock).toHaveReceivedCommandWith(DescribeStacksCommand, { StackName: 'tripstream-dev-data' });
    expect(sqsMock).toHaveReceivedCommandWith(ReceiveMessageCommand, {
      QueueUrl: DLQ_URL,
      VisibilityTimeout: 300,
      MaxNumberOfMessages: 10,
    });
    // two pages, then two empty receives
    expect(sqsMock).toHaveReceivedCommandTimes(ReceiveMessageCommand, 4);
    const lines = result.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^message_id\s+reason\s+trip_id\s+source\s+attempts\s+first_seen_at\s+dead_lettered_at\s+redrivable$/);
    expect(lines.slice(2, 5).map((line) => line.split(/\s+/).slice(0, 3))).toEqual([
      ['m-1', 'ORPHAN_END', 'trip-1'],
      ['m-2', 'CONFLICTING_DUPLICATE', 'trip-2'],
      ['m-3', 'INVALID_EVENT', '-'],
    ]);
    expect(lines[5]).toBe('3 letters (CONFLICTING_DUPLICATE 1, INVALID_EVENT 1, ORPHAN_END 1)');
    const released = sqsMock.commandCalls(ChangeMessageVisibilityBatchCommand).flatMap((call) => call.args[0].input.Entries ?? []);
    expect(released.map((entry) => [entry.ReceiptHandle, entry.VisibilityTimeout])).toEqual([
      ['handle-m-1', 0],
      ['handle-m-2', 0],
      ['handle-m-3', 0],
    ]);
    expect(sqsMock).toHaveReceivedCommandTimes(DeleteMessageCommand, 0);
  });

  it.each([
    [['--reason', 'ORPHAN_END'], ['m-1']],
    [['--trip-id', 'trip-2', 'trip-9'], ['m-2']],
    [['--source', 'end'], ['m-3']],
    [['--from', '2024-05-26', '--to', '2024-05-26'], ['m-2']],
    [
      ['--from', '2024-05-25T14:05:02.250Z', '--to', '2024-05-25'],
      ['m-1', 'm-3'],
    ],
    [['--to', '2024-05-25T14:05:02.250Z'], []],
    [['--from', '2024-05-25T15:00:00Z'], ['m-2']],
    [
      ['--message-id', 'm-3', 'm-1'],
      ['m-1', 'm-3'],
    ],
  ])('selects with %j: %j, as JSON', async (filters, expected) => {
    // Prepare
    queueHolds([message('m-1', orphan), message('m-2', conflict), message('m-3', broken)]);

    // Act
    const result = await dlq('list', '--queue-url', DLQ_URL, '--json', ...filters);

    // Assess
    expect(result.code).toBe(EXIT_CODES.ok);
    expect((JSON.parse(result.out) as { message_id: string }[]).map((letter) => letter.message_id)).toEqual(expected);
    expect(cloudFormationMock).toHaveReceivedCommandTimes(DescribeStacksCommand, 0);
  });

  it('describes a letter as JSON with what an operator needs to decide', async () => {
    // Prepare
    queueHolds([message('m-3', broken)]);

    // Act
    const result = await dlq('list', '--queue-url', DLQ_URL, '--json');

    // Assess
    expect(JSON.parse(result.out)).toEqual([
      {
        message_id: 'm-3',
        kind: 'dead-letter',
        reason: 'INVALID_EVENT',
        trip_id: null,
        source: 'end',
        attempts: 1,
        first_seen_at: broken.first_seen_at,
        dead_lettered_at: broken.dead_lettered_at,
        redrivable: false,
        detail: expect.stringMatching(/^the INVALID_EVENT letter carries no valid trip event/),
      },
    ]);
  });

  it.each([
    [['--env', 'prod', '--stack', 'tripstream-prod-data']],
    [['--env', 'staging']],
    [['--from', '2024-05-26', '--to', '2024-05-25']],
    [['--reason', 'LOST']],
    [['--from', '25-05-2024']],
    [['--visibility-timeout', '0']],
  ])('refuses %j as a usage error before reading the queue', async (args) => {
    // Act
    const result = await dlq('list', '--queue-url', DLQ_URL, ...args);

    // Assess
    expect(result.code).toBe(EXIT_CODES.usage);
    expect(result.err).toMatch(/error: /);
    expect(sqsMock).toHaveReceivedCommandTimes(ReceiveMessageCommand, 0);
  });

  it('fails, naming the output, when the stack is not the data stack', async () => {
    // Prepare
    cloudFormationMock
      .on(DescribeStacksCommand)
      .resolves({ Stacks: [{ StackName: 'x', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [] }] });

    // Act
    const result = await dlq('list', '--stack', 'tripstream-dev-pipeline');

    // Assess
    expect(result.code).toBe(EXIT_CODES.failed);
    expect(result.err).toContain('error: stack tripstream-dev-pipeline has no output DeadLetterQueueUrl; is it the data stack?');
  });
});

describe('dlq show', () => {
  it('prints the whole selected letters', async () => {
    // Prepare
    queueHolds([message('m-1', orphan), message('m-2', conflict), message('m-4', 'not json at all')]);

    // Act
    const result = await dlq('show', '--queue-url', DLQ_URL, '--message-id', 'm-1', 'm-4');

    // Assess
    expect(JSON.parse(result.out)).toEqual([
      { message_id: 'm-1', sent_at: '2024-05-25T14:10:00.000Z', receive_count: 1, kind: 'dead-letter', body: orphan },
      { message_id: 'm-4', sent_at: '2024-05-25T14:10:00.000Z', receive_count: 1, kind: 'other', body: 'not json at all' },
    ]);
  });
});

describe('dlq redrive', () => {
  it('re-sends each selected event as a retry with a fresh budget, deletes each letter after its send, and leaves the rest', async () => {
    // Prepare: m-5 is a retry message the retry queue's redrive policy moved here.
    const moved = retryMessage({
      event: tripEndEvent({ trip_id: 'trip-5' }),
      reason: 'PROCESSING_FAILED',
      attempts: 5,
      last_error: 'ThrottlingException: x',
    });
    queueHolds([message('m-1', orphan), message('m-2', conflict), message('m-3', broken), message('m-5', moved)]);

    // Act
    const result = await dlq('redrive', '--reason', 'ORPHAN_END', 'INVALID_EVENT', 'PROCESSING_FAILED');

    // Assess
    expect(result.code).toBe(EXIT_CODES.ok);
    expect(sentBodies()).toEqual([
      {
        schema_version: 2,
        event: orphan.event,
        reason: 'PROCESSING_FAILED',
        attempts: 1,
        first_seen_at: orphan.first_seen_at,
        last_error: `redriven from the DLQ (ORPHAN_END by match after 1 attempts): ${orphan.detail}`,
        origin: orphan.origin,
      },
      { ...moved, attempts: 1 },
    ]);
    expect(sqsMock).toHaveReceivedCommandWith(SendMessageCommand, { QueueUrl: RETRY_URL, DelaySeconds: 0 });
    expect(sqsMock.commandCalls(DeleteMessageCommand).map((call) => call.args[0].input)).toEqual([
      { QueueUrl: DLQ_URL, ReceiptHandle: 'handle-m-1' },
      { QueueUrl: DLQ_URL, ReceiptHandle: 'handle-m-5' },
    ]);
    const released = sqsMock.commandCalls(ChangeMessageVisibilityBatchCommand).flatMap((call) => call.args[0].input.Entries ?? []);
    expect(released.map((entry) => entry.ReceiptHandle)).toEqual(['handle-m-2', 'handle-m-3']);
    expect(result.out).toContain('redriven: 2 letters sent to the retry queue and deleted from the DLQ');
    expect(result.out).toContain('left on the DLQ (no replayable event): 1');
    expect(result.out).toMatch(/ {2}m-3: the INVALID_EVENT letter carries no valid trip event/);
  });

  it('sends the send-then-delete pair in that order for each letter', async () => {
    // Prepare
    queueHolds([message('m-1', orphan), message('m-2', conflict)]);

    // Act
    await dlq('redrive', '--queue-url', DLQ_URL, '--retry-queue-url', RETRY_URL);

    // Assess
    const order = sqsMock
      .calls()
      .map((call) => call.args[0])
      .filter((command) => command instanceof SendMessageCommand || command instanceof DeleteMessageCommand)
      .map((command) => command.constructor.name);
    expect(order).toEqual(['SendMessageCommand', 'DeleteMessageCommand', 'SendMessageCommand', 'DeleteMessageCommand']);
  });

  it('keeps a letter whose send failed, and exits 1 naming it', async () => {
    // Prepare
    queueHolds([message('m-1', orphan), message('m-2', conflict)]);
    sqsMock
      .on(SendMessageCommand)
      .rejectsOnce(Object.assign(new Error('Access to the resource is denied'), { name: 'AccessDenied' }))
      .resolves({ MessageId: 'sent' });

    // Act
    const result = await dlq('redrive', '--queue-url', DLQ_URL, '--retry-queue-url', RETRY_URL);

    // Assess
    expect(result.code).toBe(EXIT_CODES.incomplete);
    expect(sqsMock.commandCalls(DeleteMessageCommand).map((call) => call.args[0].input.ReceiptHandle)).toEqual(['handle-m-2']);
    expect(result.err).toContain('letter m-1 (trip trip-1): not sent to the retry queue: AccessDenied: Access to the resource is denied');
    expect(result.err).toContain('error: 1 letters could not be redriven; they stay on the dead-letter queue');
    const released = sqsMock.commandCalls(ChangeMessageVisibilityBatchCommand).flatMap((call) => call.args[0].input.Entries ?? []);
    expect(released.map((entry) => entry.ReceiptHandle)).toEqual(['handle-m-1']);
  });

  it('changes nothing with --dry-run and says what it would do', async () => {
    // Prepare
    queueHolds([message('m-1', orphan), message('m-3', broken)]);

    // Act
    const result = await dlq('redrive', '--queue-url', DLQ_URL, '--retry-queue-url', RETRY_URL, '--dry-run', '--json');

    // Assess
    expect(result.code).toBe(EXIT_CODES.ok);
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 0);
    expect(sqsMock).toHaveReceivedCommandTimes(DeleteMessageCommand, 0);
    expect(JSON.parse(result.out)).toEqual([
      { messageId: 'm-1', tripId: 'trip-1', status: 'would-redrive' },
      { messageId: 'm-3', tripId: null, status: 'left', detail: expect.stringContaining('carries no valid trip event') },
    ]);
  });
});
