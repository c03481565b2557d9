/**
 * Construction options for every AWS SDK client in the project (handlers, producer, local runtime, CLIs).
 *
 * - Endpoints follow the SDK's own `AWS_ENDPOINT_URL_<SERVICE>` / `AWS_ENDPOINT_URL` variables; when one is
 *   set we are talking to an emulator, which needs HTTP/1.1 for Kinesis, path-style S3 and no default
 *   CRC32 checksums (docs/local-runtime.md, emulators).
 * - Every request attempt is counted by service and operation (`awsRequestCounts`): the local run reports
 *   it in summary.json, and it is what the cost model is built on.
 * - Clients built for a role (the handlers') also run the request hooks registered for it at run time;
 *   none are on AWS, the local runtime registers its fault injection.
 */
import { Agent } from 'node:http';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Pluggable } from '@smithy/types';
import { processWide } from './process-wide';

export type AwsService =
  | 'kinesis'
  | 'dynamodb'
  | 'dynamodb_streams'
  | 's3'
  | 'sqs'
  | 'emr_serverless'
  | 'athena'
  | 'cloudformation'
  | 'sts'
  | 'ssm'
  | 'lambda'
  | 'api_gateway'
  | 'iam'
  | 'cloudwatch_logs';

/** The SDK's own environment variable for each service's endpoint. */
export const ENDPOINT_VARIABLES: Record<AwsService, string> = {
  kinesis: 'AWS_ENDPOINT_URL_KINESIS',
  dynamodb: 'AWS_ENDPOINT_URL_DYNAMODB',
  dynamodb_streams: 'AWS_ENDPOINT_URL_DYNAMODB_STREAMS',
  s3: 'AWS_ENDPOINT_URL_S3',
  sqs: 'AWS_ENDPOINT_URL_SQS',
  emr_serverless: 'AWS_ENDPOINT_URL_EMR_SERVERLESS',
  athena: 'AWS_ENDPOINT_URL_ATHENA',
  cloudformation: 'AWS_ENDPOINT_URL_CLOUDFORMATION',
  sts: 'AWS_ENDPOINT_URL_STS',
  ssm: 'AWS_ENDPOINT_URL_SSM',
  lambda: 'AWS_ENDPOINT_URL_LAMBDA',
  api_gateway: 'AWS_ENDPOINT_URL_API_GATEWAY',
  iam: 'AWS_ENDPOINT_URL_IAM',
  cloudwatch_logs: 'AWS_ENDPOINT_URL_CLOUDWATCH_LOGS',
};

/** The endpoint override in force for a service, if any. */
export function endpointOverride(service: AwsService, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[ENDPOINT_VARIABLES[service]] ?? env.AWS_ENDPOINT_URL ?? undefined;
}

export interface ClientOptions {
  endpoint?: string;
  requestHandler?: NodeHttpHandler;
  forcePathStyle?: boolean;
  requestChecksumCalculation?: 'WHEN_REQUIRED';
  responseChecksumValidation?: 'WHEN_REQUIRED';
}

const EMULATOR_MAX_SOCKETS = 256;

/** Options to pass to a client constructor: empty on AWS, emulator-friendly when an endpoint is overridden. */
export function clientOptions(service: AwsService, env: NodeJS.ProcessEnv = process.env): ClientOptions {
  const endpoint = endpointOverride(service, env);
  if (endpoint === undefined) return {};
  // HTTP/1.1 for every service (Kinesis emulators need it), and more sockets than the SDK's 50: locally one
  // process runs every handler's concurrent batches against the same emulator, where on Lambda each
  // function instance has its own clients.
  const options: ClientOptions = {
    endpoint,
    requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: EMULATOR_MAX_SOCKETS }) }),
  };
  if (service === 's3') {
    options.forcePathStyle = true;
    options.requestChecksumCalculation = 'WHEN_REQUIRED';
    options.responseChecksumValidation = 'WHEN_REQUIRED';
  }
  return options;
}

type Counts = Map<string, Map<string, number>>;
// Per process, not per module copy: the handler bundles the local runtime may load carry their own copies.
const counts = processWide<Counts>('aws-request-counts', () => new Map());

// DynamoDB attempts by table as well: the trips table's writes are the contract's "write attempts per trip", and the
// live metrics table takes UpdateItems of its own.
const tableCounts = processWide<Counts>('aws-request-counts-by-table', () => new Map());

function record(service: string, operation: string, input: unknown): void {
  for (const [map, key] of [
    [counts, service],
    [tableCounts, tableNameOf(service, input)],
  ] as const) {
    if (key === undefined) continue;
    const byOperation = map.get(key) ?? new Map<string, number>();
    byOperation.set(operation, (byOperation.get(operation) ?? 0) + 1);
    map.set(key, byOperation);
  }
}

function tableNameOf(service: string, input: unknown): string | undefined {
  if (service !== 'DynamoDB' || typeof input !== 'object' || input === null || !('TableName' in input)) return undefined;
  return typeof input.TableName === 'string' ? input.TableName : undefined;
}

