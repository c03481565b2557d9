/**
 * Seeded sample of trip_start.csv / trip_end.csv in the exact layout of the real dataset, with the
 * trouble real feeds have (exact duplicates, conflicting duplicates, malformed rows, orphans, dropoffs
 * before pickups, other timestamp styles, blank codes, trips across midnight), and the ground truth of
 * what the pipeline must make of it, computed while generating. The same options give the same bytes.
 *
 * Every trip plays exactly one role, so each trouble has one unambiguous outcome whatever order the
 * events arrive in. Conflicting duplicates differ only in a field no KPI reads (vendor_id of a start,
 * payment_type of an end), so the KPIs do not depend on which of the two stands.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CSV_COLUMNS, type EndColumn, type StartColumn } from '../domain/csv';
import { parseTimestamp } from '../domain/timestamps';
import type { DailyKpiRow } from '../kpi/daily-kpi';

export interface SampleRates {
  /** Completing trips whose start row appears twice, byte for byte. */
  exactDuplicateStarts: number;
  /** Completing trips whose end row appears twice, byte for byte. */
  exactDuplicateEnds: number;
  /** Completing trips with a second start that differs in vendor_id. */
  conflictingStarts: number;
  /** Completing trips with a second end that differs in payment_type. */
  conflictingEnds: number;
  /** Trips whose start row is malformed (their valid end then has no start). */
  malformedStarts: number;
  /** Trips whose end row is malformed (their valid start then never completes). */
  malformedEnds: number;
  /** Trips with an end row and no start row. */
  orphanEnds: number;
  /** Trips with a start row and no end row. */
  orphanStarts: number;
  /** Trips whose dropoff is before their pickup. */
  dropoffBeforePickup: number;
  /** Rows written in another accepted timestamp style than the file's usual one. */
  otherTimestampStyles: number;
  /** End rows with rate_code, passenger_count, payment_type and trip_type blank. */
  blankCodes: number;
  /** Trips picked up shortly before midnight UTC and dropped off after it. */
  crossingMidnight: number;
}

export interface SampleOptions {
  /** Distinct trip_ids in the sample, whatever their role. */
  trips: number;
  seed: number | string;
  /** Pickup dates span this many UTC days from startDate. */
  days: number;
  /** First pickup date, YYYY-MM-DD. */
  startDate: string;
  /** Fractions of trips (or rows, where said) per trouble; a rate above 0 gives at least one. */
  rates: SampleRates;
  /**
   * Starts of this many completing trips left out of trip_start.csv and written apart (withheld/): their ends
   * are orphans in a run of the main files, and complete when the withheld starts arrive later (a redrive).
   */
  withholdStarts: number;
}

export type SampleOptionsInput = Partial<Omit<SampleOptions, 'rates'>> & { rates?: Partial<SampleRates> };

/** Rates of a sample without trouble: every trip has exactly one valid start and one valid end (formats still vary). */
export const NO_TROUBLE_RATES: Partial<SampleRates> = {
  exactDuplicateStarts: 0,
  exactDuplicateEnds: 0,
  conflictingStarts: 0,
  conflictingEnds: 0,
  malformedStarts: 0,
  malformedEnds: 0,
  orphanEnds: 0,
  orphanStarts: 0,
  dropoffBeforePickup: 0,
};

/** The one set of sample defaults: what `tripstream local` runs and `tripstream generate` writes without options. */
export const DEFAULT_SAMPLE_OPTIONS: SampleOptions = {
  trips: 500,
  seed: '42',
  days: 3,
  startDate: '2024-05-25',
  withholdStarts: 0,
  rates: {
    exactDuplicateStarts: 0.01,
    exactDuplicateEnds: 0.01,
    conflictingStarts: 0.003,
    conflictingEnds: 0.005,
    malformedStarts: 0.005,
    malformedEnds: 0.005,
    orphanEnds: 0.005,
    orphanStarts: 0.01,
    dropoffBeforePickup: 0.003,
    otherTimestampStyles: 0.05,
    // The real end file has 531 of 4,999 rows with blank codes.
    blankCodes: 0.106,
    crossingMidnight: 0.02,
  },
};

