/**
 * Data a person should be told about, reported beside the KPIs and never taken out of them (summary.json
 * `data_quality`, the console, report.html):
 * - trip IDs a spreadsheet has mangled: IDs in scientific notation (`1.23E+10`), and open starts whose ID is an
 *   orphan end's once the spreadsheet's rewrite is undone (the exponent form rounded to its significant digits,
 *   or leading zeros dropped): the two halves of one trip that could not meet, named in pairs;
 * - amounts far outside their day's distribution: per UTC pickup date and field, a value above
 *   max(median + 50 × MAD, 10 × p99) (a day of under 100 values uses its p90, so one outlier cannot raise its
 *   own bound), named by trip.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

const OUTLIER_FIELDS = ['fare_amount', 'tip_amount', 'trip_distance'] as const;
type OutlierField = (typeof OUTLIER_FIELDS)[number];

/** What the data-quality check reads of a completed (staged) trip. */
export type CompletedTripAmounts = { readonly trip_id: string; readonly trip_date: string } & Partial<Record<OutlierField, number | null>>;

export interface DataQualityInputs {
  /** trip_ids of every record sent, by kind. */
  readonly sentIds: { readonly start: readonly string[]; readonly end: readonly string[] };
  /** Starts whose end never arrived. */
  readonly openStartIds: readonly string[];
  /** Ends dead-lettered as ORPHAN_END. */
  readonly orphanEndIds: readonly string[];
  readonly completedTrips: readonly CompletedTripAmounts[];
}

export interface MangledPair {
  readonly open_start: string;
  readonly orphan_end: string;
  readonly undone: 'exponent' | 'leading zeros';
}

export interface Outlier {
  readonly trip_id: string;
  readonly trip_date: string;
  readonly field: OutlierField;
  readonly value: number;
  readonly bound: number;
  readonly median: number;
}

export interface DataQuality {
  /** Distinct trip_ids in scientific notation, per file. */
  readonly scientific_notation_ids: { readonly start: string[]; readonly end: string[] };
  readonly mangled_id_pairs: MangledPair[];
  readonly outliers: Outlier[];
  readonly rule: string;
}

const OUTLIER_RULE = 'per pickup date and field: above max(median + 50 x MAD, 10 x p99), p90 for a day of under 100 values';

const SCIENTIFIC = /^[+-]?(\d+)(?:\.(\d+))?[eE][+-]\d+$/;
/** An ID a spreadsheet reads as a number: digits, maybe with an exponent (`01228427e4`). */
const NUMERIC_ID = /^\d+(?:[eE]\d+)?$/;
const MAD_FACTOR = 50;
const QUANTILE_FACTOR = 10;
const SMALL_DAY = 100;

export function isScientificNotation(id: string): boolean {
  return SCIENTIFIC.test(id);
}

function significantDigits(scientific: RegExpExecArray): number {
  return Math.max(1, `${scientific[1] ?? ''}${scientific[2] ?? ''}`.replace(/^0+/, '').length);
}

/** Pairs each open start with the orphan ends its ID could have been before a spreadsheet rewrote it. */
export function mangledPairs(openStartIds: readonly string[], orphanEndIds: readonly string[]): MangledPair[] {
  const numericEnds = orphanEndIds
    .filter((id) => NUMERIC_ID.test(id))
    .map((id) => ({ id, value: Number(id) }))
    .filter((end) => Number.isFinite(end.value) && end.value > 0);
  const endsByStrippedZeros = new Map<string, string[]>();
  for (const id of orphanEndIds) {
    if (!/^0+\d+$/.test(id)) continue;
    const stripped = id.replace(/^0+/, '');
    endsByStrippedZeros.set(stripped, [...(endsByStrippedZeros.get(stripped) ?? []), id]);
  }
  const byPrecision = new Map<number, Map<string, string[]>>();
  const endsAtPrecision = (digits: number): Map<string, string[]> => {
    let index = byPrecision.get(digits);
    if (index === undefined) {
      index = new Map();
      for (const end of numericEnds) {
        const key = end.value.toPrecision(digits);
        index.set(key, [...(index.get(key) ?? []), end.id]);
      }
      byPrecision.set(digits, index);
    }
    return index;
  };
  const pairs: MangledPair[] = [];
  for (const start of [...new Set(openStartIds)].sort()) {
    const scientific = SCIENTIFIC.exec(start);
    if (scientific !== null) {
      const digits = Math.min(significantDigits(scientific), 21);
      for (const end of endsAtPrecision(digits).get(Number(start).toPrecision(digits)) ?? [])
        pairs.push({ open_start: start, orphan_end: end, undone: 'exponent' });
    } else if (/^\d+$/.test(start)) {
      for (const end of endsByStrippedZeros.get(start.replace(/^0+/, '')) ?? [])
        pairs.push({ open_start: start, orphan_end: end, undone: 'leading zeros' });
    }
  }
  return pairs;
}

