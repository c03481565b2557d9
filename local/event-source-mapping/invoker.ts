/**
 * Runs functions in this process, the way the Lambda service invokes them: a fresh Context per invocation,
 * the configured timeout enforced, one count per invocation. It knows functions by name only; which
 * handler modules they are, and the environment they need, is for whoever wires the mappings (the run).
 */
import type { Context } from 'aws-lambda';
import { lambdaContext } from './lambda-events';

export type LambdaHandler = (event: never, context: Context) => Promise<unknown>;

/** A function as the service knows it: its handler and the configuration an invocation sees. */
export interface LocalFunction {
  readonly handler: LambdaHandler;
  readonly functionName: string;
  readonly timeoutSeconds: number;
  readonly memorySizeMb: number;
}

export type InvocationResult = { readonly ok: true; readonly response: unknown } | { readonly ok: false; readonly error: Error };

/**
 * How the invoker reads one record of an event: its batch item identifier, and the key faults are
 * injected by (the entity the record belongs to, as the caller defines it; null when it has none).
 */
export interface RecordView<R> {
  identifierOf(record: R): string;
  faultKeyOf(record: R): string | null;
}

/** One record of an invocation, as a fault plan sees it. */
export interface DeliveredRecord {
  readonly key: string | null;
  /** The batch item identifier (sequence number or message id): tells records of one key apart. */
  readonly identifier: string;
}

/** What an invocation is made to do. */
export interface InvocationFaultPlan {
  /** Indexes of the records reported as failed batch items (not passed to the handler). */
  readonly failing: ReadonlySet<number>;
  /** When set, the invocation fails as a whole once the function reaches this record; the records before it are handled. */
  readonly crashAt: number | null;
}

/** The port the invoker asks before each invocation. */
export interface InvocationFaults {
  plan(functionKey: string, records: readonly DeliveredRecord[]): InvocationFaultPlan;
}

const NO_INVOCATION_FAULTS: InvocationFaults = { plan: () => ({ failing: new Set(), crashAt: null }) };

export class LocalInvoker {
  private readonly counts = new Map<string, number>();
  private running = 0;

  /** `functions` by the key mappings invoke them with (e.g. `start`), not by function name. */
  constructor(
    private readonly functions: Readonly<Record<string, LocalFunction>>,
    private readonly faults: InvocationFaults = NO_INVOCATION_FAULTS,
  ) {}

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

  /** `eventFields` go into the event beside `Records` (a tumbling window's shardId, window, state, ...). */
  async invoke<R>(
    name: string,
    records: readonly R[],
    view: RecordView<R>,
    eventFields: Readonly<Record<string, unknown>> = {},
  ): Promise<InvocationResult> {
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
    this.running += 1;
    try {
      const plan = this.faults.plan(
        name,
        records.map((record) => ({ key: view.faultKeyOf(record), identifier: view.identifierOf(record) })),
      );
      return await invokeWithFaults(name, records, view, plan, (delivered) => this.call(name, delivered, eventFields));
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error : new Error(String(error)) };
    } finally {
      this.running -= 1;
    }
  }

  private async call<R>(name: string, records: readonly R[], eventFields: Readonly<Record<string, unknown>>): Promise<unknown> {
    const fn = this.functions[name];
    if (fn === undefined) throw new Error(`no local function "${name}" (known: ${Object.keys(this.functions).join(', ')})`);
    const timeoutMs = fn.timeoutSeconds * 1000;
    const context = lambdaContext(
      { region: process.env.AWS_REGION ?? 'us-east-1', functionName: fn.functionName, memorySizeMb: fn.memorySizeMb },
      Date.now() + timeoutMs,
    );
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`Task timed out after ${fn.timeoutSeconds}.00 seconds`)), timeoutMs);
    });
    try {
      return await Promise.race([fn.handler({ ...eventFields, Records: records } as never, context), timedOut]);
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
  name: string,
  records: readonly R[],
  view: RecordView<R>,
  plan: InvocationFaultPlan,
  call: (delivered: readonly R[]) => Promise<unknown>,
): Promise<InvocationResult> {
  const handled = plan.crashAt === null ? records : records.slice(0, plan.crashAt);
  const delivered = handled.filter((_record, index) => !plan.failing.has(index));
  // An event without records is a tumbling window's final invocation: it is made all the same.
  const response = delivered.length > 0 || records.length === 0 ? await call(delivered) : undefined;
  if (plan.crashAt !== null) {
    return {
      ok: false,
      error: new Error(`injected function error of the ${name} invocation at record ${plan.crashAt + 1} of ${records.length}`),
    };
  }
  const injectedFailures = records
    .filter((_record, index) => plan.failing.has(index))
    .map((record) => ({ itemIdentifier: view.identifierOf(record) }));
  if (injectedFailures.length === 0) return { ok: true, response };
  return { ok: true, response: { batchItemFailures: [...injectedFailures, ...existingFailures(response)] } };
}

function existingFailures(response: unknown): unknown[] {
  if (typeof response !== 'object' || response === null) return [];
  const failures: unknown = (response as { batchItemFailures?: unknown }).batchItemFailures;
  return Array.isArray(failures) ? failures : [];
}
