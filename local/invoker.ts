/**
 * Runs the deployed handler modules in this process, the way the Lambda service invokes a function: the
 * handler environment set before the modules load, a fresh Context per invocation, the configured timeout
 * enforced, one count per invocation. In-process, so the handlers' request and outcome tallies are
 * visible to the run summary.
 */
import type { Context } from 'aws-lambda';
import { handlerEnvironment } from '../lib/handler-environment';
import type { PipelineSettings } from '../lib/config';
import type { HandlerName } from '../lib/domain/envelopes';
import type { LocalResources } from './resources';
import { FailureInjector } from './failure-injection';
import { lambdaContext } from './lambda-events';

export type TripHandlerName = Extract<HandlerName, 'start' | 'end' | 'match' | 'redrive' | 'failed-batches'>;

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
    private readonly injector: FailureInjector,
  ) {}

  /**
   * Sets the handler environment (as the CDK stack does on AWS), then loads the handler modules. The log
   * level replaces the deployed one: a handler's per-record INFO lines would drown the run's own output.
   */
  static async load(
    settings: PipelineSettings,
    resources: LocalResources,
    injector: FailureInjector,
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
      { POWERTOOLS_LOG_LEVEL: logLevel },
    );
    const modules = await import('./handlers.js');
    const handlers = { start: modules.start, end: modules.end, match: modules.match, redrive: modules.redrive, 'failed-batches': modules.failedBatches };
    return new LocalInvoker(settings, handlers, injector);
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
      const tripIds = records.map((record) => view.tripIdOf(record));
      if (this.injector.shouldThrow(name, tripIds)) {
        return { ok: false, error: new Error(`injected failure of the ${name} invocation (${records.length} records)`) };
      }
      const failing = this.injector.failingTrips(name, tripIds);
      const isFailing = (_record: R, index: number): boolean => failing.has(tripIds[index] ?? '');
      const delivered = records.filter((record, index) => !isFailing(record, index));
      const injectedFailures = records.filter(isFailing).map((record) => ({ itemIdentifier: view.identifierOf(record) }));
      const response = delivered.length > 0 ? await this.call(name, delivered) : undefined;
      if (injectedFailures.length === 0) return { ok: true, response };
      return { ok: true, response: { batchItemFailures: [...injectedFailures, ...existingFailures(response)] } };
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

function existingFailures(response: unknown): unknown[] {
  if (typeof response !== 'object' || response === null) return [];
  const failures: unknown = (response as { batchItemFailures?: unknown }).batchItemFailures;
  return Array.isArray(failures) ? failures : [];
}
