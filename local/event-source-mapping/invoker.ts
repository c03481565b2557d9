/**
 * Runs the deployed handler modules in this process, the way the Lambda service invokes a function: the
 * handler environment set before the modules load, a fresh Context per invocation, the configured timeout
 * enforced, one count per invocation. In-process, so the handlers' request and outcome tallies are
 * visible to the run summary.
 */
import type { Context } from 'aws-lambda';
import { handlerEnvironment, liveMetricsEnvironment } from '../../lib/handler-environment';
import type { PipelineSettings } from '../../lib/config';
import type { HandlerName } from '../../lib/domain/envelopes';
import type { LocalResources } from '../run/resources';
import type { InvocationFaultPlan, InvocationFaults } from '../run/failure-injection';
import { lambdaContext } from './lambda-events';


export type TripHandlerName = Extract<HandlerName, 'start' | 'end' | 'match' | 'redrive' | 'failed-batches' | 'live-metrics'>;

type LambdaHandler = (event: never, context: Context) => Promise<unknown>;

export type InvocationResult =
  | { readonly ok: true; readonly response: unknown }
  | { readonly ok: false; readonly error: Error };

/** How the invoker reads one record of an event: its batch item identifier and its trip (for injection). */
export interface RecordView<R> {
  identifierOf(record: R): string;
  tripIdOf(record: R): string | null;
}

export function functionName(settings: PipelineSettings, handler: TripHandlerName): string {
  return `${settings.prefix}-${handler}`;
}

export class LocalInvoker {
  private readonly counts = new Map<TripHandlerName, number>();
  private running = 0;

  private constructor(
    private readonly settings: PipelineSettings,
    private readonly handlers: Record<TripHandlerName, LambdaHandler>,
    private readonly faults: InvocationFaults,
  ) {}

  /**
   * Sets the handler environment (as the CDK stack does on AWS), then loads the handler modules. The log
   * level replaces the deployed one: a handler's per-record INFO lines would drown the run's own output.
   */
  static async load(
    settings: PipelineSettings,
    resources: LocalResources,
    faults: InvocationFaults,
    logLevel: PipelineSettings['handlers']['logLevel'],
  ): Promise<LocalInvoker> {
    Object.assign(
      process.env,
      handlerEnvironment(settings, {
        tripsTableName: resources.tripsTable.name,
        retryQueueUrl: resources.retryQueue.url,
        deadLetterQueueUrl: resources.deadLetterQueue.url,
        dataBucketName: resources.dataBucket,
      }),
      liveMetricsEnvironment(settings, { metricsTableName: resources.metricsTable.name }),
      { POWERTOOLS_LOG_LEVEL: logLevel },
    );
    const modules = await import('../run/handlers.js');
    const handlers = { start: modules.start, end: modules.end, match: modules.match, redrive: modules.redrive, 'failed-batches': modules.failedBatches, 'live-metrics': modules.liveMetrics };
    return new LocalInvoker(settings, handlers, faults);
  }

  /** Invocations so far per handler, e.g. `{ start: 12, end: 14 }`. */
  invocationCounts(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  get totalInvocations(): number {
    let total = 0;
    for (const count of this.counts.values()) total += count;
    return total;
  }

  get inFlight(): number {
    return this.running;
  }

  async invoke<R>(name: TripHandlerName, records: readonly R[], view: RecordView<R>): Promise<InvocationResult> {
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
    this.running += 1;
    try {
      const plan = this.faults.plan(
        name,
        records.map((record) => ({ tripId: view.tripIdOf(record), identifier: view.identifierOf(record) })),
      );
      return await invokeWithFaults(name, records, view, plan, (delivered) => this.call(name, delivered));
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error : new Error(String(error)) };
    } finally {
      this.running -= 1;
    }
  }

  private async call<R>(name: TripHandlerName, records: readonly R[]): Promise<unknown> {
    const timeoutMs = this.settings.handlers.timeoutSeconds * 1000;
    const context = lambdaContext(
      {
        region: process.env.AWS_REGION ?? 'us-east-1',
        functionName: functionName(this.settings, name),
        memorySizeMb: this.settings.handlers.memorySizeMb,
      },
      Date.now() + timeoutMs,
    );
    const handler = this.handlers[name];
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`Task timed out after ${this.settings.handlers.timeoutSeconds}.00 seconds`)), timeoutMs);
    });
    try {
      return await Promise.race([handler({ Records: records } as never, context), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Applies a fault plan to one invocation: failing records are reported as failed batch items without
 * reaching the handler (next to the handler's own failures); a crash hands the handler the records before
 * it (their effects stay, as when a function dies mid-batch), then fails the invocation.
 */
export async function invokeWithFaults<R>(
  name: TripHandlerName,
  records: readonly R[],
  view: RecordView<R>,
  plan: InvocationFaultPlan,
  call: (delivered: readonly R[]) => Promise<unknown>,
): Promise<InvocationResult> {
  const handled = plan.crashAt === null ? records : records.slice(0, plan.crashAt);
  const delivered = handled.filter((_record, index) => !plan.failing.has(index));
  const response = delivered.length > 0 ? await call(delivered) : undefined;
  if (plan.crashAt !== null) {
    return { ok: false, error: new Error(`injected function error of the ${name} invocation at record ${plan.crashAt + 1} of ${records.length}`) };
  }
  const injectedFailures = records.filter((_record, index) => plan.failing.has(index)).map((record) => ({ itemIdentifier: view.identifierOf(record) }));
  if (injectedFailures.length === 0) return { ok: true, response };
  return { ok: true, response: { batchItemFailures: [...injectedFailures, ...existingFailures(response)] } };
}

function existingFailures(response: unknown): unknown[] {
  if (typeof response !== 'object' || response === null) return [];
  const failures: unknown = (response as { batchItemFailures?: unknown }).batchItemFailures;
  return Array.isArray(failures) ? failures : [];
}
