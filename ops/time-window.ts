/**
 * Time bounds of the operator CLIs (`dlq --from/--to` on first-seen time, `replay --from/--to` on event time):
 * a calendar date (UTC, whole days, the upper one included) or an ISO 8601 instant (the upper one excluded).
 */
import { InvalidArgumentError } from 'commander';
import { addDays, isCalendarDate } from '../kpi/dates';

/** [from, before): `before` is exclusive. */
export interface TimeWindow {
  readonly from?: Date;
  readonly before?: Date;
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

function parseBound(text: string, side: 'from' | 'to'): Date {
  if (isCalendarDate(text)) return new Date(`${side === 'from' ? text : addDays(text, 1)}T00:00:00.000Z`);
  if (ISO_INSTANT.test(text)) {
    const instant = new Date(text);
    if (!Number.isNaN(instant.getTime())) return instant;
  }
  throw new InvalidArgumentError('expected a date (YYYY-MM-DD, UTC) or an ISO 8601 instant with a zone (2024-05-25T13:00:00Z).');
}

/** commander argument parsers: a lower bound, and an upper bound (a date includes its whole day). */
export const parseFromBound = (text: string): Date => parseBound(text, 'from');
export const parseToBound = (text: string): Date => parseBound(text, 'to');

export function withinWindow(instant: string, window: TimeWindow): boolean {
  const at = Date.parse(instant);
  if (Number.isNaN(at)) return false;
  if (window.from !== undefined && at < window.from.getTime()) return false;
  return window.before === undefined || at < window.before.getTime();
}

/** A window whose end is not after its start selects nothing: always a mistake in the arguments. */
export function assertOrdered(window: TimeWindow): void {
  if (window.from !== undefined && window.before !== undefined && window.before.getTime() <= window.from.getTime()) {
    throw new InvalidArgumentError(`the time range is empty: ${window.from.toISOString()} to ${window.before.toISOString()}`);
  }
}
