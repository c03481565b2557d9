/**
 * Wall time of the local run's phases, for summary.json's `phases_ms` and the local-run benchmark: where the
 * fixed overhead of a run goes (emulator start, resource creation, handler loading, done detection, ...).
 */
export class PhaseTimer {
  private readonly totals = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Runs `work`, adding its wall time to `phase` (phases may be timed more than once; their times add up). */
  async time<T>(phase: string, work: () => Promise<T>): Promise<T> {
    const startedAt = this.now();
    try {
      return await work();
    } finally {
      this.add(phase, this.now() - startedAt);
    }
  }

  add(phase: string, ms: number): void {
    this.totals.set(phase, (this.totals.get(phase) ?? 0) + ms);
  }

  /** Every phase timed so far, in the order first timed, in whole milliseconds. */
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.totals].map(([phase, ms]) => [phase, Math.round(ms)]));
  }
}
