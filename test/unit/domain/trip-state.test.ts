import { decideRetry, retryDelaySeconds } from '../../../lib/domain/backoff';
import { canonicalJson, eventFingerprint } from '../../../lib/domain/fingerprint';
import {
  completionAttributes,
  decideEnd,
  decideStart,
  expiresAt,
  readStoredTrip,
  startedTripItem,
  tripDate,
  type StoredTrip,
} from '../../../lib/domain/trip-state';
import { tripEndEvent, tripStartEvent } from '../../factories/kinesis';

const NOW = new Date('2024-05-25T14:05:03.500Z');

function storedTrip(overrides: Partial<StoredTrip> = {}): StoredTrip {
  return { trip_id: 'c66ce556bc', pickup_datetime: '2024-05-25T13:19:00.000Z', start_fingerprint: 'start-1', ...overrides };
}

describe('tripDate', () => {
  it.each([
    ['2024-05-25T13:19:00.000Z', '2024-05-25'],
    ['2024-05-25T00:00:00.000Z', '2024-05-25'],
    ['2024-05-25T23:59:59.999Z', '2024-05-25'],
    ['2024-02-29T12:00:00.000Z', '2024-02-29'],
    ['2024-05-26T01:30:00+02:00', '2024-05-25'],
  ])('is the UTC calendar date of pickup %s: %s', (pickup, expected) => {
    // Act
    const date = tripDate(pickup);

    // Assess
    expect(date).toBe(expected);
  });

  it('refuses a pickup that is not a timestamp', () => {
    // Act
    const read = () => tripDate('25-05-2024 13:19');

    // Assess
    expect(read).toThrow('pickup_datetime "25-05-2024 13:19" is not a timestamp');
  });
});

describe('expiresAt', () => {
  it('is ttlDays after now, in whole epoch seconds', () => {
    // Act
    const expiry = expiresAt(NOW, 90);

    // Assess
    expect(expiry).toBe(Math.floor(NOW.getTime() / 1000) + 90 * 24 * 60 * 60);
    expect(Number.isInteger(expiry)).toBe(true);
  });
});

describe('startedTripItem', () => {
  it('is flat: the start fields, its trip_date, status STARTED, fingerprint, start time and TTL', () => {
    // Prepare
    const start = tripStartEvent({ estimated_dropoff_datetime: null, vendor_id: null });

    // Act
    const item = startedTripItem(start, NOW, 90);

    // Assess
    expect(item).toEqual({
      trip_id: 'c66ce556bc',
      status: 'STARTED',
      trip_date: '2024-05-25',
      pickup_datetime: '2024-05-25T13:19:00.000Z',
      estimated_dropoff_datetime: null,
      pickup_location_id: 93,
      dropoff_location_id: 93,
      vendor_id: null,
      estimated_fare_amount: 34.18595284,
      start_fingerprint: eventFingerprint(start),
      started_at: '2024-05-25T14:05:03.500Z',
      expires_at: expiresAt(NOW, 90),
    });
  });
});

describe('completionAttributes', () => {
  it('sets the end fields, status COMPLETED, fingerprint, completion time and a renewed TTL', () => {
    // Prepare
    const end = tripEndEvent({ rate_code: null, tip_amount: null });

    // Act
    const completion = completionAttributes(end, NOW, 30);

    // Assess
    expect(completion).toEqual({
      status: 'COMPLETED',
      dropoff_datetime: '2024-05-25T14:05:00.000Z',
      rate_code: null,
      passenger_count: 0,
      trip_distance: 0.1,
      fare_amount: 40.09620692463166,
      tip_amount: null,
      payment_type: 3,
      trip_type: 2,
      end_fingerprint: eventFingerprint(end),
      completed_at: '2024-05-25T14:05:03.500Z',
      expires_at: expiresAt(NOW, 30),
    });
  });
});

