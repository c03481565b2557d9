/**
 * The end handler records each trip end on its trip's item.
 *
 * trip-end stream -> trips table. Each valid end is recorded by one conditional UpdateItem, and completes
 * its trip when the start is there; an end whose start has not arrived stays open on the item (no retry).
 * A redelivered end is ignored; a different end, or one whose dropoff is before the pickup, goes to the DLQ;
 * anything that is not a valid trip_end goes to the DLQ as INVALID_EVENT. A write that fails (throttling, an
 * error) goes to the retry queue.
 */
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { tripEndEventSchema } from '../../domain/events';
import { readEnvironment, tripHandlerEnvSchema } from '../../lib/handler-environment';
import { createTripPipeline } from '../common/handler-wiring';
import { processTripStream } from '../common/kinesis-batch';
import { instrumented } from '../common/observability';

const environment = readEnvironment(tripHandlerEnvSchema);
const pipeline = createTripPipeline(environment);

export const handler = instrumented(
  'end',
  (event: KinesisStreamEvent, context: Context): Promise<KinesisStreamBatchResponse> =>
    processTripStream(event, context, { schema: tripEndEventSchema, source: 'end', pipeline }),
);
