/**
 * Applies one trip event to the trips table and says what happened. Start, end and redrive handlers all
 * go through here, so a start or end means the same thing whichever way it arrived.
 *
 * Happy path cost: one conditional write per event and no reads; a completed trip is exactly two writes.
 */
import type { TripEndEvent, TripEvent, TripStartEvent } from '../../lib/domain/events';
import {
  completionAttributes,
  decideEnd,
  decideStart,
  readStoredTrip,
  startedTripItem,
  type StoredTrip,
} from '../../lib/domain/trip-state';
import type { TripsTable } from './adapters/trips-table';

export type RejectionReason = 'CONFLICTING_DUPLICATE' | 'DROPOFF_BEFORE_PICKUP';

export type TripOutcome =
  | { readonly kind: 'started' }
  | { readonly kind: 'completed' }
  | { readonly kind: 'duplicate' }
  /** An end whose start is not recorded yet: it has to wait. */
  | { readonly kind: 'start-not-found' }
  /** The event breaks a trip rule and is never applied; the DLQ gets it with this reason. */
  | { readonly kind: 'rejected'; readonly reason: RejectionReason; readonly detail: string };

export class TripService {
  constructor(
    private readonly table: TripsTable,
    private readonly ttlDays: number,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  apply(event: TripEvent): Promise<TripOutcome> {
    return event.event_type === 'trip_start' ? this.applyStart(event) : this.applyEnd(event);
  }

  private async applyStart(event: TripStartEvent): Promise<TripOutcome> {
    const item = startedTripItem(event, this.clock(), this.ttlDays);
    const write = await this.table.insertStart(item);
    if (write.applied) return { kind: 'started' };
    const decision = decideStart(storedTrip(write.existing), item.start_fingerprint);
    switch (decision.kind) {
      case 'duplicate':
        return { kind: 'duplicate' };
      case 'conflict':
        return { kind: 'rejected', reason: 'CONFLICTING_DUPLICATE', detail: decision.detail };
      case 'record':
        throw unexplainedRefusal(event);
    }
  }

  private async applyEnd(event: TripEndEvent): Promise<TripOutcome> {
    const completion = completionAttributes(event, this.clock(), this.ttlDays);
    const write = await this.table.completeTrip(event.trip_id, completion);
    if (write.applied) return { kind: 'completed' };
    const decision = decideEnd(storedTrip(write.existing), completion);
    switch (decision.kind) {
      case 'start-not-found':
        return { kind: 'start-not-found' };
      case 'duplicate':
        return { kind: 'duplicate' };
      case 'conflict':
        return { kind: 'rejected', reason: 'CONFLICTING_DUPLICATE', detail: decision.detail };
      case 'dropoff-before-pickup':
        return { kind: 'rejected', reason: 'DROPOFF_BEFORE_PICKUP', detail: decision.detail };
      case 'complete':
        throw unexplainedRefusal(event);
    }
  }
}

function storedTrip(item: Record<string, unknown> | undefined): StoredTrip | undefined {
  return item === undefined ? undefined : readStoredTrip(item);
}

/**
 * DynamoDB refused the write, yet the item it returned (or its absence) satisfies the rules: the table and
 * these rules disagree. An error, so the event is retried and in the end dead-lettered, never judged on a
 * guess.
 */
function unexplainedRefusal(event: TripEvent): Error {
  return new Error(
    `The trips table refused the ${event.event_type} of trip ${event.trip_id}, but the item it returned allows it`,
  );
}