describe('readStoredTrip', () => {
  it('reads the attributes the rules need and ignores the others', () => {
    // Prepare
    const item = { ...startedTripItem(tripStartEvent(), NOW, 90) };

    // Act
    const stored = readStoredTrip(item);

    // Assess
    expect(stored).toEqual({
      trip_id: 'c66ce556bc',
      pickup_datetime: '2024-05-25T13:19:00.000Z',
      start_fingerprint: item.start_fingerprint,
    });
  });

  it('refuses an item these rules did not write, saying what is missing', () => {
    // Act
    const read = () => readStoredTrip({ trip_id: 'c66ce556bc', pickup_datetime: '2024-05-25T13:19:00.000Z' });

    // Assess
    expect(read).toThrow(/^Trip item "c66ce556bc" is not a trip item: start_fingerprint: /);
  });
});

describe('decideStart', () => {
  it.each([
    ['no item yet', undefined, 'record'],
    ['the same start recorded', storedTrip(), 'duplicate'],
    ['the same start recorded and the trip completed', storedTrip({ end_fingerprint: 'end-1' }), 'duplicate'],
    ['a different start recorded', storedTrip({ start_fingerprint: 'start-2' }), 'conflict'],
    ['a different start recorded and the trip completed', storedTrip({ start_fingerprint: 'start-2', end_fingerprint: 'end-1' }), 'conflict'],
  ])('with %s: %s', (_case, stored, expected) => {
    // Act
    const decision = decideStart(stored, 'start-1');

    // Assess
    expect(decision.kind).toBe(expected);
  });

  it('says which start stands in a conflict', () => {
    // Act
    const decision = decideStart(storedTrip({ start_fingerprint: 'start-2' }), 'start-1');

    // Assess
    expect(decision).toEqual({
      kind: 'conflict',
      detail: 'trip c66ce556bc already has a different start (fingerprint start-2); the first one stands',
    });
  });
});

describe('decideEnd', () => {
  const end = { dropoff_datetime: '2024-05-25T14:05:00.000Z', end_fingerprint: 'end-1' };

  it.each([
    ['no item (start not recorded yet)', undefined, end, 'start-not-found'],
    ['a started trip, dropoff after pickup', storedTrip(), end, 'complete'],
    ['a started trip, dropoff at the pickup instant', storedTrip(), { ...end, dropoff_datetime: '2024-05-25T13:19:00.000Z' }, 'complete'],
    ['a started trip, dropoff one millisecond before pickup', storedTrip(), { ...end, dropoff_datetime: '2024-05-25T13:18:59.999Z' }, 'dropoff-before-pickup'],
    ['a started trip, dropoff the day before', storedTrip(), { ...end, dropoff_datetime: '2024-05-24T23:00:00.000Z' }, 'dropoff-before-pickup'],
    ['the same end recorded', storedTrip({ end_fingerprint: 'end-1' }), end, 'duplicate'],
    ['a different end recorded', storedTrip({ end_fingerprint: 'end-2' }), end, 'conflict'],
    // A recorded end settles the trip: a later end is judged against it, whatever its dropoff.
    ['a different end recorded, dropoff before pickup', storedTrip({ end_fingerprint: 'end-2' }), { ...end, dropoff_datetime: '2024-05-25T13:00:00.000Z' }, 'conflict'],
    ['the same end recorded, dropoff before pickup', storedTrip({ end_fingerprint: 'end-1' }), { ...end, dropoff_datetime: '2024-05-25T13:00:00.000Z' }, 'duplicate'],
  ])('with %s: %s', (_case, stored, candidate, expected) => {
    // Act
    const decision = decideEnd(stored, candidate);

    // Assess
    expect(decision.kind).toBe(expected);
  });

  it('explains a conflict and a dropoff before pickup', () => {
    // Act
    const conflict = decideEnd(storedTrip({ end_fingerprint: 'end-2' }), end);
    const early = decideEnd(storedTrip(), { ...end, dropoff_datetime: '2024-05-25T13:00:00.000Z' });

    // Assess
    expect(conflict).toEqual({
      kind: 'conflict',
      detail: 'trip c66ce556bc already has a different end (fingerprint end-2); the first one stands',
    });
    expect(early).toEqual({
      kind: 'dropoff-before-pickup',
      detail: 'dropoff_datetime 2024-05-25T13:00:00.000Z is before the recorded pickup_datetime 2024-05-25T13:19:00.000Z',
    });
  });
});

