import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EXIT_CODES } from '../../../bin/cli';
import { buildCapacityProgram } from '../../../bin/commands/capacity';
import { runBuiltCommand } from '../../support/command-run';
import { runMeasurements } from '../../support/run-measurements';

const capacity = (args: string[]) => runBuiltCommand(buildCapacityProgram, args);

describe('the capacity command', () => {
  let dir: string;
  let summaryPath: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'capacity-cli-'));
    summaryPath = path.join(dir, 'summary.json');
    await writeFile(summaryPath, JSON.stringify(runMeasurements()));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints every component of prod at 1,000 trips/s from the reference run, and the first wall', async () => {
    // Act
    const { exitCode, out } = await capacity(['--trips-per-second', '1000']);

    // Assess
    expect(exitCode).toBe(EXIT_CODES.ok);
    expect(out).toContain('capacity of prod at 1,000 trips/s');
    expect(out).toMatch(/^first wall: .+, [\d.]+x \(.+\)$/m);
    expect(out).toContain(
      'Quotas and limits - Amazon Kinesis Data Streams <https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html>',
    );
  });

  it('prints JSON with a headroom per component for the environment and summary asked for', async () => {
    // Act
    const { exitCode, out } = await capacity(['--trips-per-second', '50', '--env', 'dev', '--summary', summaryPath, '--json']);

    // Assess
    expect(exitCode).toBe(EXIT_CODES.ok);
    const report = JSON.parse(out) as {
      environment: string;
      tripsPerSecond: number;
      components: { kind: string; headroom: number }[];
      firstWall: { headroom: number };
    };
    expect(report).toMatchObject({ environment: 'dev', tripsPerSecond: 50 });
    expect(report.components.length).toBeGreaterThan(20);
    expect(report.firstWall.headroom).toBe(
      Math.min(...report.components.filter((component) => component.kind === 'rate').map((component) => component.headroom)),
    );
  });

  it.each([
    [[], /required option '--trips-per-second <n>'/],
    [['--trips-per-second', '0'], /expected a positive number of trips per second/],
    [['--trips-per-second', '-5'], /expected a positive number of trips per second/],
    [['--trips-per-second', 'fast'], /expected a positive number of trips per second/],
    [['--trips-per-second', '10', '--env', 'qa'], /'--env <env>' argument 'qa' is invalid/],
    [['--trips-per-second', '10', '--summary', 'MISSING'], /--summary: cannot read .*missing\.json/],
    [['--trips-per-second', '10', '--summary', 'NOT_A_SUMMARY'], /--summary: not a local run's summary\.json: trips_completed/],
  ])('exits 2 with a clear message for %j', async (args, message) => {
    // Prepare
    const notASummary = path.join(dir, 'other.json');
    await writeFile(notASummary, JSON.stringify({ rows: 3 }));
    const resolved = args.map((arg) => ({ MISSING: path.join(dir, 'missing.json'), NOT_A_SUMMARY: notASummary })[arg] ?? arg);

    // Act
    const { exitCode, err, out } = await capacity(resolved);

    // Assess
    expect(exitCode).toBe(EXIT_CODES.usage);
    expect(err).toMatch(message);
    expect(out).toBe('');
  });
});
