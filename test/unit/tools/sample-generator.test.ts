import { Readable } from 'node:stream';
import { type CsvRow, readEndCsv, readStartCsv } from '../../../domain/csv-reader';
import { type TripEndEvent, type TripStartEvent, tripEndEventSchema, tripStartEventSchema } from '../../../domain/events';
import { generateSample, NO_TROUBLE_RATES, resolveOptions, type SampleGroundTruth } from '../../../tools/sample-generator';
import { collect } from '../../support/csv';

async function readBack(csv: { startCsv: string; endCsv: string }): Promise<{
  starts: Array<CsvRow<TripStartEvent>>;
  ends: Array<CsvRow<TripEndEvent>>;
}> {
  return {
    starts: await collect(readStartCsv(Readable.from([csv.startCsv]))),
    ends: await collect(readEndCsv(Readable.from([csv.endCsv]))),
  };
}

function validEvents<E>(rows: Array<CsvRow<E>>): E[] {
  return rows.flatMap((row) => (row.outcome.ok ? [row.outcome.event] : []));
}

function distinctById<E extends { trip_id: string }>(events: E[]): Map<string, E[]> {
  const byId = new Map<string, E[]>();
  for (const event of events) {
    const known = byId.get(event.trip_id) ?? [];
    if (!known.some((other) => JSON.stringify(other) === JSON.stringify(event))) known.push(event);
    byId.set(event.trip_id, known);
  }
  return byId;
}

/** What the pipeline's rules make of the events the reader returns, derived without the generator's models. */
function outcomesFromEvents(starts: TripStartEvent[], ends: TripEndEvent[]): Partial<SampleGroundTruth> {
  const startsById = distinctById(starts);
  const endsById = distinctById(ends);
  const ids = [...new Set([...startsById.keys(), ...endsById.keys()])].sort();
  const completed = ids.filter((id) => {
    const [start] = startsById.get(id) ?? [];
    const [end] = endsById.get(id) ?? [];
    return start !== undefined && end !== undefined && end.dropoff_datetime >= start.pickup_datetime;
  });
  return {
    completedTripIds: completed,
    orphanEndIds: ids.filter((id) => !startsById.has(id)),
    startedOnlyIds: ids.filter((id) => !endsById.has(id)),
    conflictingIds: completed.filter((id) => (startsById.get(id)?.length ?? 0) > 1 || (endsById.get(id)?.length ?? 0) > 1),
    dropoffBeforePickupIds: ids.filter((id) => {
      const [start] = startsById.get(id) ?? [];
      const [end] = endsById.get(id) ?? [];
      return start !== undefined && end !== undefined && end.dropoff_datetime < start.pickup_datetime;
    }),
    crossingMidnightIds: completed.filter((id) => {
      const [start] = startsById.get(id) ?? [];
      const [end] = endsById.get(id) ?? [];
      return start?.pickup_datetime.slice(0, 10) !== end?.dropoff_datetime.slice(0, 10);
    }),
  };
}

