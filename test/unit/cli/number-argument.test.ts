import { InvalidArgumentError } from 'commander';
import { positiveInteger, positiveNumber } from '../../../bin/cli';

describe('positiveNumber', () => {
  it.each([
    ['2.5', {}, 2.5],
    ['1_000_000', { whole: true }, 1_000_000],
    [' 7 ', { whole: true }, 7],
  ])('reads %s', (text, argument, expected) => {
    // Act
    const parsed = positiveNumber(argument)(text);

    // Assess
    expect(parsed).toBe(expected);
  });

  it.each([
    ['0', {}, 'expected a positive number.'],
    ['-3', { whole: true, of: 'trips' }, 'expected a positive whole number of trips.'],
    ['1.5', { whole: true }, 'expected a positive whole number.'],
    ['fast', { of: 'trips per second' }, 'expected a positive number of trips per second.'],
    ['', {}, 'expected a positive number.'],
    ['1e3', {}, 'expected a positive number.'],
    ['99999999999999999999', { whole: true }, 'expected a positive whole number.'],
  ])('refuses %j, saying what it expected', (text, argument, message) => {
    // Act
    const parse = () => positiveNumber(argument)(text);

    // Assess
    expect(parse).toThrow(new InvalidArgumentError(message));
  });

  it('gives counts their preset', () => {
    // Assess
    expect(positiveInteger('12')).toBe(12);
    expect(() => positiveInteger('0')).toThrow('expected a positive whole number.');
  });
});
