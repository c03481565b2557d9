/**
 * `npm run local` end to end on generated samples: a real process, the embedded emulators, the deployed
 * handlers. Each expectation comes from the generator's ground truth, computed in plain TypeScript from the
 * rows it wrote (not from the shared KPI SQL).
 */

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LOCAL_TIME_SCALE } from '../../lib/config';
import { runPacing } from '../../local/run/pacing';
import { generateSample } from '../../tools/sample-generator';
import { expectKpisWithinACent } from '../support/daily-kpi';
import {
  cleanSampleOptions,
  deadLetteredTrips,
  expectBalancedLedger,
  expectedReasons,
  LOCAL_RUN_TIMEOUT_MS,
  runSample,
  type SampleRun,
  sampleOptions,
  writePathRequests,
} from '../support/local-run';

jest.setTimeout(LOCAL_RUN_TIMEOUT_MS);

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

  it('completes every trip with a valid start and end, once, and reports starts without an end as open', () => {
    // Assess
    expect(run.summary.trips_completed).toBe(run.sample.expected.completedTripIds.length);
    expect(run.summary.open_trips).toBe(run.sample.expected.startedOnlyIds.length + run.sample.expected.dropoffBeforePickupIds.length);
  });

  it('accounts for every record sent in a balanced ledger', () => {
    // Assess
    expectBalancedLedger(run);
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
    expect(run.deadLetters.filter((letter) => letter.reason === 'ORPHAN_END').every((letter) => typeof letter.event === 'object')).toBe(
      true,
    );
    expect(run.summary.dead_lettered.on_failure_batches).toBe(0);
    expect(run.deadLetters.every((letter) => typeof letter.trip_id === 'string')).toBe(true);
  });

  it('writes daily KPIs equal to an independent computation, for every date present', () => {
    // Assess
    expect(run.summary.kpi_dates).toEqual(run.sample.expected.kpiDates);
    expectKpisWithinACent(run.kpis, run.sample.expected.dailyKpis);
  });

  it('reports AWS requests per service and operation, and invocations per handler', () => {
    // Assess
    expect(run.summary.aws_requests.Kinesis?.PutRecords).toBeGreaterThan(0);
    expect(run.summary.aws_requests.DynamoDB?.UpdateItem ?? 0).toBeGreaterThan(0);
    expect(run.summary.aws_requests.S3?.PutObject).toBeGreaterThan(0);
    expect(Object.keys(run.summary.lambda_invocations).sort()).toEqual(['end', 'live-metrics', 'match', 'start']);
  });

  it('prints the KPI table and the summary', () => {
    // Assess
    expect(run.cli.stdout).toContain('Daily KPIs');
    expect(run.cli.stdout).toContain(run.sample.expected.kpiDates[0] ?? 'no date');
    expect(run.cli.stdout).toContain(`trips completed:    ${run.sample.expected.completedTripIds.length}`);
  });
});

/** The phases summary.json times, in the order the run goes through them. */
const RUN_PHASES = [
  'emulators',
  'resources',
  'handlers',
  'mappings_start',
  'drain_detection',
  'pipeline',
  'open_ends',
  'mappings_stop',
  'raw_archive',
  'ledger_readback',
  'kpi',
];

describe('npm run local, its time', () => {
  let run: SampleRun;

  beforeAll(async () => {
    run = await runSample(cleanSampleOptions({ trips: 60, seed: 'local-e2e-time' }));
  });

  it('reports the time scale of its batching windows, and no pacing without --rate', () => {
    // Assess
    expect(run.summary.time_scale).toBe(LOCAL_TIME_SCALE);
    expect(run.summary.pacing).toBeUndefined();
    expect(run.summary.live_freshness).toBeUndefined();
  });

  it("reports the wall time of each phase, within the run's own", () => {
    // Assess
    expect(Object.keys(run.summary.phases_ms)).toEqual(RUN_PHASES);
    const total = Object.entries(run.summary.phases_ms)
      .filter(([phase]) => phase !== 'drain_detection')
      .reduce((sum, [, ms]) => sum + ms, 0);
    expect(total).toBeLessThanOrEqual(run.summary.duration_ms);
    expect(run.summary.phases_ms.drain_detection).toBeLessThanOrEqual(run.summary.phases_ms.pipeline ?? 0);
  });
});

