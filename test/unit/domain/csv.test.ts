import { parseEndRow, parseStartRow } from '../../../domain/csv';
import { tripEndEventSchema, tripStartEventSchema } from '../../../domain/events';
import { endRowFields, endRowWithBlankCodes, startRowFields } from '../../support/csv';

describe('parseStartRow', () => {
  it('builds a valid start event from a row in the real layout', () => {
    // Prepare
    const record = startRowFields();

    // Act
    const outcome = parseStartRow(record);

    // Assess
    expect(outcome).toEqual({
      ok: true,
      event: {
        schema_version: 1,
        event_type: 'trip_start',
        trip_id: 'c66ce556bc',
        pickup_datetime: '2024-05-25T13:19:00.000Z',
        estimated_dropoff_datetime: '2024-05-25T14:03:00.000Z',
        pickup_location_id: 93,
        dropoff_location_id: 93,
        vendor_id: 1,
        estimated_fare_amount: 34.18595284,
      },
    });
    if (outcome.ok) expect(tripStartEventSchema.safeParse(outcome.event).success).toBe(true);
  });

  it('turns blank optional fields into null and ignores unknown columns', () => {
    // Prepare
    const record = {
      ...startRowFields({ pickup_location_id: '', dropoff_location_id: ' ', vendor_id: '', estimated_dropoff_datetime: '' }),
      surge_multiplier: 'not a number, but not ours either',
    };

    // Act
    const outcome = parseStartRow(record);

    // Assess
    expect(outcome.ok).toBe(true);
    if (outcome.ok) {
      expect(outcome.event).toMatchObject({
        pickup_location_id: null,
        dropoff_location_id: null,
        vendor_id: null,
        estimated_dropoff_datetime: null,
      });
      expect(tripStartEventSchema.safeParse(outcome.event).success).toBe(true);
    }
  });

  it('reads 5.0-style codes, trims spaces and converts an offset pickup to UTC', () => {
    // Prepare
    const record = startRowFields({
      trip_id: ' a1b2c3 ',
      vendor_id: '2.0',
      pickup_location_id: ' 7 ',
      pickup_datetime: '2024-05-26T01:19:00+02:00',
    });

    // Act
    const outcome = parseStartRow(record);

    // Assess
    expect(outcome).toMatchObject({
      ok: true,
      event: { trip_id: 'a1b2c3', vendor_id: 2, pickup_location_id: 7, pickup_datetime: '2024-05-25T23:19:00.000Z' },
    });
  });

  it.each([
    [{ trip_id: '' }, 'trip_id: required but blank'],
    [{ trip_id: 'x'.repeat(129) }, `trip_id: "${'x'.repeat(60)}…" is longer than 128 characters`],
    [{ pickup_datetime: '' }, 'pickup_datetime: required but blank'],
    [{ pickup_datetime: '31-02-2024 13:19' }, 'pickup_datetime: "31-02-2024 13:19" is not a real date (February 2024 has 29 days)'],
    [
      { estimated_dropoff_datetime: '25-05-2024 24:03' },
      'estimated_dropoff_datetime: "25-05-2024 24:03" is not a real time (hour 24; hours run 00-23)',
    ],
    [{ estimated_fare_amount: '' }, 'estimated_fare_amount: required but blank'],
    [{ estimated_fare_amount: '-3.5' }, 'estimated_fare_amount: "-3.5" is negative (fares must be 0 or more)'],
    [{ estimated_fare_amount: '1e999' }, 'estimated_fare_amount: "1e999" is not a finite number'],
    [{ vendor_id: 'N/A' }, 'vendor_id: "N/A" is not a number'],
    [{ pickup_location_id: '93.5' }, 'pickup_location_id: "93.5" is not a whole number'],
  ])('rejects %p with reason %p', (overrides, reason) => {
    // Prepare
    const record = startRowFields(overrides);

    // Act
    const outcome = parseStartRow(record);

    // Assess
    expect(outcome).toEqual({ ok: false, reason });
  });

  it('names every bad column of a row in one reason', () => {
    // Prepare
    const record = startRowFields({ trip_id: '', pickup_datetime: 'yesterday', vendor_id: 'x' });

    // Act
    const outcome = parseStartRow(record);

    // Assess
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) {
      expect(outcome.reason.split('; ')).toEqual([
        'trip_id: required but blank',
        expect.stringMatching(/^pickup_datetime: "yesterday" is not a timestamp/),
        'vendor_id: "x" is not a number',
      ]);
    }
  });

  it('reports a required column absent from the record', () => {
    // Prepare
    const record: Record<string, string> = { ...startRowFields() };
    delete record.estimated_fare_amount;

    // Act
    const outcome = parseStartRow(record);

    // Assess
    expect(outcome).toEqual({ ok: false, reason: 'estimated_fare_amount: column is missing' });
  });
});

