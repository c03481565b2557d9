import { Readable } from 'node:stream';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ConfiguredRetryStrategy, isThrottlingError } from '@smithy/core/retry';
import { HttpResponse } from '@smithy/core/transport';
import { awsRequestCounts, registerRequestAttemptHook, resetAwsRequestCounts, withRequestCounting } from '../../../../aws/clients';
import { type DeliveredRecord, type InvocationFaultPlan, invokeWithFaults } from '../../../../local/event-source-mapping/invoker';
import {
  DEFAULT_FAULT_SEED,
  type FaultInjection,
  FaultInjector,
  InjectedThrottlingError,
  NO_FAULTS,
  parseFaultRate,
  parseTargetedFaults,
} from '../../../../local/run/fault-injection';

const deliveredRecords = (count: number, prefix = 'trip'): DeliveredRecord[] =>
  Array.from({ length: count }, (_unused, index) => ({ key: `${prefix}-${index}`, identifier: String(1000 + index) }));

const randomFaults = (rate: number, seed = 7): FaultInjection => ({ rate, seed, targeted: [] });

/** Plans `invocations` invocations of `batchSize` fresh records each. */
function planMany(injector: FaultInjector, invocations: number, batchSize: number): InvocationFaultPlan[] {
  return Array.from({ length: invocations }, (_unused, invocation) =>
    injector.plan('start', deliveredRecords(batchSize, `trip-${invocation}`)),
  );
}

describe('parseFaultRate', () => {
  it.each([
    ['0.1', { rate: 0.1, seed: DEFAULT_FAULT_SEED }],
    ['0.1:7', { rate: 0.1, seed: 7 }],
    ['0:-3', { rate: 0, seed: -3 }],
    [' 0.25 : 42 ', { rate: 0.25, seed: 42 }],
  ])('reads "%s"', (text, expected) => {
    // Act
    const parsed = parseFaultRate(text);

    // Assess
    expect(parsed).toEqual(expected);
  });

  it.each([
    ['1', /rate a number in \[0, 1\)/],
    ['-0.1', /rate a number in \[0, 1\)/],
    ['ten', /rate a number in \[0, 1\)/],
    ['', /rate a number in \[0, 1\)/],
    ['0.1:2:3', /rate a number in \[0, 1\)/],
    ['0.1:', /seed "" is not an integer/],
    ['0.1:1.5', /seed "1.5" is not an integer/],
    ['0.1:x', /seed "x" is not an integer/],
  ])('rejects "%s" saying what is wrong', (text, message) => {
    // Act
    const parse = () => parseFaultRate(text);

    // Assess
    expect(parse).toThrow(message);
  });
});

describe('parseTargetedFaults', () => {
  it('reads handler, trip, times and mode, record mode by default', () => {
    // Act
    const rules = parseTargetedFaults('start:trip-1:2, redrive:trip-9:1:throw');

    // Assess
    expect(rules).toEqual([
      { handler: 'start', tripId: 'trip-1', times: 2, mode: 'record' },
      { handler: 'redrive', tripId: 'trip-9', times: 1, mode: 'throw' },
    ]);
  });

  it('reads nothing from an unset or blank variable', () => {
    // Act
    const rules = [parseTargetedFaults(undefined), parseTargetedFaults('  ')];

    // Assess
    expect(rules).toEqual([[], []]);
  });

  it.each(['nobody:trip-1:1', 'start:trip-1:0', 'start::1', 'start:trip-1:1:explode', 'start:trip-1'])('rejects "%s"', (text) => {
    // Act
    const parse = () => parseTargetedFaults(text);

    // Assess
    expect(parse).toThrow(/TRIPSTREAM_LOCAL_FAULTS/);
  });
});

describe('FaultInjector, targeted faults', () => {
  it('fails a trip the given number of deliveries, only for its handler and mode', () => {
    // Prepare
    const injector = new FaultInjector({ ...NO_FAULTS, targeted: parseTargetedFaults('end:trip-1:2,start:trip-2:1:throw') });
    const batch = [
      { key: 'trip-0', identifier: 'a' },
      { key: 'trip-1', identifier: 'b' },
    ];

    // Act
    const deliveries = [1, 2, 3].map(() => [...injector.plan('end', batch).failing]);
    const otherHandler = [...injector.plan('start', batch).failing];
    const crashes = [1, 2].map(
      () =>
        injector.plan('start', [
          { key: 'trip-0', identifier: 'c' },
          { key: 'trip-2', identifier: 'd' },
        ]).crashAt,
    );

    // Assess
    expect(deliveries).toEqual([[1], [1], []]);
    expect(otherHandler).toEqual([]);
    expect(crashes).toEqual([1, null]);
    expect(injector.injected).toEqual({ record_failures: 2, function_errors: 1, throttles: 0 });
  });
});

