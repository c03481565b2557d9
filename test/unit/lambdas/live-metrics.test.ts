import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand, type GetCommandInput, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { completed, completedTouched, opened, openRemoved, type TripFields } from '../../factories/trip-changes';
import { lambdaContext, useHandlerTestLifecycle, useTestEnvironment } from './harness';

const dynamoMock = mockClient(DynamoDBDocumentClient);

type HandlerModule = typeof import('../../../lambdas/live-metrics/handler');
let handler: HandlerModule['handler'];
const context = lambdaContext('tripstream-test-live-metrics');

beforeAll(() => {
  useTestEnvironment();
  Object.assign(process.env, { METRICS_TABLE_NAME: 'tripstream-test-metrics', METRICS_MARKER_RETENTION_HOURS: '48', METRICS_WINDOW_RETENTION_DAYS: '90' });
  ({ handler } = jest.requireActual<HandlerModule>('../../../lambdas/live-metrics/handler'));
});

/**
 * A table that applies TransactWriteItems the way DynamoDB does for the expressions the adapter writes: all or
 * nothing, a Put refused when its attribute_not_exists condition fails, ADD on numbers, SET of values.
 */
class FakeMetricsTable {
  readonly items = new Map<string, Record<string, unknown>>();
  /** Transactions to refuse as throttled before applying any, counted down. */
  throttleNext = 0;

  transact(input: TransactWriteCommandInput): Record<string, never> {
    if (this.throttleNext > 0) {
      this.throttleNext -= 1;
      throw new TransactionCanceledException({ message: 'throttled', $metadata: {}, CancellationReasons: (input.TransactItems ?? []).map(() => ({ Code: 'ThrottlingError' })) });
    }
    const transactItems = input.TransactItems ?? [];
    const reasons = transactItems.map((item) => {
      const put = item.Put;
      return put?.ConditionExpression === 'attribute_not_exists(#pk)' && this.items.has(this.keyOf(put.Item ?? {})) ? 'ConditionalCheckFailed' : 'None';
    });
    if (reasons.some((code) => code !== 'None')) {
      throw new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: reasons.map((Code) => ({ Code })) });
    }
    for (const item of transactItems) {
      if (item.Put !== undefined) this.items.set(this.keyOf(item.Put.Item ?? {}), { ...item.Put.Item });
      const update = item.Update;
      if (update === undefined) continue;
      const key = this.keyOf(update.Key ?? {});
      const stored: Record<string, unknown> = { ...(this.items.get(key) ?? update.Key) };
      const values = update.ExpressionAttributeValues ?? {};
      const names = update.ExpressionAttributeNames ?? {};
      const [, adds = '', sets = ''] = /^ADD (.*?)(?: SET (.*))?$/.exec(update.UpdateExpression ?? '') ?? [];
      for (const clause of adds.split(',').map((part) => part.trim()).filter(Boolean)) {
        const [attribute = '', placeholder = ''] = clause.split(/\s+/);
        stored[attribute] = Number(stored[attribute] ?? 0) + Number(values[placeholder]);
      }
      for (const clause of sets.split(',').map((part) => part.trim()).filter(Boolean)) {
        const [attribute = '', placeholder = ''] = clause.split(/\s*=\s*/);
        stored[names[attribute] ?? attribute] = values[placeholder];
      }
      this.items.set(key, stored);
    }
    return {};
  }

  get(input: GetCommandInput): { Item?: Record<string, unknown> } {
    const item = this.items.get(this.keyOf(input.Key ?? {}));
    return item === undefined ? {} : { Item: { ...item } };
  }

  get markers(): Record<string, unknown>[] {
    return [...this.items.values()].filter((item) => String(item.pk).startsWith('applied#'));
  }

  windows(partition: string): Record<string, unknown>[] {
    return [...this.items.values()].filter((item) => item.pk === partition).sort((a, b) => String(a.sk).localeCompare(String(b.sk)));
  }

  get openTrips(): number {
    return Number(this.items.get('open_trips|open_trips')?.open_trips ?? 0);
  }

  private keyOf(item: Record<string, unknown>): string {
    return `${String(item.pk)}|${String(item.sk)}`;
  }
}

