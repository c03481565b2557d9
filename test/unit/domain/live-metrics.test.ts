import { matchesFilterPattern } from '../../../aws/filter-pattern';
import {
  addToWindowState,
  addWindowSums,
  compareSequenceNumbers,
  LIVE_METRICS_STREAM_FILTERS,
  metricsWindow,
  readWindowState,
  shardPartials,
  type TripChange,
  toMicros,
  tripChangeOf,
  windowPartialSortKey,
  windowStartOf,
  windowStartOfSortKey,
} from '../../../domain/live-metrics';
import { completed, completedRemoved, completedTouched, opened, openRemoved } from '../../support/trip-changes';

describe('windowStartOf', () => {
  it.each([
    ['2024-05-25T13:00:00.000Z', '2024-05-25T13:00:00.000Z'],
    ['2024-05-25T13:04:59.999Z', '2024-05-25T13:00:00.000Z'],
    ['2024-05-25T13:05:00.000Z', '2024-05-25T13:05:00.000Z'],
    ['2024-05-25T23:59:59.000Z', '2024-05-25T23:55:00.000Z'],
  ])('puts %s in the 5-minute window starting %s', (instant, expected) => {
    // Act
    const start = windowStartOf(Date.parse(instant));

    // Assess
    expect(start).toBe(expected);
  });
});

describe('metricsWindow', () => {
  it('keeps the fare exact and rounds a half hundredth of a minute away from zero', () => {
    // Prepare: 10.125 + 2.25 = 12.375; minutes (30 + 0.15) / 2 = 15.075
    const fareMicros = toMicros(10.125) + toMicros(2.25);
    const durationMs = 30 * 60_000 + 9_000;

    // Act
    const window = metricsWindow('2024-05-25T13:00:00.000Z', 2, fareMicros, durationMs);

    // Assess
    expect(window).toEqual({
      window_start: '2024-05-25T13:00:00.000Z',
      trip_count: 2,
      total_fare: 12.375,
      average_trip_duration_minutes: 15.08,
    });
  });

  it('keeps sums of many small fares exact where floating point would drift', () => {
    // Prepare: 0.1 added 10 times is 0.9999999999999999 in doubles
    const fareMicros = Array.from({ length: 10 }, () => toMicros(0.1)).reduce((a, b) => a + b, 0);

    // Act
    const window = metricsWindow('2024-05-25T13:00:00.000Z', 10, fareMicros, 0);

    // Assess
    expect(window.total_fare).toBe(1);
  });
});

describe('tripChangeOf', () => {
  it('reads an open insert, a completion with its window and amounts, and an open removal', () => {
    // Prepare
    const trip = {
      tripId: 't1',
      pickup: '2024-05-25T13:00:00.000Z',
      dropoff: '2024-05-25T13:12:30.000Z',
      fare: 12.5,
      vendorId: 2,
      pickupLocationId: null,
    };

    // Act
    const changes = [opened(trip), completed(trip), openRemoved(trip)].map(tripChangeOf);

    // Assess
    expect(changes.map((result) => result.relevant && result.change?.kind)).toEqual(['opened', 'completed', 'open-removed']);
    const completion = changes[1];
    expect(completion?.relevant === true && completion.change?.kind === 'completed' ? completion.change.metrics : undefined).toEqual({
      windowStart: '2024-05-25T13:10:00.000Z',
      vendorId: 2,
      pickupLocationId: null,
      fareMicros: 12_500_000,
      durationMs: 750_000,
    });
  });

  it('ignores changes of completed items', () => {
    // Prepare
    const trip = { tripId: 't2' };

    // Act
    const results = [completedTouched(trip), completedRemoved(trip)].map(tripChangeOf);

    // Assess
    expect(results).toEqual([{ relevant: false }, { relevant: false }]);
  });

  it('names what is unreadable in a completion image', () => {
    // Prepare
    const record = completed({ tripId: 't3' });
    delete record.dynamodb?.NewImage?.fare_amount;

    // Act
    const result = tripChangeOf(record);

    // Assess
    expect(result).toEqual({ relevant: true, tripId: 't3', detail: 'completed trip image has no readable fare_amount' });
  });

  it('refuses a record without a decimal sequence number, which no window state could place', () => {
    // Prepare
    const record = opened({ tripId: 't5' });
    if (record.dynamodb !== undefined) record.dynamodb.SequenceNumber = 'not-a-number';

    // Act
    const result = tripChangeOf(record);

    // Assess
    expect(result).toMatchObject({
      relevant: true,
      tripId: 't5',
      detail: expect.stringMatching(/no decimal dynamodb.SequenceNumber/) as unknown,
    });
  });

  it('agrees with the deployed stream filters on which records matter', () => {
    // Prepare
    const trip = { tripId: 't4' };
    const records = [opened(trip), completed(trip), openRemoved(trip), completedTouched(trip), completedRemoved(trip)];

    // Act
    const passFilter = records.map((record) => LIVE_METRICS_STREAM_FILTERS.some((pattern) => matchesFilterPattern(pattern, record)));

    // Assess
    expect(passFilter).toEqual(records.map((record) => tripChangeOf(record).relevant));
    expect(passFilter).toEqual([true, true, true, false, false]);
  });
});

describe('sequence numbers', () => {
  it('orders sequence numbers of different lengths as integers, not as text', () => {
    // Act
    const ordered = ['900000000000000000001', '10000000000000000000000', '900000000000000000002'].sort(compareSequenceNumbers);

    // Assess
    expect(ordered).toEqual(['900000000000000000001', '900000000000000000002', '10000000000000000000000']);
  });
});

