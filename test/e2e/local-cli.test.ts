/** `npm run local` argument handling: a real process, no emulator started for bad arguments. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLocalCli } from '../support/local-run';

jest.setTimeout(60_000);

/** The lines the CLI itself wrote to stderr (Node may add its own multi-line notices). */
function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.startsWith('error'));
}

describe('npm run local arguments', () => {
  let csv: string;

  beforeAll(async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'tripstream-local-cli-'));
    csv = join(dir, 'trip_start.csv');
    await writeFile(csv, 'trip_id,pickup_datetime,estimated_fare_amount\n');
  });

  it('prints help and exits 0', async () => {
    // Act
    const run = await runLocalCli(['--help']);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--order <order>');
    expect(run.stdout).toContain('--out <dir>');
  });

  it.each([
    ['an unknown order', () => ['--start', csv, '--end', csv, '--order', 'random']],
    ['--start without --end', () => ['--start', csv]],
    ['a missing file', () => ['--start', csv, '--end', join(tmpdir(), 'no-such-trip_end.csv')]],
    ['an unknown option', () => ['--no-such-option', '4']],
  ])('rejects %s with a one-line error and a non-zero exit', async (_name, args) => {
    // Act
    const run = await runLocalCli(args());

    // Assess
    expect(run.code).not.toBe(0);
    expect(errorLines(run.stderr)).toHaveLength(1);
  });

  it.each([
    ['a rate of 1', '1', /rate a number in \[0, 1\)/],
    ['a rate that is not a number', 'often', /rate a number in \[0, 1\)/],
    ['a seed that is not an integer', '0.1:x', /seed "x" is not an integer/],
  ])('rejects --inject-faults with %s as a usage error (exit 2), naming the option', async (_name, value, message) => {
    // Act
    const run = await runLocalCli(['--inject-faults', value]);

    // Assess
    expect(run.code).toBe(2);
    expect(errorLines(run.stderr)).toEqual([expect.stringMatching(message)]);
    expect(errorLines(run.stderr)[0]).toContain('--inject-faults');
  });

  it('rejects a malformed TRIPSTREAM_LOCAL_FAULTS as a usage error (exit 2)', async () => {
    // Act
    const run = await runLocalCli(['--start', csv, '--end', csv], { TRIPSTREAM_LOCAL_FAULTS: 'start:trip-1' });

    // Assess
    expect(run.code).toBe(2);
    expect(errorLines(run.stderr)).toEqual([expect.stringContaining('TRIPSTREAM_LOCAL_FAULTS')]);
  });
});