let table: FakeMetricsTable;

useHandlerTestLifecycle([dynamoMock], () => {
  table = new FakeMetricsTable();
  dynamoMock.on(TransactWriteCommand).callsFake((input: TransactWriteCommandInput) => table.transact(input));
  dynamoMock.on(GetCommand).callsFake((input: GetCommandInput) => table.get(input));
});

async function deliver(records: DynamoDBRecord[]) {
  return handler({ Records: records }, context);
}

function tableSnapshot() {
  return structuredClone([...table.items.entries()]);
}

/** Completions 5 minutes apart, each at its own pickup location: three new window items per trip. */
function completionsInDistinctWindows(count: number, idPrefix: string, fare: number, vendorOf: (index: number) => number): DynamoDBRecord[] {
  return Array.from({ length: count }, (_, index): TripFields => ({
    tripId: `${idPrefix}${index}`,
    pickup: '2024-05-25T12:00:00.000Z',
    dropoff: new Date(Date.UTC(2024, 4, 25, 12, 10 + index * 5)).toISOString(),
    fare,
    vendorId: vendorOf(index),
    pickupLocationId: index,
  })).map(completed);
}

function summed(partition: string) {
  const windows = table.windows(partition);
  return {
    trips: windows.reduce((sum, window) => sum + Number(window.trip_count), 0),
    fareMicros: windows.reduce((sum, window) => sum + Number(window.fare_micros), 0),
  };
}

const a: TripFields = { tripId: 'a', pickup: '2024-05-25T13:00:00.000Z', dropoff: '2024-05-25T13:03:00.000Z', fare: 10.125, vendorId: 1, pickupLocationId: 74 };
const b: TripFields = { tripId: 'b', pickup: '2024-05-25T13:01:00.000Z', dropoff: '2024-05-25T13:04:30.000Z', fare: 2.25, vendorId: 2, pickupLocationId: 74 };
const c: TripFields = { tripId: 'c', pickup: '2024-05-25T13:02:00.000Z', dropoff: '2024-05-25T13:07:00.000Z', fare: 7, vendorId: 1, pickupLocationId: null };
const d: TripFields = { tripId: 'd', pickup: '2024-05-25T13:02:00.000Z' };

