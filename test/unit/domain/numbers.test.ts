import { parseAmount, parseDecimal, parseFare, parseIntegerCode } from '../../../domain/numbers';

describe('parseDecimal', () => {
  it.each([
    ['0.0', 0],
    ['40.09620692463166', 40.09620692463166],
    ['-2.5', -2.5],
    ['+3', 3],
    ['.5', 0.5],
    ['5.', 5],
    ['1e-05', 0.00001],
    ['4.993893874645156E2', 499.3893874645156],
  ])('reads %s', (text, expected) => {
    // Prepare
    const input = text;

    // Act
    const outcome = parseDecimal(input);

    // Assess
    expect(outcome).toEqual({ ok: true, value: expected });
  });

  it('reads negative zero as plain zero', () => {
    // Prepare
    const input = '-0.0';

    // Act
    const outcome = parseDecimal(input);

    // Assess
    expect(outcome.ok && Object.is(outcome.value, 0)).toBe(true);
  });

  it.each(['', 'abc', '0x10', 'Infinity', 'NaN', '1,5', '1.2.3', '--1', 'e5', '5 kg'])('rejects %p as not a number', (text) => {
    // Prepare
    const input = text;

    // Act
    const outcome = parseDecimal(input);

    // Assess
    expect(outcome).toEqual({ ok: false, problem: 'is not a number' });
  });

  it('rejects a decimal that overflows to infinity', () => {
    // Prepare
    const input = '1e999';

    // Act
    const outcome = parseDecimal(input);

    // Assess
    expect(outcome).toEqual({ ok: false, problem: 'is not a finite number' });
  });
});

describe('parseIntegerCode', () => {
  it.each([
    ['5', 5],
    ['5.0', 5],
    ['93', 93],
    ['1e2', 100],
  ])('reads %s as a whole number', (text, expected) => {
    // Prepare
    const input = text;

    // Act
    const outcome = parseIntegerCode(input);

    // Assess
    expect(outcome).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['5.5', 'is not a whole number'],
    ['card', 'is not a number'],
    ['1e20', 'is too large for a code'],
    ['2147483648', 'is too large for a code'],
    ['-2147483648', 'is too large for a code'],
  ])('rejects %s', (text, problem) => {
    // Prepare
    const input = text;

    // Act
    const outcome = parseIntegerCode(input);

    // Assess
    expect(outcome).toEqual({ ok: false, problem });
  });
});

describe('parseFare', () => {
  it.each([
    ['0', 0],
    ['34.18595284', 34.18595284],
  ])('reads %s', (text, expected) => {
    // Prepare
    const input = text;

    // Act
    const outcome = parseFare(input);

    // Assess
    expect(outcome).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['-12.5', 'is negative (fares must be 0 or more)'],
    ['1e12', 'is out of range (amounts must be below 1,000,000 in absolute value)'],
    ['1000000', 'is out of range (amounts must be below 1,000,000 in absolute value)'],
    ['1e400', 'is not a finite number'],
    ['-1e400', 'is not a finite number'],
    ['free', 'is not a number'],
  ])('rejects %s', (text, problem) => {
    // Prepare
    const input = text;

    // Act
    const outcome = parseFare(input);

    // Assess
    expect(outcome).toEqual({ ok: false, problem });
  });
});

describe('parseAmount', () => {
  it.each([
    ['999999.99', 999999.99],
    ['-999999.99', -999999.99],
    ['0', 0],
  ])('reads %s, inside the bound', (text, expected) => {
    // Prepare
    const input = text;

    // Act
    const outcome = parseAmount(input);

    // Assess
    expect(outcome).toEqual({ ok: true, value: expected });
  });

  it.each(['1000000', '-1000000', '1e12'])('rejects %s, an amount of 1,000,000 or more in absolute value', (text) => {
    // Prepare
    const input = text;

    // Act
    const outcome = parseAmount(input);

    // Assess
    expect(outcome).toEqual({ ok: false, problem: 'is out of range (amounts must be below 1,000,000 in absolute value)' });
  });
});
