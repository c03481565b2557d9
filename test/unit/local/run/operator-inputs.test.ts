import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { redriveDeadLetterFile } from '../../../../local/run/operator-inputs';
import { tripEndEvent } from '../../../support/kinesis';
import { deadLetter, onFailureRecord, retryMessage } from '../../../support/sqs';

const sqsMock = mockClient(SQSClient);
const RETRY_URL = 'http://127.0.0.1:4566/000000000000/tripstream-local-retry';

beforeEach(() => {
  sqsMock.reset();
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'sent' });
});

describe('redriveDeadLetterFile', () => {
  it("sends an earlier run's replayable letters to the retry queue with a fresh budget, and names the lines it leaves", async () => {
    // Prepare
    const orphan = deadLetter({ trip_id: 'trip-1', event: tripEndEvent({ trip_id: 'trip-1' }) });
    const moved = retryMessage({ event: tripEndEvent({ trip_id: 'trip-2' }), attempts: 5 });
    const broken = deadLetter({ reason: 'INVALID_EVENT', trip_id: null, event: 'garbage', source: 'end' });
    const pointer = onFailureRecord({
      stream: 'kinesis',
      functionName: 'f',
      streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/s',
      shardId: 'shardId-000000000000',
      startSequenceNumber: '1',
      endSequenceNumber: '2',
    });
    const file = join(await mkdtemp(join(tmpdir(), 'redrive-file-')), 'dead-letters.jsonl');
    await writeFile(file, [orphan, moved, broken, pointer].map((body) => `${JSON.stringify(body)}\n`).join('') + '\n');

    // Act
    const summary = await redriveDeadLetterFile(new SQSClient({ region: 'us-east-1' }), RETRY_URL, file);

    // Assess
    expect(summary).toEqual({
      letters: 4,
      redriven: 2,
      left: [
        { line: 3, trip_id: null, detail: expect.stringContaining('carries no valid trip event') },
        { line: 4, trip_id: null, detail: "a stream mapping's on-failure record: a pointer to a discarded batch, not an event" },
      ],
    });
    const sent = sqsMock.commandCalls(SendMessageCommand).map((call) => call.args[0].input);
    expect(sent.map((input) => [input.QueueUrl, input.DelaySeconds])).toEqual([
      [RETRY_URL, 0],
      [RETRY_URL, 0],
    ]);
    expect(sent.map((input) => JSON.parse(input.MessageBody ?? '') as unknown)).toEqual([
      expect.objectContaining({ event: orphan.event, attempts: 1, origin: orphan.origin }),
      { ...moved, attempts: 1 },
    ]);
  });
});
