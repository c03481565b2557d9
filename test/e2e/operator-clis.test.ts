/**
 * `tripstream dlq` and `tripstream replay` (`npm run dlq`, `npm run replay`) as an operator runs them: real processes, emulator endpoints from the
 * environment (fauxqs for SQS and S3, kinesalite for Kinesis), queues, objects and streams set up as deployed.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { clientOptions } from '../../aws/clients';
import { encodeRawObject } from '../../ops/raw-archive';
import {
  createStream,
  EMULATOR_CREDENTIALS,
  EMULATOR_REGION,
  emulatorKinesisClient,
  type RunningKinesis,
  readWholeStream,
  startKinesalite,
} from '../support/kinesalite';
import { tripEndEvent, tripStartEvent } from '../support/kinesis';
import { deadLetter } from '../support/sqs';

jest.setTimeout(60_000);

const repositoryRoot = join(__dirname, '..', '..');
const tsx = join(repositoryRoot, 'node_modules', '.bin', 'tsx');

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

function runTool(subcommand: 'dlq' | 'replay', args: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      tsx,
      [join(repositoryRoot, 'bin', 'tripstream.ts'), subcommand, ...args],
      { cwd: repositoryRoot, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr }),
    );
  });
}

async function receiveAll(sqs: SQSClient, queueUrl: string): Promise<string[]> {
  const bodies = new Map<string, string>();
  for (let empty = 0; empty < 2; ) {
    const { Messages: messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 30, WaitTimeSeconds: 0 }),
    );
    empty = messages.length === 0 ? empty + 1 : 0;
    for (const message of messages) bodies.set(message.MessageId ?? '', message.Body ?? '');
  }
  return [...bodies.values()];
}

/** fauxqs is an ES module jest cannot import here: it runs in a child process that prints its address. */
async function startFauxqsProcess(): Promise<{ address: string; stop(): Promise<void> }> {
  const script = `const { startFauxqs } = await import('fauxqs');
const server = await startFauxqs({ port: 0, logger: false, defaultRegion: '${EMULATOR_REGION}' });
console.log(server.address);`;
  const child: ChildProcess = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: repositoryRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [chunk] = (await once(child.stdout ?? child, 'data')) as [Buffer];
  return {
    address: chunk.toString('utf8').trim(),
    stop: async () => {
      child.kill();
      await once(child, 'exit');
    },
  };
}

describe('operator CLIs on emulators', () => {
  let fauxqs: { address: string; stop(): Promise<void> };
  let kinesis: RunningKinesis;
  let kinesisClient: KinesisClient;
  let sqs: SQSClient;
  let s3: S3Client;
  let env: Record<string, string>;

  beforeAll(async () => {
    fauxqs = await startFauxqsProcess();
    kinesis = await startKinesalite();
    kinesisClient = emulatorKinesisClient(kinesis.endpoint);
    env = {
      AWS_ENDPOINT_URL_SQS: fauxqs.address,
      AWS_ENDPOINT_URL_S3: fauxqs.address,
      AWS_ENDPOINT_URL_KINESIS: kinesis.endpoint,
      AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
      AWS_REGION: EMULATOR_REGION,
    };
    const credentials = { credentials: EMULATOR_CREDENTIALS, region: EMULATOR_REGION };
    sqs = new SQSClient({ ...clientOptions('sqs', env), ...credentials });
    s3 = new S3Client({ ...clientOptions('s3', env), ...credentials });
  });

  afterAll(async () => {
    sqs.destroy();
    s3.destroy();
    kinesisClient.destroy();
    await fauxqs.stop();
    await kinesis.stop();
  });

  it('lists the DLQ, redrives the replayable letters through the retry queue, and leaves the rest readable', async () => {
    // Prepare
    const { QueueUrl: dlq = '' } = await sqs.send(new CreateQueueCommand({ QueueName: 'ops-e2e-dlq' }));
    const { QueueUrl: retry = '' } = await sqs.send(new CreateQueueCommand({ QueueName: 'ops-e2e-retry' }));
    const orphan = deadLetter({ trip_id: 'trip-1', event: tripEndEvent({ trip_id: 'trip-1' }) });
    const broken = deadLetter({ reason: 'INVALID_EVENT', trip_id: null, event: '{"trip', source: 'end' });
    for (const letter of [orphan, broken]) await sqs.send(new SendMessageCommand({ QueueUrl: dlq, MessageBody: JSON.stringify(letter) }));

    // Act
    const listed = await runTool('dlq', ['list', '--queue-url', dlq, '--json'], env);
    const redriven = await runTool('dlq', ['redrive', '--queue-url', dlq, '--retry-queue-url', retry], env);
    const usage = await runTool('dlq', ['redrive', '--queue-url', dlq, '--reason', 'SOMETHING'], env);

    // Assess
    expect(listed.code).toBe(0);
    expect(
      (JSON.parse(listed.stdout) as { reason: string; redrivable: boolean }[]).map(({ reason, redrivable }) => [reason, redrivable]).sort(),
    ).toEqual([
      ['INVALID_EVENT', false],
      ['ORPHAN_END', true],
    ]);
    expect(redriven.code).toBe(0);
    expect(redriven.stdout).toContain('redriven: 1 letters sent to the retry queue and deleted from the DLQ');
    expect((await receiveAll(sqs, retry)).map((body) => JSON.parse(body) as Record<string, unknown>)).toEqual([
      expect.objectContaining({
        schema_version: 2,
        event: orphan.event,
        attempts: 1,
        first_seen_at: orphan.first_seen_at,
        origin: orphan.origin,
      }),
    ]);
    expect((await receiveAll(sqs, dlq)).map((body) => JSON.parse(body) as Record<string, unknown>)).toEqual([broken]);
    expect(usage.code).toBe(2);
  });

  it('replays the records of one trip from an S3 raw archive into the streams, each to its own', async () => {
    // Prepare
    await s3.send(new CreateBucketCommand({ Bucket: 'ops-e2e-data' }));
    await createStream(kinesisClient, 'ops-e2e-start', 1);
    await createStream(kinesisClient, 'ops-e2e-end', 1);
    const start1 = JSON.stringify(tripStartEvent({ trip_id: 'trip-1' }));
    const start2 = JSON.stringify(tripStartEvent({ trip_id: 'trip-2' }));
    const end1 = JSON.stringify(tripEndEvent({ trip_id: 'trip-1' }));
    await s3.send(
      new PutObjectCommand({
        Bucket: 'ops-e2e-data',
        Key: 'raw/trip-start/2024-05-25/a-1-2024-05-25-13-19-00-x.gz',
        Body: encodeRawObject([Buffer.from(start1), Buffer.from(start2)]),
      }),
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: 'ops-e2e-data',
        Key: 'raw/trip-end/2024-05-25/b-1-2024-05-25-14-05-00-y.gz',
        Body: encodeRawObject([Buffer.from(end1)]),
      }),
    );

    // Act
    const run = await runTool(
      'replay',
      [
        '--archive',
        's3://ops-e2e-data/raw/',
        '--start-stream',
        'ops-e2e-start',
        '--end-stream',
        'ops-e2e-end',
        '--trip-id',
        'trip-1',
        '--json',
      ],
      env,
    );

    // Assess
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ objects: 2, records: 3, selected: { start: 1, end: 1 }, sent: { start: 1, end: 1 } });
    expect(await readWholeStream(kinesisClient, 'ops-e2e-start')).toEqual([start1]);
    expect(await readWholeStream(kinesisClient, 'ops-e2e-end')).toEqual([end1]);
  });
});
