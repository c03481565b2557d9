/**
 * Caps records per second for `--rate`. Each caller reserves its share of time up front, so concurrent
 * batches never overlap their budgets; the first reservation goes at once and later ones wait their turn.
 */
export class RateLimiter {
  private nextFreeAt = 0;

  constructor(
    private readonly recordsPerSecond: number,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = delay,
  ) {
    if (!(recordsPerSecond > 0)) throw new RangeError(`rate must be a positive number of records per second, got ${recordsPerSecond}`);
  }

  /** Largest batch that keeps bursts to about a tenth of a second at this rate. */
  get burstSize(): number {
    return Math.max(1, Math.ceil(this.recordsPerSecond / 10));
  }

  async acquire(records: number): Promise<void> {
    const now = this.now();
    const startAt = Math.max(now, this.nextFreeAt);
    this.nextFreeAt = startAt + (records * 1000) / this.recordsPerSecond;
    if (startAt > now) await this.sleep(startAt - now);
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
