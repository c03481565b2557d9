/** Turning record payloads (Kinesis data, SQS bodies) into validated values, or into a precise refusal. */

import { errorText } from '../../domain/error-text';
import { decodeUtf8 } from '../../domain/utf8';
import type * as z from '../../domain/validation';
import { describeIssues } from '../../domain/validation';

export type Decoded<T> =
  | { readonly valid: true; readonly value: T }
  /** `payload` is the parsed JSON when it parsed, else the text, so the DLQ keeps exactly what arrived. */
  | { readonly valid: false; readonly payload: unknown; readonly tripId: string | null; readonly detail: string };

/**
 * Record data (bytes) -> a validated value. Bytes that are not UTF-8 are refused, never decoded into U+FFFD
 * (two different trip ids must not become one); the payload then keeps the exact bytes, base64-encoded.
 */
export function decodeJsonBytes<S extends z.ZodMiniType>(bytes: Uint8Array, schema: S): Decoded<z.output<S>> {
  const text = decodeUtf8(bytes);
  if (!text.ok) {
    const shown = text.shown.length > 200 ? `${text.shown.slice(0, 200)}…` : text.shown;
    return {
      valid: false,
      payload: { record_data_base64: Buffer.from(bytes).toString('base64') },
      tripId: null,
      detail: `record data is not valid UTF-8 (first bad byte at offset ${text.firstInvalidOffset}): ${shown}`,
    };
  }
  return decodeJson(text.text, schema);
}

export function decodeJson<S extends z.ZodMiniType>(text: string, schema: S): Decoded<z.output<S>> {
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch (error) {
    return { valid: false, payload: text, tripId: null, detail: `not JSON: ${errorText(error)}` };
  }
  const parsed = schema.safeParse(payload);
  if (!parsed.success) return { valid: false, payload, tripId: tripIdIn(payload), detail: describeIssues(parsed.error) };
  return { valid: true, value: parsed.data };
}

/** The trip id of an event (`trip_id`) or of a message wrapping one (`event.trip_id`), if it has a usable one. */
export function tripIdIn(payload: unknown): string | null {
  if (!isRecord(payload)) return null;
  if (typeof payload.trip_id === 'string' && payload.trip_id !== '') return payload.trip_id;
  return isRecord(payload.event) ? tripIdIn(payload.event) : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An epoch time as an ISO instant; `fallback` when the source did not carry a usable one. */
export function isoFromEpochMillis(epochMillis: number, fallback: () => Date): string {
  return Number.isFinite(epochMillis) ? new Date(epochMillis).toISOString() : fallback().toISOString();
}