describe('parseEndRow', () => {
  it('builds a valid end event from a row in the real layout', () => {
    // Prepare
    const record = endRowFields();

    // Act
    const outcome = parseEndRow(record);

    // Assess
    expect(outcome).toEqual({
      ok: true,
      event: {
        schema_version: 1,
        event_type: 'trip_end',
        trip_id: 'c66ce556bc',
        dropoff_datetime: '2024-05-25T14:05:00.000Z',
        rate_code: 5,
        passenger_count: 0,
        trip_distance: 0.1,
        fare_amount: 40.09620692463166,
        tip_amount: 0,
        payment_type: 3,
        trip_type: 2,
      },
    });
    if (outcome.ok) expect(tripEndEventSchema.safeParse(outcome.event).success).toBe(true);
  });

  it('accepts a row with the four codes blank, as in the real data', () => {
    // Prepare
    const record = endRowWithBlankCodes({ trip_distance: '9.33', fare_amount: '71.81478558706611' });

    // Act
    const outcome = parseEndRow(record);

    // Assess
    expect(outcome).toMatchObject({
      ok: true,
      event: { rate_code: null, passenger_count: null, payment_type: null, trip_type: null, trip_distance: 9.33 },
    });
    if (outcome.ok) expect(tripEndEventSchema.safeParse(outcome.event).success).toBe(true);
  });

  it('accepts blank distance and tip as null', () => {
    // Prepare
    const record = endRowFields({ trip_distance: '', tip_amount: '' });

    // Act
    const outcome = parseEndRow(record);

    // Assess
    expect(outcome).toMatchObject({ ok: true, event: { trip_distance: null, tip_amount: null } });
  });

  it.each([
    [{ trip_id: '   ' }, 'trip_id: required but blank'],
    [{ dropoff_datetime: '2024-02-30 10:00:00' }, 'dropoff_datetime: "2024-02-30 10:00:00" is not a real date (February 2024 has 29 days)'],
    [
      { dropoff_datetime: '2024-05-25 14:60:00' },
      'dropoff_datetime: "2024-05-25 14:60:00" is not a real time (minute 60; minutes run 00-59)',
    ],
    [{ fare_amount: '-0.01' }, 'fare_amount: "-0.01" is negative (fares must be 0 or more)'],
    [{ fare_amount: '' }, 'fare_amount: required but blank'],
    [{ passenger_count: '1.5' }, 'passenger_count: "1.5" is not a whole number'],
    [{ payment_type: 'card' }, 'payment_type: "card" is not a number'],
    [{ tip_amount: 'n/a' }, 'tip_amount: "n/a" is not a number'],
    [{ trip_distance: '1e999' }, 'trip_distance: "1e999" is not a finite number'],
  ])('rejects %p with reason %p', (overrides, reason) => {
    // Prepare
    const record = endRowFields(overrides);

    // Act
    const outcome = parseEndRow(record);

    // Assess
    expect(outcome).toEqual({ ok: false, reason });
  });
});
