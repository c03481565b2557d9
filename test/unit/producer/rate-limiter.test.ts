import { RateLimiter } from '../../../producer/rate-limiter';

/** A clock that only moves when the limiter sleeps, so waits can be read exactly. */
function virtualClock() {
  const clock = { now: 0, sleeps: [] as number[] };
  return {
    clock,
    now: () => clock.now,
    sleep: async (ms: number) => {
      clock.sleeps.push(ms);
      clock.now += ms;
    },
  };
}

describe('RateLimiter', () => {
  it('lets the first reservation go at once and spaces the next ones by their size', async () => {
    // Prepare
    const { clock, now, sleep } = virtualClock();
    const limiter = new RateLimiter(100, now, sleep);

    // Act
    await limiter.acquire(10);
    await limiter.acquire(10);
    await limiter.acquire(50);

    // Assess
    expect(clock.sleeps).toEqual([100, 100]);
    expect(clock.now).toBe(200);
  });

  it('gives back time that passed without reservations', async () => {
    // Prepare
    const { clock, now, sleep } = virtualClock();
    const limiter = new RateLimiter(10, now, sleep);
    await limiter.acquire(1);
    clock.now += 1_000;

    // Act
    await limiter.acquire(1);

    // Assess
    expect(clock.sleeps).toEqual([]);
  });

  it('keeps bursts to about a tenth of a second', () => {
    // Act
    const sizes = [5, 100, 2_345].map((rate) => new RateLimiter(rate).burstSize);

    // Assess
    expect(sizes).toEqual([1, 10, 235]);
  });

  it('refuses a rate that is not positive', () => {
    // Act
    const create = () => new RateLimiter(0);

    // Assess
    expect(create).toThrow('rate must be a positive number of records per second, got 0');
  });
});
