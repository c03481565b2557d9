/**
 * The trips table, reduced to the two conditional writes the pipeline makes. Each write states its rule
 * as a condition expression and asks for the stored item back when the condition fails
 * (ReturnValuesOnConditionCheckFailure ALL_OLD), so a refusal is explained without a read.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { TRIP_KEY } from '../../../lib/domain/trip-item';
import type { CompletionAttributes, StartedTripItem } from '../../../lib/domain/trip-state';

export type ConditionalWrite =
  | { readonly applied: true }
  /** `existing` is the item as it was when the condition failed; undefined when there was none. */
  | { readonly applied: false; readonly existing: Record<string, unknown> | undefined };

export class TripsTable {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Creates the trip's item unless one exists. */
  insertStart(item: StartedTripItem): Promise<ConditionalWrite> {
    const put = new PutCommand({
      TableName: this.tableName,
      Item: { ...item },
      ConditionExpression: 'attribute_not_exists(#trip_id)',
      ExpressionAttributeNames: { '#trip_id': TRIP_KEY },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    return this.conditionally(() => this.client.send(put));
  }

  /** Completes a started trip that has no end yet and whose pickup is not after this dropoff. */
  completeTrip(tripId: string, completion: CompletionAttributes): Promise<ConditionalWrite> {
    const fields = Object.entries(completion);
    const update = new UpdateCommand({
      TableName: this.tableName,
      Key: { [TRIP_KEY]: tripId },
      // Placeholders for every name: `status` is a DynamoDB reserved word.
      UpdateExpression: `SET ${fields.map(([field]) => `#${field} = :${field}`).join(', ')}`,
      ConditionExpression:
        'attribute_exists(#trip_id) AND attribute_not_exists(#end_fingerprint) AND #pickup_datetime <= :dropoff_datetime',
      ExpressionAttributeNames: {
        '#trip_id': TRIP_KEY,
        '#pickup_datetime': 'pickup_datetime',
        ...Object.fromEntries(fields.map(([field]) => [`#${field}`, field])),
      },
      ExpressionAttributeValues: Object.fromEntries(fields.map(([field, value]) => [`:${field}`, value])),
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    return this.conditionally(() => this.client.send(update));
  }

  private async conditionally(write: () => Promise<unknown>): Promise<ConditionalWrite> {
    try {
      await write();
      return { applied: true };
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw error;
      return { applied: false, existing: error.Item === undefined ? undefined : unmarshall(error.Item) };
    }
  }
}

interface ConditionalCheckFailure extends Error {
  /** Marshalled: the document client does not translate items carried by errors. */
  readonly Item?: Record<string, AttributeValue>;
}

/** By name rather than instanceof, so an error from another copy of the SDK module is still recognised. */
function isConditionalCheckFailure(error: unknown): error is ConditionalCheckFailure {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}
