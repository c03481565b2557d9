import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { lambdaContext, useHandlerTestLifecycle, useTestEnvironment } from '../../support/handler-harness';
import { completed, completedTouched, opened, openRemoved, type TripFields } from '../../support/trip-changes';

const dynamoMock = mockClient(DynamoDBDocumentClient);

type HandlerModule = typeof import('../../../lambdas/live-metrics/handler');
let handler: HandlerModule['handler'];
const context = lambdaContext('tripstream-test-live-metrics');

beforeAll(() => {
  useTestEnvironment();
  Object.assign(process.env, { METRICS_TABLE_NAME: 'tripstream-test-metrics', METRICS_WINDOW_RETENTION_DAYS: '90' });
  ({ handler } = jest.requireActual<HandlerModule>('../../../lambdas/live-metrics/handler'));
});

/**
 * A table that applies the adapter's UpdateItems the way DynamoDB does: the condition on the item's mark
 * (attribute_not_exists or less than :mark), then ADD on numbers and SET of values.
 */
class FakeMetricsTable {
  readonly items = new Map<string, Record<string, unknown>>();
  /** Updates to fail (as a throttled request the SDK gave up on) after this many succeeded; undefined: none. */
  failAfter: number | undefined;
  writes = 0;

  update(input: UpdateCommandInput): Record<string, never> {
    if (this.failAfter !== undefined && this.writes >= this.failAfter) throw new Error('ProvisionedThroughputExceededException');
    this.writes += 1;
    const key = this.keyOf(input.Key ?? {});
    const values = input.ExpressionAttributeValues ?? {};
    const names = input.ExpressionAttributeNames ?? {};
    const stored: Record<string, unknown> = { ...(this.items.get(key) ?? input.Key) };
    if (stored.applied_through !== undefined && !(String(stored.applied_through) < String(values[':mark']))) {
      throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
    }
    const [, adds = '', sets = ''] = /^ADD (.*?)(?: SET (.*))?$/.exec(input.UpdateExpression ?? '') ?? [];
    for (const clause of adds
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean)) {
      const [attribute = '', placeholder = ''] = clause.split(/\s+/);
      stored[attribute] = Number(stored[attribute] ?? 0) + Number(values[placeholder]);
    }
    for (const clause of sets
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean)) {
      const [attribute = '', placeholder = ''] = clause.split(/\s*=\s*/);
      stored[names[attribute] ?? attribute] = values[placeholder];
    }
    this.items.set(key, stored);
    return {};
  }

  windows(partition: string): Record<string, unknown>[] {
    return [...this.items.values()].filter((item) => item.pk === partition).sort((a, b) => String(a.sk).localeCompare(String(b.sk)));
  }

  get openTrips(): number {
    return [...this.items.values()].filter((item) => item.pk === 'open_trips').reduce((sum, item) => sum + Number(item.open_trips), 0);
  }

  private keyOf(item: Record<string, unknown>): string {
    return `${String(item.pk)}|${String(item.sk)}`;
  }
}

let table: FakeMetricsTable;

useHandlerTestLifecycle([dynamoMock], () => {
  table = new FakeMetricsTable();
  dynamoMock.on(UpdateCommand).callsFake((input: UpdateCommandInput) => table.update(input));
});

const TUMBLING_WINDOW = { start: '2026-12-04T11:00:00Z', end: '2026-12-04T11:00:30Z' };

/** One invocation of a tumbling-window mapping, as Lambda makes it for a shard. */
async function invoke(
  records: DynamoDBRecord[],
  state: unknown,
  options: { final?: boolean; shardId?: string; window?: typeof TUMBLING_WINDOW } = {},
) {
  return handler(
    {
      Records: records,
      shardId: options.shardId ?? 'shardId-00000001-a',
      window: options.window ?? TUMBLING_WINDOW,
      state: state as never,
      isFinalInvokeForWindow: options.final ?? false,
      isWindowTerminatedEarly: false,
    },
    context,
  );
}

/** A shard's window: its batches one after another, each handed the state the last one returned, then its final invocation. */
async function window(batches: DynamoDBRecord[][], options: { shardId?: string; window?: typeof TUMBLING_WINDOW } = {}) {
  let state: unknown = {};
  for (const batch of batches) state = (await invoke(batch, state, options)).state;
  return { state, close: () => invoke([], state, { ...options, final: true }) };
}

function summed(partition: string) {
  const windows = table.windows(partition);
  return {
    trips: windows.reduce((sum, item) => sum + Number(item.trip_count), 0),
    fareMicros: windows.reduce((sum, item) => sum + Number(item.fare_micros), 0),
  };
}

