import { addDays, dateRange, isCalendarDate, MAX_KPI_RANGE_DAYS, scheduledKpiDates, utcDateOf } from '../../../kpi/dates';

describe('isCalendarDate', () => {
  it.each(['2024-05-25', '2024-02-29', '2000-02-29', '1999-12-31'])('accepts %s', (value) => {
    // Prepare: the value

    // Act
    const accepted = isCalendarDate(value);

    // Assess
    expect(accepted).toBe(true);
  });

  it.each([
    '2024-02-30',
    '2023-02-29',
    '1900-02-29',
    '2024-13-01',
    '2024-00-10',
    '2024-5-25',
    '25-05-2024',
    '2024-05-25T00:00:00Z',
    "2024-05-25' --",
    '',
  ])('rejects %j', (value) => {
    // Prepare: the value

    // Act
    const accepted = isCalendarDate(value);

    // Assess
    expect(accepted).toBe(false);
  });
});

describe('addDays and utcDateOf', () => {
  it('crosses month, year and leap-day boundaries', () => {
    // Prepare
    const cases: Array<[string, number, string]> = [
      ['2024-02-28', 1, '2024-02-29'],
      ['2024-03-01', -1, '2024-02-29'],
      ['2023-12-31', 1, '2024-01-01'],
      ['2024-05-25', -30, '2024-04-25'],
    ];

    // Act
    const results = cases.map(([date, days]) => addDays(date, days));

    // Assess
    expect(results).toEqual(cases.map(([, , expected]) => expected));
  });

  it('takes the UTC date of an instant, not the local one', () => {
    // Prepare
    const justBeforeMidnightUtc = new Date('2024-05-25T23:59:59.999Z');

    // Act
    const date = utcDateOf(justBeforeMidnightUtc);

    // Assess
    expect(date).toBe('2024-05-25');
  });
});

describe('dateRange', () => {
  it('lists every date from first to last, both included', () => {
    // Prepare
    const [from, to] = ['2024-02-27', '2024-03-02'];

    // Act
    const dates = dateRange(from, to);

    // Assess
    expect(dates).toEqual(['2024-02-27', '2024-02-28', '2024-02-29', '2024-03-01', '2024-03-02']);
  });

  it('gives one date when first and last are the same day', () => {
    // Prepare
    const day = '2024-05-25';

    // Act
    const dates = dateRange(day, day);

    // Assess
    expect(dates).toEqual([day]);
  });

  it('rejects a reversed range', () => {
    // Prepare
    const [from, to] = ['2024-05-26', '2024-05-25'];

    // Act
    const listing = () => dateRange(from, to);

    // Assess
    expect(listing).toThrow('2024-05-26 is after 2024-05-25');
  });

  it(`accepts ${MAX_KPI_RANGE_DAYS} days and rejects one more`, () => {
    // Prepare
    const from = '2024-01-01';
    const lastAllowed = addDays(from, MAX_KPI_RANGE_DAYS - 1);

    // Act
    const longest = dateRange(from, lastAllowed);
    const tooLong = () => dateRange(from, addDays(lastAllowed, 1));

    // Assess
    expect(longest).toHaveLength(MAX_KPI_RANGE_DAYS);
    expect(tooLong).toThrow(`at most ${MAX_KPI_RANGE_DAYS}`);
  });

  it('rejects an impossible date', () => {
    // Prepare
    const [from, to] = ['2024-02-30', '2024-03-02'];

    // Act
    const listing = () => dateRange(from, to);

    // Assess
    expect(listing).toThrow('2024-02-30');
  });
});

describe('scheduledKpiDates', () => {
  it('gives yesterday (UTC) and the lookback days before it, oldest first', () => {
    // Prepare
    const now = new Date('2024-03-02T01:00:00.000Z');

    // Act
    const dates = scheduledKpiDates(now, 3);

    // Assess
    expect(dates).toEqual(['2024-02-27', '2024-02-28', '2024-02-29', '2024-03-01']);
  });

  it('gives only yesterday without lookback', () => {
    // Prepare
    const now = new Date('2024-01-01T00:00:00.000Z');

    // Act
    const dates = scheduledKpiDates(now, 0);

    // Assess
    expect(dates).toEqual(['2023-12-31']);
  });
});
