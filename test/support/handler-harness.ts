/**
 * What the handler tests share: the environment the handlers validate at load, a Lambda context,
 * a frozen clock, the outcomes the handlers reported, DynamoDB's conditional-write refusal, updates with
 * their placeholders resolved, and readers for the messages a handler sent to the retry queue and the DLQ.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { ServiceInputTypes, ServiceOutputTypes } from '@aws-sdk/client-sqs';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Context } from 'aws-lambda';
import type { AwsStub } from 'aws-sdk-client-mock';
import type { SettledDelivery } from '../../lambdas/common/observability';
import { ITEM_LIFETIME } from './dynamodb-stream';

export const TEST_ENVIRONMENT = {
  TRIPS_TABLE_NAME: 'tripstream-test-trips',
  RETRY_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/tripstream-test-retry',
  DEAD_LETTER_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/tripstream-test-dlq',
  DATA_BUCKET_NAME: 'tripstream-test-data',
  PROCESSING_MAX_RETRIES: '2',
  RETRY_BASE_DELAY_SECONDS: '30',
  RETRY_MAX_DELAY_SECONDS: '100',
  TRIP_TTL_DAYS: String(ITEM_LIFETIME.completedTtlDays),
  OPEN_HALF_GRACE_HOURS: String(ITEM_LIFETIME.openHalfGraceHours),
  AWS_REGION: 'eu-west-1',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_METRICS_DISABLED: 'true',
} as const;

/** The handlers read their environment when their module loads, so this runs before they are required. */
export function useTestEnvironment(): void {
  Object.assign(process.env, TEST_ENVIRONMENT);
}

/** A context with the time an invocation has left fixed (a deployed handler's 30 s by default). */
export function lambdaContext(functionName: string, remainingMs = 30_000): Context {
  return { functionName, awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef', getRemainingTimeInMillis: () => remainingMs } as Context;
}

/** The instant every test runs at (only Date is faked; timers and promises run normally). */
export const NOW = new Date('2024-05-25T14:05:03.000Z');

function freezeClock(): void {
  jest.useFakeTimers({
    now: NOW,
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'requestAnimationFrame',
      'cancelAnimationFrame',
      'requestIdleCallback',
      'cancelIdleCallback',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
  });
}

type ObservabilityModule = typeof import('../../lambdas/common/observability');

/** The observability module as the handlers see it: the one they load themselves (nothing mocks it). */
function observability(): ObservabilityModule {
  return jest.requireActual<ObservabilityModule>('../../lambdas/common/observability');
}

const tally = new Map<string, number>();
const settled: SettledDelivery[] = [];

/** Every metric the handlers counted in the current test, by name (an Outcome or `DeadLettered:<reason>`). */
export function outcomeTally(): Record<string, number> {
  return Object.fromEntries(tally);
}

/** Every trip event delivery the handlers settled in the current test, in order. */
export function settledDeliveries(): SettledDelivery[] {
  return [...settled];
}

/**
 * The hooks every handler test file shares: before each test a frozen clock, fresh mocks and an outcome
 * observer installed through the handlers' in-process port, then `arrange` gives the mocks their default
 * answers; after it, the observer removed and real timers again.
 */
export function useHandlerTestLifecycle(mocks: ReadonlyArray<{ reset(): void }>, arrange: () => void): void {
  let stopObserving: (() => void) | undefined;
  beforeEach(() => {
    freezeClock();
    for (const mock of mocks) mock.reset();
    tally.clear();
    settled.length = 0;
    stopObserving = observability().observeOutcomes({
      counted: (name, count) => tally.set(name, (tally.get(name) ?? 0) + count),
      settled: (delivery) => settled.push(delivery),
    });
    arrange();
  });
  afterEach(() => {
    stopObserving?.();
    jest.useRealTimers();
  });
}

/** DynamoDB's refusal of a conditional write, carrying the item as it was (ALL_OLD), or none when there is none. */
export function conditionalCheckFailed(item?: Record<string, unknown>): ConditionalCheckFailedException {
  return new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: {},
    ...(item === undefined ? {} : { Item: marshall(item) }),
  });
}

/**
 * DynamoDB refusing a write for throughput, as the SDK surfaces it: `ThrottlingException` (on-demand tables
 * over their limits) or `ProvisionedThroughputExceededException` (a partition over its share).
 */