/** Nearest-rank quantile of sorted values. */
function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
}

function median(sorted: readonly number[]): number {
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

export function amountOutliers(trips: readonly CompletedTripAmounts[]): Outlier[] {
  const byDate = new Map<string, CompletedTripAmounts[]>();
  for (const trip of trips) byDate.set(trip.trip_date, [...(byDate.get(trip.trip_date) ?? []), trip]);
  const outliers: Outlier[] = [];
  for (const [date, dayTrips] of [...byDate.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    for (const field of OUTLIER_FIELDS) {
      const values = dayTrips.flatMap((trip) => (typeof trip[field] === 'number' ? [trip[field]] : []));
      const sorted = [...values].sort((a, b) => a - b);
      if (sorted.length === 0) continue;
      const middle = median(sorted);
      const mad = median(sorted.map((value) => Math.abs(value - middle)).sort((a, b) => a - b));
      const reference = quantile(sorted, sorted.length < SMALL_DAY ? 0.9 : 0.99);
      const bound = Math.max(middle + MAD_FACTOR * mad, QUANTILE_FACTOR * reference);
      // A field that is zero on nearly every trip (tips) has no spread to measure against.
      if (!(bound > 0)) continue;
      for (const trip of dayTrips) {
        const value = trip[field];
        if (typeof value === 'number' && value > bound) {
          outliers.push({ trip_id: trip.trip_id, trip_date: date, field, value, bound: round2(bound), median: round2(middle) });
        }
      }
    }
  }
  return outliers.sort((a, b) => a.trip_date.localeCompare(b.trip_date) || a.field.localeCompare(b.field) || b.value - a.value);
}

export function assessDataQuality(inputs: DataQualityInputs): DataQuality {
  const scientific = (ids: readonly string[]): string[] => [...new Set(ids.filter(isScientificNotation))].sort();
  return {
    scientific_notation_ids: { start: scientific(inputs.sentIds.start), end: scientific(inputs.sentIds.end) },
    mangled_id_pairs: mangledPairs(inputs.openStartIds, inputs.orphanEndIds),
    outliers: amountOutliers(inputs.completedTrips),
    rule: OUTLIER_RULE,
  };
}

/** The staged completed trips under `<dir>` (JSON lines), each trip_id once (staging is at-least-once). */
export async function readCompletedTrips(dir: string): Promise<CompletedTripAmounts[]> {
  const trips = new Map<string, CompletedTripAmounts>();
  const walk = async (folder: string): Promise<void> => {
    const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const file = path.join(folder, entry.name);
      if (entry.isDirectory()) await walk(file);
      else if (entry.name.endsWith('.jsonl')) {
        for (const line of (await readFile(file, 'utf8')).split('\n')) {
          if (line.trim() === '') continue;
          const trip = JSON.parse(line) as CompletedTripAmounts;
          if (!trips.has(trip.trip_id)) trips.set(trip.trip_id, trip);
        }
      }
    }
  };
  await walk(dir);
  return [...trips.values()];
}

/** Plain-words lines for the console (empty when there is nothing to tell). */
export function describeDataQuality(quality: DataQuality): string[] {
  const lines: string[] = [];
  const scientific = [...quality.scientific_notation_ids.start, ...quality.scientific_notation_ids.end];
  if (scientific.length > 0)
    lines.push(
      `${scientific.length} trip IDs look like a spreadsheet's numbers (${scientific.slice(0, 5).join(', ')}${scientific.length > 5 ? ', …' : ''})`,
    );
  if (quality.mangled_id_pairs.length > 0) {
    const shown = quality.mangled_id_pairs.slice(0, 5).map((pair) => `${pair.open_start} ~ ${pair.orphan_end}`);
    lines.push(
      `${quality.mangled_id_pairs.length} open starts match an orphan end once the spreadsheet's rewrite is undone (probably one trip each): ` +
        `${shown.join(', ')}${quality.mangled_id_pairs.length > 5 ? ', …' : ''}`,
    );
  }
  if (quality.outliers.length > 0) {
    const shown = quality.outliers
      .slice(0, 5)
      .map((outlier) => `${outlier.field} ${outlier.value} of trip ${outlier.trip_id} on ${outlier.trip_date} (bound ${outlier.bound})`);
    lines.push(
      `${quality.outliers.length} amounts far outside their day (counted in the KPIs as they are): ${shown.join('; ')}${quality.outliers.length > 5 ? '; …' : ''}`,
    );
  }
  return lines;
}