/**
 * What the pipeline must make of the sample. Counts are per file; id lists are sorted.
 * KPI values are computed from the numbers exactly as the CSV text reads and rounded to 2 decimals at the
 * end; an engine that sums in another order may differ in the last cent, so compare them within 0.01.
 */
export interface SampleGroundTruth {
  options: SampleOptions;
  /** Data rows per file, header excluded: what the producer reads. */
  rows: { start: number; end: number };
  /** Rows the reader accepts: what the producer sends, exact duplicates included. */
  valid: { start: number; end: number };
  /** Rows the reader rejects (never sent). */
  quarantined: { start: number; end: number };
  /** 1-based physical line numbers of the rejected rows (the header is line 1). */
  quarantinedLines: { start: number[]; end: number[] };
  /** Valid rows repeating an earlier valid row of the same file byte for byte: each is one ignored duplicate. */
  exactDuplicates: { start: number; end: number };
  /** A valid start and a valid end, dropoff not before pickup: the trips that end COMPLETED. */
  completedTripIds: string[];
  /** A valid end and no valid start (malformed starts included): ORPHAN_END once the retries are spent. */
  orphanEndIds: string[];
  /** A valid start and no valid end (malformed ends included): stays STARTED, never dead-lettered. */
  startedOnlyIds: string[];
  /** Completed trips that also got a second, different start or end: that one is CONFLICTING_DUPLICATE. */
  conflictingIds: string[];
  /** The end's dropoff is before the start's pickup: DROPOFF_BEFORE_PICKUP, never completed. */
  dropoffBeforePickupIds: string[];
  /** Completed trips dropped off on a later UTC date than picked up (trip_date is the pickup date). */
  crossingMidnightIds: string[];
  /** Distinct trip_ids per dead-letter reason (summary.json's dead_lettered); total is their sum. */
  deadLettered: {
    total: number;
    byReason: { ORPHAN_END: number; CONFLICTING_DUPLICATE: number; DROPOFF_BEFORE_PICKUP: number };
  };
  /** Pickup dates of the completed trips, sorted: summary.json's kpi_dates. */
  kpiDates: string[];
  dailyKpis: DailyKpiRow[];
}

export interface GeneratedSample {
  startCsv: string;
  endCsv: string;
  expected: SampleGroundTruth;
  /** With withholdStarts: the withheld start rows as a trip_start.csv of their own. */
  withheldStartCsv?: string;
}

export const SAMPLE_FILE_NAMES = { start: 'trip_start.csv', end: 'trip_end.csv', expected: 'expected.json' } as const;
/** Where withheld starts go: a pair of their own (the end file has the header only: their ends are in the main file). */
export const WITHHELD_DIR = 'withheld';

type Role =
  | 'complete'
  | 'exactDuplicateStart'
  | 'exactDuplicateEnd'
  | 'conflictingStart'
  | 'conflictingEnd'
  | 'malformedStart'
  | 'malformedEnd'
  | 'orphanEnd'
  | 'orphanStart'
  | 'dropoffBeforePickup';

const ROLE_RATES: ReadonlyArray<[Exclude<Role, 'complete'>, keyof SampleRates]> = [
  ['exactDuplicateStart', 'exactDuplicateStarts'],
  ['exactDuplicateEnd', 'exactDuplicateEnds'],
  ['conflictingStart', 'conflictingStarts'],
  ['conflictingEnd', 'conflictingEnds'],
  ['malformedStart', 'malformedStarts'],
  ['malformedEnd', 'malformedEnds'],
  ['orphanEnd', 'orphanEnds'],
  ['orphanStart', 'orphanStarts'],
  ['dropoffBeforePickup', 'dropoffBeforePickup'],
];

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** Pickups per hour of the day, shaped like a city's day: quiet nights, busy afternoons. */
const HOURLY_WEIGHTS = [2, 1, 1, 1, 1, 2, 4, 6, 7, 6, 6, 6, 7, 7, 7, 7, 8, 8, 8, 7, 6, 5, 4, 3];
const UTC_OFFSETS = ['+02:00', '-05:00', '+05:30', '-03:30', '+09:00', '+14:00', '-10:00', '+00:00'];