describe('npm run local --rate', () => {
  let run: SampleRun;

  beforeAll(async () => {
    run = await runSample(cleanSampleOptions({ trips: 40, seed: 'local-e2e-paced' }), ['--rate', '25']);
  });

  it('reports the local feed rate and the deployed rate it stands for', () => {
    // Assess
    expect(run.summary.pacing).toEqual(runPacing(25, LOCAL_TIME_SCALE));
    expect(run.summary.pacing?.deployed_equivalent_trips_per_month).toBe(Math.round(25 * LOCAL_TIME_SCALE * 2_629_800));
  });

  it('delivers and accounts for every trip as an unpaced run does', () => {
    // Assess
    expect(run.summary.sent).toEqual(run.sample.expected.valid);
    expect(run.summary.trips_completed).toBe(40);
    expectBalancedLedger(run);
    expect(run.cli.stderr).toContain('paced at 25 trips/s');
  });

  it('times every completion into the live metrics, beside the scaled windows and the 60 s goal', () => {
    // Assess: counts and units, not a latency bound (figures are measured in docs, not asserted)
    const freshness = run.summary.live_freshness;
    expect(freshness).toMatchObject({
      completions_measured: run.summary.trips_completed,
      completions_untimed: 0,
      time_scale: LOCAL_TIME_SCALE,
      windows_seconds: { trip_event_batching: 20 * LOCAL_TIME_SCALE, live_tumbling: 20 * LOCAL_TIME_SCALE },
      budget_seconds: 60,
      budget_seconds_scaled: 60 * LOCAL_TIME_SCALE,
    });
    const { p50_seconds: p50, p99_seconds: p99, max_seconds: max } = freshness ?? {};
    expect(p50).toBeGreaterThan(0);
    expect(p50).toBeLessThanOrEqual(p99 ?? Number.NaN);
    expect(p99).toBeLessThanOrEqual(max ?? Number.NaN);
  });
});

describe('npm run local --order ends-first', () => {
  let run: SampleRun;

  beforeAll(async () => {
    run = await runSample(sampleOptions({ seed: 'local-e2e-ends-first' }), ['--order', 'ends-first']);
  });

  it('completes every trip that has a start, without the retry queue', () => {
    // Assess
    expect(run.summary.trips_completed).toBe(run.sample.expected.completedTripIds.length);
    expect(run.summary.lambda_invocations.redrive ?? 0).toBe(0);
  });

  it('dead-letters the rest with their reasons, balances the ledger and computes the same KPIs', () => {
    // Assess
    expect(run.summary.dead_lettered.by_reason).toEqual(expectedReasons(run.sample));
    expect(deadLetteredTrips(run.deadLetters, 'ORPHAN_END')).toEqual([...run.sample.expected.orphanEndIds].sort());
    expectBalancedLedger(run);
    expectKpisWithinACent(run.kpis, run.sample.expected.dailyKpis);
  });
});

describe.each([['event-time'], ['file'], ['ends-first']])('npm run local on clean data, --order %s', (order) => {
  let run: SampleRun;

  beforeAll(async () => {
    run = await runSample(cleanSampleOptions({ seed: `local-e2e-clean-${order}` }), ['--order', order]);
  });

  it('costs exactly 2 successful writes and at most 2.05 write attempts per completed trip', () => {
    // Prepare
    const completed = run.sample.expected.completedTripIds.length;

    // Act
    const succeeded = run.summary.ledger.start.applied + run.summary.ledger.end.applied;
    const attempts = run.summary.trips_table_writes;

    // Assess
    expect(run.summary.trips_completed).toBe(completed);
    expect(succeeded).toBe(2 * completed);
    expect(attempts / completed).toBeLessThanOrEqual(2.05);
  });

  it('makes no redrive invocation and sends no SQS message', () => {
    // Assess
    expect(run.summary.lambda_invocations.redrive ?? 0).toBe(0);
    expect(run.summary.aws_requests.SQS?.SendMessage ?? 0).toBe(0);
    expect(run.summary.dead_lettered.total).toBe(0);
    expectKpisWithinACent(run.kpis, run.sample.expected.dailyKpis);
  });
});

describe('npm run local, the same input twice', () => {
  let runs: SampleRun[];

  beforeAll(async () => {
    runs = [];
    for (let attempt = 0; attempt < 2; attempt += 1) runs.push(await runSample(sampleOptions({ seed: 'local-e2e-repeat' })));
  });

  it('makes the same write-path requests within 2%', () => {
    // Act
    const [first = {}, second = {}] = runs.map((run) => writePathRequests(run.summary));
    const trips = runs[0]?.summary.trips_completed ?? 0;

    // Assess
    expect(Object.keys(second).sort()).toEqual(Object.keys(first).sort());
    for (const [operation, count] of Object.entries(first)) {
      // Staging objects close on a window, as on AWS, so their count follows timing: a request made less than once
      // per trip is held to 2% of the trips, i.e. to the cost per trip, not to its own count.
      const tolerance = 0.02 * Math.max(count, trips);
      expect({ operation, withinTwoPercent: Math.abs((second[operation] ?? 0) - count) <= tolerance }).toEqual({
        operation,
        withinTwoPercent: true,
      });
    }
  });

  it('counts the same live windows both times, whatever tumbling windows the records fell into', () => {
    // Act
    const [first, second] = runs.map((run) => run.summary.live_metrics);

    // Assess
    expect(first).toMatchObject({ agrees_with_kpis: true });
    expect(second).toEqual(first);
  });
});

