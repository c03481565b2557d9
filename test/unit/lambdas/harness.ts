/**
 * What the handler tests share: the environment the handlers validate at load, a Lambda context,
 * a frozen clock, DynamoDB's conditional-write refusal, and readers for the messages a handler sent to the
 * retry queue and the DLQ.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Context } from 'aws-lambda';
import type { AwsStub } from 'aws-sdk-client-mock';
import type { ServiceInputTypes, ServiceOutputTypes } from '@aws-sdk/client-sqs';

export const TEST_ENVIRONMENT = {
  TRIPS_TABLE_NAME: 'tripstream-test-trips',
  RETRY_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/tripstream-test-retry',
  DEAD_LETTER_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/tripstream-test-dlq',
  DATA_BUCKET_NAME: 'tripstream-test-data',
  ORPHAN_END_MAX_ATTEMPTS: '3',
  PROCESSING_MAX_ATTEMPTS: '2',
  RETRY_BASE_DELAY_SECONDS: '30',
  RETRY_MAX_DELAY_SECONDS: '100',
  TRIP_TTL_DAYS: '90',
  AWS_REGION: 'eu-west-1',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_METRICS_DISABLED: 'true',
} as const;

/** The handlers read their environment when their module loads, so this runs before they are required. */
export function useTestEnvironment(): void {
  Object.assign(process.env, TEST_ENVIRONMENT);
}

export function lambdaContext(functionName: string): Context {
  return { functionName, awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef' } as Context;
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

type ObservabilityModule = typeof import('../../../lambdas/shared/observability');

/** The outcome tally as the handlers see it: the module they load themselves (nothing mocks it). */
export function outcomes(): ObservabilityModule {
  return jest.requireActual<ObservabilityModule>('../../../lambdas/shared/observability');
}

/**
 * The hooks every handler test file shares: before each test a frozen clock, fresh mocks and a fresh
 * tally, then `arrange` gives the mocks their default answers; after it, real timers again.
 */
export function useHandlerTestLifecycle(mocks: ReadonlyArray<{ reset(): void }>, arrange: () => void): void {
  beforeEach(() => {
    freezeClock();
    for (const mock of mocks) mock.reset();
    outcomes().resetOutcomeTally();
    arrange();
  });
  afterEach(() => {
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