export function dynamoDbThrottled(name: 'ThrottlingException' | 'ProvisionedThroughputExceededException' = 'ThrottlingException'): Error {
  const message =
    name === 'ThrottlingException'
      ? 'Throughput exceeds the current capacity of your table.'
      : 'Rate of requests exceeds the allowed throughput.';
  return Object.assign(new Error(message), { name });
}

export interface SentMessage {
  readonly body: Record<string, unknown>;
  readonly delaySeconds: number | undefined;
  readonly attributes: Record<string, string | undefined>;
}

type SqsStub = AwsStub<ServiceInputTypes, ServiceOutputTypes, SQSClient['config']>;

/** Messages sent to `queueUrl`, in order, with bodies parsed and attribute values flattened. */
export function sentMessages(sqsMock: SqsStub, queueUrl: string): SentMessage[] {
  return sqsMock
    .commandCalls(SendMessageCommand, { QueueUrl: queueUrl })
    .map((call) => call.args[0].input)
    .map((input) => ({
      body: JSON.parse(input.MessageBody ?? 'null') as Record<string, unknown>,
      delaySeconds: input.DelaySeconds,
      attributes: Object.fromEntries(Object.entries(input.MessageAttributes ?? {}).map(([name, value]) => [name, value.StringValue])),
    }));
}

export const retryMessagesSent = (sqsMock: SqsStub): SentMessage[] => sentMessages(sqsMock, TEST_ENVIRONMENT.RETRY_QUEUE_URL);
export const deadLettersSent = (sqsMock: SqsStub): SentMessage[] => sentMessages(sqsMock, TEST_ENVIRONMENT.DEAD_LETTER_QUEUE_URL);

/** An UpdateItem as DynamoDB applies it: every placeholder resolved to the attribute name or value it stands for. */
export interface ResolvedUpdate {
  readonly key: Record<string, unknown> | undefined;
  /** SET assignments by attribute: the value when it is a plain value, else the expression (e.g. `if_not_exists(halves, 0) + 1`). */
  readonly set: Record<string, unknown>;
  readonly remove: readonly string[];
  /** Values appear as JSON (`"2024-05-25T13:19:00.000Z"`, `1`). */
  readonly condition: string | undefined;
  readonly returnValues: string | undefined;
  readonly returnValuesOnConditionCheckFailure: string | undefined;
}

/** Splits `a, f(b, c), d` at the commas outside parentheses. */
function topLevelParts(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const character of text) {
    if (character === '(') depth += 1;
    if (character === ')') depth -= 1;
    if (character === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else current += character;
  }
  if (current.trim() !== '') parts.push(current.trim());
  return parts;
}

export function resolveUpdate(input: UpdateCommandInput): ResolvedUpdate {
  const names = input.ExpressionAttributeNames ?? {};
  const values: Record<string, unknown> = input.ExpressionAttributeValues ?? {};
  const placeholder = (token: string): string => {
    if (token.startsWith('#')) {
      const name = names[token];
      if (name === undefined) throw new Error(`Expression uses ${token}, which ExpressionAttributeNames does not define`);
      return name;
    }
    if (!(token in values)) throw new Error(`Expression uses ${token}, which ExpressionAttributeValues does not define`);
    return JSON.stringify(values[token]);
  };
  const resolve = (expression: string): string => expression.replace(/[#:][A-Za-z0-9_]+/g, placeholder);
  // DynamoDB refuses a request that defines a placeholder its expressions do not use.
  const used = new Set(`${input.UpdateExpression ?? ''} ${input.ConditionExpression ?? ''}`.match(/[#:][A-Za-z0-9_]+/g) ?? []);
  const unused = [...Object.keys(names), ...Object.keys(values)].filter((token) => !used.has(token));
  if (unused.length > 0) throw new Error(`DynamoDB would refuse this update: ${unused.join(', ')} defined but not used`);
  const [setClause = '', removeClause = ''] = (input.UpdateExpression ?? '').split(' REMOVE ');
  const set = Object.fromEntries(
    topLevelParts(setClause.replace(/^SET /, '')).map((assignment) => {
      const [target = '', expression = ''] = assignment.split(' = ');
      return [placeholder(target), /^:[A-Za-z0-9_]+$/.test(expression) ? values[expression] : resolve(expression)];
    }),
  );
  return {
    key: input.Key,
    set,
    remove: topLevelParts(removeClause).map(placeholder),
    condition: input.ConditionExpression === undefined ? undefined : resolve(input.ConditionExpression),
    returnValues: input.ReturnValues,
    returnValuesOnConditionCheckFailure: input.ReturnValuesOnConditionCheckFailure,
  };
}
