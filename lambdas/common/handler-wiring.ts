/**
 * Builds what the start, end and redrive handlers share from their validated environment. Called once per
 * handler module, at module scope, so clients are reused across invocations.
 *
 * No S3 client: a dead letter too large for SQS fails its record instead of storing its payload, and the
 * record's source hands it on whole (lambdas/common/dead-letters.ts). The S3 client alone would be a third of
 * each bundle (ADR 0006).
 */

import { DeadLetterQueue, RetryQueue } from '../../aws/trip-queues';
import type { TripHandlerEnv } from '../../lib/handler-environment';
import { TripsTable } from './adapters/trips-table';
import { createDocumentClient } from './clients/dynamodb';
import { createSqsClient } from './clients/sqs';
import { DeadLetters } from './dead-letters';
import { TripEventProcessor } from './trip-event-processor';
import { TripRecorder } from './trip-recorder';

export interface TripPipeline {
  readonly tripEvents: TripEventProcessor;
  readonly deadLetters: DeadLetters;
}

export function createTripPipeline(environment: TripHandlerEnv): TripPipeline {
  const sqs = createSqsClient();
  const deadLetters = new DeadLetters(new DeadLetterQueue(sqs, environment.DEAD_LETTER_QUEUE_URL), null);
  const trips = new TripRecorder(new TripsTable(createDocumentClient(), environment.TRIPS_TABLE_NAME), {
    openHalfGraceHours: environment.OPEN_HALF_GRACE_HOURS,
    completedTtlDays: environment.TRIP_TTL_DAYS,
  });
  const tripEvents = new TripEventProcessor(trips, new RetryQueue(sqs, environment.RETRY_QUEUE_URL), deadLetters, {
    maxRetries: environment.PROCESSING_MAX_RETRIES,
    baseDelaySeconds: environment.RETRY_BASE_DELAY_SECONDS,
    maxDelaySeconds: environment.RETRY_MAX_DELAY_SECONDS,
  });
  return { tripEvents, deadLetters };
}
