import { LOCAL_TIME_SCALE } from '../../../../lib/config';
import { localRateFor, runPacing, SECONDS_PER_MONTH } from '../../../../local/run/pacing';

describe('runPacing', () => {
  it('names the deployed rate a local rate stands for: the local rate times the time scale', () => {
    // Act
    const pacing = runPacing(40, 0.01);

    // Assess
    expect(pacing).toEqual({
      rate_trips_per_second: 40,
      time_scale: 0.01,
      deployed_equivalent_trips_per_second: 0.4,
      deployed_equivalent_trips_per_month: Math.round(0.4 * SECONDS_PER_MONTH),
    });
  });

  it('is the inverse of localRateFor: a feed of 1M trips a month', () => {
    // Act
    const rate = localRateFor(1_000_000, LOCAL_TIME_SCALE);

    // Assess
    expect(runPacing(rate, LOCAL_TIME_SCALE).deployed_equivalent_trips_per_month).toBe(1_000_000);
    expect(SECONDS_PER_MONTH).toBe(2_629_800);
  });
});
