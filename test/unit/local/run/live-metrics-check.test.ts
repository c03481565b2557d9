import { metricsWindow, toMicros } from '../../../../domain/live-metrics';
import { checkLiveMetrics } from '../../../../local/run/live-metrics-check';

const window = (start: string, trips: number, fare: number) => metricsWindow(start, trips, toMicros(fare), trips * 60_000);

describe('checkLiveMetrics', () => {
  it('agrees when the windows sum to the KPIs, a trip crossing midnight counted on its dropoff day', () => {
    // Prepare: 10.004 + 2.003 on the 25th by pickup, the 2.003 trip dropped off on the 26th; KPI days round to cents
    const windows = [window('2024-05-25T23:50:00.000Z', 1, 10.004), window('2024-05-26T00:05:00.000Z', 2, 7.003)];

    // Act
    const check = checkLiveMetrics({
      windows,
      liveOpenTrips: 3,
      kpis: [
        { trip_date: '2024-05-25', trip_count: 2, total_fare: 12.01 },
        { trip_date: '2024-05-26', trip_count: 1, total_fare: 5 },
      ],
      openTrips: 3,
    });

    // Assess
    expect(check).toEqual({ trips_counted: 3, open_trips: 3, agrees_with_kpis: true, disagreements: [] });
  });

  it('names every difference: the trips, the fare beyond rounding, the open trips', () => {
    // Prepare: one trip counted twice
    const windows = [window('2024-05-25T13:00:00.000Z', 4, 20)];

    // Act
    const check = checkLiveMetrics({
      windows,
      liveOpenTrips: 2,
      kpis: [{ trip_date: '2024-05-25', trip_count: 3, total_fare: 15 }],
      openTrips: 1,
    });

    // Assess
    expect(check.agrees_with_kpis).toBe(false);
    expect(check.disagreements).toEqual([
      'the live windows count 4 completed trips, the daily KPIs 3',
      'the live windows sum to a fare of 20.000000, the daily KPIs to 15.00',
      'the live open-trips counter is 2, the trips table holds 1 open trips',
    ]);
  });

  it('allows no more than half a cent per KPI day between the exact fare and the rounded days', () => {
    // Prepare: one day of 1.006 rounds to 1.01, within half a cent; 1.016 against 1.01 is not
    const kpis = [{ trip_date: '2024-05-25', trip_count: 1, total_fare: 1.01 }];

    // Act
    const within = checkLiveMetrics({ windows: [window('2024-05-25T13:00:00.000Z', 1, 1.006)], liveOpenTrips: 0, kpis, openTrips: 0 });
    const beyond = checkLiveMetrics({ windows: [window('2024-05-25T13:00:00.000Z', 1, 1.016)], liveOpenTrips: 0, kpis, openTrips: 0 });

    // Assess
    expect(within.agrees_with_kpis).toBe(true);
    expect(beyond.disagreements).toEqual(['the live windows sum to a fare of 1.016000, the daily KPIs to 1.01']);
  });
});
