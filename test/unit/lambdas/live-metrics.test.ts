import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  type GetCommandInput,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
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
 * A table that applies the adapter's requests the way DynamoDB does: a window partial is read (GetItem) and put
 * back whole (PutItem) on a condition on what was read; the open-trips partial is an UpdateItem conditioned on
 * its mark (attribute_not_exists or less than :mark), then ADD on numbers and SET of values.
 */
class FakeMetricsTable {
  readonly items = new Map<string, Record<string, unknown>>();
  /** Writes to fail (as a throttled request the SDK gave up on) after this many succeeded; undefined: none. */
  failAfter: number | undefined;
  writes = 0;

  get(input: GetCommandInput): { Item?: Record<string, unknown> } {
    const item = this.items.get(this.keyOf(input.Key ?? {}));
    return item === undefined ? {} : { Item: structuredClone(item) };
  }

  put(input: PutCommandInput): Record<string, never> {
    this.countWrite();
    const item = input.Item ?? {};
    const stored = this.items.get(this.keyOf(item));
    const condition = input.ConditionExpression ?? '';
    const held = input.ExpressionAttributeValues?.[':held'];
    const holds = condition.startsWith('attribute_not_exists') ? stored === undefined : stored?.applied_through === held;
    if (!holds) throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
    this.items.set(this.keyOf(item), structuredClone(item));
    return {};
  }

  update(input: UpdateCommandInput): Record<string, never> {
    this.countWrite();
    const key = this.keyOf(input.Key ?? {});
    const values = input.ExpressionAttributeValues ?? {};
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
      stored[attribute] = values[placeholder];
    }
    this.items.set(key, stored);
    return {};
  }

  windows(partition: string): Record<string, unknown>[] {
    return [...this.items.values()].filter((item) => item.pk === partition).sort((a, b) => String(a.sk).localeCompare(String(b.sk)));
  }

  /** Each partial's sums of one id, by sort key. */
  sumsOf(partition: string, id: string): [string, unknown][] {
    return this.windows(partition).map((item) => [String(item.sk), (item.sums as Record<string, unknown>)[id]]);
  }

  get openTrips(): number {
    return [...this.items.values()].filter((item) => item.pk === 'open_trips').reduce((sum, item) => sum + Number(item.open_trips), 0);
  }

  private countWrite(): void {
    if (this.failAfter !== undefined && this.writes >= this.failAfter) throw new Error('ProvisionedThroughputExceededException');
    this.writes += 1;
  }

  private keyOf(item: Record<string, unknown>): string {
    return `${String(item.pk)}|${String(item.sk)}`;
  }
}

let table: FakeMetricsTable;