describe('FaultInjector, in-order handlers', () => {
  it('fails a live-metrics record together with every record after it, as that handler reports failures', () => {
    // Prepare
    const injector = new FaultInjector({ ...NO_FAULTS, targeted: parseTargetedFaults('live-metrics:trip-1:1,start:trip-1:1') });
    const batch = ['trip-0', 'trip-1', 'trip-2', 'trip-3'].map((key, index) => ({ key, identifier: String(index) }));

    // Act
    const liveMetrics = [...injector.plan('live-metrics', batch).failing];
    const start = [...injector.plan('start', batch).failing];

    // Assess
    expect(liveMetrics).toEqual([1, 2, 3]);
    expect(start).toEqual([1]);
  });
});

describe('FaultInjector, random faults of in-order handlers', () => {
  it('fails about the given share of invocations, whatever their size, each from a drawn record on', () => {
    // Prepare
    const injector = new FaultInjector(randomFaults(0.1));
    const batches = Array.from({ length: 2000 }, (_unused, invocation) =>
      deliveredRecords(1000, `trip-${invocation}`).map((record) => ({ ...record, identifier: `${invocation}-${record.identifier}` })),
    );

    // Act
    const plans = batches.map((batch) => injector.plan('live-metrics', batch));

    // Assess
    const failed = plans.filter((plan) => plan.crashAt !== null || plan.failing.size > 0);
    expect(failed.length / plans.length).toBeGreaterThan(0.08);
    expect(failed.length / plans.length).toBeLessThan(0.12);
    for (const plan of plans.filter((candidate) => candidate.failing.size > 0)) {
      const from = Math.min(...plan.failing);
      expect(plan.failing.size).toBe(1000 - from);
    }
    expect(plans.some((plan) => plan.crashAt !== null)).toBe(true);
  });

  it('fails an invocation from the same checkpoint on its first two deliveries at most', () => {
    // Prepare: a rate so high that every draw fails
    const injector = new FaultInjector(randomFaults(0.999));
    const batch = deliveredRecords(10, 'checkpoint');

    // Act
    const deliveries = [1, 2, 3, 4].map(() => injector.plan('live-metrics', batch));

    // Assess
    expect(deliveries.map((plan) => plan.crashAt !== null || plan.failing.size > 0)).toEqual([true, true, false, false]);
  });
});

describe('FaultInjector, in-order handlers redelivered from a checkpoint', () => {
  it('never reports from inside the records an earlier delivery from the same checkpoint handed over', () => {
    // Prepare: every draw fails; about a quarter of the checkpoints crash first and draw a report lower down next
    const injector = new FaultInjector(randomFaults(0.999));
    const checkpoints = Array.from({ length: 400 }, (_unused, checkpoint) =>
      deliveredRecords(10, `trip-${checkpoint}`).map((record) => ({ ...record, identifier: `${checkpoint}-${record.identifier}` })),
    );

    // Act
    const deliveries = checkpoints.map((batch) => [injector.plan('live-metrics', batch), injector.plan('live-metrics', batch)] as const);

    // Assess
    const handed = (plan: { failing: ReadonlySet<number>; crashAt: number | null }): number =>
      Math.min(plan.crashAt ?? 10, plan.failing.size > 0 ? Math.min(...plan.failing) : 10);
    for (const [first, second] of deliveries) {
      if (second.failing.size > 0) expect(Math.min(...second.failing)).toBeGreaterThanOrEqual(handed(first));
    }
    expect(deliveries.filter(([first, second]) => first.crashAt !== null && second.failing.size > 0).length).toBeGreaterThan(40);
  });
});

