/**
 * Concurrency inside one stream batch without reordering a trip: records of the same trip run one after
 * another, in stream order, and records of different trips run concurrently. "The first one stands" then
 * means the first in the stream, as it would if the batch ran one record at a time.
 */
export class TripOrder {
  /** For each record id, the settling of the previous record of the same trip. */
  private readonly predecessors = new Map<string, Promise<void>>();
  private readonly releases = new Map<string, () => void>();

  constructor(records: readonly { readonly id: string; readonly tripId: string | null }[]) {
    const lastOfTrip = new Map<string, Promise<void>>();
    for (const { id, tripId } of records) {
      const settled = new Promise<void>((resolve) => this.releases.set(id, resolve));
      if (tripId === null) continue;
      const previous = lastOfTrip.get(tripId);
      if (previous !== undefined) this.predecessors.set(id, previous);
      lastOfTrip.set(tripId, settled);
    }
  }

  /** Runs `work` for record `id` once the trip's earlier records have settled, whatever their result. */
  async run<T>(id: string, work: () => Promise<T>): Promise<T> {
    await this.predecessors.get(id);
    try {
      return await work();
    } finally {
      this.releases.get(id)?.();
    }
  }
}