useHandlerTestLifecycle([dynamoMock], () => {
  table = new FakeMetricsTable();
  dynamoMock.on(UpdateCommand).callsFake((input: UpdateCommandInput) => table.update(input));
  dynamoMock.on(GetCommand).callsFake((input: GetCommandInput) => table.get(input));
  dynamoMock.on(PutCommand).callsFake((input: PutCommandInput) => table.put(input));
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

/** One id's sums over every partial of its entity kind, e.g. summed('vendor', '1'). */
function summed(entity: string, id: string) {
  const partials = table.sumsOf(`window#${entity}`, id).flatMap(([, sums]) => (sums === undefined ? [] : [sums as number[]]));
  return {
    trips: partials.reduce((sum, [trips = 0]) => sum + trips, 0),
    fareMicros: partials.reduce((sum, [, fare = 0]) => sum + fare, 0),
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
    expect(table.sumsOf('window#all', 'all')).toEqual([
      ['2024-05-25T13:00:00.000Z#shardId-00000001-a', [2, 12_375_000, 390_000]],
      ['2024-05-25T13:05:00.000Z#shardId-00000001-a', [1, 7_000_000, 300_000]],
    ]);
    expect(table.sumsOf('window#vendor', '1')).toEqual([
      ['2024-05-25T13:00:00.000Z#shardId-00000001-a', [1, 10_125_000, 180_000]],
      ['2024-05-25T13:05:00.000Z#shardId-00000001-a', [1, 7_000_000, 300_000]],
    ]);
    expect(table.sumsOf('window#vendor', '2')).toEqual([
      ['2024-05-25T13:00:00.000Z#shardId-00000001-a', [1, 2_250_000, 210_000]],
      ['2024-05-25T13:05:00.000Z#shardId-00000001-a', undefined],
    ]);
    expect(summed('pickup_location', '74')).toEqual({ trips: 2, fareMicros: 12_375_000 });
    // c has no pickup location: counted in all and its vendor, no location item for its window.
    expect(table.windows('window#pickup_location')).toHaveLength(1);
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
    expect(summed('all', 'all')).toEqual({ trips: 2, fareMicros: 12_375_000 });
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
    // Prepare: the partials of a, b, c (all, vendor for two windows; location for one) and the open trips: 6 items
    const { close } = await window([[opened(d), completed(a), completed(b), completed(c)]]);
    table.failAfter = 2;

    // Act
    const failed = close();
    await expect(failed).rejects.toThrow(/ProvisionedThroughputExceededException/);
    table.failAfter = undefined;
    await close();

    // Assess
    expect(summed('all', 'all')).toEqual({ trips: 3, fareMicros: 19_375_000 });
    expect(summed('vendor', '1')).toEqual({ trips: 2, fareMicros: 17_125_000 });
    expect(table.openTrips).toBe(-2);
  });

  it('fails a final invocation whose item changed between its read and its write, and its retry adds once', async () => {
    // Prepare: another invocation of the shard's final invocation puts the all-window item after this one read it
    const { close } = await window([[completed(a)]]);
    let interleaved = false;
    dynamoMock.on(PutCommand).callsFake((input: PutCommandInput) => {
      if (!interleaved && input.Item?.pk === 'window#all') {
        interleaved = true;
        table.put({ ...input, ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeValues: undefined });
      }
      return table.put(input);
    });

    // Act
    const failed = close();
    await expect(failed).rejects.toThrow(/changed while mark .* was being added/);
    await close();

    // Assess
    expect(summed('all', 'all')).toEqual({ trips: 1, fareMicros: 10_125_000 });
    expect(summed('vendor', '1')).toEqual({ trips: 1, fareMicros: 10_125_000 });
  });

  it('has each shard write only its own items, which add up to the whole', async () => {
    // Prepare: a and c on one shard, b on another, in the same 5-minute window
    const shards = [
      { shardId: 'shardId-1', records: [completed(a), completed(c)] },
      { shardId: 'shardId-2', records: [completed(b)] },
    ];
    const writers = new Map<string, Set<string>>();
    const wrote = (key: Record<string, unknown> | undefined, shardId: unknown) => {
      const itemKey = `${String(key?.pk)}|${String(key?.sk)}`;
      writers.set(itemKey, (writers.get(itemKey) ?? new Set()).add(String(shardId)));
    };
    dynamoMock.on(UpdateCommand).callsFake((input: UpdateCommandInput) => {
      wrote(input.Key, input.ExpressionAttributeValues?.[':shard']);
      return table.update(input);
    });
    dynamoMock.on(PutCommand).callsFake((input: PutCommandInput) => {
      wrote(input.Item, input.Item?.shard_id);
      return table.put(input);
    });

    // Act
    await Promise.all(shards.map(async ({ shardId, records }) => (await window([records], { shardId })).close()));

    // Assess
    expect([...writers.values()].every((shardIds) => shardIds.size === 1)).toBe(true);
    expect(summed('all', 'all')).toEqual({ trips: 3, fareMicros: 19_375_000 });
    expect(table.windows('window#all')).toHaveLength(3);
  });

  it("keeps a replayed day's partials for the retention from now, not from their window's past start", async () => {
    // Prepare
    const now = Math.floor(Date.now() / 1000);

    // Act
    await (await window([[completed(a)]])).close();

    // Assess: TTL deletes an item soon after its expires_at; one in the past would vanish while the run reads it
    const expiries = table.windows('window#all').map((item) => Number(item.expires_at));
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
    expect(table.windows('window#all')).toEqual([]);
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
        { sk: '2024-05-25T13:00:00.000Z#shardId-1', sums: { '2': [1, 10_125_000, 180_000] } },
        { sk: '2024-05-25T13:00:00.000Z#shardId-2', sums: { '2': [1, 2_250_000, 210_000] } },
        { sk: '2024-05-25T13:05:00.000Z#shardId-2' },
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
      ProjectionExpression: '#sk, sums.#id',
      ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk', '#id': '2' },
      ExpressionAttributeValues: {
        ':pk': 'window#vendor',
        ':from': '2024-05-25T13:00:00.000Z',
        ':to': '2024-05-25T13:59:59.999Z#\uffff',
      },
    });
  });

  it('reads a range of several days a day per query, and answers its windows in order', async () => {
    // Prepare
    dynamoMock.on(QueryCommand).callsFake((input: { ExpressionAttributeValues: Record<string, string> }) => {
      // Each day's first window, so the answer shows which queries it came from.
      const from = input.ExpressionAttributeValues[':from'];
      return { Items: [{ sk: `${from}#shardId-1`, sums: { all: [1, 1_000_000, 60_000] } }] };
    });

    // Act
    const response = await request(
      '/metrics/{entity}/{id}',
      '/metrics/all/all',
      { entity: 'all', id: 'all' },
      {
        from: '2024-05-25T23:00:00Z',
        to: '2024-05-27T01:00:00Z',
      },
    );

    // Assess
    expect(dynamoMock).toHaveReceivedCommandTimes(QueryCommand, 3);
    expect(dynamoMock.commandCalls(QueryCommand).map((call) => call.args[0].input.ExpressionAttributeValues)).toEqual([
      { ':pk': 'window#all', ':from': '2024-05-25T23:00:00.000Z', ':to': '2024-05-25T23:59:59.999Z#\uffff' },
      { ':pk': 'window#all', ':from': '2024-05-26T00:00:00.000Z', ':to': '2024-05-26T23:59:59.999Z#\uffff' },
      { ':pk': 'window#all', ':from': '2024-05-27T00:00:00.000Z', ':to': '2024-05-27T00:59:59.999Z#\uffff' },
    ]);
    expect(JSON.parse(response.body).windows.map((window: { window_start: string }) => window.window_start)).toEqual([
      '2024-05-25T23:00:00.000Z',
      '2024-05-26T00:00:00.000Z',
      '2024-05-27T00:00:00.000Z',
    ]);
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
