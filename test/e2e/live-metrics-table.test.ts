/**
 * The live metrics table's adapter on DynamoDB Local: several shards' flushes put their partials (GetItem, a
 * conditional PutItem, the open trips' conditional UpdateItem), a retried flush adds nothing, and a range read a
 * day per query with a projection of one id's sums answers what the shards counted (docs/adr/0009).
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { MetricsTable } from '../../aws/metrics-table';
import { addToWindowState, shardPartials, type TripChange, toMicros } from '../../domain/live-metrics';
import { environments } from '../../lib/config';
import { pipelineTopology } from '../../lib/topology';
import { applyLocalAwsDefaults, dynamoDbLocalJvmOptions, startDynamoDbLocal } from '../../local/run/emulators';
import { MetricsSnapshot } from '../../local/run/live-server';
import { createTableInput } from '../../local/run/resources';

const tableDescription = pipelineTopology(environments.dev).tables.metrics;
let dynamoDbLocal: { endpoint: string; stop: () => Promise<void> };
let dynamodb: DynamoDBClient;
let table: MetricsTable;

beforeAll(async () => {
  // This test file's worker only: the local runtime's dummy credentials and region go into its environment.
  applyLocalAwsDefaults();
  dynamoDbLocal = await startDynamoDbLocal(dynamoDbLocalJvmOptions('short'));
  dynamodb = new DynamoDBClient({
    endpoint: dynamoDbLocal.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await dynamodb.send(new CreateTableCommand(createTableInput(tableDescription)));
  table = new MetricsTable(DynamoDBDocumentClient.from(dynamodb), tableDescription.name, { windowDays: 1 });
}, 120_000);

afterAll(async () => {
  dynamodb?.destroy();
  await dynamoDbLocal?.stop();
});

/** A completion on a shard: its sequence number, dropoff window, vendor, pickup location and fare. */
function completion(sequence: number, windowStart: string, vendorId: number, pickupLocationId: number, fare: number): TripChange {
  return {
    kind: 'completed',
    eventId: `e${sequence}`,
    sequenceNumber: String(sequence),
    tripId: `t${sequence}`,
    metrics: { windowStart, vendorId, pickupLocationId, fareMicros: toMicros(fare), durationMs: 60_000 },
  };
}

const LATE = '2024-05-25T23:55:00.000Z';
const EARLY = '2024-05-26T00:00:00.000Z';

describe('the live metrics table on DynamoDB Local', () => {
  it("sums every shard's partials per window and id, a retried flush once, across midnight", async () => {
    // Prepare: three shards; shard 1 flushes twice (two tumbling windows) and its second flush is retried
    const flushes = [
      {
        shard: 'shardId-1',
        tumbling: '2026-12-04T11:00:00Z',
        changes: [completion(101, LATE, 1, 74, 10.5), completion(102, LATE, 2, 74, 3.25)],
      },
      {
        shard: 'shardId-1',
        tumbling: '2026-12-04T11:00:20Z',
        changes: [completion(103, EARLY, 1, 74, 7), completion(104, EARLY, 1, 12, 1.125)],
      },
      { shard: 'shardId-2', tumbling: '2026-12-04T11:00:00Z', changes: [completion(201, LATE, 1, 74, 20)] },
      { shard: 'shardId-3', tumbling: '2026-12-04T11:00:00Z', changes: [completion(301, EARLY, 2, 12, 4.75)] },
    ];
    const partials = flushes.map(({ shard, tumbling, changes }) => {
      const { state } = addToWindowState(undefined, changes);
      if (state === undefined) throw new Error('nothing counted');
      return shardPartials(state, shard, tumbling);
    });

    // Act
    const outcomes = [];
    for (const partial of partials) outcomes.push(await table.addPartials(partial));
    const secondFlush = partials[1];
    if (secondFlush === undefined) throw new Error('no second flush');
    const retried = await table.addPartials(secondFlush);
    const location74 = await table.windows('pickup_location', '74', '2024-05-25T23:00:00.000Z', '2024-05-26T00:59:59.999Z');
    const vendor1 = await table.windows('vendor', '1', '2024-05-25T23:00:00.000Z', '2024-05-26T00:59:59.999Z');
    const all = await table.windows('all', 'all', '2024-05-25T23:00:00.000Z', '2024-05-26T00:59:59.999Z');
    const snapshot = await MetricsSnapshot.read(dynamodb, tableDescription.name);

    // Assess
    expect(outcomes.map((outcome) => outcome.alreadyAdded)).toEqual([0, 0, 0, 0]);
    expect(retried.added).toBe(0);
    expect(location74.map((window) => [window.window_start, window.trip_count, window.total_fare])).toEqual([
      [LATE, 3, 33.75],
      [EARLY, 1, 7],
    ]);
    expect(vendor1.map((window) => [window.window_start, window.trip_count, window.total_fare])).toEqual([
      [LATE, 2, 30.5],
      [EARLY, 2, 8.125],
    ]);
    expect(all.map((window) => [window.window_start, window.trip_count, window.total_fare])).toEqual([
      [LATE, 3, 33.75],
      [EARLY, 3, 12.875],
    ]);
    expect(await snapshot.windows('all', 'all', '2024-05-25T23:00:00.000Z', '2024-05-26T00:59:59.999Z')).toEqual(all);
    expect(await table.openTrips()).toBe(-6);
  }, 60_000);
});
