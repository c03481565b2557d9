import { FailureInjector, parseFailureInjection } from '../../../local/failure-injection';

describe('parseFailureInjection', () => {
  it('reads handler, trip, times and mode, record mode by default', () => {
    // Act
    const rules = parseFailureInjection('start:trip-1:2, redrive:trip-9:1:throw');

    // Assess
    expect(rules).toEqual([
      { handler: 'start', tripId: 'trip-1', times: 2, mode: 'record' },
      { handler: 'redrive', tripId: 'trip-9', times: 1, mode: 'throw' },
    ]);
  });

  it('reads nothing from an unset or blank variable', () => {
    // Act
    const rules = [parseFailureInjection(undefined), parseFailureInjection('  ')];

    // Assess
    expect(rules).toEqual([[], []]);
  });

  it.each(['nobody:trip-1:1', 'start:trip-1:0', 'start::1', 'start:trip-1:1:explode', 'start:trip-1'])('rejects "%s"', (text) => {
    // Act
    const parse = () => parseFailureInjection(text);

    // Assess
    expect(parse).toThrow(/TRIPSTREAM_LOCAL_FAIL/);
  });
});

describe('FailureInjector', () => {
  it('fails a trip the given number of deliveries, only for its handler and mode', () => {
    // Prepare
    const injector = new FailureInjector(parseFailureInjection('end:trip-1:2,start:trip-2:1:throw'));

    // Act
    const deliveries = [1, 2, 3].map(() => [...injector.failingTrips('end', ['trip-0', 'trip-1'])]);
    const otherHandler = [...injector.failingTrips('start', ['trip-1'])];
    const throws = [injector.shouldThrow('start', ['trip-2']), injector.shouldThrow('start', ['trip-2'])];

    // Assess
    expect(deliveries).toEqual([['trip-1'], ['trip-1'], []]);
    expect(otherHandler).toEqual([]);
    expect(throws).toEqual([true, false]);
  });
});
