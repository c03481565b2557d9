/**
 * The trips table, reduced to the conditional writes trip assembly makes. Each write states its rule as a
 * condition expression and asks for the stored item back either way (ReturnValues ALL_OLD on success,
 * ReturnValuesOnConditionCheckFailure ALL_OLD on refusal), so the outcome is known without a read: on
 * success, whether the partner was already there (this write completed the trip); on refusal, why.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { HalfWrite } from '../../../domain/trip-assembly';
import { END_FIELDS, HALVES_ATTRIBUTE, halfAttribute, TRIP_KEY, TRIP_TTL_ATTRIBUTE } from '../../../domain/trip-item';

export type HalfWriteResult =
  | { readonly applied: true; readonly completed: boolean }
  /** `existing` is the item as it was when the condition failed; undefined when there was none. */
  | { readonly applied: false; readonly existing: Record<string, unknown> | undefined };

/** Every end attribute, bookkeeping included: what evicting an end removes. */
const END_ATTRIBUTES = [
  ...END_FIELDS,
  halfAttribute('end', 'fingerprint'),
  halfAttribute('end', 'first_seen_at'),
  halfAttribute('end', 'origin'),
];

/** `#name = :name` pieces with their placeholders; every name is a placeholder (`status`-like reserved words). */
function setAttributes(attributes: Readonly<Record<string, unknown>>) {
  const entries = Object.entries(attributes);
  return {
    assignments: entries.map(([name]) => `#${name} = :${name}`),
    names: Object.fromEntries(entries.map(([name]) => [`#${name}`, name])),
    values: Object.fromEntries(entries.map(([name, value]) => [`:${name}`, value])),
  };
}

/** This half absent, and the partner's time absent or on the right side of this half's. */
function halfCondition(write: HalfWrite): string {
  const comparison = write.half === 'start' ? '#partner_time >= :own_time' : '#partner_time <= :own_time';
  return `attribute_not_exists(#own_fingerprint) AND (attribute_not_exists(#partner_time) OR ${comparison})`;
}

export class TripsTable {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Records one half: one UpdateItem, which also completes the trip when the partner is already there. */
  async recordHalf(write: HalfWrite): Promise<HalfWriteResult> {
    const own = setAttributes(write.attributes);
    const update = new UpdateCommand({
      TableName: this.tableName,
      Key: { [TRIP_KEY]: write.tripId },
      UpdateExpression: `SET ${[
        ...own.assignments,
        '#halves = if_not_exists(#halves, :no_halves) + :one_half',
        '#expires_at = if_not_exists(#expires_at, :expiry_base) + :expiry_extension',
      ].join(', ')}`,
      ConditionExpression: halfCondition(write),
      ExpressionAttributeNames: {
        ...own.names,
        '#own_fingerprint': halfAttribute(write.half, 'fingerprint'),
        '#partner_time': write.compatibility.partnerAttribute,
        '#halves': HALVES_ATTRIBUTE,
        '#expires_at': TRIP_TTL_ATTRIBUTE,
      },
      ExpressionAttributeValues: {
        ...own.values,
        ':own_time': write.compatibility.ownValue,
        ':no_halves': 0,
        ':one_half': 1,
        ':expiry_base': write.expiry.baseEpochSeconds,
        ':expiry_extension': write.expiry.extensionSeconds,
      },
      ReturnValues: 'ALL_OLD',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    const partnerFingerprint = halfAttribute(write.half === 'start' ? 'end' : 'start', 'fingerprint');
    return this.conditionally(async () => {
      const { Attributes: before } = await this.client.send(update);
      return { applied: true, completed: before?.[partnerFingerprint] !== undefined };
    });
  }

  /**
   * Records a start in place of an end that drops off before it (the end is rejected): the end's
   * attributes go, the start's come, and the item stays one open half.
   */
  async replaceEndWithStart(start: HalfWrite, evictedEndFingerprint: string): Promise<HalfWriteResult> {
    const own = setAttributes(start.attributes);
    const removed = END_ATTRIBUTES.map((name) => `#${name}`);
    const update = new UpdateCommand({
      TableName: this.tableName,
      Key: { [TRIP_KEY]: start.tripId },
      // The item becomes the start's open half, so it expires as the start's own first write would have set it.
      UpdateExpression: `SET ${[...own.assignments, '#expires_at = :open_expiry'].join(', ')} REMOVE ${removed.join(', ')}`,
      ConditionExpression: 'attribute_not_exists(#own_fingerprint) AND #end_fingerprint = :evicted',
      ExpressionAttributeNames: {
        ...own.names,
        ...Object.fromEntries(END_ATTRIBUTES.map((name) => [`#${name}`, name])),
        '#own_fingerprint': halfAttribute('start', 'fingerprint'),
        '#expires_at': TRIP_TTL_ATTRIBUTE,
      },
      ExpressionAttributeValues: {
        ...own.values,
        ':evicted': evictedEndFingerprint,
        ':open_expiry': start.expiry.baseEpochSeconds + start.expiry.extensionSeconds,
      },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    return this.conditionally(async () => {
      await this.client.send(update);
      return { applied: true, completed: false };
    });
  }

  private async conditionally(write: () => Promise<HalfWriteResult>): Promise<HalfWriteResult> {
    try {
      return await write();
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
