import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EXIT_CODES } from '../../../bin/cli';
import { buildCostProgram } from '../../../bin/commands/cost';
import { runBuiltCommand } from '../../support/command-run';

const summary = {
  trips_completed: 100,
  sent: { start: 100, end: 100 },
  kpi_dates: ['2024-05-25'],
  aws_requests: { DynamoDB: { UpdateItem: 200 }, S3: { PutObject: 3 } },
  lambda_invocations: { start: 1, end: 1, match: 1, 'live-metrics': 1 },
};

const cost = (args: string[]) => runBuiltCommand(buildCostProgram, args);

describe('the cost command', () => {
  let dir: string;
  let summaryPath: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cost-cli-'));
    summaryPath = path.join(dir, 'summary.json');
    await writeFile(summaryPath, JSON.stringify(summary));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the live case of a summary for dev at 1M, 20M and 1B trips a month by default, against the goals', async () => {
    // Act
    const { exitCode, out } = await cost(['--summary', summaryPath]);

    // Assess
    expect(exitCode).toBe(EXIT_CODES.ok);
    expect(out).toContain('cost of dev at traffic');
    expect(out).toMatch(/^ {2}1,000,000 .*\n {2}20,000,000 .*<= \$2\.000 +(met|missed).*\n {2}1,000,000,000 .*<= \$1\.700 +(met|missed)/m);
  });

  it('prints JSON of every volume by default, the live cost of each in its own report', async () => {
    // Act
    const { exitCode, out } = await cost(['--summary', summaryPath, '--json']);

    // Assess
    expect(exitCode).toBe(EXIT_CODES.ok);
    const report = JSON.parse(out) as {
      atTraffic: { tripsPerMonth: number; dollarsPerMillionTrips: number }[];
      reports: { live: { dollarsPerMillionTrips: number } }[];
    };
    expect(report.atTraffic.map((row) => row.tripsPerMonth)).toEqual([1_000_000, 20_000_000, 1_000_000_000]);
    expect(report.atTraffic.map((row) => row.dollarsPerMillionTrips)).toEqual(report.reports.map((one) => one.live.dollarsPerMillionTrips));
  });

  it('prints one volume in full with --trips-per-month', async () => {
    // Act
    const { exitCode, out } = await cost(['--summary', summaryPath, '--trips-per-month', '1000000']);

    // Assess
    expect(exitCode).toBe(EXIT_CODES.ok);
    expect(out).toContain('cost of dev');
    expect(out).toContain('live: 1,000,000 trips/month');
  });

  it('prints JSON with --json, for the environment and the monthly figure asked for', async () => {
    // Act
    const { exitCode, out } = await cost(['--summary', summaryPath, '--env', 'prod', '--trips-per-month', '5_000_000', '--json']);

    // Assess
    expect(exitCode).toBe(EXIT_CODES.ok);
    const report = JSON.parse(out) as { environment: string; tripsPerMonth: number; footprint: { kinesis: { shardCount: number } } };
    expect(report).toMatchObject({ environment: 'prod', tripsPerMonth: 5_000_000, footprint: { kinesis: { shardCount: 3 } } });
  });

  it.each([
    [[], /required option '--summary <file>'/],
    [['--summary', 'SUMMARY', '--env', 'qa'], /'--env <env>' argument 'qa' is invalid/],
    [['--summary', 'SUMMARY', '--trips-per-month', '-3'], /expected a positive whole number of trips/],
    [['--summary', 'SUMMARY', '--trips-per-month', '1.5'], /expected a positive whole number of trips/],
    [['--summary', 'MISSING'], /--summary: cannot read .*missing\.json/],
    [['--summary', 'NOT_A_SUMMARY'], /--summary: not a local run's summary\.json: trips_completed/],
  ])('exits 2 with a clear message for %j', async (args, message) => {
    // Prepare
    const notASummary = path.join(dir, 'other.json');
    await writeFile(notASummary, JSON.stringify({ rows: 3 }));
    const resolved = args.map(
      (arg) => ({ SUMMARY: summaryPath, MISSING: path.join(dir, 'missing.json'), NOT_A_SUMMARY: notASummary })[arg] ?? arg,
    );

    // Act
    const { exitCode, err, out } = await cost(resolved);

    // Assess
    expect(exitCode).toBe(EXIT_CODES.usage);
    expect(err).toMatch(message);
    expect(out).toBe('');
  });
});