describe('live-metrics handler', () => {
  it('counts completions into their windows per entity and keeps the open-trip count', async () => {
    // Prepare
    const records = [opened(a), opened(b), opened(c), opened(d), completed(a), completed(b), completed(c), openRemoved(d)];

    // Act
    const response = await deliver(records);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(table.windows('window#all#all').map(({ sk, trip_count, fare_micros, duration_ms }) => ({ sk, trip_count, fare_micros, duration_ms }))).toEqual([
      { sk: '2024-05-25T13:00:00.000Z', trip_count: 2, fare_micros: 12_375_000, duration_ms: 180_000 + 210_000 },
      { sk: '2024-05-25T13:05:00.000Z', trip_count: 1, fare_micros: 7_000_000, duration_ms: 300_000 },
    ]);
    expect(summed('window#vendor#1')).toEqual({ trips: 2, fareMicros: 17_125_000 });
    expect(summed('window#vendor#2')).toEqual({ trips: 1, fareMicros: 2_250_000 });
    expect(summed('window#pickup_location#74')).toEqual({ trips: 2, fareMicros: 12_375_000 });
    expect(table.openTrips).toBe(0);
  });

  it('changes nothing when the same batch is delivered again', async () => {
    // Prepare
    const records = [opened(a), opened(b), completed(a), opened(c)];
    await deliver(records);
    const before = tableSnapshot();

    // Act
    const response = await deliver(records);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(tableSnapshot()).toEqual(before);
    expect(table.openTrips).toBe(2);
    expect(summed('window#all#all')).toEqual({ trips: 1, fareMicros: 10_125_000 });
  });

  it('writes one marker for a batch that fits one transaction', async () => {
    // Prepare
    const records = [opened(a), opened(b), completed(a), completed(b), opened(c)];

    // Act
    await deliver(records);

    // Assess
    expect(table.markers).toEqual([
      expect.objectContaining({ pk: `applied#${records[0]?.eventID}`, last_sequence_number: records[4]?.dynamodb?.SequenceNumber, changes: 5 }),
    ]);
    expect(dynamoMock).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
  });

  it('counts each record once when the mapping redelivers from its checkpoint with more records gathered', async () => {
    // Prepare: the first delivery is applied, then redelivered (a timeout after the write) with later records
    const records = [opened(a), completed(a), opened(b), completed(b), opened(c), completed(c)];
    await deliver(records.slice(0, 2));

    // Act
    const again = await deliver(records.slice(0, 5));
    const rest = await deliver(records.slice(5));

    // Assess
    expect([again, rest]).toEqual([{ batchItemFailures: [] }, { batchItemFailures: [] }]);
    expect(summed('window#all#all')).toEqual({ trips: 3, fareMicros: 19_375_000 });
    expect(table.openTrips).toBe(0);
    expect(table.markers).toHaveLength(3);
  });

  it('skips every transaction a crashed invocation applied when the whole batch comes again', async () => {
    // Prepare: 40 completions in distinct windows need two transactions; the batch is applied, then redelivered
    const records = completionsInDistinctWindows(40, 'r', 2, () => 1);
    await deliver(records);
    const before = tableSnapshot();

    // Act
    const response = await deliver(records);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(tableSnapshot()).toEqual(before);
    expect(table.markers).toHaveLength(2);
    expect(summed('window#all#all')).toEqual({ trips: 40, fareMicros: 80_000_000 });
  });

  it('reports the whole batch when a marker refuses a transaction but cannot be read back', async () => {
    // Prepare
    const records = [opened(a), completed(a)];
    await deliver(records);
    dynamoMock.on(GetCommand).resolves({});

    // Act
    const response = await deliver(records);

    // Assess
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(records.map((record) => record.dynamodb?.SequenceNumber));
  });

  it('reports the failed records and all after them, and is exact once the mapping redelivers them', async () => {
    // Prepare: enough completions for several transactions; the second transaction is throttled
    const records = completionsInDistinctWindows(40, 't', 1.01, (index) => index % 3);
    let transactions = 0;
    dynamoMock.on(TransactWriteCommand).callsFake((input: TransactWriteCommandInput) => {
      transactions += 1;
      if (transactions === 2) table.throttleNext = 1;
      return table.transact(input);
    });

    // Act
    const first = await deliver(records);
    const failedFrom = records.findIndex((record) => record.dynamodb?.SequenceNumber === first.batchItemFailures[0]?.itemIdentifier);
    const second = await deliver(records.slice(failedFrom));

    // Assess
    expect(failedFrom).toBeGreaterThan(0);
    expect(first.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(records.slice(failedFrom).map((record) => record.dynamodb?.SequenceNumber));
    expect(second).toEqual({ batchItemFailures: [] });
    expect(summed('window#all#all')).toEqual({ trips: 40, fareMicros: 40_400_000 });
    expect(table.openTrips).toBe(-40); // completions of trips whose inserts this test never delivered
  });

  it('reports the batch rather than loop when a marker of its first record does not cover it', async () => {
    // Prepare: a marker no transaction of this handler could have written
    const records = [opened(a), completed(a)];
    table.items.set(`applied#${records[0]?.eventID}|applied`, { pk: `applied#${records[0]?.eventID}`, sk: 'applied', last_sequence_number: '1' });

    // Act
    const response = await deliver(records);

    // Assess
    expect(response.batchItemFailures).toHaveLength(2);
    expect(table.openTrips).toBe(0);
  });

  it('reports what it has not applied when too little time is left for another transaction, instead of timing out', async () => {
    // Prepare
    const records = [opened(a), completed(a)];

    // Act
    const response = await handler({ Records: records }, lambdaContext('tripstream-test-live-metrics', 4_000));

    // Assess
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(records.map((record) => record.dynamodb?.SequenceNumber));
    expect(dynamoMock).not.toHaveReceivedCommand(TransactWriteCommand);
  });

  it('ignores changes of completed items and asks DynamoDB nothing for them', async () => {
    // Prepare
    const records = [completedTouched(a), completedTouched(b)];

    // Act
    const response = await deliver(records);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(dynamoMock).not.toHaveReceivedCommand(TransactWriteCommand);
  });
});

describe('metrics-api handler', () => {
  type ApiModule = typeof import('../../../lambdas/metrics-api/handler');
  let apiHandler: ApiModule['handler'];

  beforeAll(() => {
    ({ handler: apiHandler } = jest.requireActual<ApiModule>('../../../lambdas/metrics-api/handler'));
  });

  const request = (resource: string, path: string, pathParameters: Record<string, string> | null, query: Record<string, string> | null) =>
    apiHandler({ httpMethod: 'GET', resource, path, pathParameters, queryStringParameters: query } as never, lambdaContext('tripstream-test-metrics-api'));

  it('answers the windows of an entity in the shape of the contract', async () => {
    // Prepare
    dynamoMock.on(QueryCommand).resolves({
      Items: [{ pk: 'window#vendor#2', sk: '2024-05-25T13:00:00.000Z', trip_count: 2, fare_micros: 12_375_000, duration_ms: 390_000 }],
    });

    // Act
    const response = await request('/metrics/{entity}/{id}', '/metrics/vendor/2', { entity: 'vendor', id: '2' }, { from: '2024-05-25T13:02:00Z', to: '2024-05-25T14:00:00Z' });

    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({
      entity: 'vendor',
      id: '2',
      windows: [{ window_start: '2024-05-25T13:00:00.000Z', trip_count: 2, total_fare: 12.375, average_trip_duration_minutes: 3.25 }],
    });
    expect(dynamoMock).toHaveReceivedCommandWith(QueryCommand, {
      TableName: 'tripstream-test-metrics',
      ExpressionAttributeValues: { ':pk': 'window#vendor#2', ':from': '2024-05-25T13:00:00.000Z', ':to': '2024-05-25T13:59:59.999Z' },
    });
  });

  it('answers the open trips', async () => {
    // Prepare
    dynamoMock.on(GetCommand).resolves({ Item: { pk: 'open_trips', sk: 'open_trips', open_trips: 7 } });

    // Act
    const response = await request('/metrics/open', '/metrics/open', null, null);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ open_trips: 7 });
  });

  it.each([
    [{ entity: 'driver', id: '1' }, { from: '2024-05-25T13:00:00Z', to: '2024-05-25T14:00:00Z' }, /entity must be one of all, vendor, pickup_location/],
    [{ entity: 'all', id: '3' }, { from: '2024-05-25T13:00:00Z', to: '2024-05-25T14:00:00Z' }, /the id of entity all is all/],
    [{ entity: 'vendor', id: '01' }, { from: '2024-05-25T13:00:00Z', to: '2024-05-25T14:00:00Z' }, /integer code/],
    [{ entity: 'vendor', id: '1' }, { from: '2024-05-25 13:00', to: '2024-05-25T14:00:00Z' }, /from: must be an ISO 8601 instant/],
    [{ entity: 'vendor', id: '1' }, { from: '2024-05-25T14:00:00Z', to: '2024-05-25T13:00:00Z' }, /from must be before to/],
    [{ entity: 'vendor', id: '1' }, { from: '2024-04-01T00:00:00Z', to: '2024-05-25T13:00:00Z' }, /at most 31 days/],
    [{ entity: 'vendor', id: '1' }, { to: '2024-05-25T13:00:00Z' }, /from/],
  ])('refuses %j %j with 400 and a message, without reading the table', async (pathParameters, query, message) => {
    // Act
    const response = await request('/metrics/{entity}/{id}', `/metrics/${pathParameters.entity}/${pathParameters.id}`, pathParameters, query);

    // Assess
    expect(response.statusCode).toBe(400);
    expect((JSON.parse(response.body) as { message: string }).message).toMatch(message);
    expect(dynamoMock).not.toHaveReceivedCommand(QueryCommand);
  });
});
