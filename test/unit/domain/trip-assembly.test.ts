import { eventFingerprint } from '../../../domain/fingerprint';
import { endHalf, explainRefusal, halfWrite, type Sighting, startHalf, storedEnd, tripDate } from '../../../domain/trip-assembly';
import { completedItem, openEndItem, openStartItem } from '../../support/dynamodb-stream';
import { tripEndEvent, tripStartEvent } from '../../support/kinesis';

const LIFETIME = { openHalfGraceHours: 24, completedTtlDays: 90 };
const SIGHTING: Sighting = {
  firstSeenAt: '2024-05-25T14:05:03.750Z',
  origin: { shard_id: 'shardId-000000000002', sequence_number: '49590338271490256608559692538361571095921575989136588898' },
};
/** The sighting's first-seen time in whole epoch seconds (the fraction dropped). */
const FIRST_SEEN_SECONDS = Date.UTC(2024, 4, 25, 14, 5, 3) / 1000;

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

describe('startHalf', () => {
  it("sets the start's fields, its trip_date and its bookkeeping, nothing of the end's", () => {
    // Prepare
    const start = tripStartEvent({ estimated_dropoff_datetime: null, vendor_id: null });

    // Act
    const write = startHalf(start, SIGHTING, LIFETIME);

    // Assess
    expect(write.half).toBe('start');
    expect(write.tripId).toBe('c66ce556bc');
    expect(write.attributes).toEqual({
      pickup_datetime: '2024-05-25T13:19:00.000Z',
      estimated_dropoff_datetime: null,
      pickup_location_id: 93,
      dropoff_location_id: 93,
      vendor_id: null,
      estimated_fare_amount: 34.18595284,
      trip_date: '2024-05-25',
      start_fingerprint: eventFingerprint(start),
      start_first_seen_at: SIGHTING.firstSeenAt,
      start_origin: SIGHTING.origin,
    });
    expect(write.fingerprint).toBe(eventFingerprint(start));
    expect(write.compatibility).toEqual({ partnerAttribute: 'dropoff_datetime', ownValue: '2024-05-25T13:19:00.000Z' });
  });

  it('keeps a null origin for an event that did not come from a stream record', () => {
    // Act
    const write = startHalf(tripStartEvent(), { firstSeenAt: SIGHTING.firstSeenAt, origin: null }, LIFETIME);

    // Assess
    expect(write.attributes.start_origin).toBeNull();
  });
});

describe('endHalf', () => {
  it("sets the end's fields and its bookkeeping, nothing of the start's", () => {
    // Prepare
    const end = tripEndEvent({ rate_code: null, tip_amount: null });

    // Act
    const write = endHalf(end, SIGHTING, LIFETIME);

    // Assess
    expect(write.half).toBe('end');
    expect(write.tripId).toBe('c66ce556bc');
    expect(write.attributes).toEqual({
      dropoff_datetime: '2024-05-25T14:05:00.000Z',
      rate_code: null,
      passenger_count: 0,
      trip_distance: 0.1,
      fare_amount: 40.09620692463166,
      tip_amount: null,
      payment_type: 3,
      trip_type: 2,
      end_fingerprint: eventFingerprint(end),
      end_first_seen_at: SIGHTING.firstSeenAt,
      end_origin: SIGHTING.origin,
    });
    expect(write.compatibility).toEqual({ partnerAttribute: 'pickup_datetime', ownValue: '2024-05-25T14:05:00.000Z' });
  });
});

describe('halfWrite', () => {
  it('is the start half of a start and the end half of an end', () => {
    // Act
    const halves = [halfWrite(tripStartEvent(), SIGHTING, LIFETIME), halfWrite(tripEndEvent(), SIGHTING, LIFETIME)];

    // Assess
    expect(halves).toEqual([startHalf(tripStartEvent(), SIGHTING, LIFETIME), endHalf(tripEndEvent(), SIGHTING, LIFETIME)]);
  });
});

