import { tripEndEventSchema, tripStartEventSchema } from '../../../domain/events';
import { tripEndEvent, tripStartEvent } from '../../support/kinesis';

const validStart = tripStartEvent({ estimated_fare_amount: 34.18 });

const validEnd = tripEndEvent({ fare_amount: 40.09 });

const AMOUNT = 'is out of range (amounts must be below 1,000,000 in absolute value)';
const INSTANT = 'is outside the accepted range 1970-01-01T00:00Z (included) to 2100-01-01T00:00Z (excluded)';

describe('wire event bounds (the handlers apply the CSV rules too)', () => {
  it('accepts events at the edges of every bound', () => {
    // Prepare
    const start = {
      ...validStart,
      pickup_datetime: '1970-01-01T00:00:00.000Z',
      estimated_fare_amount: 999_999.99,
      vendor_id: 2_147_483_647,
    };
    const end = { ...validEnd, dropoff_datetime: '2099-12-31T23:59:59.999Z', tip_amount: -999_999.99, trip_distance: 999_999.99 };

    // Act
    const results = [tripStartEventSchema.safeParse(start), tripEndEventSchema.safeParse(end)];

    // Assess
    expect(results.map((result) => result.success)).toEqual([true, true]);
  });

  it.each([
    ['a fare of 1e12', { estimated_fare_amount: 1e12 }, 'estimated_fare_amount', AMOUNT],
    ['a pickup in year 0024', { pickup_datetime: '0024-05-25T13:19:00.000Z' }, 'pickup_datetime', INSTANT],
    ['a pickup in 1969', { pickup_datetime: '1969-12-31T23:59:59.999Z' }, 'pickup_datetime', INSTANT],
    ['a dropoff estimate in 2100', { estimated_dropoff_datetime: '2100-01-01T00:00:00.000Z' }, 'estimated_dropoff_datetime', INSTANT],
    ['a code beyond 32 bits', { vendor_id: 2_147_483_648 }, 'vendor_id', 'is too large for a code'],
    ['a trip id of 129 characters', { trip_id: 'x'.repeat(129) }, 'trip_id', expect.stringContaining('128')],
  ])('rejects a start with %s, naming the field', (_case, override, field, message) => {
    // Prepare
    const event = { ...validStart, ...override };

    // Act
    const result = tripStartEventSchema.safeParse(event);

    // Assess
    expect(result.success).toBe(false);
    expect(result.error?.issues).toContainEqual(expect.objectContaining({ path: [field], message }));
  });

  it.each([
    ['a tip of -1e6', { tip_amount: -1_000_000 }, 'tip_amount'],
    ['a distance of 1e6', { trip_distance: 1_000_000 }, 'trip_distance'],
    ['a fare of 1e6', { fare_amount: 1_000_000 }, 'fare_amount'],
  ])('rejects an end with %s', (_case, override, field) => {
    // Prepare
    const event = { ...validEnd, ...override };

    // Act
    const result = tripEndEventSchema.safeParse(event);

    // Assess
    expect(result.error?.issues).toContainEqual(expect.objectContaining({ path: [field], message: AMOUNT }));
  });
});
