/**
 * Messages on the SQS retry queue and the dead-letter queue. Both carry the full event, never a pointer,
 * so an operator can redrive a dead letter after a fix without the original stream record.
 */

import { tripEventSchema } from './events';
import * as z from './validation';

export const DEAD_LETTER_REASONS = [
  'INVALID_EVENT',
  'CONFLICTING_DUPLICATE',
  'ORPHAN_END',
  'DROPOFF_BEFORE_PICKUP',
  'PROCESSING_FAILED',
] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

/**
 * Why an event waits on the retry queue: only failures (throttling, errors). A half whose partner has not
 * arrived is recorded as open in the trips table and never waits here.
 */
export const RETRY_REASONS = ['PROCESSING_FAILED'] as const;

export const HANDLER_NAMES = ['start', 'end', 'match', 'redrive', 'failed-batches', 'kpi-trigger', 'live-metrics', 'metrics-api'] as const;
export type HandlerName = (typeof HANDLER_NAMES)[number];

/** The envelope versions the handlers write; the schemas accept exactly these. */
export const RETRY_MESSAGE_SCHEMA_VERSION = 2;
export const DEAD_LETTER_SCHEMA_VERSION = 2;

/**
 * The stream record an event came from: shard and sequence number. Carried through retries, dead letters
 * and the trips item, so every outcome can be traced to the record (and the raw archive) it settles.
 */
export const eventOriginSchema = z.strictObject({
  shard_id: z.string().check(z.minLength(1), z.maxLength(256)),
  sequence_number: z.string().check(z.minLength(1), z.maxLength(128)),
});
export type EventOrigin = z.infer<typeof eventOriginSchema>;

export const retryMessageSchema = z.strictObject({
  schema_version: z.literal(RETRY_MESSAGE_SCHEMA_VERSION),
  event: tripEventSchema,
  reason: z.enum(RETRY_REASONS),
  /** Attempts made so far, the first delivery included. */
  attempts: z.number().check(z.int(), z.positive()),
  first_seen_at: z.string(),
  last_error: z.nullable(z.string()),
  origin: z.nullable(eventOriginSchema),
});
export type RetryMessage = z.infer<typeof retryMessageSchema>;

/** Where the payload of a letter too large for one SQS message is kept, whole (ADR 0005). */
const deadLetterPayloadLocationSchema = z.strictObject({
  s3_uri: z.string().check(z.startsWith('s3://')),
  bytes: z.number().check(z.int(), z.nonnegative()),
  sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
});
export type DeadLetterPayloadLocation = z.infer<typeof deadLetterPayloadLocationSchema>;

/**
 * SQS's limit on one message (body and attributes): the DLQ keeps the default maximum. A letter whose body would
 * exceed MAX_DEAD_LETTER_BODY_BYTES carries its payload by location instead; valid events never do, because every
 * field of an event is bounded (domain/bounds.ts).
 */
const SQS_MAX_MESSAGE_BYTES = 262_144;
/** Leaves room for the message attributes (reason, trip_id of at most 128 characters). */
export const MAX_DEAD_LETTER_BODY_BYTES = SQS_MAX_MESSAGE_BYTES - 4_096;
/** A letter's detail is cut to this many characters: it explains, the payload is what is kept whole. */
export const MAX_DEAD_LETTER_DETAIL_LENGTH = 2_000;

export const deadLetterMessageSchema = z.strictObject({
  schema_version: z.literal(DEAD_LETTER_SCHEMA_VERSION),
  reason: z.enum(DEAD_LETTER_REASONS),
  /** Null only when the payload was too broken to carry one. */
  trip_id: z.nullable(z.string()),
  /**
   * The validated event, or for INVALID_EVENT whatever arrived (parsed JSON if it parsed, else the text; bytes
   * that are not UTF-8 as `{ record_data_base64 }`). Null when the payload is kept at `event_location`.
   */
  event: z.unknown(),
  event_location: z.optional(deadLetterPayloadLocationSchema),
  detail: z.string(),
  attempts: z.number().check(z.int(), z.nonnegative()),
  first_seen_at: z.string(),
  dead_lettered_at: z.string(),
  source: z.enum(HANDLER_NAMES),
  /** The stream record the event came from, when known. */
  origin: z.nullable(eventOriginSchema),
});
export type DeadLetterMessage = z.infer<typeof deadLetterMessageSchema>;
