/**
 * How often and how long an event waits on the retry queue before it is given up to the DLQ.
 * Pure, so the schedule is unit-tested and identical on AWS and in the local run.
 */

export interface RetryPolicy {
  /** How many times an event is tried again after its first attempt. */
  readonly maxRetries: number;
  /** Delay before the first retry; each further retry doubles it, up to maxDelaySeconds. */
  readonly baseDelaySeconds: number;
  /** SQS accepts at most 900 seconds of DelaySeconds. */
  readonly maxDelaySeconds: number;
}

/**
 * Delay of the retry message that records `attempts` attempts so far: base, 2·base, 4·base, ... capped.
 * The exponent is capped too, so a large attempt count cannot overflow to Infinity or NaN.
 */
export function retryDelaySeconds(attempts: number, policy: Pick<RetryPolicy, 'baseDelaySeconds' | 'maxDelaySeconds'>): number {
  const doublings = Math.min(Math.max(attempts - 1, 0), 30);
  return Math.min(policy.maxDelaySeconds, policy.baseDelaySeconds * 2 ** doublings);
}

export type RetryDecision =
  | { readonly action: 'retry'; readonly attempts: number; readonly delaySeconds: number }
  | { readonly action: 'give-up'; readonly attempts: number };

/**
 * What to do after an attempt failed. `attempts` counts every attempt made so far, the failed one
 * included; the first attempt is not a retry, so an event gets 1 + maxRetries attempts in all.
 */
export function decideRetry(attempts: number, policy: RetryPolicy): RetryDecision {
  if (attempts - 1 < policy.maxRetries) {
    return { action: 'retry', attempts, delaySeconds: retryDelaySeconds(attempts, policy) };
  }
  return { action: 'give-up', attempts };
}
