import { type Clock, FeedPacer } from '../../../producer/feed-pacer';

/** A clock that moves only when slept on, recording every sleep. */
function fakeClock(startMs = 1_000_000): Clock & { readonly sleeps: number[]; nowMs: number } {
  const clock = {
    nowMs: startMs,
    sleeps: [] as number[],
    now: () => clock.nowMs,
    sleep: (ms: number) => {
      clock.sleeps.push(ms);
      clock.nowMs += ms;
      return Promise.resolve();
    },
  };
  return clock;
}

describe('FeedPacer', () => {
  it('lets row n through n / (2 x rate) seconds after the first: each trip is a start and an end', async () => {
    // Prepare
    const clock = fakeClock();
    const pacer = new FeedPacer(5, clock);
    const releasedAt: number[] = [];

    // Act
    for (let row = 0; row < 6; row += 1) {
      await pacer.next();
      releasedAt.push(clock.nowMs - 1_000_000);
    }

    // Assess: 10 rows/s
    expect(releasedAt).toEqual([0, 100, 200, 300, 400, 500]);
  });

  it('does not wait for rows that are already due, and keeps to the schedule after a slow row', async () => {
    // Prepare
    const clock = fakeClock();
    const pacer = new FeedPacer(1, clock);
    await pacer.next();
    clock.nowMs += 1_700; // the producer spent 1.7 s on something (a full in-flight queue, say)

    // Act
    await pacer.next(); // due at 0.5 s: late already
    await pacer.next(); // due at 1.0 s: late already
    await pacer.next(); // due at 1.5 s: late already
    await pacer.next(); // due at 2.0 s: 0.3 s to wait

    // Assess
    expect(clock.sleeps).toEqual([300]);
  });

  it('runs the before-waiting step only when there is a wait, before it', async () => {
    // Prepare
    const clock = fakeClock();
    const pacer = new FeedPacer(0.5, clock);
    const steps: string[] = [];
    const beforeWaiting = (): Promise<void> => {
      steps.push(`send at ${clock.nowMs - 1_000_000}`);
      return Promise.resolve();
    };

    // Act
    await pacer.next(beforeWaiting);
    await pacer.next(beforeWaiting);

    // Assess: 1 row/s; the first row waits for nothing
    expect(steps).toEqual(['send at 0']);
    expect(clock.sleeps).toEqual([1_000]);
  });

  it.each([[0], [-1], [Number.NaN], [Number.POSITIVE_INFINITY]])('refuses a rate of %p trips per second', (rate) => {
    // Act / Assess
    expect(() => new FeedPacer(rate)).toThrow(/positive number of trips per second/);
  });
});
