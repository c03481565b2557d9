/**
 * The start and end handlers' shared body: a Kinesis batch of trip events, each record decoded, validated
 * and settled on its own, with a partial batch response.
 *
 * A record is reported failed only when its event could not be put anywhere (the retry queue or the DLQ
 * was unreachable). The mapping then resumes from the lowest failed sequence number, so records after it
 * are delivered again. That is safe because applying an event is idempotent: a recorded event comes back as
 * a duplicate, and an event parked twice settles the same way from both messages.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import type { EventOrigin, HandlerName } from '../../domain/envelopes';
import type { TripEvent } from '../../domain/events';
import { eventFingerprint } from '../../domain/fingerprint';
import type * as z from '../../domain/validation';
import { inBatchOrder } from './batch-response';
import { type Decoded, decodeJsonBytes, isoFromEpochMillis } from './decoding';
import type { TripPipeline } from './handler-wiring';
import { loggerForTrip } from './observability';
import { TripOrder } from './trip-order';

export interface TripStreamOptions {
  /** What this stream may carry; anything else is an INVALID_EVENT. */
  readonly schema: z.ZodMiniType<TripEvent>;
  readonly source: HandlerName;
  readonly pipeline: TripPipeline;
}

export async function processTripStream(
  event: KinesisStreamEvent,
  context: Context,
  options: TripStreamOptions,
): Promise<KinesisStreamBatchResponse> {
  const decoded = new Map<string, Decoded<TripEvent>>();
  for (const record of event.Records) {
    decoded.set(record.kinesis.sequenceNumber, decodeJsonBytes(Buffer.from(record.kinesis.data, 'base64'), options.schema));
  }
  const copies = copiesInBatch(decoded);
  const order = new TripOrder([...decoded].map(([id, result]) => ({ id, tripId: result.valid ? result.value.trip_id : result.tripId })));
  const settle = (record: KinesisStreamRecord): Promise<void> => {
    const sequenceNumber = record.kinesis.sequenceNumber;
    const result = decoded.get(sequenceNumber);
    if (result === undefined) throw new Error(`Record ${sequenceNumber} is not part of the batch being processed`);
    const firstSeenAt = isoFromEpochMillis(record.kinesis.approximateArrivalTimestamp * 1000, () => new Date());
    const origin = kinesisOrigin(record);
    return order.run(sequenceNumber, async () => {
      if (result.valid) {
        const delivery = { event: result.value, attempt: 1, firstSeenAt, origin, source: options.source };
        if (copies.has(sequenceNumber)) options.pipeline.tripEvents.ignoreCopy(delivery, loggerForTrip(result.value.trip_id));
        else await options.pipeline.tripEvents.process(delivery, loggerForTrip(result.value.trip_id));
        return;
      }
      const letter = {
        reason: 'INVALID_EVENT',
        trip_id: result.tripId,
        event: result.payload,
        detail: result.detail,
        attempts: 1,
        first_seen_at: firstSeenAt,
        source: options.source,
        origin,
      } as const;
      await options.pipeline.deadLetters.send(letter, loggerForTrip(result.tripId));
    });
  };
  // One processor per invocation: the local runtime may run several invocations of a handler at once in one
  // process, and a processor holds the state of the batch it is working on.
  const processor = new BatchProcessor(EventType.KinesisDataStreams);
  // The same response shape whether one record or all of them failed: the mapping retries from the lowest
  // failed sequence number either way, and a full failure is not turned into a function error.
  const response = await processPartialResponse(event, settle, processor, { context, throwOnFullBatchFailure: false });
  return inBatchOrder(response, [...decoded.keys()]);
}

/**
 * Records whose event an earlier record of the same batch carries already (a producer resend, a hot
 * trip_id's thousand copies): they are duplicates without a write. Safe because the earlier copy settles
 * first (TripOrder), and if it fails the mapping redelivers from it, this copy included.
 */
function copiesInBatch(decoded: ReadonlyMap<string, Decoded<TripEvent>>): Set<string> {
  const seen = new Set<string>();
  const copies = new Set<string>();
  for (const [sequenceNumber, result] of decoded) {
    if (!result.valid) continue;
    const fingerprint = eventFingerprint(result.value);
    if (seen.has(fingerprint)) copies.add(sequenceNumber);
    seen.add(fingerprint);
  }
  return copies;
}

/** Lambda's Kinesis eventID is `<shardId>:<sequenceNumber>`. */
function kinesisOrigin(record: KinesisStreamRecord): EventOrigin {
  const separator = record.eventID.lastIndexOf(':');
  const shardId = separator > 0 ? record.eventID.slice(0, separator) : 'unknown-shard';
  return { shard_id: shardId, sequence_number: record.kinesis.sequenceNumber };
}