describe('generateSample', () => {
  it('gives the same files and ground truth for the same seed, and different ones for another', () => {
    // Prepare
    const options = { trips: 300, seed: 42, days: 2 };

    // Act
    const first = generateSample(options);
    const second = generateSample(options);
    const other = generateSample({ ...options, seed: 43 });

    // Assess
    expect(second).toEqual(first);
    expect(other.startCsv).not.toBe(first.startCsv);
    expect(other.endCsv).not.toBe(first.endCsv);
  });

  it('writes the exact real layout: header order, trip_id last, day-first pickups, 5.0 codes, blank codes', () => {
    // Prepare
    const options = { trips: 500, seed: 'layout' };

    // Act
    const { startCsv, endCsv } = generateSample(options);

    // Assess
    const startLines = startCsv.split('\n');
    const endLines = endCsv.split('\n');
    expect(startLines[0]).toBe(
      'trip_id,pickup_location_id,dropoff_location_id,vendor_id,pickup_datetime,estimated_dropoff_datetime,estimated_fare_amount',
    );
    expect(endLines[0]).toBe(
      'dropoff_datetime,rate_code,passenger_count,trip_distance,fare_amount,tip_amount,payment_type,trip_type,trip_id',
    );
    expect(startCsv.endsWith('\n')).toBe(true);
    expect(
      startLines.filter((line) =>
        /^[0-9a-f]{10},\d+,\d+,[12],\d{2}-\d{2}-\d{4} \d{2}:\d{2},\d{2}-\d{2}-\d{4} \d{2}:\d{2},\d+\.\d{8}$/.test(line),
      ).length,
    ).toBeGreaterThan(400);
    expect(
      endLines.filter((line) =>
        /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:00,\d\.0,\d\.0,\d+\.\d+,\d+\.\d{6,},[\d.e-]+,\d\.0,\d\.0,[0-9a-f]{10}$/.test(line),
      ).length,
    ).toBeGreaterThan(300);
    expect(endLines.filter((line) => /^[^,]+,,,[^,]+,[^,]+,[^,]+,,,[0-9a-f]{10}$/.test(line)).length).toBeGreaterThan(20);
  });

  it('uses every accepted timestamp style somewhere in a large sample', () => {
    // Prepare
    const options = { trips: 3_000, seed: 'styles', rates: { otherTimestampStyles: 0.2 } };

    // Act
    const { startCsv, endCsv } = generateSample(options);

    // Assess
    const stamps = [...startCsv.split('\n').map((line) => line.split(',')[4]), ...endCsv.split('\n').map((line) => line.split(',')[0])];
    const styles = [
      /^\d{2}-\d{2}-\d{4} \d{2}:\d{2}$/,
      /^\d{2}-\d{2}-\d{4} \d{2}:\d{2}:\d{2}$/,
      /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/,
      /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/,
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/,
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/,
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/,
    ];
    for (const style of styles) expect(stamps.some((stamp) => stamp !== undefined && style.test(stamp))).toBe(true);
  });

  it('states row counts, quarantined lines and duplicates exactly as the reader finds them', async () => {
    // Prepare
    const sample = generateSample({ trips: 1_500, seed: 'counts', days: 3 });

    // Act
    const { starts, ends } = await readBack(sample);

    // Assess
    const { expected } = sample;
    const invalidLines = (rows: Array<CsvRow<unknown>>): number[] => rows.filter((row) => !row.outcome.ok).map((row) => row.lineNumber);
    const duplicates = (rows: Array<CsvRow<unknown>>): number => {
      const valid = rows.filter((row) => row.outcome.ok).map((row) => row.raw);
      return valid.length - new Set(valid).size;
    };
    expect(expected.rows).toEqual({ start: starts.length, end: ends.length });
    expect(expected.valid).toEqual({ start: validEvents(starts).length, end: validEvents(ends).length });
    expect(expected.quarantined).toEqual({ start: invalidLines(starts).length, end: invalidLines(ends).length });
    expect(expected.quarantinedLines).toEqual({ start: invalidLines(starts), end: invalidLines(ends) });
    expect(expected.exactDuplicates).toEqual({ start: duplicates(starts), end: duplicates(ends) });
    expect(expected.quarantined.start).toBeGreaterThan(0);
    expect(expected.exactDuplicates.end).toBeGreaterThan(0);
  });

  it('states trip outcomes exactly as the domain rules derive them from the parsed events', async () => {
    // Prepare
    const sample = generateSample({ trips: 2_000, seed: 'outcomes', days: 3 });

    // Act
    const { starts, ends } = await readBack(sample);

    // Assess
    const { expected } = sample;
    expect(outcomesFromEvents(validEvents(starts), validEvents(ends))).toEqual({
      completedTripIds: expected.completedTripIds,
      orphanEndIds: expected.orphanEndIds,
      startedOnlyIds: expected.startedOnlyIds,
      conflictingIds: expected.conflictingIds,
      dropoffBeforePickupIds: expected.dropoffBeforePickupIds,
      crossingMidnightIds: expected.crossingMidnightIds,
    });
    for (const list of [
      expected.orphanEndIds,
      expected.startedOnlyIds,
      expected.conflictingIds,
      expected.dropoffBeforePickupIds,
      expected.crossingMidnightIds,
    ]) {
      expect(list.length).toBeGreaterThan(0);
    }
    expect(expected.deadLettered).toEqual({
      total: expected.orphanEndIds.length + expected.conflictingIds.length + expected.dropoffBeforePickupIds.length,
      byReason: {
        ORPHAN_END: expected.orphanEndIds.length,
        CONFLICTING_DUPLICATE: expected.conflictingIds.length,
        DROPOFF_BEFORE_PICKUP: expected.dropoffBeforePickupIds.length,
      },
    });
  });

  it('builds only events the wire schemas accept', async () => {
    // Prepare
    const sample = generateSample({ trips: 500, seed: 'schemas', rates: { otherTimestampStyles: 0.3 } });

    // Act
    const { starts, ends } = await readBack(sample);

    // Assess
    for (const event of validEvents(starts)) expect(tripStartEventSchema.safeParse(event).success).toBe(true);
    for (const event of validEvents(ends)) expect(tripEndEventSchema.safeParse(event).success).toBe(true);
  });

  it('computes the daily KPIs from the parsed completed trips, one row per pickup date', async () => {
    // Prepare
    const sample = generateSample({ trips: 1_000, seed: 'kpis', days: 3, startDate: '2024-02-28' });

    // Act
    const { starts, ends } = await readBack(sample);

    // Assess
    const { expected } = sample;
    const completed = new Set(expected.completedTripIds);
    const pickups = new Map(validEvents(starts).map((event) => [event.trip_id, event.pickup_datetime]));
    const byDate = new Map<string, Array<{ fare: number; tip: number; distance: number; minutes: number }>>();
    for (const [id, [end]] of distinctById(validEvents(ends))) {
      const pickup = pickups.get(id);
      if (!completed.has(id) || end === undefined || pickup === undefined) continue;
      const date = pickup.slice(0, 10);
      const minutes = (Date.parse(end.dropoff_datetime) - Date.parse(pickup)) / 60_000;
      byDate.set(date, [
        ...(byDate.get(date) ?? []),
        { fare: end.fare_amount, tip: end.tip_amount ?? 0, distance: end.trip_distance ?? 0, minutes },
      ]);
    }
    expect(expected.kpiDates).toEqual(['2024-02-28', '2024-02-29', '2024-03-01']);
    expect(expected.dailyKpis.map((kpi) => kpi.trip_date)).toEqual([...byDate.keys()].sort());
    for (const kpi of expected.dailyKpis) {
      const trips = byDate.get(kpi.trip_date) ?? [];
      const total = (values: number[]): number => values.reduce((sum, value) => sum + value, 0);
      expect(kpi.trip_count).toBe(trips.length);
      expect(kpi.total_fare).toBeCloseTo(total(trips.map((trip) => trip.fare)), 2);
      expect(kpi.average_fare).toBeCloseTo(total(trips.map((trip) => trip.fare)) / trips.length, 2);
      expect(kpi.min_fare).toBeCloseTo(Math.min(...trips.map((trip) => trip.fare)), 2);
      expect(kpi.max_fare).toBeCloseTo(Math.max(...trips.map((trip) => trip.fare)), 2);
      expect(kpi.total_tips).toBeCloseTo(total(trips.map((trip) => trip.tip)), 2);
      expect(kpi.total_distance).toBeCloseTo(total(trips.map((trip) => trip.distance)), 2);
      expect(kpi.average_trip_duration_minutes).toBeCloseTo(total(trips.map((trip) => trip.minutes)) / trips.length, 2);
    }
  });

  it('can generate a clean sample in which every trip completes', async () => {
    // Act
    const sample = generateSample({ trips: 40, seed: 'clean', rates: NO_TROUBLE_RATES });

    // Assess
    const { starts, ends } = await readBack(sample);
    expect(sample.expected.completedTripIds).toHaveLength(40);
    expect(sample.expected.deadLettered.total).toBe(0);
    expect([...starts, ...ends].every((row) => row.outcome.ok)).toBe(true);
  });

  it.each([
    [{ trips: 0 }, 'trips must be a whole number of at least 1, got 0'],
    [{ days: 1.5 }, 'days must be a whole number of at least 1, got 1.5'],
    [{ startDate: '2023-02-29' }, 'startDate must be a real date as YYYY-MM-DD, got 2023-02-29'],
    [{ rates: { orphanEnds: 2 } }, 'rate orphanEnds must be within 0-1, got 2'],
    [{ trips: 5 }, 'the rates ask for 9 troubled trips but the sample has 5: generate at least 9 trips, or lower the rates'],
  ])('rejects options %p', (options, message) => {
    // Prepare
    const input = options;

    // Act
    const resolving = (): unknown => resolveOptions(input);

    // Assess
    expect(resolving).toThrow(new RangeError(message));
  });
});