describe('the expiry a half writes: if_not_exists(expires_at, base) + extension', () => {
  it.each([
    ['a start', () => startHalf(tripStartEvent(), SIGHTING, LIFETIME).expiry],
    ['an end', () => endHalf(tripEndEvent(), SIGHTING, LIFETIME).expiry],
  ])('as the first half (%s), expires the open item the grace period after it was first seen', (_half, expiry) => {
    // Act
    const { baseEpochSeconds, extensionSeconds } = expiry();

    // Assess
    expect(extensionSeconds).toBe(90 * 86_400);
    expect(baseEpochSeconds + extensionSeconds).toBe(FIRST_SEEN_SECONDS + 24 * 3_600);
    expect(Number.isInteger(baseEpochSeconds)).toBe(true);
  });

  it('as the second half, adds the TTL extension to the first half’s expiry, whenever it was itself seen', () => {
    // Prepare
    const first = endHalf(tripEndEvent(), SIGHTING, LIFETIME).expiry;
    const openExpiry = first.baseEpochSeconds + first.extensionSeconds;

    // Act
    const second = startHalf(tripStartEvent(), { firstSeenAt: '2024-05-25T20:00:00.000Z', origin: null }, LIFETIME).expiry;

    // Assess: the stored value exists, so the second half's base is ignored.
    expect(openExpiry + second.extensionSeconds).toBe(FIRST_SEEN_SECONDS + 24 * 3_600 + 90 * 86_400);
  });

  it('follows the lifetime settings', () => {
    // Act
    const { baseEpochSeconds, extensionSeconds } = startHalf(tripStartEvent(), SIGHTING, {
      openHalfGraceHours: 168,
      completedTtlDays: 400,
    }).expiry;

    // Assess
    expect(extensionSeconds).toBe(400 * 86_400);
    expect(baseEpochSeconds + extensionSeconds).toBe(FIRST_SEEN_SECONDS + 168 * 3_600);
  });
});

