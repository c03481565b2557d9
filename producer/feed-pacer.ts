/**
 * Paces the producer like a live feed (`--rate <trips/s>`): rows are let through one after the other, in the
 * send order, row n at n / (2 x rate) seconds after the first, since each trip is two rows (its start and its
 * end). Malformed rows take their turn too: a real feed delivers them at its rate like any other. Unlike
 * RateLimiter (a cap on sending, resends included), this sets when rows arrive; resends are not paced.
 */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

const ROWS_PER_TRIP = 2;

export class FeedPacer {
  private firstAt: number | undefined;
  private released = 0;

  constructor(
    readonly tripsPerSecond: number,
    private readonly clock: Clock = systemClock,
  ) {
    if (!(Number.isFinite(tripsPerSecond) && tripsPerSecond > 0)) {
      throw new RangeError(`the feed rate must be a positive number of trips per second, got ${tripsPerSecond}`);
    }
  }

  /** When the row to be let through next is due, in ms since epoch (the first row: now). */
  private dueAt(): number {
    this.firstAt ??= this.clock.now();
    return this.firstAt + (this.released * 1000) / (this.tripsPerSecond * ROWS_PER_TRIP);
  }

  /**
   * Waits until the next row is due. `beforeWaiting` runs first when there is a wait: the producer sends
   * what has arrived so far then, as a feed does, instead of holding it for a fuller batch.
   */
  async next(beforeWaiting?: () => Promise<void>): Promise<void> {
    const wait = this.dueAt() - this.clock.now();
    this.released += 1;
    if (wait <= 0) return;
    await beforeWaiting?.();
    await this.clock.sleep(wait);
  }
}