export function generateSample(input: SampleOptionsInput = {}): GeneratedSample {
  const options = resolveOptions(input);
  const random = new SeededRandom(String(options.seed));
  const trips = planTrips(options, random);
  const laidOut = layOut(trips, random, (trip) => startRows(trip, random));
  const end = layOut(trips, random, (trip) => endRows(trip, random));
  const withheldIds = new Set(
    trips
      .filter((trip) => trip.role === 'complete')
      .slice(0, options.withholdStarts)
      .map((trip) => trip.id),
  );
  if (withheldIds.size < options.withholdStarts) {
    throw new RangeError(`cannot withhold ${options.withholdStarts} starts: the sample has ${withheldIds.size} trips that complete`);
  }
  const start = laidOut.filter((row) => !withheldIds.has(row.tripId));
  const withheld = laidOut.filter((row) => withheldIds.has(row.tripId));
  return {
    startCsv: csvText(CSV_COLUMNS.start, start),
    endCsv: csvText(CSV_COLUMNS.end, end),
    expected: groundTruth(options, start, end),
    ...(options.withholdStarts === 0 ? {} : { withheldStartCsv: csvText(CSV_COLUMNS.start, withheld) }),
  };
}

/** Writes the three files into `dir` (created if needed) and returns their paths. */
export async function writeSampleFiles(
  sample: GeneratedSample,
  dir: string,
): Promise<Record<keyof typeof SAMPLE_FILE_NAMES, string> & { withheld?: { start: string; end: string } }> {
  await mkdir(dir, { recursive: true });
  const paths = {
    start: path.join(dir, SAMPLE_FILE_NAMES.start),
    end: path.join(dir, SAMPLE_FILE_NAMES.end),
    expected: path.join(dir, SAMPLE_FILE_NAMES.expected),
  };
  await writeFile(paths.start, sample.startCsv);
  await writeFile(paths.end, sample.endCsv);
  await writeFile(paths.expected, `${JSON.stringify(sample.expected, null, 2)}\n`);
  if (sample.withheldStartCsv === undefined) return paths;
  const withheld = {
    start: path.join(dir, WITHHELD_DIR, SAMPLE_FILE_NAMES.start),
    end: path.join(dir, WITHHELD_DIR, SAMPLE_FILE_NAMES.end),
  };
  await mkdir(path.dirname(withheld.start), { recursive: true });
  await writeFile(withheld.start, sample.withheldStartCsv);
  await writeFile(withheld.end, csvText(CSV_COLUMNS.end, []));
  return { ...paths, withheld };
}

export function resolveOptions(input: SampleOptionsInput): SampleOptions {
  const options: SampleOptions = {
    trips: input.trips ?? DEFAULT_SAMPLE_OPTIONS.trips,
    seed: input.seed ?? DEFAULT_SAMPLE_OPTIONS.seed,
    days: input.days ?? DEFAULT_SAMPLE_OPTIONS.days,
    startDate: input.startDate ?? DEFAULT_SAMPLE_OPTIONS.startDate,
    rates: { ...DEFAULT_SAMPLE_OPTIONS.rates, ...input.rates },
    withholdStarts: input.withholdStarts ?? DEFAULT_SAMPLE_OPTIONS.withholdStarts,
  };
  if (!Number.isSafeInteger(options.trips) || options.trips < 1) {
    throw new RangeError(`trips must be a whole number of at least 1, got ${options.trips}`);
  }
  if (!Number.isSafeInteger(options.withholdStarts) || options.withholdStarts < 0) {
    throw new RangeError(`withholdStarts must be a whole number of at least 0, got ${options.withholdStarts}`);
  }
  if (!Number.isSafeInteger(options.days) || options.days < 1) {
    throw new RangeError(`days must be a whole number of at least 1, got ${options.days}`);
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(options.startDate) || !parseTimestamp(`${options.startDate} 00:00`).ok) {
    throw new RangeError(`startDate must be a real date as YYYY-MM-DD, got ${options.startDate}`);
  }
  for (const [name, rate] of Object.entries(options.rates)) {
    if (!Number.isFinite(rate) || rate < 0 || rate > 1) throw new RangeError(`rate ${name} must be within 0-1, got ${rate}`);
  }
  const troubled = ROLE_RATES.reduce((sum, [, rate]) => sum + roleCount(options.trips, options.rates[rate]), 0);
  if (troubled > options.trips) {
    throw new RangeError(
      `the rates ask for ${troubled} troubled trips but the sample has ${options.trips}: ` +
        `generate at least ${troubled} trips, or lower the rates`,
    );
  }
  return options;
}

