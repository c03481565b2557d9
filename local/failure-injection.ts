/**
 * Failure injection for tests of the delivery semantics: read only by the local runtime's invoker, never by
 * handler code, so the handlers under test are the deployed ones.
 *
 * TRIPSTREAM_LOCAL_FAIL is a comma-separated list of `<handler>:<trip_id>:<times>[:record|throw]`:
 * - `record` (default): the record of that trip is reported as a failed batch item (it is not passed to
 *   the handler), the next `<times>` times it is delivered;
 * - `throw`: the whole invocation containing that trip throws, the next `<times>` times.
 */
import { HANDLER_NAMES, type HandlerName } from '../lib/domain/envelopes';

export const FAILURE_INJECTION_VARIABLE = 'TRIPSTREAM_LOCAL_FAIL';

export type InjectedFailureMode = 'record' | 'throw';

export interface InjectedFailure {
  readonly handler: HandlerName;
  readonly tripId: string;
  readonly times: number;
  readonly mode: InjectedFailureMode;
}

export function parseFailureInjection(text: string | undefined): InjectedFailure[] {
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
        `${FAILURE_INJECTION_VARIABLE}: "${entry}" is not <handler>:<trip_id>:<times>[:record|throw] (handler one of ${HANDLER_NAMES.join(', ')})`,
      );
    }
    return { handler: handler as HandlerName, tripId, times: count, mode };
  });
}

/** Decides, invocation by invocation, which records fail; each rule fires `times` deliveries, then stops. */
export class FailureInjector {
  private readonly remaining = new Map<string, number>();

  constructor(private readonly rules: readonly InjectedFailure[]) {
    for (const rule of rules) this.remaining.set(ruleKey(rule), rule.times);
  }

  /** Whether the invocation of `handler` over these trips must throw (and uses up one firing of each rule). */
  shouldThrow(handler: HandlerName, tripIds: readonly (string | null)[]): boolean {
    return this.fire(handler, tripIds, 'throw').size > 0;
  }

  /** Trip ids whose records must be reported as failed in this invocation. */
  failingTrips(handler: HandlerName, tripIds: readonly (string | null)[]): Set<string> {
    return this.fire(handler, tripIds, 'record');
  }

  private fire(handler: HandlerName, tripIds: readonly (string | null)[], mode: InjectedFailureMode): Set<string> {
    const fired = new Set<string>();
    const present = new Set(tripIds.filter((tripId): tripId is string => tripId !== null));
    for (const rule of this.rules) {
      if (rule.handler !== handler || rule.mode !== mode || !present.has(rule.tripId)) continue;
      const key = ruleKey(rule);
      const left = this.remaining.get(key) ?? 0;
      if (left <= 0) continue;
      this.remaining.set(key, left - 1);
      fired.add(rule.tripId);
    }
    return fired;
  }
}

function ruleKey(rule: InjectedFailure): string {
  return `${rule.handler}:${rule.tripId}:${rule.mode}`;
}
