/**
 * `npm run local` end to end on generated samples: a real process, the embedded emulators, the deployed
 * handlers. Each expectation comes from the generator's ground truth, computed in plain TypeScript from the
 * rows it wrote (not from the shared KPI SQL).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { DailyKpiRow } from '../../lib/kpi/daily-kpi';
import { generateSample } from '../../local/sample-generator';
import { deadLetteredTrips, expectedReasons, LOCAL_RUN_TIMEOUT_MS, runSample, sampleOptions, type SampleRun } from './local-run-helpers';

jest.setTimeout(LOCAL_RUN_TIMEOUT_MS);

/** KPIs equal to the cent (the generator sums in another order, so the last cent may differ by one). */
function expectKpisToMatch(actual: readonly DailyKpiRow[], expected: readonly DailyKpiRow[]): void {
  expect(actual.map((row) => row.trip_date)).toEqual(expected.map((row) => row.trip_date));
  expected.forEach((want, index) => {
    const got = actual[index];
    expect(got?.trip_count).toBe(want.trip_count);
    for (const field of ['total_fare', 'average_fare', 'min_fare', 'max_fare', 'total_tips', 'total_distance', 'average_trip_duration_minutes'] as const) {
      expect({ field, difference: Math.abs((got?.[field] ?? Number.NaN) - want[field]) <= 0.010001 }).toEqual({ field, difference: true });
    }
  });
}

describe('npm run local, event-time order', () => {
  let run: SampleRun;

  beforeAll(async () => {
    run = await runSample(sampleOptions());
  });

  it('counts rows, quarantines the malformed ones and sends the rest', () => {
    // Prepare
    const { expected } = run.sample;

    // Assess
    expect(run.summary.rows).toEqual(expected.rows);
    expect(run.summary.quarantined).toEqual(expected.quarantined);
    expect(run.summary.sent).toEqual(expected.valid);
    expect(expected.quarantined.start + expected.quarantined.end).toBeGreaterThan(0);
  });

  it('writes the quarantined rows under <out>/quarantine', async () => {
    // Act
    const files = await readdir(join(run.outDir, 'quarantine'));

    // Assess
    expect(files.length).toBeGreaterThan(0);
  });

  it('completes every trip with a valid start and end, once', () => {
    // Assess
    expect(run.summary.trips_completed).toBe(run.sample.expected.completedTripIds.length);
  });

  it('ignores exact duplicates and counts each once', () => {
    // Prepare
    const { exactDuplicates } = run.sample.expected;

    // Assess
    expect(exactDuplicates.start + exactDuplicates.end).toBeGreaterThan(0);
    expect(run.summary.duplicates_ignored).toBe(exactDuplicates.start + exactDuplicates.end);
  });

  it('dead-letters orphan ends as ORPHAN_END, conflicts and bad dropoffs with their reasons, full events included', () => {
    // Prepare
    const { expected } = run.sample;

    // Assess
    expect(expected.orphanEndIds.length).toBeGreaterThan(0);
    expect(run.summary.dead_lettered.by_reason).toEqual(expectedReasons(run.sample));
    expect(run.summary.dead_lettered.total).toBe(expected.deadLettered.total);
    expect(deadLetteredTrips(run.deadLetters, 'ORPHAN_END')).toEqual([...expected.orphanEndIds].sort());
    expect(run.deadLetters.filter((letter) => letter.reason === 'ORPHAN_END').every((letter) => typeof letter.event === 'object')).toBe(true);
    expect(run.summary.dead_lettered.on_failure_batches).toBe(0);
  });

  it('writes daily KPIs equal to an independent computation, for every date present', () => {
    // Assess
    expect(run.summary.kpi_dates).toEqual(run.sample.expected.kpiDates);
    expectKpisToMatch(run.kpis, run.sample.expected.dailyKpis);
  });

  it('reports AWS requests per service and operation, and invocations per handler', () => {
    // Assess
    expect(run.summary.aws_requests.Kinesis?.PutRecords).toBeGreaterThan(0);
    expect(run.summary.aws_requests.DynamoDB?.UpdateItem ?? 0).toBeGreaterThan(0);
    expect(run.summary.aws_requests.S3?.PutObject).toBeGreaterThan(0);
    expect(Object.keys(run.summary.lambda_invocations).sort()).toEqual(['end', 'match', 'redrive', 'start']);
  });

  it('prints the KPI table and the summary', () => {
    // Assess
    expect(run.cli.stdout).toContain('Daily KPIs');
    expect(run.cli.stdout).toContain(run.sample.expected.kpiDates[0] ?? 'no date');
    expect(run.cli.stdout).toContain(`trips completed:    ${run.sample.expected.completedTripIds.length}`);
  });
});

