/**
 * An in-process Kinesis (kinesalite) for the producer's end-to-end tests and benchmark: start it, create
 * streams, and read a stream back completely (every shard, from the trim horizon to the end).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import {
  CreateStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  ListStreamsCommand,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis';
import kinesalite from 'kinesalite';
import { clientOptions } from '../../aws/clients';

export const EMULATOR_CREDENTIALS = { accessKeyId: 'emulator', secretAccessKey: 'emulator' };
export const EMULATOR_REGION = 'us-east-1';

export interface RunningKinesis {
  endpoint: string;
  stop(): Promise<void>;
}

export async function startKinesalite(): Promise<RunningKinesis> {
  const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve, reject) => server.close((error) => (error === undefined ? resolve() : reject(error)))),
  };
}

/** A client for an emulator endpoint, built as the project builds its own (clientOptions), with dummy credentials and no SDK retries. */
export function emulatorKinesisClient(endpoint: string): KinesisClient {
  return new KinesisClient({
    ...clientOptions('kinesis', { AWS_ENDPOINT_URL_KINESIS: endpoint }),
    region: EMULATOR_REGION,
    credentials: EMULATOR_CREDENTIALS,
    maxAttempts: 1,
  });
}

export async function createStream(kinesis: KinesisClient, name: string, shards: number): Promise<void> {
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  await waitUntilStreamExists({ client: kinesis, maxWaitTime: 30, minDelay: 1 }, { StreamName: name });
}

/** Every record's data in the stream as text, shard by shard (order across shards is not meaningful). */
export async function readWholeStream(kinesis: KinesisClient, stream: string): Promise<string[]> {
  const data: string[] = [];
  const { Shards: shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: stream }));
  for (const shard of shards) {
    const { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    let iterator = ShardIterator;
    // A shard is read to its end when a call returns no records and nothing behind the latest.
    while (iterator !== undefined) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      const records = page.Records ?? [];
      for (const record of records) data.push(Buffer.from(record.Data ?? new Uint8Array()).toString('utf8'));
      if (records.length === 0 && (page.MillisBehindLatest ?? 0) === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return data;
}

/**
 * kinesalite in a child process: the benchmark's emulator must not share the event loop (and core) of the
 * client being measured.
 */
export async function startKinesaliteProcess(): Promise<RunningKinesis> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      require.resolve('kinesalite/cli.js'),
      '--port',
      String(port),
      '--createStreamMs',
      '0',
      '--deleteStreamMs',
      '0',
      '--updateStreamMs',
      '0',
      '--shardLimit',
      '100',
    ],
    { stdio: 'ignore' },
  );
  const endpoint = `http://127.0.0.1:${port}`;
  const probe = emulatorKinesisClient(endpoint);
  try {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await probe.send(new ListStreamsCommand({}));
        break;
      } catch (error) {
        if (attempt >= 100 || child.exitCode !== null) throw new Error(`kinesalite did not start on port ${port}`, { cause: error });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } finally {
    probe.destroy();
  }
  return {
    endpoint,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill();
      await exited;
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
