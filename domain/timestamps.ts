/**
 * Timestamp text from trip CSVs -> canonical UTC instant (`Date.prototype.toISOString()` text).
 *
 * Accepted styles (docs/contracts.md §1):
 * - year first: `YYYY-MM-DD HH:MM[:SS]` or ISO 8601 `YYYY-MM-DDTHH:MM[:SS[.fff…]]`, either with an optional
 *   `Z` or `±HH:MM` zone;
 * - day first: `DD-MM-YYYY HH:MM[:SS]` (the real start file), never with a zone.
 * Text without a zone is UTC. Every calendar field is checked by hand: `Date.parse` silently rolls
 * 31-02 over to 02-03 and reads zone-less text as local time, so it decides nothing here.
 * Digits beyond milliseconds are dropped, because the wire format carries milliseconds.
 * The instant, once in UTC, must lie in the range of bounds.ts.
 */
import { INSTANT_RANGE_PROBLEM, isInstantInRange } from './bounds';

export type TimestampOutcome = { ok: true; instant: string } | { ok: false; problem: string };

const ACCEPTED_TIMESTAMP_STYLES =
  'YYYY-MM-DD HH:MM[:SS], ISO 8601 (2024-05-25T13:19:00Z, 2024-05-25T15:19:00.5+02:00) or DD-MM-YYYY HH:MM[:SS]';

const YEAR_FIRST = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?$/;
const DAY_FIRST = /^(\d{2})-(\d{2})-(\d{4}) (\d{2}):(\d{2})(?::(\d{2}))?$/;

const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;

interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  offset: UtcOffset;
}

interface UtcOffset {
  sign: 1 | -1;
  hours: number;
  minutes: number;
}

const UTC: UtcOffset = { sign: 1, hours: 0, minutes: 0 };

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Parses one timestamp; `problem` completes the sentence `"<text>" …` (e.g. `is not a real date (…)`). */
export function parseTimestamp(text: string): TimestampOutcome {
  const fields = matchFields(text);
  if (fields === undefined) {
    return { ok: false, problem: `is not a timestamp (expected ${ACCEPTED_TIMESTAMP_STYLES})` };
  }
  const problem = calendarProblem(fields);
  if (problem !== undefined) return { ok: false, problem };

  const instant = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not move years 0-99 into the 1900s.
  instant.setUTCFullYear(fields.year, fields.month - 1, fields.day);
  instant.setUTCHours(fields.hour, fields.minute, fields.second, fields.millisecond);
  const { sign, hours, minutes } = fields.offset;
  const utc = instant.getTime() - sign * (hours * 60 + minutes) * 60_000;
  if (!isInstantInRange(utc)) return { ok: false, problem: `${INSTANT_RANGE_PROBLEM} once converted to UTC` };
  return { ok: true, instant: new Date(utc).toISOString() };
}

function matchFields(text: string): Fields | undefined {
  const yearFirst = YEAR_FIRST.exec(text);
  if (yearFirst !== null) {
    const [, year, month, day, hour, minute, second, fraction, zone] = yearFirst;
    return {
      ...numericFields(year, month, day, hour, minute, second),
      millisecond: fraction === undefined ? 0 : Number(fraction.slice(0, 3).padEnd(3, '0')),
      offset: zone === undefined ? UTC : parseOffset(zone),
    };
  }
  const dayFirst = DAY_FIRST.exec(text);
  if (dayFirst !== null) {
    const [, day, month, year, hour, minute, second] = dayFirst;
    return { ...numericFields(year, month, day, hour, minute, second), millisecond: 0, offset: UTC };
  }
  return undefined;
}

function numericFields(
  year: string | undefined,
  month: string | undefined,
  day: string | undefined,
  hour: string | undefined,
  minute: string | undefined,
  second: string | undefined,
): Omit<Fields, 'millisecond' | 'offset'> {
  return {
    year: Number(year),
    month: Number(month),
    day: Number(day),
    hour: Number(hour),
    minute: Number(minute),
    second: second === undefined ? 0 : Number(second),
  };
}

/** `Z` or `±HH:MM`, already shaped by the regex; the range is checked in calendarProblem. */
function parseOffset(zone: string): UtcOffset {
  if (zone === 'Z') return UTC;
  return { sign: zone.startsWith('-') ? -1 : 1, hours: Number(zone.slice(1, 3)), minutes: Number(zone.slice(4, 6)) };
}

function calendarProblem(fields: Fields): string | undefined {
  const { year, month, day, hour, minute, second, offset } = fields;
  const monthName = MONTH_NAMES[month - 1];
  if (monthName === undefined) return `is not a real date (there is no month ${month})`;
  const monthLength = daysInMonth(year, month);
  if (day < 1 || day > monthLength) {
    return `is not a real date (${monthName} ${year} has ${monthLength} days)`;
  }
  if (hour > 23) return `is not a real time (hour ${hour}; hours run 00-23)`;
  if (minute > 59) return `is not a real time (minute ${minute}; minutes run 00-59)`;
  if (second > 59) return `is not a real time (second ${second}; seconds run 00-59)`;
  if (offset.minutes > 59 || offset.hours * 60 + offset.minutes > 18 * 60) {
    return 'has an impossible UTC offset (offsets run -18:00 to +18:00)';
  }
  return undefined;
}
