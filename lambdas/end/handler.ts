/**
 * trip-end stream -> trips table. Each valid end completes its trip (one conditional UpdateItem). An end
 * whose start is not recorded yet waits on the retry queue; a redelivered end is ignored; a different end,
 * or one whose dropoff is before the pickup, goes to the DLQ; anything that is not a valid trip_end goes
 * to the DLQ as INVALID_EVENT.
 */
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { tripEndEventSchema } from '../../lib/domain/events';
import { readEnvironment, tripHandlerEnvSchema } from '../../lib/handler-environment';
import { instrumented } from '../common/observability';
import { createTripPipeline } from '../common/trip-pipeline';
import { processTripStream } from '../common/trip-stream';

const environment = readEnvironment(tripHandlerEnvSchema);
const pipeline = createTripPipeline(environment);

export const handler = instrumented(
  'end',
  (event: KinesisStreamEvent, context: Context): Promise<KinesisStreamBatchResponse> =>
    processTripStream(event, context, { schema: tripEndEventSchema, source: 'end', pipeline }),
);