const a: TripFields = {
  tripId: 'a',
  pickup: '2024-05-25T13:00:00.000Z',
  dropoff: '2024-05-25T13:03:00.000Z',
  fare: 10.125,
  vendorId: 1,
  pickupLocationId: 74,
};
const b: TripFields = {
  tripId: 'b',
  pickup: '2024-05-25T13:01:00.000Z',
  dropoff: '2024-05-25T13:04:30.000Z',
  fare: 2.25,
  vendorId: 2,
  pickupLocationId: 74,
};
const c: TripFields = {
  tripId: 'c',
  pickup: '2024-05-25T13:02:00.000Z',
  dropoff: '2024-05-25T13:07:00.000Z',
  fare: 7,
  vendorId: 1,
  pickupLocationId: null,
};
const d: TripFields = { tripId: 'd', pickup: '2024-05-25T13:02:00.000Z' };

describe('live-metrics handler', () => {
  it("adds a window up in its state without writing, and writes the shard's partials when it closes", async () => {
    // Prepare
    const batches = [
      [opened(a), opened(b), opened(c), opened(d)],
      [completed(a), completed(b), completed(c)],
    ];

    // Act
    const { close } = await window(batches);
    const writesBeforeClose = table.writes;
    const response = await close();

    // Assess
    expect(writesBeforeClose).toBe(0);
    expect(response).toEqual({ state: {}, batchItemFailures: [] });
    expect(table.windows('window#all#all').map((item) => [item.sk, item.trip_count, item.fare_micros, item.duration_ms])).toEqual([
      ['2024-05-25T13:00:00.000Z#shardId-00000001-a', 2, 12_375_000, 390_000],
      ['2024-05-25T13:05:00.000Z#shardId-00000001-a', 1, 7_000_000, 300_000],
    ]);
    expect(summed('window#vendor#1')).toEqual({ trips: 2, fareMicros: 17_125_000 });
    expect(summed('window#pickup_location#74')).toEqual({ trips: 2, fareMicros: 12_375_000 });
    expect(table.windows('window#pickup_location#null')).toEqual([]);
    expect(table.openTrips).toBe(1);
  });

  it('counts a record the mapping delivers twice in one window once', async () => {
    // Prepare: the second batch starts again at the first one's last record, as a retry from a checkpoint does
    const first = completed(a);
    const batches = [
      [opened(d), first],
      [first, completed(b)],
    ];

    // Act
    await (await window(batches)).close();

    // Assess
    expect(summed('window#all#all')).toEqual({ trips: 2, fareMicros: 12_375_000 });
    expect(table.openTrips).toBe(-1);
  });

  it('adds nothing twice when a final invocation is retried with the same state', async () => {
    // Prepare
    const { close } = await window([[completed(a), completed(b)]]);
    await close();
    const before = structuredClone([...table.items.entries()]);

    // Act
    await close();

    // Assess
    expect([...table.items.entries()]).toEqual(before);
  });

  it('fails a final invocation whose writes fail part way, and its retry adds only what is missing', async () => {
    // Prepare: the partials of a, b, c (all x2, vendor x2, location x1) and the open trips: 6 items
    const { close } = await window([[opened(d), completed(a), completed(b), completed(c)]]);
    table.failAfter = 2;

    // Act
    const failed = close();
    await expect(failed).rejects.toThrow(/ProvisionedThroughputExceededException/);
    table.failAfter = undefined;
    await close();

    // Assess
    expect(summed('window#all#all')).toEqual({ trips: 3, fareMicros: 19_375_000 });
    expect(summed('window#vendor#1')).toEqual({ trips: 2, fareMicros: 17_125_000 });
    expect(table.openTrips).toBe(-2);
  });

  it('has each shard write only its own items, which add up to the whole', async () => {
    // Prepare: a and c on one shard, b on another, in the same 5-minute window
    const shards = [
      { shardId: 'shardId-1', records: [completed(a), completed(c)] },
      { shardId: 'shardId-2', records: [completed(b)] },
    ];
    const writers = new Map<string, Set<string>>();
    dynamoMock.on(UpdateCommand).callsFake((input: UpdateCommandInput) => {
      const key = `${String(input.Key?.pk)}|${String(input.Key?.sk)}`;
      writers.set(key, (writers.get(key) ?? new Set()).add(String(input.ExpressionAttributeValues?.[':shard'])));
      return table.update(input);
    });

    // Act
    await Promise.all(shards.map(async ({ shardId, records }) => (await window([records], { shardId })).close()));

    // Assess
    expect([...writers.values()].every((shardIds) => shardIds.size === 1)).toBe(true);
    expect(summed('window#all#all')).toEqual({ trips: 3, fareMicros: 19_375_000 });
    expect(table.windows('window#all#all')).toHaveLength(3);
  });

  it("keeps a replayed day's partials for the retention from now, not from their window's past start", async () => {
    // Prepare
    const now = Math.floor(Date.now() / 1000);

    // Act
    await (await window([[completed(a)]])).close();

    // Assess: TTL deletes an item soon after its expires_at; one in the past would vanish while the run reads it
    const expiries = table.windows('window#all#all').map((item) => Number(item.expires_at));
    expect(Math.min(...expiries)).toBeGreaterThanOrEqual(now + 90 * 86_400);
  });

  it('refuses an event without a tumbling window, which it could count nothing in', async () => {
    // Act
    const invocation = handler({ Records: [completed(a)] } as never, context);

    // Assess
    await expect(invocation).rejects.toThrow(/not a tumbling-window event/);
  });

  it('ignores changes of completed items and writes nothing for them', async () => {
    // Prepare
    const trip = { tripId: 'e' };

    // Act
    const { state, close } = await window([[completedTouched(trip)], [openRemoved({ tripId: 'f' })]]);
    await close();

    // Assess
    expect(state).toMatchObject({ openTrips: -1 });
    expect(table.windows('window#all#all')).toEqual([]);
  });
});