function roleCount(trips: number, rate: number): number {
  return rate > 0 ? Math.max(1, Math.round(trips * rate)) : 0;
}

// ---------------------------------------------------------------------------------------------- trips

type StartStyle = 'dayFirst' | 'dayFirstSeconds' | 'yearFirstSeconds' | 'isoZulu' | 'isoMillisZulu' | 'isoOffset';
type EndStyle = 'yearFirstSeconds' | 'yearFirst' | 'dayFirstSeconds' | 'isoZulu' | 'isoOffset';

interface Trip {
  id: string;
  role: Role;
  pickupMs: number;
  dropoffMs: number;
  estimatedDropoffMs: number;
  startFields: Record<StartColumn, string>;
  endFields: Record<EndColumn, string>;
  startStyle: { style: StartStyle; offset: string };
  endStyle: { style: EndStyle; offset: string };
}

function planTrips(options: SampleOptions, random: SeededRandom): Trip[] {
  const roles: Role[] = [];
  for (const [role, rate] of ROLE_RATES) {
    for (let count = roleCount(options.trips, options.rates[rate]); count > 0; count -= 1) roles.push(role);
  }
  while (roles.length < options.trips) roles.push('complete');
  random.shuffle(roles);

  const firstDayMs = Date.parse(`${options.startDate}T00:00:00.000Z`);
  const ids = new Set<string>();
  return roles.map((role) => {
    let id = random.hex(10);
    while (ids.has(id)) id = random.hex(10);
    ids.add(id);
    return planTrip(id, role, firstDayMs, options, random);
  });
}

function planTrip(id: string, role: Role, firstDayMs: number, options: SampleOptions, random: SeededRandom): Trip {
  const dayMs = firstDayMs + random.int(0, options.days - 1) * DAY_MS;
  const crossing = random.chance(options.rates.crossingMidnight);
  let pickupMinute: number;
  let durationMinutes: number;
  if (crossing) {
    pickupMinute = 23 * 60 + random.int(15, 59);
    durationMinutes = 24 * 60 - pickupMinute + random.int(3, 45);
  } else {
    pickupMinute = random.weightedIndex(HOURLY_WEIGHTS) * 60 + random.int(0, 59);
    durationMinutes = Math.round(4 + random.next() ** 2 * 70);
  }
  const pickupMs = dayMs + pickupMinute * MINUTE_MS;
  const dropoffMs = role === 'dropoffBeforePickup' ? pickupMs - random.int(1, 30) * MINUTE_MS : pickupMs + durationMinutes * MINUTE_MS;
  const estimatedDropoffMs = pickupMs + Math.max(1, durationMinutes + random.int(-4, 3)) * MINUTE_MS;

  const fare = 10 + random.next() * 90;
  const location = random.int(1, 265);
  const blankCodes = random.chance(options.rates.blankCodes);
  const code = (weights: readonly number[], first: number): string => (blankCodes ? '' : `${random.weightedIndex(weights) + first}.0`);
  const trip: Trip = {
    id,
    role,
    pickupMs,
    dropoffMs,
    estimatedDropoffMs,
    startStyle: {
      style: random.chance(options.rates.otherTimestampStyles)
        ? random.pick<StartStyle>(['dayFirstSeconds', 'yearFirstSeconds', 'isoZulu', 'isoMillisZulu', 'isoOffset'])
        : 'dayFirst',
      offset: random.pick(UTC_OFFSETS),
    },
    endStyle: {
      style: random.chance(options.rates.otherTimestampStyles)
        ? random.pick<EndStyle>(['yearFirst', 'dayFirstSeconds', 'isoZulu', 'isoOffset'])
        : 'yearFirstSeconds',
      offset: random.pick(UTC_OFFSETS),
    },
    startFields: {
      trip_id: id,
      pickup_location_id: String(location),
      dropoff_location_id: String(random.chance(0.3) ? location : random.int(1, 265)),
      vendor_id: String(random.int(1, 2)),
      pickup_datetime: '',
      estimated_dropoff_datetime: '',
      estimated_fare_amount: (fare * (0.85 + random.next() * 0.3)).toFixed(8),
    },
    endFields: {
      dropoff_datetime: '',
      rate_code: code([80, 6, 1, 1, 5], 1),
      passenger_count: code([1, 75, 8, 2, 1, 2, 2], 0),
      trip_distance: random.chance(0.15) ? '0.0' : (random.next() * 25).toFixed(2),
      fare_amount: String(fare),
      tip_amount: random.chance(0.7) ? '0.0' : String(random.next() * 8),
      payment_type: code([59, 27, 3, 1], 1),
      trip_type: code([96, 4], 1),
      trip_id: id,
    },
  };
  trip.startFields.pickup_datetime = formatStart(pickupMs, trip.startStyle);
  trip.startFields.estimated_dropoff_datetime = formatStart(estimatedDropoffMs, trip.startStyle);
  trip.endFields.dropoff_datetime = formatEnd(dropoffMs, trip.endStyle);
  return trip;
}

