import { Readable } from 'node:stream';
import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { HttpResponse } from '@smithy/core/transport';
import { registerRequestAttemptHook, withRequestCounting } from '../../../../aws/clients';
import { MetricsTable } from '../../../../aws/metrics-table';
import { addToWindowState, shardPartials, type TripChange } from '../../../../domain/live-metrics';
import { TransactionConflicts } from '../../../../local/run/transaction-conflicts';

const METRICS_TABLE = 'tripstream-test-metrics';
const WINDOW = '2024-05-25T13:00:00.000Z';

/** DynamoDB as far as these writes need it: every request succeeds after 20 ms, so writes overlap. */
function slowDynamoDb(written: { operation: string; body: string }[]): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestHandler: {
      handle: async (request: { headers: Record<string, string>; body?: unknown }) => {
        const body = typeof request.body === 'string' ? request.body : Buffer.from(request.body as Uint8Array).toString('utf8');
        written.push({ operation: request.headers['x-amz-target'] ?? '', body });
        await new Promise((resolve) => setTimeout(resolve, 20));
        return {
          response: new HttpResponse({
            statusCode: 200,
            headers: { 'content-type': 'application/x-amz-json-1.0' },
            body: Readable.from(['{}']),
          }),
        };
      },
    },
  });
  return DynamoDBDocumentClient.from(withRequestCounting(client, 'handler'));
}

let conflicts: TransactionConflicts;
let unregister: () => void;

beforeEach(() => {
  conflicts = new TransactionConflicts({ [METRICS_TABLE]: ['pk', 'sk'] });
  unregister = registerRequestAttemptHook('handler', conflicts.hook);
});

afterEach(() => unregister());

/** One shard's batch, the way ADR 0007's design applied it: its marker and the shared window and counter, in one transaction. */
function transactionOfShard(shard: string) {
  return new TransactWriteCommand({
    TransactItems: [
      {
        Put: {
          TableName: METRICS_TABLE,
          Item: { pk: `applied#${shard}-event-1`, sk: 'applied' },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Update: {
          TableName: METRICS_TABLE,
          Key: { pk: 'window#all#all', sk: WINDOW },
          UpdateExpression: 'ADD trip_count :one',
          ExpressionAttributeValues: { ':one': 1 },
        },
      },
      {
        Update: {
          TableName: METRICS_TABLE,
          Key: { pk: 'open_trips', sk: 'open_trips' },
          UpdateExpression: 'ADD open_trips :one',
          ExpressionAttributeValues: { ':one': -1 },
        },
      },
    ],
  });
}

describe('transaction conflicts in the local runtime', () => {
  it("cancels the old design's transaction of one shard while another shard's is in flight, with TransactionConflict and no SDK retry", async () => {
    // Prepare
    const written: { operation: string; body: string }[] = [];
    const client = slowDynamoDb(written);

    // Act
    const outcomes = await Promise.allSettled(
      ['shard-1', 'shard-2', 'shard-3', 'shard-4'].map((shard) => client.send(transactionOfShard(shard))),
    );

    // Assess
    const cancelled = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    expect(cancelled).toHaveLength(3);
    for (const error of cancelled) {
      expect(error).toBeInstanceOf(TransactionCanceledException);
      expect((error as TransactionCanceledException).CancellationReasons?.map((reason) => reason.Code)).toEqual([
        'None',
        'TransactionConflict',
        'TransactionConflict',
      ]);
      expect((error as TransactionCanceledException).$metadata.attempts ?? 1).toBe(1);
    }
    expect(written).toHaveLength(1);
    expect(conflicts.conflicts).toBe(3);
  });

  it('lets four shards write the per-shard partials of one window at once: no conflict, each item written by one shard', async () => {
    // Prepare
    const written: { operation: string; body: string }[] = [];
    const table = new MetricsTable(slowDynamoDb(written), METRICS_TABLE, { windowDays: 90 });
    const completion = (shard: number): TripChange => ({
      kind: 'completed',
      eventId: `e${shard}`,
      sequenceNumber: `10${shard}`,
      tripId: `t${shard}`,
      metrics: { windowStart: WINDOW, vendorId: 1, pickupLocationId: 74, fareMicros: 1_000_000, durationMs: 60_000 },
    });

    // Act
    const outcomes = await Promise.all(
      [1, 2, 3, 4].map((shard) => {
        const { state } = addToWindowState(undefined, [completion(shard)]);
        if (state === undefined) throw new Error('nothing counted');
        return table.addPartials(shardPartials(state, `shardId-${shard}`, '2026-12-04T11:00:00Z'));
      }),
    );

    // Assess: all, vendor 1, location 74 and the open trips, per shard
    expect(outcomes).toEqual([1, 2, 3, 4].map(() => ({ added: 4, alreadyAdded: 0 })));
    expect(conflicts.conflicts).toBe(0);
    const writes = written.filter(({ operation }) => /\.(PutItem|UpdateItem)$/.test(operation));
    const keys = writes.map(({ body }) => {
      const request = JSON.parse(body) as { Key?: Record<string, unknown>; Item?: Record<string, unknown> };
      const { pk, sk } = request.Key ?? request.Item ?? {};
      return JSON.stringify([pk, sk]);
    });
    expect(writes).toHaveLength(16);
    expect(new Set(keys).size).toBe(16);
  });
});
