/**
 * The start handler records each trip start on its trip's item.
 *
 * trip-start stream -> trips table. Each valid start is recorded by one conditional UpdateItem, whether or
 * not the end is there (if it is, the start completes the trip); a redelivered start is ignored, a different
 * start for a recorded trip goes to the DLQ, and anything that is not a valid trip_start goes to the DLQ as
 * INVALID_EVENT. A write that fails (throttling, an error) goes to the retry queue.
 */
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { tripStartEventSchema } from '../../domain/events';
import { readEnvironment, tripHandlerEnvSchema } from '../../lib/handler-environment';
import { createTripPipeline } from '../common/handler-wiring';
import { processTripStream } from '../common/kinesis-batch';
import { instrumented } from '../common/observability';

const environment = readEnvironment(tripHandlerEnvSchema);
const pipeline = createTripPipeline(environment);

export const handler = instrumented(
  'start',
  (event: KinesisStreamEvent, context: Context): Promise<KinesisStreamBatchResponse> =>
    processTripStream(event, context, { schema: tripStartEventSchema, source: 'start', pipeline }),
);