describe('eventFingerprint', () => {
  it('is the same for the same content, whatever the key order', () => {
    // Prepare
    const start = tripStartEvent();
    const reordered = Object.fromEntries(Object.entries(start).reverse()) as typeof start;

    // Act
    const fingerprints = [eventFingerprint(start), eventFingerprint(reordered)];

    // Assess
    expect(fingerprints[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(fingerprints[1]).toBe(fingerprints[0]);
  });

  it.each([
    ['the fare', { estimated_fare_amount: 34.18595285 }],
    ['a null optional', { vendor_id: null }],
    ['the pickup', { pickup_datetime: '2024-05-25T13:19:00.001Z' }],
    ['the trip', { trip_id: 'c66ce556bd' }],
  ])('changes when %s changes', (_field, change) => {
    // Act
    const [before, after] = [eventFingerprint(tripStartEvent()), eventFingerprint(tripStartEvent(change))];

    // Assess
    expect(after).not.toBe(before);
  });

  it('tells a start from an end with the same trip id', () => {
    // Act
    const [start, end] = [eventFingerprint(tripStartEvent()), eventFingerprint(tripEndEvent())];

    // Assess
    expect(start).not.toBe(end);
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every level and keeps arrays in order', () => {
    // Act
    const text = canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } });

    // Assess
    expect(text).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  });
});

describe('retryDelaySeconds', () => {
  const policy = { baseDelaySeconds: 30, maxDelaySeconds: 900 };

  it.each([
    [1, 30],
    [2, 60],
    [3, 120],
    [5, 480],
    [6, 900],
    [7, 900],
    [1000, 900],
  ])('for a message recording %i attempts is %i s', (attempts, expected) => {
    // Act
    const delay = retryDelaySeconds(attempts, policy);

    // Assess
    expect(delay).toBe(expected);
  });

  it('is 0 with a zero base (immediate retries) and never above the cap', () => {
    // Act
    const delays = [1, 2, 50].map((attempts) => retryDelaySeconds(attempts, { baseDelaySeconds: 0, maxDelaySeconds: 900 }));
    const capped = [1, 2, 3].map((attempts) => retryDelaySeconds(attempts, { baseDelaySeconds: 1, maxDelaySeconds: 2 }));

    // Assess
    expect(delays).toEqual([0, 0, 0]);
    expect(capped).toEqual([1, 2, 2]);
  });
});

describe('decideRetry', () => {
  const policy = { maxRetries: 3, baseDelaySeconds: 30, maxDelaySeconds: 900 };

  it('retries while retries are left: attempts 1 to 1 + maxRetries - 1 are followed by another one', () => {
    // Act
    const decisions = [1, 2, 3].map((attempts) => decideRetry(attempts, policy));

    // Assess
    expect(decisions).toEqual([
      { action: 'retry', attempts: 1, delaySeconds: 30 },
      { action: 'retry', attempts: 2, delaySeconds: 60 },
      { action: 'retry', attempts: 3, delaySeconds: 120 },
    ]);
  });

  it('gives up after the first attempt and maxRetries retries', () => {
    // Act
    const decisions = [4, 5].map((attempts) => decideRetry(attempts, policy));

    // Assess
    expect(decisions).toEqual([
      { action: 'give-up', attempts: 4 },
      { action: 'give-up', attempts: 5 },
    ]);
  });

  it('with the default budgets, an orphan end is tried 7 times over about 31 minutes', () => {
    // Prepare: orphanEndMaxAttempts 6, 30 s doubling, capped at 900 s (lib/config.ts defaults).
    const orphanEnd = { maxRetries: 6, baseDelaySeconds: 30, maxDelaySeconds: 900 };

    // Act
    const decisions = [1, 2, 3, 4, 5, 6, 7].map((attempts) => decideRetry(attempts, orphanEnd));

    // Assess
    const delays = decisions.flatMap((decision) => (decision.action === 'retry' ? [decision.delaySeconds] : []));
    expect(delays).toEqual([30, 60, 120, 240, 480, 900]);
    expect(decisions.at(-1)).toEqual({ action: 'give-up', attempts: 7 });
  });
});
