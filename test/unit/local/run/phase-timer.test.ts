import { PhaseTimer } from '../../../../local/run/phase-timer';

describe('PhaseTimer', () => {
  it('adds up the wall time of each phase, in the order the phases were first timed', async () => {
    // Prepare
    let now = 0;
    const timer = new PhaseTimer(() => now);

    // Act
    await timer.time('emulators', () => {
      now += 1_200;
      return Promise.resolve();
    });
    timer.add('drain_detection', 40.4);
    await timer.time('emulators', () => {
      now += 300;
      return Promise.resolve();
    });

    // Assess
    expect(timer.snapshot()).toEqual({ emulators: 1_500, drain_detection: 40 });
    expect(Object.keys(timer.snapshot())).toEqual(['emulators', 'drain_detection']);
  });

  it('times a phase that fails, and passes its error on', async () => {
    // Prepare
    let now = 0;
    const timer = new PhaseTimer(() => now);

    // Act
    const failing = timer.time('kpi', () => {
      now += 75;
      return Promise.reject(new Error('no staged files'));
    });

    // Assess
    await expect(failing).rejects.toThrow('no staged files');
    expect(timer.snapshot()).toEqual({ kpi: 75 });
  });
});
