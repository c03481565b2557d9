import { createHash } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { DeadLetterQueue } from '../../../aws/trip-queues';
import { deadLetterMessageSchema, MAX_DEAD_LETTER_BODY_BYTES } from '../../../domain/envelopes';
import { tripStartEventSchema } from '../../../domain/events';
import { DeadLetterPayloads } from '../../../lambdas/common/adapters/dead-letter-payloads';
import { type DeadLetter, DeadLetters, DeadLetterTooLargeError } from '../../../lambdas/common/dead-letters';
import { decodeJsonBytes } from '../../../lambdas/common/decoding';

const s3Mock = mockClient(S3Client);
const sqsMock = mockClient(SQSClient);
const silent = new Logger({ logLevel: 'SILENT' });

function deadLetters(): DeadLetters {
  return new DeadLetters(
    new DeadLetterQueue(new SQSClient({}), 'https://sqs.example/dlq'),
    new DeadLetterPayloads(new S3Client({}), 'data-bucket'),
    () => new Date('2024-05-26T00:00:00.000Z'),
  );
}

function invalidLetter(event: unknown, detail = 'trip_id: Required'): DeadLetter {
  return {
    reason: 'INVALID_EVENT',
    trip_id: 'big-1',
    event,
    detail,
    attempts: 1,
    first_seen_at: '2024-05-25T00:00:00.000Z',
    source: 'start',
    origin: null,
  };
}

function sentBody(): unknown {
  const body = sqsMock.commandCalls(SendMessageCommand)[0]?.args[0].input.MessageBody;
  return JSON.parse(body ?? 'null');
}

beforeEach(() => {
  s3Mock.reset();
  sqsMock.reset();
  s3Mock.on(PutObjectCommand).resolves({});
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
});

describe('DeadLetters', () => {
  it('sends a letter that fits whole, with its payload in it', async () => {
    // Prepare
    const letter = invalidLetter({ trip_id: 'big-1', note: 'x'.repeat(1_000) });

    // Act
    await deadLetters().send(letter, silent);

    // Assess
    expect(s3Mock).not.toHaveReceivedCommand(PutObjectCommand);
    expect(sentBody()).toEqual(expect.objectContaining({ event: letter.event, trip_id: 'big-1' }));
  });

  it('stores a payload too large for SQS whole in S3 and sends a letter pointing at it by size and hash', async () => {
    // Prepare: 1 MiB of control characters, which JSON escapes to six times their size.
    const payload = { trip_id: 'big-1', junk: '\u0001'.repeat(1_048_576) };
    const payloadJson = JSON.stringify(payload);
    const sha256 = createHash('sha256').update(payloadJson).digest('hex');

    // Act
    await deadLetters().send(invalidLetter(payload), silent);

    // Assess
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, { Bucket: 'data-bucket', Key: `dead-letter-payloads/start/${sha256}.json` });
    expect(String(s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input.Body)).toBe(payloadJson);
    const body = sentBody();
    expect(deadLetterMessageSchema.safeParse(body).success).toBe(true);
    expect(body).toEqual(
      expect.objectContaining({
        trip_id: 'big-1',
        reason: 'INVALID_EVENT',
        event: null,
        event_location: {
          s3_uri: `s3://data-bucket/dead-letter-payloads/start/${sha256}.json`,
          bytes: Buffer.byteLength(payloadJson),
          sha256,
        },
      }),
    );
    expect(Buffer.byteLength(sqsMock.commandCalls(SendMessageCommand)[0]?.args[0].input.MessageBody ?? '')).toBeLessThanOrEqual(
      MAX_DEAD_LETTER_BODY_BYTES,
    );
  });

  it('cuts an over-long detail so it cannot push a letter past the SQS limit', async () => {
    // Prepare
    const letter = invalidLetter({ trip_id: 'big-1' }, 'y'.repeat(300_000));

    // Act
    await deadLetters().send(letter, silent);

    // Assess
    expect((sentBody() as { detail: string }).detail).toBe(`${'y'.repeat(2_000)}…`);
    expect(s3Mock).not.toHaveReceivedCommand(PutObjectCommand);
  });

  it('fails the send, so the record is retried, when the payload cannot be stored', async () => {
    // Prepare
    s3Mock.on(PutObjectCommand).rejects(new Error('s3 down'));

    // Act
    const sending = deadLetters().send(invalidLetter({ junk: '\u0001'.repeat(300_000) }), silent);

    // Assess
    await expect(sending).rejects.toThrow('s3 down');
    expect(sqsMock).not.toHaveReceivedCommand(SendMessageCommand);
  });

  it('refuses a letter too large for SQS, sending nothing, where the handler keeps no payloads', async () => {
    // Prepare
    const withoutPayloads = new DeadLetters(new DeadLetterQueue(new SQSClient({}), 'https://sqs.example/dlq'), null);

    // Act
    const sending = withoutPayloads.send(invalidLetter({ junk: '\u0001'.repeat(300_000) }), silent);

    // Assess
    await expect(sending).rejects.toThrow(DeadLetterTooLargeError);
    await expect(sending).rejects.toThrow(
      /^the INVALID_EVENT letter would be \d+ bytes, over the 258048 of one dead-letter message, and start keeps no payloads/,
    );
    expect(sqsMock).not.toHaveReceivedCommand(SendMessageCommand);
    expect(s3Mock).not.toHaveReceivedCommand(PutObjectCommand);
  });

  it('sends a letter that fits whole where the handler keeps no payloads', async () => {
    // Prepare
    const withoutPayloads = new DeadLetters(new DeadLetterQueue(new SQSClient({}), 'https://sqs.example/dlq'), null);
    const letter = invalidLetter({ trip_id: 'big-1', note: 'x'.repeat(1_000) });

    // Act
    await withoutPayloads.send(letter, silent);

    // Assess
    expect(sentBody()).toEqual(expect.objectContaining({ event: letter.event, trip_id: 'big-1' }));
  });
});

describe('decodeJsonBytes', () => {
  it('refuses record data that is not UTF-8 and keeps its exact bytes', () => {
    // Prepare
    const bytes = Buffer.concat([Buffer.from('{"trip_id":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]);

    // Act
    const decoded = decodeJsonBytes(bytes, tripStartEventSchema);

    // Assess
    expect(decoded).toEqual({
      valid: false,
      payload: { record_data_base64: bytes.toString('base64') },
      tripId: null,
      detail: 'record data is not valid UTF-8 (first bad byte at offset 15): {"trip_id":"caf\\xE9"}',
    });
  });
});
