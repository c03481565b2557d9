/**
 * The README's promises about the commands a newcomer runs first: `npm run local` with no input files, the
 * same run against an endpoint given in AWS_ENDPOINT_URL_<SERVICE> instead of the embedded emulator, and
 * `npm run generate`.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localSettings, resourceNames } from '../../lib/config';
import type { RunSummary } from '../../local/run/run';
import { type GeneratedSample, SAMPLE_FILE_NAMES } from '../../tools/sample-generator';
import { emulatorKinesisClient, type RunningKinesis, readWholeStream, startKinesalite } from '../support/kinesalite';
import { LOCAL_RUN_TIMEOUT_MS, readKpiFiles, runLocalCli, runSample, type SampleRun, sampleOptions } from '../support/local-run';

jest.setTimeout(LOCAL_RUN_TIMEOUT_MS);

const repositoryRoot = join(__dirname, '..', '..');

function runGenerateCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      join(repositoryRoot, 'node_modules', '.bin', 'tsx'),
      [join(repositoryRoot, 'bin', 'tripstream.ts'), 'generate', ...args],
      { cwd: repositoryRoot },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr }),
    );
  });
}

async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}

describe('npm run local with no input files', () => {
  it('generates a sample, runs it, and leaves KPIs and a summary that match the sample’s ground truth', async () => {
    // Prepare
    const outDir = join(await mkdtemp(join(tmpdir(), 'tripstream-quickstart-')), 'out');

    // Act
    const cli = await runLocalCli(['--out', outDir]);

    // Assess
    expect(cli.stderr.split('\n').filter((line) => line.startsWith('error'))).toEqual([]);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain('Daily KPIs');
    const expected = await readJson<GeneratedSample['expected']>(join(outDir, 'sample', SAMPLE_FILE_NAMES.expected));
    const summary = await readJson<RunSummary>(join(outDir, 'summary.json'));
    expect(summary.trips_completed).toBe(expected.completedTripIds.length);
    expect(summary.kpi_dates).toEqual(expected.kpiDates);
    const kpis = await readKpiFiles(join(outDir, 'daily-kpis'));
    expect(kpis.map((row) => [row.trip_date, row.trip_count])).toEqual(expected.dailyKpis.map((row) => [row.trip_date, row.trip_count]));
  });
});

describe('npm run local with AWS_ENDPOINT_URL_KINESIS set', () => {
  let kinesis: RunningKinesis;
  let run: SampleRun;

  beforeAll(async () => {
    kinesis = await startKinesalite();
    run = await runSample(sampleOptions({ trips: 60, seed: 'endpoint-override' }), [], { AWS_ENDPOINT_URL_KINESIS: kinesis.endpoint });
  });

  afterAll(async () => {
    await kinesis.stop();
  });

  it('uses that endpoint instead of starting its own Kinesis emulator', () => {
    // Assess
    expect(run.cli.stderr).toContain(`kinesis=external ${kinesis.endpoint}`);
  });

  it('sends every valid row to the streams at that endpoint', async () => {
    // Prepare
    const client = emulatorKinesisClient(kinesis.endpoint);
    const names = resourceNames(localSettings);

    // Act
    const starts = await readWholeStream(client, names.tripStartStream);
    const ends = await readWholeStream(client, names.tripEndStream);

    // Assess
    expect({ start: starts.length, end: ends.length }).toEqual(run.sample.expected.valid);
    expect(run.summary.trips_completed).toBe(run.sample.expected.completedTripIds.length);
  });
});

describe('npm run generate', () => {
  it('writes the two CSVs and their ground truth, the same files for the same seed', async () => {
    // Prepare
    const first = await mkdtemp(join(tmpdir(), 'tripstream-generate-'));
    const second = await mkdtemp(join(tmpdir(), 'tripstream-generate-'));

    // Act
    const runs = await Promise.all([first, second].map((dir) => runGenerateCli(['--out', dir, '--trips', '40', '--seed', 'same'])));

    // Assess
    expect(runs.map((result) => result.code)).toEqual([0, 0]);
    for (const name of Object.values(SAMPLE_FILE_NAMES)) {
      expect(await readFile(join(second, name), 'utf8')).toBe(await readFile(join(first, name), 'utf8'));
    }
    const expected = await readJson<GeneratedSample['expected']>(join(first, SAMPLE_FILE_NAMES.expected));
    const startLines = (await readFile(join(first, SAMPLE_FILE_NAMES.start), 'utf8')).split('\n').filter((line) => line !== '');
    expect(startLines[0]).toBe(
      'trip_id,pickup_location_id,dropoff_location_id,vendor_id,pickup_datetime,estimated_dropoff_datetime,estimated_fare_amount',
    );
    expect(startLines).toHaveLength(expected.rows.start + 1);
  });

  it('rejects a bad argument with one error line and the usage exit code', async () => {
    // Act
    const result = await runGenerateCli(['--out', tmpdir(), '--trips', 'many']);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: option '--trips <n>' argument 'many' is invalid/)]);
  });
});