describe('FaultInjector, random failures', () => {
  it('injects nothing at rate 0', () => {
    // Prepare
    const injector = new FaultInjector(randomFaults(0));

    // Act
    const plans = planMany(injector, 50, 100);

    // Assess
    expect(plans.every((plan) => plan.failing.size === 0 && plan.crashAt === null)).toBe(true);
    expect(injector.injected).toEqual({ record_failures: 0, function_errors: 0, throttles: 0 });
  });

  it('fails about the given share of records, as reported failures (several in a batch) and as function errors', () => {
    // Prepare
    const injector = new FaultInjector(randomFaults(0.1));

    // Act: batches of 1 record, so each failing record shows as what it is
    const singles = planMany(injector, 10_000, 1);
    const batches = planMany(new FaultInjector(randomFaults(0.1)), 200, 20);

    // Assess
    const reported = singles.filter((plan) => plan.failing.size > 0).length;
    const crashed = singles.filter((plan) => plan.crashAt !== null).length;
    expect((reported + crashed) / singles.length).toBeGreaterThan(0.08);
    expect((reported + crashed) / singles.length).toBeLessThan(0.12);
    expect(reported / (reported + crashed)).toBeGreaterThan(0.4);
    expect(reported / (reported + crashed)).toBeLessThan(0.6);
    expect(batches.some((plan) => plan.crashAt === null && plan.failing.size >= 2)).toBe(true);
    expect(batches.some((plan) => plan.crashAt !== null && plan.crashAt > 0)).toBe(true);
    expect(injector.injected).toEqual({ record_failures: reported, function_errors: crashed, throttles: 0 });
  });

  it('decides the same for the same delivery of the same record under one seed, whatever the order', () => {
    // Prepare
    const records = deliveredRecords(200);
    const forwards = new FaultInjector(randomFaults(0.2, 5));
    const backwards = new FaultInjector(randomFaults(0.2, 5));
    const otherSeed = new FaultInjector(randomFaults(0.2, 6));
    const failedRecords = (injector: FaultInjector, order: readonly DeliveredRecord[]): string[] =>
      order
        .filter((record) => {
          const plan = injector.plan('match', [record]);
          return plan.failing.size > 0 || plan.crashAt !== null;
        })
        .map((record) => record.key ?? '')
        .sort();

    // Act
    const first = failedRecords(forwards, records);
    const second = failedRecords(backwards, [...records].reverse());
    const third = failedRecords(otherSeed, records);

    // Assess
    expect(first.length).toBeGreaterThan(0);
    expect(second).toEqual(first);
    expect(third).not.toEqual(first);
  });

  it('draws again on each delivery, so a record that failed once mostly gets through on the next', () => {
    // Prepare
    const injector = new FaultInjector(randomFaults(0.5, 11));
    const records = deliveredRecords(100);

    // Act
    const failing = (plan: InvocationFaultPlan): boolean => plan.failing.size > 0 || plan.crashAt !== null;
    const firstRound = records.filter((record) => failing(injector.plan('start', [record])));
    const secondRound = firstRound.filter((record) => failing(injector.plan('start', [record])));

    // Assess
    expect(firstRound.length).toBeGreaterThan(30);
    expect(secondRound.length).toBeLessThan(firstRound.length);
  });

  it('keeps random faults transient: a record fails on its first two deliveries at most, within every retry budget', () => {
    // Prepare
    const injector = new FaultInjector(randomFaults(0.99, 3));
    const records = deliveredRecords(100);
    const failing = (plan: InvocationFaultPlan): boolean => plan.failing.size > 0 || plan.crashAt !== null;

    // Act
    const rounds = [1, 2, 3, 4].map(() => records.filter((record) => failing(injector.plan('redrive', [record]))).length);

    // Assess
    expect(rounds[0]).toBeGreaterThan(90);
    expect(rounds[1]).toBeGreaterThan(90);
    expect(rounds.slice(2)).toEqual([0, 0]);
  });
});

describe('invokeWithFaults', () => {
  const view = { identifierOf: (record: string) => `id-${record}`, faultKeyOf: (record: string) => record };

  it("keeps reported records from the handler and reports them next to the handler's own failures", async () => {
    // Prepare
    const handed: string[][] = [];
    const call = async (delivered: readonly string[]) => {
      handed.push([...delivered]);
      return { batchItemFailures: [{ itemIdentifier: 'id-d' }] };
    };

    // Act
    const result = await invokeWithFaults('start', ['a', 'b', 'c', 'd'], view, { failing: new Set([0, 2]), crashAt: null }, call);

    // Assess
    expect(handed).toEqual([['b', 'd']]);
    expect(result).toEqual({
      ok: true,
      response: { batchItemFailures: [{ itemIdentifier: 'id-a' }, { itemIdentifier: 'id-c' }, { itemIdentifier: 'id-d' }] },
    });
  });

  it('on a crash hands the handler the records before it, then fails the invocation', async () => {
    // Prepare
    const handed: string[][] = [];
    const call = async (delivered: readonly string[]) => {
      handed.push([...delivered]);
      return undefined;
    };

    // Act
    const result = await invokeWithFaults('end', ['a', 'b', 'c', 'd'], view, { failing: new Set([0]), crashAt: 2 }, call);
    const atHead = await invokeWithFaults('end', ['a', 'b'], view, { failing: new Set(), crashAt: 0 }, call);

    // Assess
    expect(handed).toEqual([['b']]);
    expect(result).toEqual({ ok: false, error: new Error('injected function error of the end invocation at record 3 of 4') });
    expect(atHead.ok).toBe(false);
  });
});

