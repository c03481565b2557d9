/**
 * The one `tripstream` command as a user runs it: `npx tripstream` through the package's bin, and the
 * subcommands whose output is data printing it as JSON with `--json` (one JSON document on stdout).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunSummary } from '../../local/run/run';
import type { GeneratedSample } from '../../tools/sample-generator';
import { endCsv, endRowFields, startCsv, startRowFields } from '../support/csv';
import { type CliRun, LOCAL_RUN_TIMEOUT_MS, runLocalCli } from '../support/local-run';

jest.setTimeout(LOCAL_RUN_TIMEOUT_MS);

const repositoryRoot = join(__dirname, '..', '..');
const tsx = join(repositoryRoot, 'node_modules', '.bin', 'tsx');

function run(file: string, args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      // No AWS_* from the developer's shell; npm offline: `npx` must find the command in this package, not download one.
      {
        cwd: repositoryRoot,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', npm_config_offline: 'true', ...env },
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr }),
    );
  });
}

const tripstream = (args: string[]) => run(tsx, [join(repositoryRoot, 'bin', 'tripstream.ts'), ...args]);

async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}

describe('npx tripstream', () => {
  it('runs the package bin and lists the subcommands', async () => {
    // Act
    const result = await run('npx', ['tripstream', '--help']);

    // Assess
    expect(result.code).toBe(0);
    for (const name of ['produce', 'local', 'generate', 'kpis', 'dlq', 'replay', 'cost', 'preflight'])
      expect(result.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    expect(result.stdout).toContain('Exit codes');
  });

  it("prints package.json's version through the bin, for the program and a subcommand", async () => {
    // Prepare
    const { version } = await readJson<{ version: string }>(join(repositoryRoot, 'package.json'));

    // Act
    const results = await Promise.all(
      [['--version'], ['kpis', '--version']].map((args) => run(process.execPath, [join(repositoryRoot, 'bin', 'tripstream.mjs'), ...args])),
    );

    // Assess
    expect(results.map((result) => [result.code, result.stdout])).toEqual([
      [0, `${version}\n`],
      [0, `${version}\n`],
    ]);
  });

  it('exits 2 through the bin on a wrong argument', async () => {
    // Act
    const result = await run(process.execPath, [
      join(repositoryRoot, 'bin', 'tripstream.mjs'),
      'kpis',
      '--from',
      '2024-05-24',
      '--env',
      'staging',
    ]);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n').filter((line) => line.startsWith('error'))).toEqual([
      "error: option '--env <env>' argument 'staging' is invalid. Allowed choices are dev, prod.",
    ]);
  });
});

describe('tripstream --json', () => {
  it('generate: the files written and the ground truth counts of expected.json', async () => {
    // Prepare
    const out = await mkdtemp(join(tmpdir(), 'tripstream-generate-json-'));

    // Act
    const result = await tripstream([
      'generate',
      '--out',
      out,
      '--trips',
      '40',
      '--seed',
      'json',
      '--from',
      '2024-05-25',
      '--to',
      '2024-05-26',
      '--json',
    ]);

    // Assess
    expect(result.code).toBe(0);
    const expected = await readJson<GeneratedSample['expected']>(join(out, 'expected.json'));
    expect(JSON.parse(result.stdout)).toEqual({
      files: { start: join(out, 'trip_start.csv'), end: join(out, 'trip_end.csv'), expected: join(out, 'expected.json') },
      rows: expected.rows,
      quarantined: expected.quarantined,
      trips_completed: expected.completedTripIds.length,
      kpi_dates: expected.kpiDates,
      dead_lettered: expected.deadLettered.total,
    });
    expect(expected.kpiDates.every((date) => date >= '2024-05-25' && date <= '2024-05-26')).toBe(true);
  });

  it('produce --dry-run: the summary, the same as --summary-json writes', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'tripstream-produce-json-'));
    const start = join(dir, 'trip_start.csv');
    const end = join(dir, 'trip_end.csv');
    await writeFile(
      start,
      startCsv([startRowFields({ trip_id: 'json-1' }), startRowFields({ trip_id: 'json-bad', pickup_datetime: 'soon' })]),
    );
    await writeFile(end, endCsv([endRowFields({ trip_id: 'json-1' })]));

    // Act
    const result = await tripstream([
      'produce',
      '--start',
      start,
      '--end',
      end,
      '--dry-run',
      '--quarantine',
      join(dir, 'q'),
      '--summary-json',
      join(dir, 'summary.json'),
      '--json',
    ]);

    // Assess
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(printed).toMatchObject({ rows: { start: 2, end: 1 }, quarantined: { start: 1, end: 0 }, sent: { start: 0, end: 0 } });
    expect(printed).toEqual(await readJson(join(dir, 'summary.json')));
  });

  it("local: the run's summary.json on stdout", async () => {
    // Prepare
    const out = join(await mkdtemp(join(tmpdir(), 'tripstream-local-json-')), 'out');

    // Act
    const result = await runLocalCli(['--out', out, '--trips', '30', '--seed', 'json', '--json']);

    // Assess
    expect(result.stderr.split('\n').filter((line) => line.startsWith('error'))).toEqual([]);
    expect(result.code).toBe(0);
    const summary = await readJson<RunSummary>(join(out, 'summary.json'));
    expect(JSON.parse(result.stdout)).toEqual(summary);
    expect(summary.trips_completed).toBeGreaterThan(0);
  });
});
