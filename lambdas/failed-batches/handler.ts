/**
 * The failed-batches handler turns the batches a stream mapping gave up on into dead letters with full events.
 *
 * On-failure destination of the stream mappings -> the DLQ, with full payloads. When a mapping gives up on
 * records (retries spent, records too old), Lambda sends only a pointer: shard and sequence range. This
 * handler reads a Kinesis range back while it is within retention and sends one dead letter per record,
 * with its full event, trip_id and origin, so nothing is named only by a pointer.
 *
 * The trips table's stream is never read here: its shards allow two readers, its two consumers (match and
 * live metrics), and a third is throttled. Its mappings retry until a record leaves the stream, so a pointer
 * from one names records the stream no longer holds: it is dead-lettered as the pointer it is
 * (docs/adr/0008-live-metrics-per-shard-partials.md).
 *
 * A record that is not a valid event of its stream is dead-lettered as INVALID_EVENT, its payload kept whole
 * (in S3 when the letter would not fit one SQS message): the trip handlers keep no payloads, so an invalid
 * record too large for a dead-letter message is handed here by its mapping's retries (ADR 0005).
 *
 * A range that can no longer be read (trimmed, stream gone) is dead-lettered as the pointer it is, with the
 * reason; any other failure is reported, and SQS redelivers the message (bounded by the queue's redrive
 * policy).
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { DeadLetterQueue } from '../../aws/trip-queues';
import type { HandlerName } from '../../domain/envelopes';
import { type TripEvent, tripEndEventSchema, tripEventSchema, tripStartEventSchema } from '../../domain/events';
import * as z from '../../domain/validation';
import { readEnvironment, tripHandlerEnvSchema } from '../../lib/handler-environment';
import { DeadLetterPayloads } from '../common/adapters/dead-letter-payloads';
import { type KinesisRangeRecord, StreamRanges } from '../common/adapters/stream-ranges';
import { inBatchOrder } from '../common/batch-response';
import { createKinesisClient } from '../common/clients/kinesis';
import { createS3Client } from '../common/clients/s3';
import { createSqsClient } from '../common/clients/sqs';
import { type DeadLetter, DeadLetters } from '../common/dead-letters';
import { decodeJson, decodeJsonBytes, isoFromEpochMillis } from '../common/decoding';
import { instrumented, logger, loggerForTrip } from '../common/observability';
import { type DiscardedRange, discardedRange, invocationRecordSchema } from './invocation-record';

const environment = readEnvironment(z.pick(tripHandlerEnvSchema, { DEAD_LETTER_QUEUE_URL: true, DATA_BUCKET_NAME: true }));
const deadLetters = new DeadLetters(
  new DeadLetterQueue(createSqsClient(), environment.DEAD_LETTER_QUEUE_URL),
  new DeadLetterPayloads(createS3Client(), environment.DATA_BUCKET_NAME),
);
const ranges = new StreamRanges(createKinesisClient());

/** Errors that say the records are gone for good, so retrying cannot help. */
const GONE = new Set(['TrimmedDataAccessException', 'ExpiredIteratorException', 'ResourceNotFoundException']);

/** What each stream's handler accepts: a record it would have refused is an INVALID_EVENT here too. */
function eventSchemaOf(source: HandlerName): z.ZodMiniType<TripEvent> {
  if (source === 'start') return tripStartEventSchema;
  if (source === 'end') return tripEndEventSchema;
  return tripEventSchema;
}

function kinesisLetter(range: DiscardedRange, record: KinesisRangeRecord): DeadLetter {
  const decoded = decodeJsonBytes(record.data ?? new Uint8Array(), eventSchemaOf(range.source));
  return {
    reason: decoded.valid ? 'PROCESSING_FAILED' : 'INVALID_EVENT',
    trip_id: decoded.valid ? decoded.value.trip_id : decoded.tripId,
    event: decoded.valid ? decoded.value : decoded.payload,
    detail: decoded.valid ? range.why : `${range.why}; the payload is not a valid trip event: ${decoded.detail}`,
    attempts: 1,
    first_seen_at: isoFromEpochMillis(record.arrivalMs, () => new Date()),
    source: range.source,
    origin: { shard_id: range.shardId, sequence_number: record.sequenceNumber },
  };
}

async function lettersFor(range: DiscardedRange): Promise<DeadLetter[]> {
  return (await ranges.kinesisRecords(range)).map((record) => kinesisLetter(range, record));
}

function pointerLetter(pointer: unknown, detail: string, firstSeenAt: string): DeadLetter {
  return {
    reason: 'PROCESSING_FAILED',
    trip_id: null,
    event: pointer,
    detail,
    attempts: 1,
    first_seen_at: firstSeenAt,
    source: 'failed-batches',
    origin: null,
  };
}

async function resolve(message: SQSRecord): Promise<void> {
  const sentAt = isoFromEpochMillis(Number(message.attributes.SentTimestamp), () => new Date());
  const parsed = decodeJson(message.body, invocationRecordSchema);
  if (!parsed.valid) {
    await deadLetters.send(pointerLetter(parsed.payload, `not an on-failure invocation record: ${parsed.detail}`, sentAt), logger);
    return;
  }
  const range = discardedRange(parsed.value);
  if (range.stream === 'dynamodb') {
    const detail = `${range.why}; the trips table's stream is not read back (two readers per shard: its consumers), and its mappings give up only on records past the stream's retention`;
    await deadLetters.send(pointerLetter(JSON.parse(message.body) as unknown, detail, sentAt), logger);
    return;
  }
  let letters: DeadLetter[];
  try {
    letters = await lettersFor(range);
  } catch (error) {
    if (!(error instanceof Error && GONE.has(error.name))) throw error;
    letters = [];
  }
  if (letters.length === 0) {
    await deadLetters.send(
      pointerLetter(JSON.parse(message.body) as unknown, `${range.why}; its records could not be read back from the stream`, sentAt),
      logger,
    );
    return;
  }
  for (const letter of letters) await deadLetters.send(letter, loggerForTrip(letter.trip_id));
  logger.info('Discarded stream records dead-lettered with their payloads', { shard_id: range.shardId, records: letters.length });
}

export const handler = instrumented('failed-batches', async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  // One processor per invocation: the local runtime may run several invocations of this module at once.
  const processor = new BatchProcessor(EventType.SQS);
  const response = await processPartialResponse(event, resolve, processor, { context, throwOnFullBatchFailure: false });
  return inBatchOrder(
    response,
    event.Records.map((record) => record.messageId),
  );
});