describe('the tumbling window state', () => {
  const completion = (sequenceNumber: string, vendorId: number, windowStart: string, fareMicros = 1_000_000): TripChange => ({
    kind: 'completed',
    eventId: `e${sequenceNumber}`,
    sequenceNumber,
    tripId: `t${sequenceNumber}`,
    metrics: { windowStart, vendorId, pickupLocationId: null, fareMicros, durationMs: 60_000 },
  });
  const opening = (sequenceNumber: string): TripChange => ({
    kind: 'opened',
    eventId: `e${sequenceNumber}`,
    sequenceNumber,
    tripId: `t${sequenceNumber}`,
  });

  it('adds a batch up per window and entity and nets the open trips', () => {
    // Prepare
    const changes = [
      opening('101'),
      completion('102', 1, '2024-05-25T13:00:00.000Z'),
      completion('103', 2, '2024-05-25T13:00:00.000Z', 2_500_000),
    ];

    // Act
    const { state, counted, skipped } = addToWindowState(undefined, changes);

    // Assess
    expect({ counted, skipped }).toEqual({ counted: 3, skipped: 0 });
    expect(state).toEqual({
      first: '101',
      through: '103',
      openTrips: -1,
      windows: {
        'all|all|2024-05-25T13:00:00.000Z': [2, 3_500_000, 120_000],
        'vendor|1|2024-05-25T13:00:00.000Z': [1, 1_000_000, 60_000],
        'vendor|2|2024-05-25T13:00:00.000Z': [1, 2_500_000, 60_000],
      },
    });
  });

  it('counts a redelivered record once, whatever the batches look like the second time', () => {
    // Prepare: the first delivery counted 101-102; the redelivery starts earlier and runs further
    const first = addToWindowState(undefined, [opening('101'), completion('102', 1, '2024-05-25T13:00:00.000Z')]).state;
    const redelivery = [
      opening('101'),
      completion('102', 1, '2024-05-25T13:00:00.000Z'),
      completion('1000', 1, '2024-05-25T13:05:00.000Z'),
    ];

    // Act
    const { state, counted, skipped } = addToWindowState(readWindowState(JSON.parse(JSON.stringify(first)) as unknown), redelivery);

    // Assess
    expect({ counted, skipped }).toEqual({ counted: 1, skipped: 2 });
    expect(state?.windows['all|all|2024-05-25T13:00:00.000Z']).toEqual([1, 1_000_000, 60_000]);
    expect(state?.through).toBe('1000');
  });

  it('reads the empty state of a new window as nothing counted, and refuses a state it did not write', () => {
    // Act
    const empty = readWindowState({});
    const foreign = () => readWindowState({ count: 3 });

    // Assess
    expect(empty).toBeUndefined();
    expect(foreign).toThrow();
  });

  it('turns a closed state into one partial per window and entity kind, under a mark that grows along the shard', () => {
    // Prepare
    const { state } = addToWindowState(undefined, [
      completion('900000000000000000001', 3, '2024-05-25T13:00:00.000Z'),
      completion('900000000000000000002', 4, '2024-05-25T13:00:00.000Z'),
      completion('900000000000000000003', 3, '2024-05-25T13:05:00.000Z'),
    ]);
    if (state === undefined) throw new Error('nothing counted');
    const later = addToWindowState(undefined, [opening('10000000000000000000000')]).state;
    if (later === undefined) throw new Error('nothing counted');

    // Act
    const partials = shardPartials(state, 'shardId-1', '2026-12-04T11:00:00.000Z');
    const sameWindowLater = shardPartials(later, 'shardId-1', '2026-12-04T11:00:00.000Z');
    const nextWindow = shardPartials(state, 'shardId-1', '2026-12-04T11:00:30.000Z');

    // Assess
    expect(partials.windows).toEqual([
      { entity: 'all', windowStart: '2024-05-25T13:00:00.000Z', sums: { all: [2, 2_000_000, 120_000] } },
      { entity: 'vendor', windowStart: '2024-05-25T13:00:00.000Z', sums: { '3': [1, 1_000_000, 60_000], '4': [1, 1_000_000, 60_000] } },
      { entity: 'all', windowStart: '2024-05-25T13:05:00.000Z', sums: { all: [1, 1_000_000, 60_000] } },
      { entity: 'vendor', windowStart: '2024-05-25T13:05:00.000Z', sums: { '3': [1, 1_000_000, 60_000] } },
    ]);
    expect(partials.openTripsDelta).toBe(-3);
    expect(partials.mark < sameWindowLater.mark).toBe(true);
    expect(sameWindowLater.mark < nextWindow.mark).toBe(true);
  });

  it('adds sums to what a partial held, id by id', () => {
    // Act
    const total = addWindowSums({ '1': [2, 5_000_000, 60_000], '2': [1, 1, 1] }, { '1': [1, 250_000, 30_000], '74': [3, 3, 3] });

    // Assess
    expect(total).toEqual({ '1': [3, 5_250_000, 90_000], '2': [1, 1, 1], '74': [3, 3, 3] });
  });

  it("keys a partial by its window first, so a range of windows finds every shard's partial", () => {
    // Act
    const key = windowPartialSortKey('2024-05-25T13:00:00.000Z', 'shardId-00000001-abc');

    // Assess
    expect(windowStartOfSortKey(key)).toBe('2024-05-25T13:00:00.000Z');
    expect(windowStartOfSortKey('2024-05-25T13:00:00.000Z')).toBe('2024-05-25T13:00:00.000Z');
    expect(key > '2024-05-25T13:00:00.000Z' && key < '2024-05-25T13:00:00.000Z#\uffff').toBe(true);
  });
});
