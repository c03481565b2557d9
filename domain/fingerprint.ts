/**
 * A stable identity for an event's content, stored with the trip so that a redelivered event can be told
 * from a different event for the same trip without reading or comparing every field.
 */
import { createHash } from 'node:crypto';
import type { TripEvent } from './events';

/** JSON with object keys sorted at every level, so the same content always gives the same text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, nested: unknown) => {
    if (nested === null || typeof nested !== 'object' || Array.isArray(nested)) return nested;
    const entries = Object.entries(nested as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries);
  });
}

/** SHA-256 (hex) of the canonical event. Events are validated first, so equal content means equal text. */
export function eventFingerprint(event: TripEvent): string {
  return createHash('sha256').update(canonicalJson(event)).digest('hex');
}