describe('generateSample with withheld starts', () => {
  it('moves the starts of n completing trips to a file of their own and counts their ends as orphans', () => {
    // Prepare
    const options = { trips: 200, seed: 'withheld' };

    // Act
    const whole = generateSample(options);
    const withheld = generateSample({ ...options, withholdStarts: 3 });

    // Assess
    const withheldLines = (withheld.withheldStartCsv ?? '').split('\n').filter((line) => line !== '');
    expect(withheldLines).toHaveLength(4);
    const withheldIds = withheldLines.slice(1).map((line) => line.split(',')[0] ?? '');
    expect(withheldIds.every((id) => whole.expected.completedTripIds.includes(id))).toBe(true);
    expect(withheld.endCsv).toBe(whole.endCsv);
    expect(withheld.startCsv.split('\n').length).toBe(whole.startCsv.split('\n').length - 3);
    expect(withheld.expected.completedTripIds).toEqual(whole.expected.completedTripIds.filter((id) => !withheldIds.includes(id)));
    expect(withheld.expected.orphanEndIds).toEqual([...whole.expected.orphanEndIds, ...withheldIds].sort());
    expect(whole.withheldStartCsv).toBeUndefined();
  });

  it('refuses to withhold more starts than the sample has completing trips', () => {
    // Act
    const generate = () => generateSample({ trips: 10, seed: 'withheld', withholdStarts: 11 });

    // Assess
    expect(generate).toThrow(/cannot withhold 11 starts/);
  });
});
