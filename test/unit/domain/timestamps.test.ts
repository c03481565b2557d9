import { parseTimestamp } from '../../../domain/timestamps';

const OUT_OF_RANGE = 'is outside the accepted range 1970-01-01T00:00Z (included) to 2100-01-01T00:00Z (excluded) once converted to UTC';

describe('parseTimestamp', () => {
  it.each([
    ['year first without seconds', '2024-05-25 14:05', '2024-05-25T14:05:00.000Z'],
    ['year first with seconds', '2024-05-25 14:05:09', '2024-05-25T14:05:09.000Z'],
    ['ISO with T, no zone', '2024-05-25T14:05:09', '2024-05-25T14:05:09.000Z'],
    ['ISO with Z', '2024-05-25T14:05:09Z', '2024-05-25T14:05:09.000Z'],
    ['ISO with fractional seconds', '2024-05-25T14:05:09.5Z', '2024-05-25T14:05:09.500Z'],
    ['ISO with sub-millisecond digits', '2024-05-25T14:05:09.123987Z', '2024-05-25T14:05:09.123Z'],
    ['ISO with a positive offset', '2024-05-25T16:05:09+02:00', '2024-05-25T14:05:09.000Z'],
    ['ISO with a negative offset', '2024-05-25T09:35:09-04:30', '2024-05-25T14:05:09.000Z'],
    ['an offset that moves the date back', '2024-05-26T01:30:00+03:00', '2024-05-25T22:30:00.000Z'],
    ['an offset that moves the date forward', '2024-12-31T22:00:00-05:00', '2025-01-01T03:00:00.000Z'],
    ['day first without seconds (real start file)', '25-05-2024 13:19', '2024-05-25T13:19:00.000Z'],
    ['day first with seconds', '25-05-2024 13:19:45', '2024-05-25T13:19:45.000Z'],
    ['29 February of a leap year', '29-02-2024 00:00', '2024-02-29T00:00:00.000Z'],
    ['29 February of a 400-year leap year', '2000-02-29 23:59:59', '2000-02-29T23:59:59.000Z'],
    ['the first accepted instant', '1970-01-01 00:00', '1970-01-01T00:00:00.000Z'],
    ['the last accepted second', '31-12-2099 23:59:59', '2099-12-31T23:59:59.000Z'],
    ['an offset that moves a 2100 date back into range', '2100-01-01T00:30:00+01:00', '2099-12-31T23:30:00.000Z'],
  ])('reads %s', (_style, text, expected) => {
    // Prepare
    const input = text;

    // Act
    const outcome = parseTimestamp(input);

    // Assess
    expect(outcome).toEqual({ ok: true, instant: expected });
    if (outcome.ok) expect(new Date(outcome.instant).toISOString()).toBe(outcome.instant);
  });

  it.each([
    ['31 February', '31-02-2024 10:00', 'is not a real date (February 2024 has 29 days)'],
    ['29 February of a common year', '29-02-2023 10:00', 'is not a real date (February 2023 has 28 days)'],
    ['29 February of a century year', '1900-02-29 10:00', 'is not a real date (February 1900 has 28 days)'],
    ['31 April', '2024-04-31 10:00:00', 'is not a real date (April 2024 has 30 days)'],
    ['day zero', '00-05-2024 10:00', 'is not a real date (May 2024 has 31 days)'],
    ['month 13', '2024-13-01 10:00', 'is not a real date (there is no month 13)'],
    ['month zero', '01-00-2024 10:00', 'is not a real date (there is no month 0)'],
    ['hour 24', '25-05-2024 24:00', 'is not a real time (hour 24; hours run 00-23)'],
    ['minute 60', '2024-05-25 13:60', 'is not a real time (minute 60; minutes run 00-59)'],
    ['second 60', '2024-05-25T13:59:60Z', 'is not a real time (second 60; seconds run 00-59)'],
    ['an offset beyond 18 hours', '2024-05-25T13:00:00+19:00', 'has an impossible UTC offset (offsets run -18:00 to +18:00)'],
    ['an offset with minute 75', '2024-05-25T13:00:00+05:75', 'has an impossible UTC offset (offsets run -18:00 to +18:00)'],
    ['a year below 100', '0024-05-25 13:19', OUT_OF_RANGE],
    ['year 0000', '01-01-0000 00:00', OUT_OF_RANGE],
    ['the last second before 1970', '1969-12-31T23:59:59Z', OUT_OF_RANGE],
    ['an offset that moves 1970 back into 1969', '1970-01-01T00:30:00+01:00', OUT_OF_RANGE],
    ['the first instant of 2100', '2100-01-01 00:00', OUT_OF_RANGE],
    ['a result past year 9999', '9999-12-31T23:00:00-05:00', OUT_OF_RANGE],
  ])('rejects %s', (_case, text, problem) => {
    // Prepare
    const input = text;

    // Act
    const outcome = parseTimestamp(input);

    // Assess
    expect(outcome).toEqual({ ok: false, problem });
  });

  it.each([
    ['a date without a time', '2024-05-25'],
    ['slashes', '25/05/2024 13:19'],
    ['a truncated time', '25-05-2024 1'],
    ['a day-first date with a zone', '25-05-2024 13:19Z'],
    ['a day-first date with T', '25-05-2024T13:19'],
    ['an offset without a colon', '2024-05-25T13:19:00+0200'],
    ['a fraction without seconds', '2024-05-25T13:19.5'],
    ['surrounding spaces', ' 2024-05-25 13:19 '],
    ['a word Date.parse would accept', 'May 25, 2024 13:19'],
    ['epoch seconds', '1716643140'],
    ['empty text', ''],
  ])('rejects %s as not a timestamp', (_case, text) => {
    // Prepare
    const input = text;

    // Act
    const outcome = parseTimestamp(input);

    // Assess
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.problem).toMatch(/^is not a timestamp \(expected YYYY-MM-DD HH:MM\[:SS\]/);
  });
});
