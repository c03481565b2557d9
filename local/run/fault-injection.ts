/**
 * Fault injection for the local runtime: read only by its invoker and by a request hook it registers on
 * the handlers' SDK clients, never by handler code, so the handlers under test are the deployed ones.
 *
 * Two sources, used together:
 * - a random share (`npm run local -- --inject-faults <rate>[:<seed>]`): each of a record's first two
 *   deliveries to a handler fails with probability `rate`, half of those as a reported batch item failure, half as a
 *   function error (the invocation fails once the function reaches that record); and each request attempt
 *   of the handlers' SDK clients is throttled with probability `rate`, before it is sent, with the error the
 *   service returns, so the SDK's own retries apply as on AWS. Decisions are drawn from a counter-based
 *   PRNG keyed by seed, handler, record and delivery number (or service, operation and call number), so a
 *   seed gives the same decision for the same delivery whatever the interleaving of the shards.
 * - targeted faults (TRIPSTREAM_LOCAL_FAULTS, used by tests): a comma-separated list of
 *   `<handler>:<trip_id>:<times>[:record|throw]`. `record` (default): that trip's record is reported as a
 *   failed batch item (it is not passed to the handler), the next `<times>` times it is delivered;
 *   `throw`: the invocation containing that trip fails when the function reaches it, the next `<times>` times.
 */

import type { RequestAttempt } from '../../aws/clients';
import { HANDLER_NAMES, type HandlerName } from '../../domain/envelopes';
import type { DeliveredRecord, InvocationFaultPlan, InvocationFaults } from '../event-source-mapping/invoker';

export const TARGETED_FAULTS_VARIABLE = 'TRIPSTREAM_LOCAL_FAULTS';
export const DEFAULT_FAULT_SEED = 1;
/** Of the records drawn to fail, the share that fails the whole invocation rather than being reported. */
const FUNCTION_ERROR_SHARE = 0.5;
/**
 * Injected faults are transient, as throttling and crashes are: a record can be drawn to fail on its first
 * deliveries only, fewer than any retry budget of the pipeline allows. A fault that outlasts every budget is
 * a poison record, which targeted injection (TRIPSTREAM_LOCAL_FAULTS) covers; random faults must leave the
 * KPIs exact.
 */
const FAULTY_DELIVERIES_PER_RECORD = 2;

/**
 * Handlers whose invocations succeed or fail whole (live-metrics: a tumbling window's invocation without a
 * state is a failed one, retried with the state it had). Their faults are drawn per invocation, not per
 * record: a failure ends the rest of the batch whatever record it happens at, so a per-record draw would
 * fail nearly every delivery of a 1,000-record batch. An invocation fails (at a drawn record: from there on
 * reported, or a crash there) with probability `rate`, on the first two deliveries from a checkpoint, within
 * the retry budget as for the other handlers.
 */
const IN_ORDER_HANDLERS: ReadonlySet<string> = new Set<HandlerName>(['live-metrics']);

export type InjectedFaultMode = 'record' | 'throw';

export interface TargetedFault {
  readonly handler: HandlerName;
  readonly tripId: string;
  readonly times: number;
  readonly mode: InjectedFaultMode;
}

/** What `runLocalPipeline` is told to inject. */
export interface FaultInjection {
  /** Share of record deliveries that fail and of the handlers' request attempts that are throttled, in [0, 1). */
  readonly rate: number;
  readonly seed: number;
  readonly targeted: readonly TargetedFault[];
}

export const NO_FAULTS: FaultInjection = { rate: 0, seed: DEFAULT_FAULT_SEED, targeted: [] };

/** summary.json `faults_injected`. */
export interface InjectedFaultCounts {
  /** Records reported as failed batch items. */
  record_failures: number;
  /** Invocations made to fail as a whole. */
  function_errors: number;
  /** Request attempts of the handlers' SDK clients failed with a throttling error. */
  throttles: number;
}

/** Parses `<rate>[:<seed>]`; the message says what is wrong (the CLI reports it as a usage error). */
export function parseFaultRate(text: string): Pick<FaultInjection, 'rate' | 'seed'> {
  const [rateText = '', seedText, ...rest] = text.trim().split(':');
  const rate = rateText.trim() === '' ? Number.NaN : Number(rateText);
  if (rest.length > 0 || !Number.isFinite(rate) || rate < 0 || rate >= 1) {
    throw new Error(`"${text}" is not <rate>[:<seed>] with rate a number in [0, 1) (e.g. 0.1 or 0.1:7)`);
  }
  if (seedText === undefined) return { rate, seed: DEFAULT_FAULT_SEED };
  const seed = seedText.trim() === '' ? Number.NaN : Number(seedText);
  if (!Number.isSafeInteger(seed)) throw new Error(`"${text}": the seed "${seedText}" is not an integer`);
  return { rate, seed };
}

