import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { computeDailyKpis, computeDimensionKpis } from '../../../kpi/duckdb-engine';
import { stagedTrip, stageFile } from '../../support/staged-trips';

const repositoryRoot = path.resolve(__dirname, '..', '..', '..');

/** `tripstream kpis …` (`npm run kpis -- …`) without npm: the same tsx entry point. */
function runKpisCli(args: string[]) {
  const result = spawnSync(
    process.execPath,
    [path.join(repositoryRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'bin/tripstream.ts', 'kpis', ...args],
    {
      cwd: repositoryRoot,
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
      encoding: 'utf8',
    },
  );
  return { status: result.status, stdout: result.stdout, stderrLines: result.stderr.split('\n').filter((line) => line.trim() !== '') };
}

/** One staged trip of 12.5 minutes in a local run's folder, and its KPIs computed the way the local run does. */
async function writeLocalRunKpis(runDir: string): Promise<void> {
  const trip = stagedTrip({
    trip_id: 't-1',
    pickup_datetime: '2024-05-24T10:00:00.000Z',
    dropoff_datetime: '2024-05-24T10:12:30.000Z',
    pickup_location_id: 1,
    dropoff_location_id: 2,
    vendor_id: 1,
    estimated_fare_amount: 9,
    trip_distance: 2.4,
    fare_amount: 9.5,
    tip_amount: null,
    completed_at: '2024-05-24T10:12:31.000Z',
  });
  await stageFile(path.join(runDir, 'staging'), '2024-05-24', 'batch.jsonl', [trip]);
  await computeDailyKpis({ stagedTripsDir: path.join(runDir, 'staging'), outputDir: path.join(runDir, 'daily-kpis') });
}

describe('tripstream kpis', () => {
  let runDir: string;

  beforeEach(async () => {
    runDir = await mkdtemp(path.join(tmpdir(), 'kpi-cli-'));
  });

  afterEach(async () => {
    await rm(runDir, { recursive: true, force: true });
  });

  it("prints the KPIs of a local run's output folder", async () => {
    // Prepare: one staged trip of 12.5 minutes, computed the way the local run does
    await writeLocalRunKpis(runDir);

    // Act
    const result = runKpisCli(['--from', '2024-05-23', '--to', '2024-05-25', '--local', runDir]);

    // Assess
    expect(result.status).toBe(0);
    expect(result.stdout.trimEnd().split('\n')[2]).toBe(
      '2024-05-24      1        9.50      9.50      9.50      9.50  0.00      2.40        12.50',
    );
  });

  it('prints the KPI rows as a JSON array with --json', async () => {
    // Prepare: one staged trip, computed the way the local run does
    await writeLocalRunKpis(runDir);

    // Act
    const result = runKpisCli(['--from', '2024-05-24', '--local', runDir, '--json']);

    // Assess
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([expect.objectContaining({ trip_date: '2024-05-24', trip_count: 1, total_fare: 9.5 })]);
  });

  it("prints one dimension's KPIs of a local run, a blank code as (blank)", async () => {
    // Prepare: two staged trips of vendor 1 and one with no vendor
    const trip = (tripId: string, vendorId: number | null, fare: number) =>
      stagedTrip({
        trip_id: tripId,
        pickup_datetime: '2024-05-24T10:00:00.000Z',
        dropoff_datetime: '2024-05-24T10:10:00.000Z',
        pickup_location_id: 1,
        dropoff_location_id: 2,
        vendor_id: vendorId,
        estimated_fare_amount: 9,
        trip_distance: 1,
        fare_amount: fare,
        tip_amount: null,
        completed_at: '2024-05-24T10:10:01.000Z',
      });
    await stageFile(path.join(runDir, 'staging'), '2024-05-24', 'batch.jsonl', [
      trip('t-1', 1, 4),
      trip('t-2', 1, 6),
      trip('t-3', null, 7.25),
    ]);
    await computeDimensionKpis({ stagedTripsDir: path.join(runDir, 'staging'), outputDir: path.join(runDir, 'daily-kpis-by-dimension') });

    // Act
    const result = runKpisCli(['--from', '2024-05-24', '--by', 'vendor_id', '--local', runDir]);

    // Assess
    expect(result.status).toBe(0);
    expect(result.stdout.trimEnd().split('\n')).toEqual([
      'date        vendor_id  trips  total fare  avg fare  tips  distance  avg minutes',
      '----------  ---------  -----  ----------  --------  ----  --------  -----------',
      '2024-05-24  (blank)        1        7.25      7.25  0.00      1.00        10.00',
      '2024-05-24  1              2       10.00      5.00  0.00      2.00        10.00',
    ]);
  });

  it('says so when there is nothing for the dates', async () => {
    // Prepare: a run that computed no KPIs
    await mkdir(path.join(runDir, 'daily-kpis'));

    // Act
    const result = runKpisCli(['--from', '2024-05-24', '--local', runDir]);

    // Assess
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe('No KPIs for 2024-05-24.');
  });

  it.each([
    [['--from', '2024-02-30', '--local', '.'], 'error: --from must be a real calendar date in YYYY-MM-DD form, got "2024-02-30"'],
    [['--to', '2024-05-24'], "error: required option '--from <YYYY-MM-DD>' not specified"],
    [['--from', '2024-05-24', '--verbose'], "error: unknown option '--verbose'"],
    [
      ['--from', '2024-05-24', '--by', 'driver'],
      'error: --by must be one of vendor_id, pickup_location_id, payment_type, pickup_hour, got "driver"',
    ],
  ])('rejects %j with one line on stderr and the usage exit code', (args, message) => {
    // Prepare: the arguments

    // Act
    const result = runKpisCli(args);

    // Assess
    expect(result.status).toBe(2);
    expect(result.stderrLines).toEqual([message]);
    expect(result.stdout).toBe('');
  });

  it('fails with exit code 3 when --local names a folder without KPIs, instead of reporting none', () => {
    // Act
    const result = runKpisCli(['--from', '2024-05-24', '--local', 'no-such-run']);

    // Assess
    expect(result.status).toBe(3);
    expect(result.stderrLines).toEqual([expect.stringMatching(/^error: .*no-such-run.*daily-kpis.* does not exist/)]);
  });
});