// ---------------------------------------------------------------------------------------------- rows

/** A row of one file, with what the reader will make of it. */
interface Row {
  text: string;
  tripId: string;
  valid: boolean;
  /** The instant the row carries: pickup of a start row, dropoff of an end row. */
  instantMs: number;
  /** fare_amount, tip_amount and trip_distance of an end row as its text reads (0 in start rows). */
  fare: number;
  tip: number;
  distance: number;
}

/** The trip's rows in one file: the first lands at the trip's place, any others a few rows later. */
type TripRows = Row[];

function startRows(trip: Trip, random: SeededRandom): TripRows {
  if (trip.role === 'orphanEnd') return [];
  const row = (fields: Record<StartColumn, string>, valid = true): Row => ({
    text: CSV_COLUMNS.start.map((column) => fields[column]).join(','),
    tripId: trip.id,
    valid,
    instantMs: trip.pickupMs,
    fare: 0,
    tip: 0,
    distance: 0,
  });
  const original = row(trip.startFields);
  switch (trip.role) {
    case 'exactDuplicateStart':
      return [original, original];
    case 'conflictingStart':
      return [original, row({ ...trip.startFields, vendor_id: trip.startFields.vendor_id === '1' ? '2' : '1' })];
    case 'malformedStart':
      return [malformedStart(trip, random, row)];
    default:
      return [original];
  }
}

function endRows(trip: Trip, random: SeededRandom): TripRows {
  if (trip.role === 'orphanStart') return [];
  const row = (fields: Record<EndColumn, string>, valid = true): Row => ({
    text: CSV_COLUMNS.end.map((column) => fields[column]).join(','),
    tripId: trip.id,
    valid,
    instantMs: trip.dropoffMs,
    fare: Number(fields.fare_amount),
    tip: Number(fields.tip_amount),
    distance: Number(fields.trip_distance),
  });
  const original = row(trip.endFields);
  switch (trip.role) {
    case 'exactDuplicateEnd':
      return [original, original];
    case 'conflictingEnd':
      return [original, row({ ...trip.endFields, payment_type: trip.endFields.payment_type === '1.0' ? '2.0' : '1.0' })];
    case 'malformedEnd':
      return [malformedEnd(trip, random, row)];
    default:
      return [original];
  }
}