describe('explainRefusal', () => {
  const start = tripStartEvent();
  const end = tripEndEvent();
  const startWrite = (event = start) => startHalf(event, SIGHTING, LIFETIME);
  const endWrite = (event = end) => endHalf(event, SIGHTING, LIFETIME);

  it.each([
    ['the start alone', () => openStartItem(start)],
    ['the trip completed start first', () => completedItem(end, start, { first: 'start' })],
    ['the trip completed end first', () => completedItem(end, start, { first: 'end' })],
  ])('calls the same start a duplicate when the item holds %s', (_case, stored) => {
    // Act
    const refusal = explainRefusal(startWrite(), stored());

    // Assess
    expect(refusal).toEqual({ kind: 'duplicate' });
  });

  it.each([
    ['the end alone', () => openEndItem(end)],
    ['the trip completed end first', () => completedItem(end, start, { first: 'end' })],
    ['the trip completed start first', () => completedItem(end, start, { first: 'start' })],
  ])('calls the same end a duplicate when the item holds %s', (_case, stored) => {
    // Act
    const refusal = explainRefusal(endWrite(), stored());

    // Assess
    expect(refusal).toEqual({ kind: 'duplicate' });
  });

  it('rejects a different start as CONFLICTING_DUPLICATE: the first one stands', () => {
    // Act
    const refusal = explainRefusal(startWrite(tripStartEvent({ vendor_id: 2 })), completedItem(end, start));

    // Assess
    expect(refusal).toEqual({
      kind: 'rejected',
      reason: 'CONFLICTING_DUPLICATE',
      detail: `trip c66ce556bc already has a different start (fingerprint ${eventFingerprint(start)}); the first one stands`,
    });
  });

  it('rejects a different end as CONFLICTING_DUPLICATE, even one that also drops off before the pickup', () => {
    // Prepare: a recorded end settles the trip; a later end is judged against it first.
    const later = tripEndEvent({ dropoff_datetime: '2024-05-25T13:00:00.000Z' });

    // Act
    const refusal = explainRefusal(endWrite(later), completedItem(end, start));

    // Assess
    expect(refusal).toEqual({
      kind: 'rejected',
      reason: 'CONFLICTING_DUPLICATE',
      detail: `trip c66ce556bc already has a different end (fingerprint ${eventFingerprint(end)}); the first one stands`,
    });
  });

  it.each([
    ['one millisecond before the pickup', '2024-05-25T13:18:59.999Z'],
    ['the day before', '2024-05-24T23:00:00.000Z'],
  ])('rejects an end dropping off %s a recorded start as DROPOFF_BEFORE_PICKUP (start first, then end)', (_case, dropoff) => {
    // Act
    const refusal = explainRefusal(endWrite(tripEndEvent({ dropoff_datetime: dropoff })), openStartItem(start));

    // Assess
    expect(refusal).toEqual({
      kind: 'rejected',
      reason: 'DROPOFF_BEFORE_PICKUP',
      detail: `dropoff_datetime ${dropoff} is before the recorded pickup_datetime 2024-05-25T13:19:00.000Z`,
    });
  });

  it('evicts a recorded end that drops off before a start arriving after it (end first, then start)', () => {
    // Prepare
    const earlyEnd = tripEndEvent({ dropoff_datetime: '2024-05-25T13:00:00.000Z' });
    const endSighting: Sighting = {
      firstSeenAt: '2024-05-25T13:00:04.000Z',
      origin: { shard_id: 'shardId-000000000001', sequence_number: '17' },
    };

    // Act
    const refusal = explainRefusal(startWrite(), openEndItem(earlyEnd, endSighting));

    // Assess
    expect(refusal).toEqual({
      kind: 'evict-end',
      end: { event: earlyEnd, fingerprint: eventFingerprint(earlyEnd), sighting: endSighting },
      detail:
        'dropoff_datetime 2024-05-25T13:00:00.000Z is before the pickup_datetime 2024-05-25T13:19:00.000Z of the start that arrived after it',
    });
  });

  it.each([
    ['a start, and the item holds a compatible end', () => explainRefusal(startWrite(), openEndItem(end))],
    [
      'a start, and the end drops off at the pickup instant',
      () => explainRefusal(startWrite(), openEndItem(tripEndEvent({ dropoff_datetime: start.pickup_datetime }))),
    ],
    ['an end, and the item holds a compatible start', () => explainRefusal(endWrite(), openStartItem(start))],
    [
      'an end, and the pickup is the dropoff instant',
      () => explainRefusal(endWrite(tripEndEvent({ dropoff_datetime: start.pickup_datetime })), openStartItem(start)),
    ],
    ['an end, and the item holds neither half', () => explainRefusal(endWrite(), { trip_id: 'c66ce556bc' })],
  ])('throws rather than guesses for %s (the table and the rules disagree)', (_case, explain) => {
    // Assess
    expect(explain).toThrow(/^The trips table refused the (start|end) of trip c66ce556bc, but the stored item allows it$/);
  });

  it('throws when the refusal came without an item', () => {
    // Act
    const explain = () => explainRefusal(endWrite(), undefined);

    // Assess
    expect(explain).toThrow('The trips table refused the end of trip c66ce556bc, but no item was returned');
  });

  it('throws on an item these rules did not write, saying what is wrong', () => {
    // Act
    const explain = () => explainRefusal(startWrite(), { trip_id: 'c66ce556bc', start_fingerprint: 42 });

    // Assess
    expect(explain).toThrow(/^Trip item "c66ce556bc" is not a trip item: start_fingerprint: /);
  });
});

describe('storedEnd', () => {
  it('rebuilds the recorded end event field by field, with its fingerprint and sighting', () => {
    // Prepare
    const end = tripEndEvent({ rate_code: null, tip_amount: null });

    // Act
    const stored = storedEnd(completedItem(end, tripStartEvent(), { endSighting: SIGHTING }));

    // Assess
    expect(stored).toEqual({ event: end, fingerprint: eventFingerprint(end), sighting: SIGHTING });
    expect(eventFingerprint(stored.event)).toBe(stored.fingerprint);
  });

  it('keeps a null origin', () => {
    // Act
    const stored = storedEnd(openEndItem(tripEndEvent(), { firstSeenAt: SIGHTING.firstSeenAt, origin: null }));

    // Assess
    expect(stored.sighting).toEqual({ firstSeenAt: SIGHTING.firstSeenAt, origin: null });
  });

  it('throws on an item without an end, naming what is missing', () => {
    // Act
    const read = () => storedEnd(openStartItem());

    // Assess
    expect(read).toThrow(/^Trip item "c66ce556bc" holds no readable end: .*dropoff_datetime.*; .*end_fingerprint/);
  });

  it('throws on an end whose origin is not a stream record position', () => {
    // Act
    const read = () => storedEnd({ ...openEndItem(), end_origin: { shard_id: '' } });

    // Assess
    expect(read).toThrow(/^Trip item "c66ce556bc" holds no readable end: end_origin/);
  });
});
