import { TripOrder } from '../../../lambdas/common/trip-order';

/** A task that finishes only when the test says so, recording when it started. */
function controllable(log: string[], name: string) {
  let finish: (value: string) => void = () => undefined;
  let fail: (error: Error) => void = () => undefined;
  const work = () => {
    log.push(`start ${name}`);
    return new Promise<string>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
  };
  return { work, finish: (value = name) => finish(value), fail: (error: Error) => fail(error) };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('TripOrder', () => {
  it('runs records of one trip one after another, in batch order, and other trips meanwhile', async () => {
    // Prepare
    const log: string[] = [];
    const order = new TripOrder([
      { id: '1', tripId: 'trip-a' },
      { id: '2', tripId: 'trip-b' },
      { id: '3', tripId: 'trip-a' },
    ]);
    const [first, other, second] = [controllable(log, 'a1'), controllable(log, 'b'), controllable(log, 'a2')];

    // Act: started in reverse order, as a concurrent processor might.
    const results = [order.run('3', second.work), order.run('2', other.work), order.run('1', first.work)];
    await settle();
    const beforeFirstFinished = [...log];
    first.finish();
    await settle();
    second.finish();
    other.finish();

    // Assess
    expect(beforeFirstFinished).toEqual(['start b', 'start a1']);
    expect(log).toEqual(['start b', 'start a1', 'start a2']);
    await expect(Promise.all(results)).resolves.toEqual(['a2', 'b', 'a1']);
  });

  it('runs the next record of a trip after a failed one, and still reports the failure', async () => {
    // Prepare
    const log: string[] = [];
    const order = new TripOrder([
      { id: '1', tripId: 'trip-a' },
      { id: '2', tripId: 'trip-a' },
    ]);
    const [first, second] = [controllable(log, 'a1'), controllable(log, 'a2')];

    // Act
    const failed = order.run('1', first.work);
    const next = order.run('2', second.work);
    await settle();
    first.fail(new Error('boom'));
    await expect(failed).rejects.toThrow('boom');
    await settle();
    second.finish();

    // Assess
    await expect(next).resolves.toBe('a2');
    expect(log).toEqual(['start a1', 'start a2']);
  });

  it('does not order records without a trip id', async () => {
    // Prepare
    const log: string[] = [];
    const order = new TripOrder([
      { id: '1', tripId: null },
      { id: '2', tripId: null },
    ]);
    const [first, second] = [controllable(log, 'x'), controllable(log, 'y')];

    // Act
    const results = [order.run('2', second.work), order.run('1', first.work)];
    await settle();
    first.finish();
    second.finish();

    // Assess
    expect(log).toEqual(['start y', 'start x']);
    await expect(Promise.all(results)).resolves.toEqual(['y', 'x']);
  });
});
