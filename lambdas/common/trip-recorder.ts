/**
 * Records one trip event in the trips table and says what happened. Start, end and redrive handlers all go
 * through here, so an event means the same thing whichever way it arrived.
 *
 * Cost: one conditional write per event and no reads, whatever the order of the halves; a completed trip is
 * exactly two successful writes. The one exception is an end that drops off before a start arriving after
 * it: the end is dead-lettered first (its full event comes from the item), then the start replaces it.
 */
import type { TripEvent } from '../../domain/events';
import {
  explainRefusal,
  halfWrite,
  type ItemLifetime,
  type RejectionReason,
  type Sighting,
  type StoredEnd,
} from '../../domain/trip-assembly';
import type { TripsTable } from './adapters/trips-table';

export type TripOutcome =
  /** This event's write brought the second half: the trip is complete. */
  | { readonly kind: 'completed' }
  /** The half is recorded; its partner has not arrived yet. */
  | { readonly kind: 'open' }
  /** The same half is recorded already: nothing changed. */
  | { readonly kind: 'duplicate' }
  /** The event breaks a trip rule and is never applied; the DLQ gets it with this reason. */
  | { readonly kind: 'rejected'; readonly reason: RejectionReason; readonly detail: string };

/** Dead-letters an end the item held before it is removed; must throw when the letter could not be sent. */
export type EvictEnd = (end: StoredEnd, detail: string) => Promise<void>;

export class TripRecorder {
  constructor(
    private readonly table: TripsTable,
    private readonly lifetime: ItemLifetime,
  ) {}

  async apply(event: TripEvent, sighting: Sighting, evictEnd: EvictEnd): Promise<TripOutcome> {
    const write = halfWrite(event, sighting, this.lifetime);
    const result = await this.table.recordHalf(write);
    if (result.applied) return { kind: result.completed ? 'completed' : 'open' };
    const refusal = explainRefusal(write, result.existing);
    switch (refusal.kind) {
      case 'duplicate':
        return { kind: 'duplicate' };
      case 'rejected':
        return { kind: 'rejected', reason: refusal.reason, detail: refusal.detail };
      case 'evict-end': {
        await evictEnd(refusal.end, refusal.detail);
        const replaced = await this.table.replaceEndWithStart(write, refusal.end.fingerprint);
        // Refused only when the item changed in between (another start, another end): settle it afresh.
        if (!replaced.applied) throw new Error(`The item of trip ${write.tripId} changed while its end was being replaced; retrying`);
        return { kind: 'open' };
      }
    }
  }
}