function malformedStart(trip: Trip, random: SeededRandom, row: (fields: Record<StartColumn, string>, valid?: boolean) => Row): Row {
  const fields = { ...trip.startFields };
  const pickup = new Date(trip.pickupMs);
  const time = `${pad(pickup.getUTCHours())}:${pad(pickup.getUTCMinutes())}`;
  switch (random.int(0, 5)) {
    case 0:
      fields.pickup_datetime = random.chance(0.5)
        ? dayFirst(pickup.toISOString()).slice(0, 13)
        : `${pad(pickup.getUTCDate())}/${pad(pickup.getUTCMonth() + 1)}/${pickup.getUTCFullYear()} ${time}`;
      break;
    case 1:
      fields.pickup_datetime = `${random.pick(['31-02', '30-02', '31-04', '31-06', '31-09', '31-11'])}-${pickup.getUTCFullYear()} ${time}`;
      break;
    case 2:
      fields.estimated_fare_amount = `-${fields.estimated_fare_amount}`;
      break;
    case 3:
      fields.vendor_id = random.pick(['N/A', 'unknown', 'v2']);
      break;
    case 4:
      fields.trip_id = '';
      break;
    default: {
      const shortRow = row(fields, false);
      return { ...shortRow, text: shortRow.text.split(',').slice(0, -1).join(',') };
    }
  }
  return row(fields, false);
}

function malformedEnd(trip: Trip, random: SeededRandom, row: (fields: Record<EndColumn, string>, valid?: boolean) => Row): Row {
  const fields = { ...trip.endFields };
  const dropoff = new Date(trip.dropoffMs);
  const time = `${pad(dropoff.getUTCHours())}:${pad(dropoff.getUTCMinutes())}:00`;
  switch (random.int(0, 5)) {
    case 0:
      fields.dropoff_datetime = `${pad(dropoff.getUTCDate())}.${pad(dropoff.getUTCMonth() + 1)}.${dropoff.getUTCFullYear()} ${time}`;
      break;
    case 1:
      fields.dropoff_datetime = `${dropoff.getUTCFullYear()}-${random.pick(['02-30', '02-31', '04-31', '06-31', '09-31', '11-31'])} ${time}`;
      break;
    case 2:
      fields.fare_amount = `-${fields.fare_amount}`;
      break;
    case 3:
      fields.payment_type = random.pick(['card', 'cash', 'CRD']);
      break;
    case 4:
      fields.trip_id = '';
      break;
    default: {
      const longRow = row(fields, false);
      return { ...longRow, text: `${longRow.text},${random.pick(['0.0', '', 'N'])}` };
    }
  }
  return row(fields, false);
}

/** Trips in one order for both files, as in the real data; second rows land 1-20 rows after the first. */
function layOut(trips: Trip[], random: SeededRandom, rowsOf: (trip: Trip) => TripRows): Row[] {
  const laidOut: Row[] = [];
  const later: Array<{ dueAt: number; row: Row }> = [];
  trips.forEach((trip, index) => {
    const [first, ...others] = rowsOf(trip);
    if (first !== undefined) laidOut.push(first);
    for (const row of others) later.push({ dueAt: index + random.int(1, 20), row });
    for (let next = later.findIndex((entry) => entry.dueAt <= index); next >= 0; next = later.findIndex((entry) => entry.dueAt <= index)) {
      laidOut.push(...later.splice(next, 1).map((entry) => entry.row));
    }
  });
  laidOut.push(...later.map((entry) => entry.row));
  return laidOut;
}

