/**
 * The match handler: it stages each completed trip to S3 (`completed-trips/`) and settles the halves TTL
 * removed.
 *
 * Trips table stream -> S3 staging, open ends that expired -> the DLQ as ORPHAN_END, and open starts that
 * expired (trips left open) -> the OpenStartsExpired count.
 *
 * The batch's completed trips are grouped by trip_date and each group is written as one JSON-lines object
 * (never one object per trip). An open end whose item was removed by TTL (its grace period passed without
 * a start) is dead-lettered with its full event, rebuilt from the removed item. If a date's write fails, exactly that
 * date's records are reported failed; the mapping resumes from the lowest of them, so later records are
 * staged again, which is safe: staging is at-least-once and the KPI job counts each trip_id once.
 *
 * The unit of work here is a date group rather than a record, so the partial batch response is built
 * directly instead of through the Powertools record-by-record processor.
 */
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { DeadLetterQueue } from '../../aws/trip-queues';
import { type CompletedTrip, TRIP_KEY } from '../../domain/trip-item';
import { readEnvironment, tripHandlerEnvSchema } from '../../lib/handler-environment';
import { DeadLetterPayloads } from '../common/adapters/dead-letter-payloads';
import { StagingBucket } from '../common/adapters/staging-bucket';
import { createS3Client } from '../common/clients/s3';
import { createSqsClient } from '../common/clients/sqs';
import { type DeadLetter, DeadLetters } from '../common/dead-letters';
import { isoFromEpochMillis } from '../common/decoding';
import { countOutcome, instrumented, logger, loggerForTrip } from '../common/observability';
import {
  completedTripImage,
  expiredEndFromImage,
  expiredOpenEndImage,
  expiredOpenStartImage,
  stagedFileKey,
  stagedTripFromImage,
} from './staging';

const environment = readEnvironment(tripHandlerEnvSchema);
const bucket = new StagingBucket(createS3Client(), environment.DATA_BUCKET_NAME);
const deadLetters = new DeadLetters(
  new DeadLetterQueue(createSqsClient(), environment.DEAD_LETTER_QUEUE_URL),
  new DeadLetterPayloads(createS3Client(), environment.DATA_BUCKET_NAME),
);

interface DateGroup {
  readonly trips: CompletedTrip[];
  readonly sequenceNumbers: string[];
}

function sequenceNumberOf(record: DynamoDBRecord): string {
  const sequenceNumber = record.dynamodb?.SequenceNumber;
  if (sequenceNumber === undefined) throw new Error(`Stream record ${record.eventID ?? '(no eventID)'} has no dynamodb.SequenceNumber`);
  return sequenceNumber;
}

async function stageDate(tripDate: string, group: DateGroup): Promise<boolean> {
  const key = stagedFileKey(tripDate, group.sequenceNumbers);
  try {
    await bucket.putJsonLines(key, group.trips);
  } catch (error) {
    logger.error('Staging a trip_date failed; its records are reported failed', {
      trip_date: tripDate,
      key,
      trips: group.trips.length,
      error,
    });
    return false;
  }
  countOutcome('TripsStaged', group.trips.length);
  countOutcome('StagedFilesWritten');
  logger.info('Completed trips staged', { trip_date: tripDate, key, trips: group.trips.length });
  return true;
}

/** Sends a letter (an expired end, an unreadable image) to the DLQ; false when the DLQ could not be reached. */
async function deadLetter(letter: DeadLetter): Promise<boolean> {
  const log = loggerForTrip(letter.trip_id);
  try {
    await deadLetters.send(letter, log);
    return true;
  } catch (error) {
    log.error('Dead-lettering from the trips stream failed; its record is reported failed', { error, reason: letter.reason });
    return false;
  }
}

function unreadableImage(record: DynamoDBRecord, result: { image: unknown; tripId: string | null; detail: string }): DeadLetter {
  return {
    reason: 'INVALID_EVENT',
    trip_id: result.tripId,
    event: result.image,
    detail: result.detail,
    attempts: 1,
    first_seen_at: createdAt(record),
    source: 'match',
    origin: null,
  };
}

/** When the stream record was written: for a completion, when the trip completed. */
function createdAt(record: DynamoDBRecord): string {
  return isoFromEpochMillis((record.dynamodb?.ApproximateCreationDateTime ?? Number.NaN) * 1000, () => new Date());
}

/** The letter of an open end removed at the end of its grace period. */
function orphanEndLetter(record: DynamoDBRecord, image: NonNullable<ReturnType<typeof expiredOpenEndImage>>): DeadLetter {
  const result = expiredEndFromImage(image);
  if (!result.valid) return unreadableImage(record, result);
  const { event, sighting } = result.end;
  return {
    reason: 'ORPHAN_END',
    trip_id: event.trip_id,
    event,
    detail: `no start arrived for trip ${event.trip_id}: its end, first seen at ${sighting.firstSeenAt}, expired open at ${createdAt(record)}`,
    attempts: 1,
    first_seen_at: sighting.firstSeenAt,
    source: 'match',
    origin: sighting.origin,
  };
}

export const handler = instrumented('match', async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const groups = new Map<string, DateGroup>();
  const letters: { sequenceNumber: string; letter: DeadLetter }[] = [];
  let expiredStarts = 0;
  for (const record of event.Records) {
    const sequenceNumber = sequenceNumberOf(record);
    const expiredEnd = expiredOpenEndImage(record);
    if (expiredEnd !== undefined) {
      letters.push({ sequenceNumber, letter: orphanEndLetter(record, expiredEnd) });
      continue;
    }
    const expiredStart = expiredOpenStartImage(record);
    if (expiredStart !== undefined) {
      // A trip left open: its end never came within the grace period. Counted (and alarmed on), not an error.
      expiredStarts += 1;
      loggerForTrip(expiredStart[TRIP_KEY]?.S ?? null).warn('An open start expired without its end', { expired_at: createdAt(record) });
      continue;
    }
    const image = completedTripImage(record);
    if (image === undefined) {
      logger.debug('Stream record is neither a completion nor an expired open end; skipped', {
        sequence_number: sequenceNumber,
        event_name: record.eventName,
      });
      continue;
    }
    const result = stagedTripFromImage(image, createdAt(record));
    if (!result.valid) {
      letters.push({ sequenceNumber, letter: unreadableImage(record, result) });
      continue;
    }
    const group = groups.get(result.trip.trip_date) ?? { trips: [], sequenceNumbers: [] };
    group.trips.push(result.trip);
    group.sequenceNumbers.push(sequenceNumber);
    groups.set(result.trip.trip_date, group);
  }

  countOutcome('OpenStartsExpired', expiredStarts);
  const [stagedDates, deadLettered] = await Promise.all([
    Promise.all([...groups].map(async ([tripDate, group]) => ({ group, ok: await stageDate(tripDate, group) }))),
    Promise.all(letters.map(async ({ sequenceNumber, letter }) => ({ sequenceNumber, ok: await deadLetter(letter) }))),
  ]);
  const failed = new Set([
    ...stagedDates.filter(({ ok }) => !ok).flatMap(({ group }) => group.sequenceNumbers),
    ...deadLettered.filter(({ ok }) => !ok).map(({ sequenceNumber }) => sequenceNumber),
  ]);
  // In batch order, as the mapping reads them.
  const batchItemFailures = event.Records.map(sequenceNumberOf)
    .filter((sequenceNumber) => failed.has(sequenceNumber))
    .map((itemIdentifier) => ({ itemIdentifier }));
  return { batchItemFailures };
});
