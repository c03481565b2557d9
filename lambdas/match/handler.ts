/**
 * Trips table stream -> S3 staging. The batch's completed trips are grouped by trip_date and each group is
 * written as one JSON-lines object (never one object per trip). If a date's write fails, exactly that
 * date's records are reported failed; the mapping resumes from the lowest of them, so later records are
 * staged again, which is safe: staging is at-least-once and the KPI job counts each trip_id once.
 *
 * The unit of work here is a date group rather than a record, so the partial batch response is built
 * directly instead of through the Powertools record-by-record processor.
 */
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { CompletedTrip } from '../../lib/domain/trip-item';
import { readEnvironment, tripHandlerEnvSchema } from '../../lib/handler-environment';
import { DeadLetterQueue } from '../shared/adapters/queues';
import { StagingBucket } from '../shared/adapters/staging-bucket';
import { createS3Client, createSqsClient } from '../shared/aws-clients';
import { DeadLetters, type DeadLetter } from '../shared/dead-letters';
import { isoFromEpochMillis } from '../shared/decoding';
import { countOutcome, instrumented, logger, loggerForTrip } from '../shared/observability';
import { completedTripImage, stagedFileKey, stagedTripFromImage } from './staging';

const environment = readEnvironment(tripHandlerEnvSchema);
const bucket = new StagingBucket(createS3Client(), environment.DATA_BUCKET_NAME);
const deadLetters = new DeadLetters(new DeadLetterQueue(createSqsClient(), environment.DEAD_LETTER_QUEUE_URL));

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
    logger.error('Staging a trip_date failed; its records are reported failed', { trip_date: tripDate, key, trips: group.trips.length, error });
    return false;
  }
  countOutcome('TripsStaged', group.trips.length);
  countOutcome('StagedFilesWritten');
  logger.info('Completed trips staged', { trip_date: tripDate, key, trips: group.trips.length });
  return true;
}

/** Sends an unreadable completed-trip image to the DLQ; false when the DLQ could not be reached. */
async function deadLetter(letter: DeadLetter): Promise<boolean> {
  const log = loggerForTrip(letter.trip_id);
  try {
    await deadLetters.send(letter, log);
    return true;
  } catch (error) {
    log.error('Dead-lettering an unreadable completed trip failed; its record is reported failed', { error });
    return false;
  }
}

export const handler = instrumented('match', async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const groups = new Map<string, DateGroup>();
  const unreadable: { sequenceNumber: string; letter: DeadLetter }[] = [];
  for (const record of event.Records) {
    const sequenceNumber = sequenceNumberOf(record);
    const image = completedTripImage(record);
    if (image === undefined) {
      logger.debug('Stream record is not a completed trip; skipped', { sequence_number: sequenceNumber, event_name: record.eventName });
      continue;
    }
    const result = stagedTripFromImage(image);
    if (!result.valid) {
      unreadable.push({
        sequenceNumber,
        letter: {
          reason: 'INVALID_EVENT',
          trip_id: result.tripId,
          event: result.image,
          detail: result.detail,
          attempts: 1,
          first_seen_at: isoFromEpochMillis((record.dynamodb?.ApproximateCreationDateTime ?? Number.NaN) * 1000, () => new Date()),
          source: 'match',
        },
      });
      continue;
    }
    const group = groups.get(result.trip.trip_date) ?? { trips: [], sequenceNumbers: [] };
    group.trips.push(result.trip);
    group.sequenceNumbers.push(sequenceNumber);
    groups.set(result.trip.trip_date, group);
  }

  const [stagedDates, deadLettered] = await Promise.all([
    Promise.all([...groups].map(async ([tripDate, group]) => ({ group, ok: await stageDate(tripDate, group) }))),
    Promise.all(unreadable.map(async ({ sequenceNumber, letter }) => ({ sequenceNumber, ok: await deadLetter(letter) }))),
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
