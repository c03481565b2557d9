/**
 * Giving an event up: the DLQ message (full event, reason, attempts, first-seen time) is sent, then counted
 * by reason. If the send fails the error propagates, so the caller's record fails instead of vanishing.
 *
 * Every letter sent fits into one SQS message: its detail is cut to a bounded length. A payload too large for
 * the message (only an INVALID_EVENT can carry one: valid events are bounded) is, where the handler keeps payloads,
 * stored whole in the data bucket first, the letter pointing at it with its size and SHA-256. A handler that keeps
 * none (start, end, redrive: no S3 client in their bundles) fails the record instead, and the record's source
 * hands it on whole: a stream mapping's bounded retries and on-failure destination bring it to the failed-batches
 * handler, which keeps payloads; the retry queue's redrive policy moves the message to the DLQ (ADR 0005).
 */

import type { DeadLetterQueue } from '../../aws/trip-queues';
import {
  DEAD_LETTER_SCHEMA_VERSION,
  type DeadLetterMessage,
  MAX_DEAD_LETTER_BODY_BYTES,
  MAX_DEAD_LETTER_DETAIL_LENGTH,
} from '../../domain/envelopes';
import type { DeadLetterPayloads } from './adapters/dead-letter-payloads';
import { countDeadLetter, type TripLogger } from './observability';

export type DeadLetter = Omit<DeadLetterMessage, 'schema_version' | 'dead_lettered_at' | 'event_location'>;

/** A letter too large for one SQS message, from a handler that keeps no payloads: its record must fail. */
export class DeadLetterTooLargeError extends Error {
  override readonly name = 'DeadLetterTooLargeError';
}

export class DeadLetters {
  constructor(
    private readonly queue: DeadLetterQueue,
    /** Null where the handler keeps no payloads: an oversize letter then fails its record (DeadLetterTooLargeError). */
    private readonly payloads: DeadLetterPayloads | null,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async send(letter: DeadLetter, log: TripLogger): Promise<void> {
    const message: DeadLetterMessage = {
      schema_version: DEAD_LETTER_SCHEMA_VERSION,
      ...letter,
      detail: cut(letter.detail),
      dead_lettered_at: this.clock().toISOString(),
    };
    const bytes = Buffer.byteLength(JSON.stringify(message), 'utf8');
    if (bytes <= MAX_DEAD_LETTER_BODY_BYTES) {
      await this.queue.send(message);
    } else if (this.payloads === null) {
      // The batch utility reports the record failed without logging why.
      log.warn('Dead letter too large for SQS, and this handler keeps no payloads: the record fails', { reason: letter.reason, bytes });
      throw new DeadLetterTooLargeError(
        `the ${letter.reason} letter would be ${bytes} bytes, over the ${MAX_DEAD_LETTER_BODY_BYTES} of one dead-letter message, ` +
          `and ${letter.source} keeps no payloads: the record fails, for its source to hand it on whole (ADR 0005)`,
      );
    } else {
      const location = await this.payloads.store(letter.source, JSON.stringify(letter.event) ?? 'null');
      await this.queue.send({ ...message, event: null, event_location: location });
      log.warn('Dead letter payload too large for SQS: stored in S3', { s3_uri: location.s3_uri, bytes: location.bytes });
    }
    countDeadLetter(letter.reason);
    log.warn('Event sent to the dead-letter queue', { reason: letter.reason, detail: message.detail });
  }
}

function cut(detail: string): string {
  return detail.length > MAX_DEAD_LETTER_DETAIL_LENGTH ? `${detail.slice(0, MAX_DEAD_LETTER_DETAIL_LENGTH)}…` : detail;
}
