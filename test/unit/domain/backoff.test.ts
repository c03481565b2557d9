import { decideRetry, retryDelaySeconds } from '../../../domain/backoff';
import { defaultSettings } from '../../../lib/config';

describe('retryDelaySeconds', () => {
  const policy = { baseDelaySeconds: 30, maxDelaySeconds: 900 };

  it.each([
    [1, 30],
    [2, 60],
    [3, 120],
    [5, 480],
    [6, 900],
    [7, 900],
    [1000, 900],
  ])('for a message recording %i attempts is %i s', (attempts, expected) => {
    // Act
    const delay = retryDelaySeconds(attempts, policy);

    // Assess
    expect(delay).toBe(expected);
  });

  it('is 0 with a zero base (immediate retries) and never above the cap', () => {
    // Act
    const delays = [1, 2, 50].map((attempts) => retryDelaySeconds(attempts, { baseDelaySeconds: 0, maxDelaySeconds: 900 }));
    const capped = [1, 2, 3].map((attempts) => retryDelaySeconds(attempts, { baseDelaySeconds: 1, maxDelaySeconds: 2 }));

    // Assess
    expect(delays).toEqual([0, 0, 0]);
    expect(capped).toEqual([1, 2, 2]);
  });
});

describe('decideRetry', () => {
  const policy = { maxRetries: 3, baseDelaySeconds: 30, maxDelaySeconds: 900 };

  it('retries while retries are left: attempts 1 to 1 + maxRetries - 1 are followed by another one', () => {
    // Act
    const decisions = [1, 2, 3].map((attempts) => decideRetry(attempts, policy));

    // Assess
    expect(decisions).toEqual([
      { action: 'retry', attempts: 1, delaySeconds: 30 },
      { action: 'retry', attempts: 2, delaySeconds: 60 },
      { action: 'retry', attempts: 3, delaySeconds: 120 },
    ]);
  });

  it('gives up after the first attempt and maxRetries retries', () => {
    // Act
    const decisions = [4, 5].map((attempts) => decideRetry(attempts, policy));

    // Assess
    expect(decisions).toEqual([
      { action: 'give-up', attempts: 4 },
      { action: 'give-up', attempts: 5 },
    ]);
  });

  it('with the default budget, a failing event is tried 4 times over 3.5 minutes before the DLQ gets it', () => {
    // Prepare: the handlers' policy from the default settings (processingMaxRetries 3, 30 s doubling, capped at 900 s).
    const { processingMaxRetries, baseDelaySeconds, maxDelaySeconds } = defaultSettings.retry;
    const processing = { maxRetries: processingMaxRetries, baseDelaySeconds, maxDelaySeconds };

    // Act
    const decisions = [1, 2, 3, 4].map((attempts) => decideRetry(attempts, processing));

    // Assess
    const delays = decisions.flatMap((decision) => (decision.action === 'retry' ? [decision.delaySeconds] : []));
    expect(delays).toEqual([30, 60, 120]);
    expect(decisions.at(-1)).toEqual({ action: 'give-up', attempts: 4 });
  });
});
