/**
 * Giving an event up: the DLQ message (full event, reason, attempts, first-seen time) is sent, then counted
 * by reason. If the send fails the error propagates, so the caller's record fails instead of vanishing.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { DEAD_LETTER_SCHEMA_VERSION, type DeadLetterMessage } from '../../lib/domain/envelopes';
import type { DeadLetterQueue } from './adapters/queues';
import { countDeadLetter } from './observability';

export type DeadLetter = Omit<DeadLetterMessage, 'schema_version' | 'dead_lettered_at'>;

export class DeadLetters {
  constructor(
    private readonly queue: DeadLetterQueue,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async send(letter: DeadLetter, log: Logger): Promise<void> {
    await this.queue.send({ schema_version: DEAD_LETTER_SCHEMA_VERSION, ...letter, dead_lettered_at: this.clock().toISOString() });
    countDeadLetter(letter.reason);
    log.warn('Event sent to the dead-letter queue', { reason: letter.reason, detail: letter.detail });
  }
}
