/** `tripstream produce` (`npm run produce`) as a user runs it: a real process, real files, an emulator endpoint from the environment. */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { endCsv, endRowFields, startCsv, startRowFields } from '../support/csv';
import {
  createStream,
  EMULATOR_CREDENTIALS,
  EMULATOR_REGION,
  emulatorKinesisClient,
  type RunningKinesis,
  readWholeStream,
  startKinesalite,
} from '../support/kinesalite';

const repositoryRoot = join(__dirname, '..', '..');
const tsx = join(repositoryRoot, 'node_modules', '.bin', 'tsx');

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      tsx,
      [join(repositoryRoot, 'bin', 'tripstream.ts'), 'produce', ...args],
      // No AWS_* from the developer's shell: only what the test gives.
      { cwd: repositoryRoot, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr }),
    );
  });
}

/** stderr without Node's multi-line deprecation notices, which are not the CLI's output. */
function cliErrors(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.startsWith('error:'));
}

describe('produce CLI', () => {
  let kinesis: RunningKinesis;
  let client: KinesisClient;
  let workDir: string;
  let start: string;
  let end: string;
  let awsEnv: Record<string, string>;

  beforeAll(async () => {
    kinesis = await startKinesalite();
    client = emulatorKinesisClient(kinesis.endpoint);
    await createStream(client, 'cli-trip-start', 1);
    await createStream(client, 'cli-trip-end', 1);
    workDir = await mkdtemp(join(tmpdir(), 'producer-cli-'));
    start = join(workDir, 'trip_start.csv');
    end = join(workDir, 'trip_end.csv');
    await writeFile(
      start,
      startCsv([
        startRowFields({ trip_id: 'cli-1' }),
        startRowFields({ trip_id: 'cli-2' }),
        startRowFields({ trip_id: 'cli-bad', pickup_datetime: 'soon' }),
      ]),
    );
    await writeFile(end, endCsv([endRowFields({ trip_id: 'cli-1' })]));
    awsEnv = {
      AWS_ENDPOINT_URL_KINESIS: kinesis.endpoint,
      AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
      AWS_REGION: EMULATOR_REGION,
    };
  });

  afterAll(async () => {
    client.destroy();
    await kinesis.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  it('sends the valid rows, quarantines the rest, prints the summary and exits 0', async () => {
    // Prepare
    const quarantine = join(workDir, 'quarantine');
    const summaryFile = join(workDir, 'summary.json');

    // Act
    const run = await runCli(
      [
        '--start',
        start,
        '--end',
        end,
        '--start-stream',
        'cli-trip-start',
        '--end-stream',
        'cli-trip-end',
        '--quarantine',
        quarantine,
        '--summary-json',
        summaryFile,
      ],
      awsEnv,
    );

    // Assess
    expect(cliErrors(run.stderr)).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/quarantined\s+1\s+0\s+1/);
    const summary = JSON.parse(await readFile(summaryFile, 'utf8')) as { sent: unknown; quarantined: unknown };
    expect(summary).toMatchObject({
      rows: { start: 3, end: 1 },
      sent: { start: 2, end: 1 },
      quarantined: { start: 1, end: 0 },
      failed: { start: 0, end: 0 },
    });
    expect(await readdir(quarantine)).toEqual([expect.stringMatching(/^rejected-rows-.*\.jsonl$/)]);
    const startIds = (await readWholeStream(client, 'cli-trip-start')).map((data) => (JSON.parse(data) as { trip_id: string }).trip_id);
    expect(startIds.sort()).toEqual(['cli-1', 'cli-2']);
  }, 60_000);

  it('validates a dry run without any AWS configuration', async () => {
    // Act
    const run = await runCli(['--start', start, '--end', end, '--dry-run', '--quarantine', join(workDir, 'dry-quarantine')], {});

    // Assess
    expect(cliErrors(run.stderr)).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/rows read\s+3\s+1\s+4/);
  }, 60_000);

  it('exits 2 with a one-line error on wrong arguments', async () => {
    // Act
    const run = await runCli(['--start', start, '--end', end, '--order', 'sideways'], awsEnv);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual([
      "error: option '--order <order>' argument 'sideways' is invalid. Allowed choices are event-time, file, ends-first.",
    ]);
  }, 60_000);

  it('exits 3 with a one-line error when a stream does not exist', async () => {
    // Act
    const run = await runCli(
      [
        '--start',
        start,
        '--end',
        end,
        '--start-stream',
        'cli-trip-start',
        '--end-stream',
        'no-such-stream',
        '--quarantine',
        join(workDir, 'q3'),
      ],
      awsEnv,
    );

    // Assess
    expect(run.code).toBe(3);
    expect(cliErrors(run.stderr)).toEqual([expect.stringMatching(/^error: cannot use Kinesis stream no-such-stream: .*not found/)]);
  }, 60_000);
});
