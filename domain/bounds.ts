/**
 * The value bounds of docs/contracts.md §1, shared by the CSV rules (producer) and the wire schemas (handlers), so both
 * sides reject exactly the same values. Each bound protects something downstream:
 * - amounts stay below 1,000,000 so a day's sums fit the KPI SQL's DECIMAL(18, 6) in both engines;
 * - instants stay in [1970, 2100) so every pickup has a four-digit `trip_date` the KPI job and Glue partition
 *   projection can read, and every duration is a sane number of seconds;
 * - codes are 32-bit integers, the widest integer type every engine reading the staged trips agrees on;
 * - text is bounded in characters, so a whole event always fits into a dead letter.
 */

/** Fares, tips and distances: `|value| < MAX_ABSOLUTE_AMOUNT`. */
const MAX_ABSOLUTE_AMOUNT = 1_000_000;

/** Integer codes (vendor, locations, payment type, ...): a signed 32-bit integer. */
export const MAX_ABSOLUTE_CODE = 2_147_483_647;

export const MAX_TRIP_ID_LENGTH = 128;

/** The accepted instants: `[EARLIEST_INSTANT, END_OF_INSTANTS)`. */
const EARLIEST_INSTANT = '1970-01-01T00:00:00.000Z';
const END_OF_INSTANTS = '2100-01-01T00:00:00.000Z';
const EARLIEST_INSTANT_MS = Date.parse(EARLIEST_INSTANT);
const END_OF_INSTANTS_MS = Date.parse(END_OF_INSTANTS);

export const INSTANT_RANGE_PROBLEM = 'is outside the accepted range 1970-01-01T00:00Z (included) to 2100-01-01T00:00Z (excluded)';
export const AMOUNT_RANGE_PROBLEM = `is out of range (amounts must be below ${MAX_ABSOLUTE_AMOUNT.toLocaleString('en-US')} in absolute value)`;
export const CODE_RANGE_PROBLEM = 'is too large for a code';

export function isInstantInRange(epochMillis: number): boolean {
  return epochMillis >= EARLIEST_INSTANT_MS && epochMillis < END_OF_INSTANTS_MS;
}

export function isAmountInRange(value: number): boolean {
  return Math.abs(value) < MAX_ABSOLUTE_AMOUNT;
}
