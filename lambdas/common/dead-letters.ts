/**
 * Giving an event up: the DLQ message (full event, reason, attempts, first-seen time) is sent, then counted
 * by reason. If the send fails the error propagates, so the caller's record fails instead of vanishing.
 *
 * Every letter fits into one SQS message: its detail is cut to a bounded length, and a payload too large for
 * the message (only an INVALID_EVENT can carry one: valid events are bounded) is stored whole in the data
 * bucket first, the letter pointing at it with its size and SHA-256 (ADR 0005).
 */
import {
  DEAD_LETTER_SCHEMA_VERSION,
  MAX_DEAD_LETTER_BODY_BYTES,
  MAX_DEAD_LETTER_DETAIL_LENGTH,
  type DeadLetterMessage,
} from '../../lib/domain/envelopes';
import type { DeadLetterPayloads } from './adapters/dead-letter-payloads';
import type { DeadLetterQueue } from '../../lib/aws/trip-queues';
import { countDeadLetter, type TripLogger } from './observability';

export type DeadLetter = Omit<DeadLetterMessage, 'schema_version' | 'dead_lettered_at' | 'event_location'>;

export class DeadLetters {
  constructor(
    private readonly queue: DeadLetterQueue,
    private readonly payloads: DeadLetterPayloads,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async send(letter: DeadLetter, log: TripLogger): Promise<void> {
    const message: DeadLetterMessage = {
      schema_version: DEAD_LETTER_SCHEMA_VERSION,
      ...letter,
      detail: cut(letter.detail),
      dead_lettered_at: this.clock().toISOString(),
    };
    if (Buffer.byteLength(JSON.stringify(message), 'utf8') > MAX_DEAD_LETTER_BODY_BYTES) {
      const location = await this.payloads.store(letter.source, JSON.stringify(letter.event) ?? 'null');
      await this.queue.send({ ...message, event: null, event_location: location });
      log.warn('Dead letter payload too large for SQS: stored in S3', { s3_uri: location.s3_uri, bytes: location.bytes });
    } else {
      await this.queue.send(message);
    }
    countDeadLetter(letter.reason);
    log.warn('Event sent to the dead-letter queue', { reason: letter.reason, detail: message.detail });
  }
}

function cut(detail: string): string {
  return detail.length > MAX_DEAD_LETTER_DETAIL_LENGTH ? `${detail.slice(0, MAX_DEAD_LETTER_DETAIL_LENGTH)}…` : detail;
}