/** DynamoDB request attempts that name one table, `{ "<table>": { "<Operation>": n } }`. */
export function dynamoDbRequestCountsByTable(): Record<string, Record<string, number>> {
  return Object.fromEntries([...tableCounts.entries()].map(([table, byOperation]) => [table, Object.fromEntries(byOperation)]));
}

/** `{ "<service>": { "<Operation>": n } }`, e.g. `{ "Kinesis": { "PutRecords": 12 } }`. */
export function awsRequestCounts(): Record<string, Record<string, number>> {
  const result: Record<string, Record<string, number>> = {};
  for (const [service, byOperation] of [...counts.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    result[service] = Object.fromEntries([...byOperation.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }
  return result;
}

export function resetAwsRequestCounts(): void {
  counts.clear();
  tableCounts.clear();
}

interface MiddlewareContext {
  clientName?: string;
  commandName?: string;
}

/** Which clients a request hook applies to: the handlers' (lambdas/common/clients/). */
export type ClientRole = 'handler';

export interface RequestAttempt {
  /** As in `awsRequestCounts`: `DynamoDB`, `SQS`, `S3`, ... */
  readonly service: string;
  readonly operation: string;
  /** The command's input, as the client was given it. */
  readonly input?: unknown;
}

/**
 * Extra middleware for the clients of one role, registered at run time: it sees every request attempt just
 * before it is sent (after the SDK's retry middleware and after counting), and an error it throws is counted
 * and retried like an error from the service. A hook may return a function, called once the attempt has
 * settled (what was in flight, e.g. for transaction conflicts). Nothing registers one on AWS; the local
 * runtime registers its fault injection here.
 */
export type RequestAttemptHook = (attempt: RequestAttempt) => void | (() => void);

const attemptHooks = processWide('aws-request-attempt-hooks', () => new Map<ClientRole, Set<RequestAttemptHook>>());

/** Applies `hook` to every request attempt of the role's clients, existing and future; returns its removal. */
export function registerRequestAttemptHook(role: ClientRole, hook: RequestAttemptHook): () => void {
  const hooks = attemptHooks.get(role) ?? new Set<RequestAttemptHook>();
  attemptHooks.set(role, hooks);
  // A wrapper per registration, so registering the same function twice is undone one at a time.
  const registration: RequestAttemptHook = (attempt) => hook(attempt);
  hooks.add(registration);
  return () => {
    hooks.delete(registration);
  };
}

/**
 * Counts each HTTP attempt (it sits after the retry middleware, so SDK retries count too), then runs the
 * request hooks of the client's role, if it has one.
 */
function requestInstrumentation(role: ClientRole | undefined): Pluggable<object, object> {
  return {
    applyToStack: (stack) => {
      stack.add(
        (next, context: MiddlewareContext) => async (args) => {
          const attempt: RequestAttempt = {
            service: (context.clientName ?? 'Unknown').replace(/Client$/, ''),
            operation: (context.commandName ?? 'Unknown').replace(/Command$/, ''),
            input: args.input,
          };
          record(attempt.service, attempt.operation, attempt.input);
          const settled: (() => void)[] = [];
          try {
            if (role !== undefined) {
              for (const hook of attemptHooks.get(role) ?? []) {
                const after = hook(attempt);
                if (after !== undefined) settled.push(after);
              }
            }
            return await next(args);
          } finally {
            for (const after of settled) after();
          }
        },
        { step: 'finalizeRequest', priority: 'low', name: 'tripstreamRequestCounting', override: true },
      );
    },
  };
}

/** Usage: `client.middlewareStack.use(requestCounting)` or `withRequestCounting(new XClient(...))`. */
const requestCounting: Pluggable<object, object> = requestInstrumentation(undefined);

// `use(plugin: never)` accepts every client's stack: their `use` parameters are typed per service, which a
// plugin for `object` inputs cannot name (method parameters are checked contravariantly under strict).
/**
 * Drops the SDK's logger middleware. It builds a copy of every request and response with sensitive members
 * masked, to hand to the client's logger, even when that logger is the default one that drops everything.
 * No client of the project is given a logger, so the copies are never read; for a poller's GetRecords pages
 * or a handler's writes they cost more CPU than any other middleware (measured on the local run,
 * docs/local-runtime.md).
 */
export function withoutSdkLogging<C extends { middlewareStack: { remove(toRemove: string): boolean } }>(client: C): C {
  client.middlewareStack.remove('loggerMiddleware');
  return client;
}

/** Counts the client's requests; with a role, the request hooks registered for that role apply to it too. Without SDK logging (withoutSdkLogging). */
export function withRequestCounting<C extends { middlewareStack: { use(plugin: never): void; remove(toRemove: string): boolean } }>(
  client: C,
  role?: ClientRole,
): C {
  (client.middlewareStack as unknown as { use(plugin: Pluggable<object, object>): void }).use(
    role === undefined ? requestCounting : requestInstrumentation(role),
  );
  return withoutSdkLogging(client);
}
