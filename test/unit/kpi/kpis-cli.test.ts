import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { completedTripSchema } from '../../../lib/domain/trip-item';
import { computeDailyKpis, computeDimensionKpis } from '../../../lib/kpi/duckdb-engine';

const repositoryRoot = path.resolve(__dirname, '..', '..', '..');

/** `tripstream kpis …` (`npm run kpis -- …`) without npm: the same tsx entry point. */
function runKpisCli(args: string[]) {
  const result = spawnSync(process.execPath, [path.join(repositoryRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'bin/tripstream.ts', 'kpis', ...args], {
    cwd: repositoryRoot,
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderrLines: result.stderr.split('\n').filter((line) => line.trim() !== '') };
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
    const staged = path.join(runDir, 'staging', 'trip_date=2024-05-24');
    await mkdir(staged, { recursive: true });
    const trip = completedTripSchema.parse({
      trip_id: 't-1', trip_date: '2024-05-24', pickup_datetime: '2024-05-24T10:00:00.000Z', dropoff_datetime: '2024-05-24T10:12:30.000Z',
      estimated_dropoff_datetime: null, pickup_location_id: 1, dropoff_location_id: 2, vendor_id: 1, estimated_fare_amount: 9,
      rate_code: 1, passenger_count: 1, trip_distance: 2.4, fare_amount: 9.5, tip_amount: null, payment_type: 1, trip_type: 1,
      completed_at: '2024-05-24T10:12:31.000Z',
    });
    await writeFile(path.join(staged, 'batch.jsonl'), `${JSON.stringify(trip)}\n`);
    await computeDailyKpis({ stagedTripsDir: path.join(runDir, 'staging'), outputDir: path.join(runDir, 'daily-kpis') });

    // Act
    const result = runKpisCli(['--from', '2024-05-23', '--to', '2024-05-25', '--local', runDir]);

    // Assess
    expect(result.status).toBe(0);
    expect(result.stdout.trimEnd().split('\n')[2]).toBe('2024-05-24      1        9.50      9.50      9.50      9.50  0.00      2.40        12.50');
  });

  it('prints the KPI rows as a JSON array with --json', async () => {
    // Prepare: one staged trip, computed the way the local run does
    const staged = path.join(runDir, 'staging', 'trip_date=2024-05-24');
    await mkdir(staged, { recursive: true });
    const trip = completedTripSchema.parse({
      trip_id: 't-1', trip_date: '2024-05-24', pickup_datetime: '2024-05-24T10:00:00.000Z', dropoff_datetime: '2024-05-24T10:12:30.000Z',
      estimated_dropoff_datetime: null, pickup_location_id: 1, dropoff_location_id: 2, vendor_id: 1, estimated_fare_amount: 9,
      rate_code: 1, passenger_count: 1, trip_distance: 2.4, fare_amount: 9.5, tip_amount: null, payment_type: 1, trip_type: 1,
      completed_at: '2024-05-24T10:12:31.000Z',
    });
    await writeFile(path.join(staged, 'batch.jsonl'), `${JSON.stringify(trip)}\n`);
    await computeDailyKpis({ stagedTripsDir: path.join(runDir, 'staging'), outputDir: path.join(runDir, 'daily-kpis') });

    // Act
    const result = runKpisCli(['--from', '2024-05-24', '--local', runDir, '--json']);

    // Assess
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([expect.objectContaining({ trip_date: '2024-05-24', trip_count: 1, total_fare: 9.5 })]);
  });

  it("prints one dimension's KPIs of a local run, a blank code as (blank)", async () => {
    // Prepare: two staged trips of vendor 1 and one with no vendor
    const staged = path.join(runDir, 'staging', 'trip_date=2024-05-24');
    await mkdir(staged, { recursive: true });
    const trip = (tripId: string, vendorId: number | null, fare: number) =>
      completedTripSchema.parse({
        trip_id: tripId, trip_date: '2024-05-24', pickup_datetime: '2024-05-24T10:00:00.000Z', dropoff_datetime: '2024-05-24T10:10:00.000Z',
        estimated_dropoff_datetime: null, pickup_location_id: 1, dropoff_location_id: 2, vendor_id: vendorId, estimated_fare_amount: 9,
        rate_code: 1, passenger_count: 1, trip_distance: 1, fare_amount: fare, tip_amount: null, payment_type: 1, trip_type: 1,
        completed_at: '2024-05-24T10:10:01.000Z',
      });
    await writeFile(path.join(staged, 'batch.jsonl'), [trip('t-1', 1, 4), trip('t-2', 1, 6), trip('t-3', null, 7.25)].map((t) => `${JSON.stringify(t)}\n`).join(''));
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
    [['--from', '2024-05-24', '--by', 'driver'], 'error: --by must be one of vendor_id, pickup_location_id, payment_type, pickup_hour, got "driver"'],
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
