/**
 * The redrive handler applies again the trip events whose first try failed, from the retry queue.
 *
 * Retry queue -> trips table. Each message holds an event whose processing failed (throttling, an error).
 * It is applied again; if it still fails, a new message with one more attempt and a longer delay is sent,
 * until the budget is spent and the DLQ gets it as PROCESSING_FAILED.
 *
 * Retrying again means sending a new message and letting this one succeed (be deleted), so the queue's own
 * receive count stays at 1 on the normal path and its redrive policy only catches real failures: a message
 * is reported failed only when its event could not be put anywhere, and SQS then redelivers it.
 *
 * A dead letter moved back by SQS's own "redrive to source" is accepted too, as a retry with a fresh budget
 * (domain/redrive.ts).
 *
 * A body that is not a retry message is dead-lettered as INVALID_EVENT with the body as its payload. If that
 * letter would not fit one SQS message (the body is bounded by the queue's message size, its JSON escaping is
 * not), the message fails: this handler keeps no payloads, and after maxReceiveCount deliveries the retry
 * queue's redrive policy moves the message itself, whole, to the DLQ (ADR 0005).
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { redriveDeliverySchema } from '../../domain/redrive';
import { readEnvironment, tripHandlerEnvSchema } from '../../lib/handler-environment';
import { inBatchOrder } from '../common/batch-response';
import { decodeJson, isoFromEpochMillis } from '../common/decoding';
import { createTripPipeline } from '../common/handler-wiring';
import { instrumented, loggerForTrip } from '../common/observability';

const environment = readEnvironment(tripHandlerEnvSchema);
const pipeline = createTripPipeline(environment);

async function redrive(record: SQSRecord): Promise<void> {
  const result = decodeJson(record.body, redriveDeliverySchema);
  if (!result.valid) {
    await pipeline.deadLetters.send(
      {
        reason: 'INVALID_EVENT',
        trip_id: result.tripId,
        event: result.payload,
        detail: `not a retry message: ${result.detail}`,
        attempts: deliveriesOf(record),
        first_seen_at: isoFromEpochMillis(Number(record.attributes.SentTimestamp), () => new Date()),
        source: 'redrive',
        origin: null,
      },
      loggerForTrip(result.tripId),
    );
    return;
  }
  const message = result.value;
  await pipeline.tripEvents.process(
    { event: message.event, attempt: message.attempts + 1, firstSeenAt: message.first_seen_at, origin: message.origin, source: 'redrive' },
    loggerForTrip(message.event.trip_id),
  );
}

/** How many times SQS has delivered this message; it always says, but a hand-made event may not. */
function deliveriesOf(record: SQSRecord): number {
  const count = Number.parseInt(record.attributes.ApproximateReceiveCount, 10);
  return Number.isInteger(count) && count > 0 ? count : 1;
}

export const handler = instrumented('redrive', async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  // One processor per invocation: a processor holds the state of its batch, and the local runtime may run
  // several invocations of this module at once.
  const processor = new BatchProcessor(EventType.SQS);
  const response = await processPartialResponse(event, redrive, processor, { context, throwOnFullBatchFailure: false });
  return inBatchOrder(
    response,
    event.Records.map((record) => record.messageId),
  );
});