function csvText(columns: readonly string[], rows: Row[]): string {
  return `${[columns.join(','), ...rows.map((row) => row.text)].join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------- ground truth

function groundTruth(options: SampleOptions, start: Row[], end: Row[]): SampleGroundTruth {
  const startsById = validRowsById(start);
  const endsById = validRowsById(end);
  const ids = new Set([...startsById.keys(), ...endsById.keys()]);

  const completed: Array<{ id: string; start: Row; end: Row }> = [];
  const orphanEndIds: string[] = [];
  const startedOnlyIds: string[] = [];
  const conflictingIds: string[] = [];
  const dropoffBeforePickupIds: string[] = [];
  for (const id of ids) {
    const starts = distinctTexts(startsById.get(id));
    const ends = distinctTexts(endsById.get(id));
    const [firstStart] = starts;
    const [firstEnd] = ends;
    if (firstStart === undefined) {
      orphanEndIds.push(id);
    } else if (firstEnd === undefined) {
      startedOnlyIds.push(id);
    } else if (firstEnd.instantMs < firstStart.instantMs) {
      dropoffBeforePickupIds.push(id);
    } else {
      completed.push({ id, start: firstStart, end: firstEnd });
      if (starts.length > 1 || ends.length > 1) conflictingIds.push(id);
    }
  }
  const byReason = {
    ORPHAN_END: orphanEndIds.length,
    CONFLICTING_DUPLICATE: conflictingIds.length,
    DROPOFF_BEFORE_PICKUP: dropoffBeforePickupIds.length,
  };
  const dailyKpis = kpisByDate(completed);
  return {
    options,
    rows: { start: start.length, end: end.length },
    valid: { start: countValid(start), end: countValid(end) },
    quarantined: { start: start.length - countValid(start), end: end.length - countValid(end) },
    quarantinedLines: { start: invalidLines(start), end: invalidLines(end) },
    exactDuplicates: { start: exactDuplicateCount(start), end: exactDuplicateCount(end) },
    completedTripIds: sorted(completed.map((trip) => trip.id)),
    orphanEndIds: sorted(orphanEndIds),
    startedOnlyIds: sorted(startedOnlyIds),
    conflictingIds: sorted(conflictingIds),
    dropoffBeforePickupIds: sorted(dropoffBeforePickupIds),
    crossingMidnightIds: sorted(
      completed.filter((trip) => utcDate(trip.end.instantMs) !== utcDate(trip.start.instantMs)).map((trip) => trip.id),
    ),
    deadLettered: { total: byReason.ORPHAN_END + byReason.CONFLICTING_DUPLICATE + byReason.DROPOFF_BEFORE_PICKUP, byReason },
    kpiDates: dailyKpis.map((kpi) => kpi.trip_date),
    dailyKpis,
  };
}

function validRowsById(rows: Row[]): Map<string, Row[]> {
  const byId = new Map<string, Row[]>();
  for (const row of rows) {
    if (!row.valid) continue;
    const list = byId.get(row.tripId) ?? [];
    list.push(row);
    byId.set(row.tripId, list);
  }
  return byId;
}

/** The rows with different text, first occurrence kept: exact duplicates change nothing. */
function distinctTexts(rows: Row[] | undefined): Row[] {
  const byText = new Map<string, Row>();
  for (const row of rows ?? []) if (!byText.has(row.text)) byText.set(row.text, row);
  return [...byText.values()];
}

function countValid(rows: Row[]): number {
  return rows.filter((row) => row.valid).length;
}

function invalidLines(rows: Row[]): number[] {
  // Line 1 is the header and the generator writes no blank lines, so row i sits on line i + 2.
  return rows.flatMap((row, index) => (row.valid ? [] : [index + 2]));
}

function exactDuplicateCount(rows: Row[]): number {
  const valid = rows.filter((row) => row.valid);
  return valid.length - new Set(valid.map((row) => row.text)).size;
}

function kpisByDate(completed: Array<{ start: Row; end: Row }>): DailyKpiRow[] {
  const byDate = new Map<string, Array<{ start: Row; end: Row }>>();
  for (const trip of completed) {
    const date = utcDate(trip.start.instantMs);
    const trips = byDate.get(date) ?? [];
    trips.push(trip);
    byDate.set(date, trips);
  }
  return [...byDate.keys()].sort().map((date) => {
    const trips = byDate.get(date) ?? [];
    const fares = trips.map((trip) => trip.end.fare);
    const totalFare = sum(fares);
    return {
      trip_date: date,
      trip_count: trips.length,
      total_fare: round2(totalFare),
      average_fare: round2(totalFare / trips.length),
      min_fare: round2(Math.min(...fares)),
      max_fare: round2(Math.max(...fares)),
      total_tips: round2(sum(trips.map((trip) => trip.end.tip))),
      total_distance: round2(sum(trips.map((trip) => trip.end.distance))),
      average_trip_duration_minutes: round2(
        sum(trips.map((trip) => (trip.end.instantMs - trip.start.instantMs) / MINUTE_MS)) / trips.length,
      ),
    };
  });
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

function sorted(values: string[]): string[] {
  return [...values].sort();
}

function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

// ---------------------------------------------------------------------------------------------- timestamps

function formatStart(ms: number, { style, offset }: { style: StartStyle; offset: string }): string {
  const iso = new Date(ms).toISOString();
  switch (style) {
    case 'dayFirst':
      return dayFirst(iso).slice(0, 16);
    case 'dayFirstSeconds':
      return dayFirst(iso);
    case 'yearFirstSeconds':
      return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
    case 'isoZulu':
      return `${iso.slice(0, 19)}Z`;
    case 'isoMillisZulu':
      return iso;
    case 'isoOffset':
      return withOffset(ms, offset);
  }
}

function formatEnd(ms: number, { style, offset }: { style: EndStyle; offset: string }): string {
  const iso = new Date(ms).toISOString();
  switch (style) {
    case 'yearFirstSeconds':
      return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
    case 'yearFirst':
      return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
    case 'dayFirstSeconds':
      return dayFirst(iso);
    case 'isoZulu':
      return `${iso.slice(0, 19)}Z`;
    case 'isoOffset':
      return withOffset(ms, offset);
  }
}

/** `2024-05-25T13:19:00.000Z` -> `25-05-2024 13:19:00`. */
function dayFirst(iso: string): string {
  return `${iso.slice(8, 10)}-${iso.slice(5, 7)}-${iso.slice(0, 4)} ${iso.slice(11, 19)}`;
}

/** The same instant as local time at `offset`, e.g. `2024-05-25T15:19:00+02:00`. */
function withOffset(ms: number, offset: string): string {
  const sign = offset.startsWith('-') ? -1 : 1;
  const minutes = sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
  return `${new Date(ms + minutes * MINUTE_MS).toISOString().slice(0, 19)}${offset}`;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

// ---------------------------------------------------------------------------------------------- randomness

/** sfc32 seeded through cyrb128: small, fast, and the same sequence for the same seed on every platform. */
class SeededRandom {
  private state: [number, number, number, number];

  constructor(seed: string) {
    let h1 = 1779033703;
    let h2 = 3144134277;
    let h3 = 1013904242;
    let h4 = 2773480762;
    for (let index = 0; index < seed.length; index += 1) {
      const code = seed.charCodeAt(index);
      h1 = h2 ^ Math.imul(h1 ^ code, 597399067);
      h2 = h3 ^ Math.imul(h2 ^ code, 2869860233);
      h3 = h4 ^ Math.imul(h3 ^ code, 951274213);
      h4 = h1 ^ Math.imul(h4 ^ code, 2716044179);
    }
    h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
    h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
    h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
    h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
    this.state = [(h1 ^ h2 ^ h3 ^ h4) >>> 0, (h2 ^ h1) >>> 0, (h3 ^ h1) >>> 0, (h4 ^ h1) >>> 0];
  }

  /** Uniform in [0, 1). */
  next(): number {
    let [a, b, c, d] = this.state;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    this.state = [a, b, c, d];
    return (t >>> 0) / 4294967296;
  }

  /** Uniform whole number in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(values: readonly T[]): T {
    const value = values[this.int(0, values.length - 1)];
    if (value === undefined) throw new RangeError('pick needs at least one value');
    return value;
  }

  weightedIndex(weights: readonly number[]): number {
    let remaining = this.next() * sum(weights);
    for (const [index, weight] of weights.entries()) {
      remaining -= weight;
      if (remaining < 0) return index;
    }
    return weights.length - 1;
  }

  hex(length: number): string {
    let text = '';
    for (let index = 0; index < length; index += 1) text += this.int(0, 15).toString(16);
    return text;
  }

  shuffle<T>(values: T[]): void {
    for (let index = values.length - 1; index > 0; index -= 1) {
      const other = this.int(0, index);
      const value = values[index] as T;
      values[index] = values[other] as T;
      values[other] = value;
    }
  }
}
