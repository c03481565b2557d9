/**
 * Lambda event filtering (the EventBridge pattern language), evaluated the way an event source mapping does
 * before it batches records. The local runtime applies the very pattern objects the CDK stack deploys
 * (TRIP_STREAM_FILTERS), so a mistake in a pattern shows up locally too, and the match handler checks its
 * records against the same objects rather than trusting its trigger's configuration.
 *
 * Supported: nested objects, exact values (string, number, boolean, null), `prefix`, `suffix`,
 * `equals-ignore-case`, `anything-but` (value, list, or `{ prefix | suffix }`), `numeric` ranges, `exists`,
 * `wildcard` and `$or`. An array in the event matches when any of its elements matches.
 */

export class FilterPatternError extends Error {}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when `event` matches `pattern`. Throws FilterPatternError on a pattern AWS would reject. */
export function matchesFilterPattern(pattern: unknown, event: unknown): boolean {
  if (!isPlainObject(pattern)) throw new FilterPatternError('a filter pattern must be a JSON object');
  return matchObject(pattern, event);
}

function matchObject(pattern: Record<string, unknown>, event: unknown): boolean {
  return Object.entries(pattern).every(([key, rule]) => {
    if (key === '$or') {
      if (!Array.isArray(rule) || rule.length < 2) throw new FilterPatternError('$or needs at least two patterns');
      return rule.some((alternative) => {
        if (!isPlainObject(alternative)) throw new FilterPatternError('$or alternatives must be objects');
        return matchObject(alternative, event);
      });
    }
    const present = isPlainObject(event) && Object.prototype.hasOwnProperty.call(event, key);
    const value = present ? (event as Record<string, unknown>)[key] : undefined;
    if (isPlainObject(rule)) return present && matchObject(rule, value);
    if (!Array.isArray(rule)) throw new FilterPatternError(`the rule for "${key}" must be an object or an array`);
    return matchField(rule, present, value);
  });
}

function matchField(matchers: unknown[], present: boolean, value: unknown): boolean {
  return matchers.some((matcher) => {
    if (isPlainObject(matcher) && 'exists' in matcher) {
      if (typeof matcher.exists !== 'boolean') throw new FilterPatternError('exists takes true or false');
      return matcher.exists === present;
    }
    if (!present) return false;
    const candidates = Array.isArray(value) ? (value as unknown[]) : [value];
    return candidates.some((candidate) => matchValue(matcher, candidate));
  });
}

function matchValue(matcher: unknown, value: unknown): boolean {
  if (matcher === null || typeof matcher !== 'object') return equalScalars(matcher, value);
  if (!isPlainObject(matcher)) throw new FilterPatternError('a matcher must be a value or an object');
  const entries = Object.entries(matcher);
  const [operator, operand] = entries[0] ?? [];
  if (entries.length !== 1 || operator === undefined) {
    throw new FilterPatternError(`a matcher object takes exactly one operator, got ${JSON.stringify(matcher)}`);
  }
  switch (operator) {
    case 'prefix':
      return (
        typeof value === 'string' &&
        matchAffix(
          operand,
          (text) => value.startsWith(text),
          (text) => value.toLowerCase().startsWith(text.toLowerCase()),
        )
      );
    case 'suffix':
      return (
        typeof value === 'string' &&
        matchAffix(
          operand,
          (text) => value.endsWith(text),
          (text) => value.toLowerCase().endsWith(text.toLowerCase()),
        )
      );
    case 'equals-ignore-case':
      if (typeof operand !== 'string') throw new FilterPatternError('equals-ignore-case takes a string');
      return typeof value === 'string' && value.toLowerCase() === operand.toLowerCase();
    case 'anything-but':
      return matchAnythingBut(operand, value);
    case 'numeric':
      return typeof value === 'number' && matchNumeric(operand, value);
    case 'wildcard':
      if (typeof operand !== 'string') throw new FilterPatternError('wildcard takes a string');
      return typeof value === 'string' && wildcardToRegExp(operand).test(value);
    default:
      throw new FilterPatternError(`unsupported filter operator "${operator}"`);
  }
}

function equalScalars(expected: unknown, actual: unknown): boolean {
  if (typeof expected === 'number' && typeof actual === 'number') return expected === actual;
  return expected === actual;
}

/** `{ prefix: "a" }` or `{ prefix: { "equals-ignore-case": "a" } }` (the same for suffix). */
function matchAffix(operand: unknown, exact: (text: string) => boolean, ignoringCase: (text: string) => boolean): boolean {
  if (typeof operand === 'string') return exact(operand);
  if (isPlainObject(operand) && typeof operand['equals-ignore-case'] === 'string') {
    return ignoringCase(operand['equals-ignore-case']);
  }
  throw new FilterPatternError('prefix and suffix take a string or { "equals-ignore-case": string }');
}

function matchAnythingBut(operand: unknown, value: unknown): boolean {
  if (isPlainObject(operand)) {
    if (typeof operand.prefix === 'string') return typeof value === 'string' && !value.startsWith(operand.prefix);
    if (typeof operand.suffix === 'string') return typeof value === 'string' && !value.endsWith(operand.suffix);
    throw new FilterPatternError('anything-but takes a value, a list, or { prefix } / { suffix }');
  }
  const excluded = Array.isArray(operand) ? operand : [operand];
  if (value === null || typeof value === 'object') return false;
  return !excluded.some((entry) => equalScalars(entry, value));
}

const numericComparisons: Record<string, (value: number, bound: number) => boolean> = {
  '=': (value, bound) => value === bound,
  '<': (value, bound) => value < bound,
  '<=': (value, bound) => value <= bound,
  '>': (value, bound) => value > bound,
  '>=': (value, bound) => value >= bound,
};

function matchNumeric(operand: unknown, value: number): boolean {
  if (!Array.isArray(operand) || operand.length === 0 || operand.length % 2 !== 0) {
    throw new FilterPatternError('numeric takes pairs of [operator, number]');
  }
  for (let index = 0; index < operand.length; index += 2) {
    const operator: unknown = operand[index];
    const bound: unknown = operand[index + 1];
    const compare = typeof operator === 'string' ? numericComparisons[operator] : undefined;
    if (compare === undefined || typeof bound !== 'number') {
      throw new FilterPatternError(`numeric: bad comparison ${JSON.stringify([operator, bound])}`);
    }
    if (!compare(value, bound)) return false;
  }
  return true;
}

function wildcardToRegExp(pattern: string): RegExp {
  const escaped = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${escaped}$`, 's');
}