export function parseTargetedFaults(text: string | undefined): TargetedFault[] {
  if (text === undefined || text.trim() === '') return [];
  return text.split(',').map((entry) => {
    const parts = entry.trim().split(':');
    const [handler, tripId, times, mode = 'record'] = parts;
    const count = Number(times);
    if (
      parts.length > 4 ||
      handler === undefined ||
      !(HANDLER_NAMES as readonly string[]).includes(handler) ||
      tripId === undefined ||
      tripId === '' ||
      !Number.isInteger(count) ||
      count < 1 ||
      (mode !== 'record' && mode !== 'throw')
    ) {
      throw new Error(
        `${TARGETED_FAULTS_VARIABLE}: "${entry}" is not <handler>:<trip_id>:<times>[:record|throw] (handler one of ${HANDLER_NAMES.join(', ')})`,
      );
    }
    return { handler: handler as HandlerName, tripId, times: count, mode };
  });
}

/** An SDK error as the service would return it when throttling: the SDK's retry strategy retries it. */
export class InjectedThrottlingError extends Error {
  readonly $fault = 'client';
  readonly $retryable = { throttling: true };
  // Mutable: the SDK's retry middleware records attempts and delays on it.
  readonly $metadata: { httpStatusCode: number; requestId: string; attempts?: number; totalRetryDelay?: number };

  constructor(name: string, httpStatusCode: number, attempt: RequestAttempt, requestId: string) {
    super(`injected throttling of ${attempt.service}.${attempt.operation}`);
    this.name = name;
    this.$metadata = { httpStatusCode, requestId };
  }
}

/** The error code and status each service throttles with. */
function throttlingErrorOf(service: string): { name: string; status: number } {
  switch (service) {
    case 'DynamoDB':
    case 'DynamoDBStreams':
    case 'Kinesis':
      return { name: 'ProvisionedThroughputExceededException', status: 400 };
    case 'S3':
      return { name: 'SlowDown', status: 503 };
    default:
      return { name: 'ThrottlingException', status: 400 };
  }
}

export class FaultInjector implements InvocationFaults {
  private readonly remaining = new Map<string, number>();
  private readonly deliveries = new Map<string, number>();
  /** Per in-order handler and checkpoint: how many records of a delivery from it were handed to the handler so far. */
  private readonly handedFromCheckpoint = new Map<string, number>();
  private readonly calls = new Map<string, number>();
  private readonly counts: InjectedFaultCounts = { record_failures: 0, function_errors: 0, throttles: 0 };

  constructor(private readonly settings: FaultInjection = NO_FAULTS) {
    if (!(settings.rate >= 0 && settings.rate < 1)) throw new Error(`the fault rate must be in [0, 1), got ${settings.rate}`);
    for (const rule of settings.targeted) this.remaining.set(ruleKey(rule), rule.times);
  }

  get injected(): InjectedFaultCounts {
    return { ...this.counts };
  }

  /** `handler` is the function's key, the record's `key` its trip (record-views.ts). */
  plan(handler: string, records: readonly DeliveredRecord[]): InvocationFaultPlan {
    const failing = new Set<number>();
    let crashAt: number | null = null;
    const targetedThrow = this.fireTargeted(handler, records, 'throw');
    const targetedRecord = this.fireTargeted(handler, records, 'record');
    const inOrder = IN_ORDER_HANDLERS.has(handler);
    const drawnInvocation = inOrder ? this.drawInvocation(handler, records) : undefined;
    records.forEach((record, index) => {
      if (inOrder) {
        if (targetedThrow.has(index) || (drawnInvocation?.index === index && drawnInvocation.crashes)) crashAt ??= index;
        else if (targetedRecord.has(index) || drawnInvocation?.index === index) failing.add(index);
        return;
      }
      const key = `${handler}|${record.key ?? record.identifier}`;
      const delivery = (this.deliveries.get(key) ?? 0) + 1;
      this.deliveries.set(key, delivery);
      const drawn =
        this.settings.rate > 0 &&
        delivery <= FAULTY_DELIVERIES_PER_RECORD &&
        unitInterval(this.settings.seed, 'record', key, delivery) < this.settings.rate;
      const crashes = drawn && unitInterval(this.settings.seed, 'mode', key, delivery) < FUNCTION_ERROR_SHARE;
      if (targetedThrow.has(index) || crashes) crashAt ??= index;
      else if (targetedRecord.has(index) || drawn) failing.add(index);
    });
    if (inOrder) this.reportInOrder(handler, records, failing, crashAt);
    if (crashAt !== null) this.counts.function_errors += 1;
    else this.counts.record_failures += failing.size;
    return { failing, crashAt };
  }

