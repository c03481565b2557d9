import {
  assertShardOrder,
  changesAfter,
  compareSequenceNumbers,
  firstTransaction,
  metricsWindow,
  toMicros,
  tripChangeOf,
  windowStartOf,
  LIVE_METRICS_STREAM_FILTERS,
  type MetricsTransaction,
  type TripChange,
} from '../../../lib/domain/live-metrics';
import { matchesFilterPattern } from '../../../lib/aws/filter-pattern';
import { completed, completedRemoved, completedTouched, opened, openRemoved } from '../../factories/trip-changes';

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
    expect(window).toEqual({ window_start: '2024-05-25T13:00:00.000Z', trip_count: 2, total_fare: 12.375, average_trip_duration_minutes: 15.08 });
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
    const trip = { tripId: 't1', pickup: '2024-05-25T13:00:00.000Z', dropoff: '2024-05-25T13:12:30.000Z', fare: 12.5, vendorId: 2, pickupLocationId: null };

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

  it('refuses a record without a decimal sequence number, which no marker could place', () => {
    // Prepare
    const record = opened({ tripId: 't5' });
    if (record.dynamodb !== undefined) record.dynamodb.SequenceNumber = 'not-a-number';

    // Act
    const result = tripChangeOf(record);

    // Assess
    expect(result).toMatchObject({ relevant: true, tripId: 't5', detail: expect.stringMatching(/no decimal dynamodb.SequenceNumber/) as unknown });
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

  it('keeps the changes after what a marker says was applied', () => {
    // Prepare
    const changes = ['101', '205', '1000'].map((sequenceNumber): TripChange => ({ kind: 'opened', eventId: `e${sequenceNumber}`, sequenceNumber, tripId: 't' }));

    // Act
    const remaining = changesAfter(changes, '205');

    // Assess
    expect(remaining.map((change) => change.sequenceNumber)).toEqual(['1000']);
  });

  it('refuses a batch whose records are not in increasing shard order', () => {
    // Prepare
    const changes = ['101', '101'].map((sequenceNumber, index): TripChange => ({ kind: 'opened', eventId: `e${index}`, sequenceNumber, tripId: 't' }));

    // Act
    const check = () => assertShardOrder(changes);

    // Assess
    expect(check).toThrow(/out of shard order: e1 \(101\) follows e0 \(101\)/);
  });
});

/** A batch's transactions in the order the handler applies them when none is refused. */
function transactionsOf(changes: readonly TripChange[], maxItems?: number): MetricsTransaction[] {
  const plans: MetricsTransaction[] = [];
  for (let rest = changes, plan = firstTransaction(rest, maxItems); plan !== undefined; plan = firstTransaction(rest, maxItems)) {
    plans.push(plan);
    rest = rest.slice(plan.changes.length);
  }
  return plans;
}

describe('firstTransaction', () => {
  const completion = (index: number, vendorId: number, windowStart: string): TripChange => ({
    kind: 'completed',
    eventId: `e${index}`,
    sequenceNumber: String(1000 + index),
    tripId: `t${index}`,
    metrics: { windowStart, vendorId, pickupLocationId: 100 + index, fareMicros: 1_000_000, durationMs: 60_000 },
  });

  it('merges increments of the same window and nets the open-trip delta', () => {
    // Prepare
    const changes: TripChange[] = [
      { kind: 'opened', eventId: 'o1', sequenceNumber: '999', tripId: 'a' },
      completion(1, 1, '2024-05-25T13:00:00.000Z'),
      completion(2, 1, '2024-05-25T13:00:00.000Z'),
    ];

    // Act
    const plans = transactionsOf(changes);

    // Assess
    expect(plans).toHaveLength(1);
    expect(plans[0]?.openTripsDelta).toBe(-1);
    const all = plans[0]?.windows.find((window) => window.entity === 'all');
    const vendor = plans[0]?.windows.find((window) => window.entity === 'vendor');
    expect(all).toMatchObject({ id: 'all', tripCount: 2, fareMicros: 2_000_000, durationMs: 120_000 });
    expect(vendor).toMatchObject({ id: '1', tripCount: 2 });
    expect(plans[0]?.windows).toHaveLength(4); // all, vendor 1, pickup locations 101 and 102
    expect(plans[0]).toMatchObject({ firstEventId: 'o1', lastSequenceNumber: '1002' });
  });

  it('splits a batch so no transaction exceeds the item limit, keeping every change once and in order', () => {
    // Prepare: 60 completions in distinct windows: 3 window items each
    const changes = Array.from({ length: 60 }, (_, index) => completion(index, index, new Date(Date.UTC(2024, 4, 25, 0, index * 5)).toISOString()));

    // Act
    const plans = transactionsOf(changes, 100);

    // Assess: the marker, the windows and the open-trips counter
    for (const plan of plans) expect(1 + plan.windows.length + 1).toBeLessThanOrEqual(100);
    expect(plans.flatMap((plan) => plan.changes)).toEqual(changes);
    expect(plans.map((plan) => plan.changes.length)).toEqual([32, 28]);
    expect(plans.map(({ firstEventId, lastSequenceNumber }) => ({ firstEventId, lastSequenceNumber }))).toEqual([
      { firstEventId: 'e0', lastSequenceNumber: '1031' },
      { firstEventId: 'e32', lastSequenceNumber: '1059' },
    ]);
  });

  it('writes one marker however many records a transaction holds', () => {
    // Prepare: 500 completions of one window, vendor and pickup location
    const changes = Array.from({ length: 500 }, (_, index) => ({ ...completion(index, 1, '2024-05-25T13:00:00.000Z'), metrics: { windowStart: '2024-05-25T13:00:00.000Z', vendorId: 1, pickupLocationId: 7, fareMicros: 1, durationMs: 1 } }));

    // Act
    const plan = firstTransaction(changes);

    // Assess
    expect(plan?.changes).toHaveLength(500);
    expect(plan?.windows.map((window) => window.tripCount)).toEqual([500, 500, 500]);
  });
});