describe('npm run local --order ends-first', () => {
  let run: SampleRun;

  beforeAll(async () => {
    run = await runSample(sampleOptions({ seed: 'local-e2e-ends-first' }), ['--order', 'ends-first']);
  });

  it('still completes every trip that has a start, through the retry queue', () => {
    // Assess
    expect(run.summary.trips_completed).toBe(run.sample.expected.completedTripIds.length);
    expect(run.summary.lambda_invocations.redrive).toBeGreaterThan(0);
  });

  it('dead-letters the rest with their reasons and computes the same KPIs', () => {
    // Assess
    expect(run.summary.dead_lettered.by_reason).toEqual(expectedReasons(run.sample));
    expectKpisToMatch(run.kpis, run.sample.expected.dailyKpis);
  });
});

describe('npm run local with injected handler failures', () => {
  let run: SampleRun;
  let retriedStart: string;
  let thrownEnd: string;
  let failedStage: string;
  let exhaustedStart: string;

  beforeAll(async () => {
    // Prepare: four completed trips of a clean sample, each hit by a different failure
    const options = sampleOptions({
      seed: 'local-e2e-failures',
      rates: { exactDuplicateStarts: 0, exactDuplicateEnds: 0, conflictingStarts: 0, conflictingEnds: 0, orphanEnds: 0, dropoffBeforePickup: 0 },
    });
    const probe = generateSample(options);
    [retriedStart, thrownEnd, failedStage, exhaustedStart] = probe.expected.completedTripIds.slice(10, 14) as [string, string, string, string];
    const failures = [
      `start:${retriedStart}:2`,
      `end:${thrownEnd}:1:throw`,
      `match:${failedStage}:1`,
      `start:${exhaustedStart}:99:throw`,
    ].join(',');
    run = await runSample(options, [], { TRIPSTREAM_LOCAL_FAIL: failures });
  });

  it('retries failed records within the budget and loses nothing', () => {
    // Prepare
    const expectedCompleted = run.sample.expected.completedTripIds.length - 1;

    // Assess
    expect(run.summary.trips_completed).toBe(expectedCompleted);
  });

  it('resumes from the failed record: records after it are delivered again and ignored as duplicates', () => {
    // Assess
    expect(run.summary.duplicates_ignored).toBeGreaterThan(0);
  });

  it('bisects down to the record that keeps failing, sends it to the on-failure destination, and its end becomes an orphan', () => {
    // Assess
    expect(run.summary.dead_lettered.on_failure_batches).toBeGreaterThanOrEqual(1);
    const pointer = run.deadLetters.find((letter) => 'KinesisBatchInfo' in letter);
    expect(pointer).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted' },
      KinesisBatchInfo: { batchSize: 1 },
      version: '1.0',
    });
    expect(deadLetteredTrips(run.deadLetters, 'ORPHAN_END')).toEqual([...run.sample.expected.orphanEndIds, exhaustedStart].sort());
  });

  it('counts no trip twice in the KPIs', () => {
    // Prepare
    const countsByDate = new Map(run.sample.expected.dailyKpis.map((row) => [row.trip_date, row.trip_count]));
    const total = [...countsByDate.values()].reduce((sum, count) => sum + count, 0);

    // Assess
    expect(run.kpis.reduce((sum, row) => sum + row.trip_count, 0)).toBe(total - 1);
    expect(run.summary.lambda_invocations.match).toBeGreaterThan(0);
  });
});