  /**
   * Reshapes an in-order handler's failing records into what that handler reports: the first failing record
   * and every record after it, starting no earlier than the records an earlier delivery from the same
   * checkpoint handed over. The handler may have applied those in a transaction that runs past a record drawn
   * now; it skips such records and never reports them. A report from inside applied work would move the
   * checkpoint into a transaction, which the real handler never does, and its redelivery would count part of
   * that transaction again.
   */
  private reportInOrder(handler: string, records: readonly DeliveredRecord[], failing: Set<number>, crashAt: number | null): void {
    const head = records[0];
    if (head === undefined) return;
    const key = `${handler}|handed|${head.identifier}`;
    const handedBefore = this.handedFromCheckpoint.get(key) ?? 0;
    const reportedFrom = failing.size > 0 ? Math.max(Math.min(...failing), handedBefore) : records.length;
    failing.clear();
    for (let index = reportedFrom; index < records.length; index += 1) failing.add(index);
    this.handedFromCheckpoint.set(key, Math.max(handedBefore, Math.min(crashAt ?? records.length, reportedFrom)));
  }

  /** An in-order handler's invocation: whether it fails, at which record and how, keyed by the checkpoint's record. */
  private drawInvocation(handler: string, records: readonly DeliveredRecord[]): { index: number; crashes: boolean } | undefined {
    const head = records[0];
    if (head === undefined || this.settings.rate === 0) return undefined;
    const key = `${handler}|checkpoint|${head.identifier}`;
    const delivery = (this.deliveries.get(key) ?? 0) + 1;
    this.deliveries.set(key, delivery);
    if (delivery > FAULTY_DELIVERIES_PER_RECORD || unitInterval(this.settings.seed, 'invocation', key, delivery) >= this.settings.rate)
      return undefined;
    return {
      index: Math.floor(unitInterval(this.settings.seed, 'position', key, delivery) * records.length),
      crashes: unitInterval(this.settings.seed, 'mode', key, delivery) < FUNCTION_ERROR_SHARE,
    };
  }

  /** The request hook for the handlers' clients: throws a throttling error for `rate` of the attempts. */
  throttle(attempt: RequestAttempt): void {
    if (this.settings.rate === 0) return;
    const key = `${attempt.service}.${attempt.operation}`;
    const call = (this.calls.get(key) ?? 0) + 1;
    this.calls.set(key, call);
    if (unitInterval(this.settings.seed, 'throttle', key, call) >= this.settings.rate) return;
    this.counts.throttles += 1;
    const { name, status } = throttlingErrorOf(attempt.service);
    throw new InjectedThrottlingError(name, status, attempt, `injected-${this.counts.throttles}`);
  }

  /** Indexes of the records a targeted rule of this mode fires on (each rule once per invocation). */
  private fireTargeted(handler: string, records: readonly DeliveredRecord[], mode: InjectedFaultMode): Set<number> {
    const fired = new Set<number>();
    for (const rule of this.settings.targeted) {
      if (rule.handler !== handler || rule.mode !== mode) continue;
      const index = records.findIndex((record) => record.key === rule.tripId);
      const left = this.remaining.get(ruleKey(rule)) ?? 0;
      if (index < 0 || left <= 0) continue;
      this.remaining.set(ruleKey(rule), left - 1);
      for (const [position, record] of records.entries()) if (record.key === rule.tripId) fired.add(position);
    }
    return fired;
  }
}

function ruleKey(rule: TargetedFault): string {
  return `${rule.handler}:${rule.tripId}:${rule.mode}`;
}

/**
 * A uniform draw in [0, 1) that depends only on its inputs: FNV-1a over the text, then the murmur3
 * finalizer to spread the bits. Counter-based, so no draw depends on the order others were made in.
 */
function unitInterval(seed: number, ...parts: readonly (string | number)[]): number {
  const text = `${seed}\u0000${parts.join('\u0000')}`;
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) / 0x1_0000_0000;
}