describe('npm run local with a hot trip_id', () => {
  const copies = 3000;
  let run: SampleRun;

  beforeAll(async () => {
    // Prepare: thousands of copies of one start ahead of every other trip on its shard
    run = await runSample(cleanSampleOptions({ seed: 'local-e2e-hot' }), ['--order', 'file'], {}, (sample) => {
      const [header = '', first = '', ...rest] = sample.startCsv.split('\n');
      return { ...sample, startCsv: [header, ...Array.from({ length: copies }, () => first), first, ...rest].join('\n') };
    });
  });

  it('completes every valid trip and ignores the copies as duplicates', () => {
    // Assess
    expect(run.summary.trips_completed).toBe(run.sample.expected.completedTripIds.length);
    expect(run.summary.ledger.start.duplicates_ignored).toBe(copies);
    expectBalancedLedger(run);
    expectKpisWithinACent(run.kpis, run.sample.expected.dailyKpis);
  });
});

describe.each([['event-time'], ['ends-first']])('npm run local --inject-faults 0.1 on messy data, --order %s', (order) => {
  let run: SampleRun;

  beforeAll(async () => {
    run = await runSample(sampleOptions({ seed: `local-e2e-faults-${order}` }), ['--order', order, '--inject-faults', '0.1:7']);
  });

  it('still gives exact KPIs and a balanced ledger', () => {
    // Assess
    expect(run.summary.trips_completed).toBe(run.sample.expected.completedTripIds.length);
    expectBalancedLedger(run);
    expectKpisWithinACent(run.kpis, run.sample.expected.dailyKpis);
  });

  it('dead-letters exactly the ground truth, every letter with a trip_id', () => {
    // Assess
    expect(run.summary.dead_lettered.by_reason).toEqual(expectedReasons(run.sample));
    expect(run.deadLetters.every((letter) => typeof letter.trip_id === 'string')).toBe(true);
  });

  it('keeps the live metrics exact: the windows count every completion once, the open-trip counter ends at the open trips', () => {
    // Assess
    expect(run.summary.live_metrics).toEqual({
      trips_counted: expectedTrips(run),
      open_trips: run.summary.open_trips,
      agrees_with_kpis: true,
      disagreements: [],
    });
  });
});

describe('npm run local with targeted handler failures', () => {
  let run: SampleRun;
  let retriedStart: string;
  let thrownEnd: string;
  let failedStage: string;
  let exhaustedStart: string;

  beforeAll(async () => {
    // Prepare: six completed trips of a clean sample, each hit by a different failure
    const options = cleanSampleOptions({ seed: 'local-e2e-failures' });
    const probe = generateSample(options);
    const [a, b, c, d, liveCrash, liveFailure] = probe.expected.completedTripIds.slice(10, 16) as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    [retriedStart, thrownEnd, failedStage, exhaustedStart] = [a, b, c, d];
    const failures = [
      `start:${retriedStart}:2`,
      `end:${thrownEnd}:1:throw`,
      `match:${failedStage}:1`,
      `start:${exhaustedStart}:99:throw`,
      `live-metrics:${liveCrash}:2:throw`,
      `live-metrics:${liveFailure}:2`,
    ].join(',');
    run = await runSample(options, [], { TRIPSTREAM_LOCAL_FAULTS: failures });
  });

  it('retries failed records within the budget and loses nothing', () => {
    // Prepare
    const expectedCompleted = run.sample.expected.completedTripIds.length - 1;

    // Assess
    expect(run.summary.trips_completed).toBe(expectedCompleted);
    expectBalancedLedger(run);
  });

  it('resumes from the failed record: records after it are delivered again, and the ledger counts each record once', () => {
    // Assess
    expect(run.summary.ledger.start.duplicates_ignored + run.summary.ledger.end.duplicates_ignored).toBe(0);
    expect(run.summary.aws_requests.DynamoDB?.UpdateItem ?? 0).toBeGreaterThan(2 * expectedTrips(run));
  });

  it('resolves the record the mapping gave up on into a full dead letter, and its end becomes an orphan', () => {
    // Assess
    expect(run.summary.dead_lettered.on_failure_batches).toBe(0);
    const given = run.deadLetters.find((letter) => letter.reason === 'PROCESSING_FAILED');
    expect(given).toMatchObject({ trip_id: exhaustedStart, event: { event_type: 'trip_start', trip_id: exhaustedStart }, source: 'start' });
    expect(given?.detail).toEqual(expect.stringContaining('RetryAttemptsExhausted'));
    expect(deadLetteredTrips(run.deadLetters, 'ORPHAN_END')).toEqual([exhaustedStart]);
  });

  it('counts every completion once in the live metrics, through crashed and failed live-metrics invocations', () => {
    // Assess: the exhausted start's trip never completes, so it is in neither
    expect(run.summary.live_metrics).toMatchObject({ trips_counted: expectedTrips(run) - 1, agrees_with_kpis: true });
  });

  it('counts no trip twice in the KPIs', () => {
    // Prepare
    const total = run.sample.expected.dailyKpis.reduce((sum, row) => sum + row.trip_count, 0);

    // Assess
    expect(run.kpis.reduce((sum, row) => sum + row.trip_count, 0)).toBe(total - 1);
    expect(run.summary.lambda_invocations.match).toBeGreaterThan(0);
  });
});

function expectedTrips(run: SampleRun): number {
  return run.sample.expected.completedTripIds.length;
}