describe('metrics-api handler', () => {
  type ApiModule = typeof import('../../../lambdas/metrics-api/handler');
  let apiHandler: ApiModule['handler'];

  beforeAll(() => {
    ({ handler: apiHandler } = jest.requireActual<ApiModule>('../../../lambdas/metrics-api/handler'));
  });

  const request = (resource: string, path: string, pathParameters: Record<string, string> | null, query: Record<string, string> | null) =>
    apiHandler(
      { httpMethod: 'GET', resource, path, pathParameters, queryStringParameters: query } as never,
      lambdaContext('tripstream-test-metrics-api'),
    );

  it("answers the windows of an entity in the shape of the contract, each the sum of the shards' partials", async () => {
    // Prepare
    dynamoMock.on(QueryCommand).resolves({
      Items: [
        { pk: 'window#vendor#2', sk: '2024-05-25T13:00:00.000Z#shardId-1', trip_count: 1, fare_micros: 10_125_000, duration_ms: 180_000 },
        { pk: 'window#vendor#2', sk: '2024-05-25T13:00:00.000Z#shardId-2', trip_count: 1, fare_micros: 2_250_000, duration_ms: 210_000 },
      ],
    });

    // Act
    const response = await request(
      '/metrics/{entity}/{id}',
      '/metrics/vendor/2',
      { entity: 'vendor', id: '2' },
      { from: '2024-05-25T13:02:00Z', to: '2024-05-25T14:00:00Z' },
    );

    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({
      entity: 'vendor',
      id: '2',
      windows: [{ window_start: '2024-05-25T13:00:00.000Z', trip_count: 2, total_fare: 12.375, average_trip_duration_minutes: 3.25 }],
    });
    expect(dynamoMock).toHaveReceivedCommandWith(QueryCommand, {
      TableName: 'tripstream-test-metrics',
      ExpressionAttributeValues: {
        ':pk': 'window#vendor#2',
        ':from': '2024-05-25T13:00:00.000Z',
        ':to': '2024-05-25T13:59:59.999Z#\uffff',
      },
    });
  });

  it('answers the open trips, summed over the shards', async () => {
    // Prepare
    dynamoMock.on(QueryCommand).resolves({
      Items: [
        { pk: 'open_trips', sk: 'shard#shardId-1', open_trips: 9 },
        { pk: 'open_trips', sk: 'shard#shardId-2', open_trips: -2 },
      ],
    });

    // Act
    const response = await request('/metrics/open', '/metrics/open', null, null);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ open_trips: 7 });
  });

  it.each([
    [
      { entity: 'driver', id: '1' },
      { from: '2024-05-25T13:00:00Z', to: '2024-05-25T14:00:00Z' },
      /entity must be one of all, vendor, pickup_location/,
    ],
    [{ entity: 'all', id: '3' }, { from: '2024-05-25T13:00:00Z', to: '2024-05-25T14:00:00Z' }, /the id of entity all is all/],
    [{ entity: 'vendor', id: '01' }, { from: '2024-05-25T13:00:00Z', to: '2024-05-25T14:00:00Z' }, /integer code/],
    [{ entity: 'vendor', id: '1' }, { from: '2024-05-25 13:00', to: '2024-05-25T14:00:00Z' }, /from: must be an ISO 8601 instant/],
    [{ entity: 'vendor', id: '1' }, { from: '2024-05-25T14:00:00Z', to: '2024-05-25T13:00:00Z' }, /from must be before to/],
    [{ entity: 'vendor', id: '1' }, { from: '2024-04-01T00:00:00Z', to: '2024-05-25T13:00:00Z' }, /at most 31 days/],
    [{ entity: 'vendor', id: '1' }, { to: '2024-05-25T13:00:00Z' }, /from/],
  ])('refuses %j %j with 400 and a message, without reading the table', async (pathParameters, query, message) => {
    // Act
    const response = await request(
      '/metrics/{entity}/{id}',
      `/metrics/${pathParameters.entity}/${pathParameters.id}`,
      pathParameters,
      query,
    );

    // Assess
    expect(response.statusCode).toBe(400);
    expect((JSON.parse(response.body) as { message: string }).message).toMatch(message);
    expect(dynamoMock).not.toHaveReceivedCommand(QueryCommand);
  });
});
