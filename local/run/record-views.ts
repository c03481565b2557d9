/**
 * How the run reads one record of each event source: the batch item identifier Lambda expects in
 * batchItemFailures, and the trip it belongs to, the key the run injects faults by (fault-injection.ts).
 */
import type { DynamoDBRecord, KinesisStreamRecord, SQSRecord } from 'aws-lambda';
import { TRIP_KEY } from '../../domain/trip-item';
import type { RecordView } from '../event-source-mapping/invoker';

function tripIdOfJson(text: string, pick: (parsed: Record<string, unknown>) => unknown): string | null {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null) return null;
    const tripId = pick(parsed as Record<string, unknown>);
    return typeof tripId === 'string' ? tripId : null;
  } catch {
    return null;
  }
}

export const kinesisView: RecordView<KinesisStreamRecord> = {
  identifierOf: (record) => record.kinesis.sequenceNumber,
  faultKeyOf: (record) => tripIdOfJson(Buffer.from(record.kinesis.data, 'base64').toString('utf8'), (event) => event.trip_id),
};

export const dynamoDbView: RecordView<DynamoDBRecord> = {
  identifierOf: (record) => record.dynamodb?.SequenceNumber ?? '',
  faultKeyOf: (record) => record.dynamodb?.Keys?.[TRIP_KEY]?.S ?? null,
};

export const sqsView: RecordView<SQSRecord> = {
  identifierOf: (record) => record.messageId,
  faultKeyOf: (record) =>
    tripIdOfJson(record.body, (message) => {
      const event = message.event;
      return typeof event === 'object' && event !== null ? (event as Record<string, unknown>).trip_id : undefined;
    }),
};
