/**
 * Decimal text from trip CSVs -> numbers. `Number()` alone is too lenient for input checking (it reads
 * '' as 0, and accepts hex, 'Infinity' and surrounding whitespace), so the text's shape is checked first.
 */

import { AMOUNT_RANGE_PROBLEM, CODE_RANGE_PROBLEM, isAmountInRange, MAX_ABSOLUTE_CODE } from './bounds';

export type NumberOutcome = { ok: true; value: number } | { ok: false; problem: string };

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Any finite decimal, e.g. `0.1`, `-2`, `40.09620692463166`, `1e-05`. */
export function parseDecimal(text: string): NumberOutcome {
  if (!DECIMAL.test(text)) return { ok: false, problem: 'is not a number' };
  const value = Number(text);
  if (!Number.isFinite(value)) return { ok: false, problem: 'is not a finite number' };
  // '-0' and '-0.0' mean zero; a negative zero would only surprise comparisons further down.
  return { ok: true, value: value === 0 ? 0 : value };
}

/** A whole-number code: `5` and `5.0` are 5, `5.5` is rejected. */
export function parseIntegerCode(text: string): NumberOutcome {
  const decimal = parseDecimal(text);
  if (!decimal.ok) return decimal;
  if (!Number.isInteger(decimal.value)) return { ok: false, problem: 'is not a whole number' };
  if (Math.abs(decimal.value) > MAX_ABSOLUTE_CODE) return { ok: false, problem: CODE_RANGE_PROBLEM };
  return decimal;
}

/** A signed amount such as a tip or a distance, bounded (see bounds.ts). */
export function parseAmount(text: string): NumberOutcome {
  const decimal = parseDecimal(text);
  if (!decimal.ok) return decimal;
  if (!isAmountInRange(decimal.value)) return { ok: false, problem: AMOUNT_RANGE_PROBLEM };
  return decimal;
}

/** A money amount that cannot be negative, bounded like every amount. */
export function parseFare(text: string): NumberOutcome {
  const amount = parseAmount(text);
  if (!amount.ok) return amount;
  if (amount.value < 0) return { ok: false, problem: 'is negative (fares must be 0 or more)' };
  return amount;
}
