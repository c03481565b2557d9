import { environments, LIVE_LATENCY_BUDGET_SECONDS, localSettings, scaleBatchingWindows } from '../../../../lib/config';
import { CompletionTimes, describeLiveFreshness, liveFreshness, percentile } from '../../../../local/run/live-freshness';
import { acknowledgedRecord } from '../../../support/kinesis';
import { completed, completedTouched, opened, openRemoved } from '../../../support/trip-changes';

/** A trip whose halves Kinesis acknowledged at these times (ms on a fake clock). */
function sendTrip(times: CompletionTimes, tripId: string, startAckMs: number, endAckMs: number): void {
  times.acknowledged([acknowledgedRecord('start', tripId)], startAckMs);
  times.acknowledged([acknowledgedRecord('end', tripId)], endAckMs);
}

describe('percentile', () => {
  it('is the nearest-rank value: the smallest with at least that share of the values at or below it', () => {
    // Prepare
    const hundred = Array.from({ length: 100 }, (_, index) => index + 1);

    // Act, Assess
    expect(percentile(hundred, 0.5)).toBe(50);
    expect(percentile(hundred, 0.99)).toBe(99);
    expect(percentile(hundred, 1)).toBe(100);
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentile([1, 2, 3], 0.5)).toBe(2);
    expect(percentile([], 0.5)).toBeUndefined();
  });

  it('refuses a fraction outside (0, 1]', () => {
    // Act, Assess
    expect(() => percentile([1], 0)).toThrow('a percentile is a fraction in (0, 1], got 0');
    expect(() => percentile([1], 99)).toThrow('got 99');
  });
});

describe('CompletionTimes', () => {
  it("times a completion from its later half's acknowledgement to the window that counted it", () => {
    // Prepare
    const times = new CompletionTimes();
    sendTrip(times, 'trip-a', 1_000, 1_300);
    sendTrip(times, 'trip-b', 2_500, 2_000);

    // Act
    times.windowClosed([completed({ tripId: 'trip-a' }), completed({ tripId: 'trip-b' })], 2_900);

    // Assess
    expect(times.latencies()).toEqual({
      latenciesMs: new Map([
        ['trip-a', 1_600],
        ['trip-b', 400],
      ]),
      untimed: 0,
    });
  });

  it('counts only completions: an open, a removal or a later change of a completed item is not one', () => {
    // Prepare
    const times = new CompletionTimes();
    sendTrip(times, 'trip-a', 1_000, 1_100);

    // Act
    times.windowClosed([opened({ tripId: 'trip-a' }), openRemoved({ tripId: 'trip-b' }), completedTouched({ tripId: 'trip-a' })], 1_500);

    // Assess
    expect(times.latencies()).toEqual({ latenciesMs: new Map(), untimed: 0 });
  });

  it('keeps the first acknowledgement of a re-sent half and the first window that counted the trip', () => {
    // Prepare
    const times = new CompletionTimes();
    sendTrip(times, 'trip-a', 1_000, 1_200);
    times.acknowledged([acknowledgedRecord('end', 'trip-a', 2)], 5_000);

    // Act
    times.windowClosed([completed({ tripId: 'trip-a' })], 1_700);
    times.windowClosed([completed({ tripId: 'trip-a' })], 9_000);

    // Assess
    expect(times.latencies()).toEqual({ latenciesMs: new Map([['trip-a', 500]]), untimed: 0 });
  });

  it('leaves untimed a completion whose halves the feed did not both send (a redriven letter)', () => {
    // Prepare
    const times = new CompletionTimes();
    times.acknowledged([acknowledgedRecord('start', 'trip-a')], 1_000);

    // Act
    times.windowClosed([completed({ tripId: 'trip-a' }), completed({ tripId: 'trip-z' })], 1_500);

    // Assess
    expect(times.latencies()).toEqual({ latenciesMs: new Map(), untimed: 2 });
  });
});

describe('liveFreshness', () => {
  it('reports p50, p99 and max in seconds beside the scaled windows and the budget they stand for', () => {
    // Prepare: 100 trips visible 1..100 ms after their later half
    const times = new CompletionTimes();
    for (let index = 1; index <= 100; index += 1) {
      sendTrip(times, `trip-${index}`, 0, 10_000);
      times.windowClosed([completed({ tripId: `trip-${index}` })], 10_000 + index);
    }

    // Act
    const freshness = liveFreshness(times, scaleBatchingWindows(environments.prod, 0.01));

    // Assess
    expect(freshness).toEqual({
      completions_measured: 100,
      completions_untimed: 0,
      p50_seconds: 0.05,
      p99_seconds: 0.099,
      max_seconds: 0.1,
      time_scale: 0.01,
      windows_seconds: { trip_event_batching: 0.2, live_tumbling: 0.2 },
      budget_seconds: LIVE_LATENCY_BUDGET_SECONDS,
      budget_seconds_scaled: 0.6,
      deployed_p99_bound_seconds: 40.099,
      slowest: [100, 99, 98, 97, 96].map((index) => ({ trip_id: `trip-${index}`, seconds: index / 1000 })),
    });
    expect(describeLiveFreshness(freshness)).toBe(
      "100 completions visible in p50 0.05s, p99 0.099s, max 0.1s; goal 60s deployed, 0.6s in this run's compressed time",
    );
  });

  it('has no percentiles without a measured completion, and says so', () => {
    // Act
    const freshness = liveFreshness(new CompletionTimes(), localSettings);

    // Assess
    expect(freshness).toMatchObject({ completions_measured: 0, p50_seconds: null, p99_seconds: null, max_seconds: null });
    expect(freshness.deployed_p99_bound_seconds).toBeNull();
    expect(freshness.slowest).toEqual([]);
    expect(describeLiveFreshness(freshness)).toBe('no completion measured (0 untimed)');
  });

  it('takes unscaled settings as they are (time scale 1)', () => {
    // Prepare
    const times = new CompletionTimes();
    sendTrip(times, 'trip-a', 0, 0);
    times.windowClosed([completed({ tripId: 'trip-a' })], 30_000);

    // Act
    const freshness = liveFreshness(times, environments.prod);

    // Assess
    expect(freshness).toMatchObject({
      time_scale: 1,
      windows_seconds: { trip_event_batching: 20, live_tumbling: 20 },
      budget_seconds_scaled: 60,
      p99_seconds: 30,
      deployed_p99_bound_seconds: 70,
    });
  });
});
