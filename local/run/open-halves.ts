/**
 * The trips table as the local run reads it once the pipeline has drained: every item, and the expiry of
 * open ends. On AWS, TTL deletes an open half after its grace period and the stream's REMOVE record carries
 * its full image; DynamoDB Local does not run TTL, so the run deletes open ends itself when its grace
 * period (the run) is over, and the deployed stream path handles the REMOVE records as on AWS.
 */
import { DeleteItemCommand, type DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { HALVES_ATTRIBUTE, halfAttribute, TRIP_KEY } from '../../domain/trip-item';
import type { LedgerItem } from './ledger';

export interface TripItemSummary extends LedgerItem {
  readonly trip_id: string;
}

/**
 * Segments of the read-back's parallel scan. DynamoDB Local takes longer for each page the further into the
 * table it starts, so one scan of a large table is slow out of proportion; segments keep each scan short
 * (measured in docs/local-runtime.md, what made the run faster).
 */
const SCAN_SEGMENTS = 16;

export async function readTripItems(dynamodb: DynamoDBClient, tableName: string): Promise<TripItemSummary[]> {
  const segments = await Promise.all(Array.from({ length: SCAN_SEGMENTS }, (_, segment) => readSegment(dynamodb, tableName, segment)));
  return segments.flat();
}

async function readSegment(dynamodb: DynamoDBClient, tableName: string, segment: number): Promise<TripItemSummary[]> {
  const items: TripItemSummary[] = [];
  const pages = paginateScan(
    { client: dynamodb },
    {
      TableName: tableName,
      ConsistentRead: true,
      Segment: segment,
      TotalSegments: SCAN_SEGMENTS,
      ProjectionExpression: '#trip_id, #halves, #start_origin, #end_origin',
      ExpressionAttributeNames: {
        '#trip_id': TRIP_KEY,
        '#halves': HALVES_ATTRIBUTE,
        '#start_origin': halfAttribute('start', 'origin'),
        '#end_origin': halfAttribute('end', 'origin'),
      },
    },
  );
  for await (const page of pages) {
    for (const raw of page.Items ?? []) {
      const item = unmarshall(raw) as Partial<TripItemSummary>;
      if (typeof item.trip_id !== 'string' || typeof item.halves !== 'number') {
        throw new Error(`The trips table holds an item that is not a trip item: ${JSON.stringify(item)}`);
      }
      items.push({ trip_id: item.trip_id, halves: item.halves, start_origin: item.start_origin, end_origin: item.end_origin });
    }
  }
  return items;
}

/** Deletes every item that holds an end and no start; returns how many. */
export async function expireOpenEnds(dynamodb: DynamoDBClient, tableName: string): Promise<number> {
  const openEnds = (await readTripItems(dynamodb, tableName)).filter((item) => item.halves === 1 && item.end_origin !== undefined);
  for (const item of openEnds) {
    try {
      await dynamodb.send(
        new DeleteItemCommand({
          TableName: tableName,
          Key: { [TRIP_KEY]: { S: item.trip_id } },
          // Only while it is still one open end, as TTL would see it.
          ConditionExpression: '#halves = :one AND attribute_not_exists(#start_fingerprint)',
          ExpressionAttributeNames: { '#halves': HALVES_ATTRIBUTE, '#start_fingerprint': halfAttribute('start', 'fingerprint') },
          ExpressionAttributeValues: { ':one': { N: '1' } },
        }),
      );
    } catch (error) {
      if (!(error instanceof Error && error.name === 'ConditionalCheckFailedException')) throw error;
    }
  }
  return openEnds.length;
}