/** An HTTP handler answering every request with an empty queue list, counting the requests that reach it. */
function okHandler(): { sent: number; handle: () => Promise<{ response: HttpResponse }> } {
  const handler = {
    sent: 0,
    handle: async () => {
      handler.sent += 1;
      return {
        response: new HttpResponse({
          statusCode: 200,
          headers: { 'content-type': 'application/x-amz-json-1.0' },
          body: Readable.from(['{"QueueUrls":[]}']),
        }),
      };
    },
  };
  return handler;
}

describe("FaultInjector throttling of the handlers' SDK clients", () => {
  beforeEach(() => resetAwsRequestCounts());

  it('fails attempts with an error the SDK retries as throttling, before they are sent, and counts them', async () => {
    // Prepare
    const injector = new FaultInjector(randomFaults(0.5, 3));
    const http = okHandler();
    const client = withRequestCounting(
      new SQSClient({
        region: 'eu-west-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        endpoint: 'http://127.0.0.1:1',
        requestHandler: http,
        // The SDK's standard strategy, without its backoff delays.
        retryStrategy: new ConfiguredRetryStrategy(10, 0),
      }),
      'handler',
    );
    const remove = registerRequestAttemptHook('handler', (attempt) => injector.throttle(attempt));

    // Act
    try {
      for (let call = 0; call < 6; call += 1) await client.send(new ListQueuesCommand({}));
    } finally {
      remove();
    }

    // Assess
    const { throttles } = injector.injected;
    expect(throttles).toBeGreaterThan(0);
    expect(http.sent).toBe(6);
    expect(awsRequestCounts()).toEqual({ SQS: { ListQueues: 6 + throttles } });
  });

  it("gives each service its own throttling error, recognized by the SDK's retry strategy", () => {
    // Prepare
    const injector = new FaultInjector(randomFaults(0.999_999, 1));
    const thrown = (service: string): unknown => {
      try {
        injector.throttle({ service, operation: 'PutItem' });
        return undefined;
      } catch (error) {
        return error;
      }
    };

    // Act
    const errors = ['DynamoDB', 'SQS', 'S3'].map(thrown);

    // Assess
    expect(errors.map((error) => (error as Error).name)).toEqual([
      'ProvisionedThroughputExceededException',
      'ThrottlingException',
      'SlowDown',
    ]);
    expect(
      errors.every(
        (error) => error instanceof InjectedThrottlingError && isThrottlingError(error as Parameters<typeof isThrottlingError>[0]),
      ),
    ).toBe(true);
  });

  it('leaves clients without the handler role alone, and stops once removed', async () => {
    // Prepare
    const injector = new FaultInjector(randomFaults(0.999_999, 1));
    const options = {
      region: 'eu-west-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      endpoint: 'http://127.0.0.1:1',
      maxAttempts: 1,
    };
    const runtimeClient = withRequestCounting(new SQSClient({ ...options, requestHandler: okHandler() }));
    const handlerClient = withRequestCounting(new SQSClient({ ...options, requestHandler: okHandler() }), 'handler');
    const remove = registerRequestAttemptHook('handler', (attempt) => injector.throttle(attempt));

    // Act
    const runtimeCall = await runtimeClient.send(new ListQueuesCommand({})).then(
      () => 'sent',
      (error: Error) => error.name,
    );
    const handlerCall = await handlerClient.send(new ListQueuesCommand({})).then(
      () => 'sent',
      (error: Error) => error.name,
    );
    remove();
    const afterRemoval = await handlerClient.send(new ListQueuesCommand({})).then(
      () => 'sent',
      (error: Error) => error.name,
    );

    // Assess
    expect([runtimeCall, handlerCall, afterRemoval]).toEqual(['sent', 'ThrottlingException', 'sent']);
  });
});
