/**
 * A local run a user can trust, end to end as real processes: inputs checked before anything changes, one run
 * at a time per --out, results moved into --out only when the run succeeds, a redrive from inside --out, a
 * record Kinesis acknowledged and did not keep failing the run by name, a failed run refused by the commands
 * that read its outputs, data quality reported beside unchanged KPIs.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import type { RunSummary } from '../../local/run/run';
import { RUN_LOCK } from '../../local/run/run-folder';
import { type GeneratedSample, generateSample, writeSampleFiles } from '../../tools/sample-generator';
import { type ForgetfulKinesis, startForgetfulKinesis } from '../support/forgetful-kinesis';
import { type RunningKinesis, startKinesalite } from '../support/kinesalite';
import { type CliRun, LOCAL_RUN_TIMEOUT_MS, runLocalCli, sampleOptions } from '../support/local-run';

jest.setTimeout(LOCAL_RUN_TIMEOUT_MS);

const repositoryRoot = join(__dirname, '..', '..');
const tsx = join(repositoryRoot, 'node_modules', '.bin', 'tsx');

function runTool(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      tsx,
      [join(repositoryRoot, 'bin', 'tripstream.ts'), ...args],
      {
        cwd: options.cwd ?? repositoryRoot,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr }),
    );
  });
}

function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.startsWith('error'));
}

/** Every file under `dir` with its content: what "untouched" is compared by. */
async function folderContents(dir: string, prefix = ''): Promise<Record<string, string>> {
  const contents: Record<string, string> = {};
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) Object.assign(contents, await folderContents(dir, relative));
    else contents[relative] = await readFile(join(dir, relative), 'utf8');
  }
  return contents;
}

async function readSummary(dir: string): Promise<RunSummary> {
  return JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8')) as RunSummary;
}

function partialFolderOf(stderr: string): string {
  const found = /Its partial outputs are in (\S+);/.exec(stderr)?.[1];
  if (found === undefined) throw new Error(`no partial folder named in:\n${stderr.slice(-2000)}`);
  return found;
}

/** The line of `csv` for `tripId` (its last field for ends, its first for starts), with `change` applied to its fields. */
function editRow(csv: string, tripId: string, kind: 'start' | 'end', change: (fields: string[]) => string[]): string {
  const lines = csv.split('\n');
  const index = lines.findIndex((line) => {
    const fields = line.split(',');
    return (kind === 'start' ? fields[0] : fields[fields.length - 1]) === tripId;
  });
  if (index < 0) throw new Error(`no ${kind} row for ${tripId}`);
  lines[index] = change((lines[index] ?? '').split(',')).join(',');
  return lines.join('\n');
}

describe('a local run’s inputs, checked before anything changes', () => {
  let work: string;
  let start: string;
  let end: string;
  let out: string;
  let before: Record<string, string>;

  beforeAll(async () => {
    // Prepare: an earlier run's results (its manifest, summary and raw archive) and a file of the user's
    work = await mkdtemp(join(tmpdir(), 'tripstream-trust-inputs-'));
    const files = await writeSampleFiles(generateSample(sampleOptions({ trips: 20 })), join(work, 'input'));
    ({ start, end } = files);
    out = join(work, 'out');
    await mkdir(join(out, 'raw', 'trip-start'), { recursive: true });
    await writeFile(join(out, 'summary.json'), '{"outcome":{"status":"succeeded"}}\n');
    await writeFile(join(out, 'raw', 'trip-start', 'earlier.gz'), 'earlier archive');
    await writeFile(join(out, '.tripstream-run.json'), '{"files":["raw/trip-start/earlier.gz","summary.json"]}\n');
    await writeFile(join(out, 'my-notes.txt'), 'mine');
    await writeFile(join(work, 'empty.csv'), '');
    await writeFile(join(work, 'wrong-header.csv'), 'id,when,fare\n1,2024-05-25 10:00,3\n');
    before = await folderContents(out);
  });

  it.each([
    ['a folder as --start', () => ['--start', join(work, 'input'), '--end', end], /--start .* is a folder, not a file/],
    ['an empty --end', () => ['--start', start, '--end', join(work, 'empty.csv')], /--end .*empty\.csv is empty/],
    [
      'a header without the required columns',
      () => ['--start', join(work, 'wrong-header.csv'), '--end', end],
      /--start .*wrong-header\.csv: .*trip_id/,
    ],
    ['swapped files', () => ['--start', end, '--end', start], /it has a trip_end header: --start and --end swapped\?/],
    [
      'a missing --redrive file',
      () => ['--start', start, '--end', end, '--redrive', join(work, 'none.jsonl')],
      /--redrive .*none\.jsonl: no such file/,
    ],
  ])('refuses %s with exit 2 before the emulators start, and leaves --out as it was', async (_name, args, message) => {
    // Act
    const run = await runLocalCli([...args(), '--out', out]);

    // Assess
    expect(run.code).toBe(2);
    expect(errorLines(run.stderr)).toEqual([expect.stringMatching(message)]);
    expect(run.stderr).not.toContain('emulators:');
    expect(await folderContents(out)).toEqual(before);
    expect((await readdir(work)).filter((name) => name.includes('.partial-'))).toEqual([]);
  });

  it('refuses a second run into an --out another live run holds, with exit 2', async () => {
    // Prepare: a live process holds the lock
    const holder: ChildProcess = spawn('sleep', ['60']);
    await writeFile(join(out, RUN_LOCK), `${holder.pid}\n`);

    // Act
    const run = await runLocalCli(['--start', start, '--end', end, '--out', out]);

    // Assess
    holder.kill();
    expect(run.code).toBe(2);
    expect(errorLines(run.stderr)).toEqual([
      `error: another local run (pid ${holder.pid}) is writing to ${out}; wait for it or give this run another --out`,
    ]);
    expect(run.stderr).not.toContain('emulators:');
    expect(await folderContents(out)).toEqual({ ...before, [RUN_LOCK]: `${holder.pid}\n` });
  });
});

describe('a local run, its redrive from inside --out, and a run that loses an acknowledged record', () => {
  const WITHHELD = 4;
  let work: string;
  let out: string;
  let files: Awaited<ReturnType<typeof writeSampleFiles>>;
  let sample: GeneratedSample;
  let mangled: { start: string; end: string };
  let outlierTrip: string;
  /** Completed trips with one start row and one end row, no conflict. */
  let plainTrips: string[];
  let first: CliRun;
  let firstSummary: RunSummary;

  beforeAll(async () => {
    // Prepare: withheld starts (their ends are orphans), a trip whose two IDs a spreadsheet rewrote differently,
    // one distance far outside its day; a stale lock of a process that is gone and a file of the user's in --out
    work = await mkdtemp(join(tmpdir(), 'tripstream-trust-run-'));
    const generated = generateSample({ ...sampleOptions({ trips: 160, seed: 'trust' }), withholdStarts: WITHHELD });
    plainTrips = generated.expected.completedTripIds.filter(
      (id) =>
        !generated.expected.conflictingIds.includes(id) &&
        generated.startCsv.split(id).length === 2 &&
        generated.endCsv.split(id).length === 2,
    );
    const [mangledTrip, farTrip] = plainTrips;
    if (mangledTrip === undefined || farTrip === undefined) throw new Error('the sample has too few plain trips');
    mangled = { start: '1.23E+10', end: '01228427e4' };
    outlierTrip = farTrip;
    sample = {
      ...generated,
      startCsv: editRow(generated.startCsv, mangledTrip, 'start', (fields) => [mangled.start, ...fields.slice(1)]),
      endCsv: editRow(
        editRow(generated.endCsv, mangledTrip, 'end', (fields) => [...fields.slice(0, -1), mangled.end]),
        farTrip,
        'end',
        (fields) => fields.map((field, index) => (index === 3 ? '91152.89' : field)),
      ),
    };
    files = await writeSampleFiles(sample, join(work, 'input'));
    out = join(work, 'out');
    await mkdir(out, { recursive: true });
    const gone = spawn('true');
    await new Promise((resolve) => gone.once('exit', resolve));
    await writeFile(join(out, RUN_LOCK), `${gone.pid}\n`);
    await writeFile(join(out, 'my-notes.txt'), 'mine');

    // Act
    first = await runLocalCli(['--start', files.start, '--end', files.end, '--out', out]);
    firstSummary = await readSummary(out);
  });

  it('takes over a dead run’s lock, succeeds, says so in summary.json, and keeps the user’s file', async () => {
    // Assess
    expect(first.code).toBe(0);
    expect(firstSummary.outcome).toEqual({ status: 'succeeded' });
    expect(firstSummary.ledger.balanced).toBe(true);
    expect(firstSummary.ledger.missing_from_stream).toEqual([]);
    expect(await readFile(join(out, 'my-notes.txt'), 'utf8')).toBe('mine');
    expect(existsSync(join(out, RUN_LOCK))).toBe(false);
    expect((await readdir(work)).filter((name) => name.includes('.partial-'))).toEqual([]);
  });

  it('names the mangled IDs and the far-out distance beside the KPIs, which still count them', async () => {
    // Prepare
    const quality = firstSummary.data_quality;

    // Act
    const independent = await new Promise<number | null>((resolve) => {
      const check = spawn(
        tsx,
        [join(repositoryRoot, 'tools', 'kpi-check.ts'), '--start', files.start, '--end', files.end, '--kpis', join(out, 'daily-kpis')],
        { stdio: 'ignore' },
      );
      check.once('exit', resolve);
    });

    // Assess
    expect(quality?.scientific_notation_ids).toEqual({ start: [mangled.start], end: [] });
    expect(quality?.mangled_id_pairs).toEqual([{ open_start: mangled.start, orphan_end: mangled.end, undone: 'exponent' }]);
    expect(quality?.outliers.map((outlier) => [outlier.trip_id, outlier.field, outlier.value])).toEqual([
      [outlierTrip, 'trip_distance', 91152.89],
    ]);
    expect(first.stderr).toContain(`1.23E+10 ~ 01228427e4`);
    expect(independent).toBe(0);
  });

  it('prints where the quarantine and the dead letters are, in plain words', () => {
    // Assess
    expect(first.stdout).toContain(`dead letters:       ${firstSummary.dead_lettered.total} trips`);
    expect(first.stdout).toContain(join(out, 'dead-letters.jsonl'));
    expect(first.stdout).toContain(join(out, 'quarantine'));
    expect(first.stdout).not.toContain('on-failure');
  });

  describe('then a redrive of <out>/dead-letters.jsonl with the withheld starts, into the same --out', () => {
    let redrive: CliRun;
    let summary: RunSummary;

    beforeAll(async () => {
      // Act
      const withheld = files.withheld ?? { start: '', end: '' };
      redrive = await runLocalCli([
        '--start',
        withheld.start,
        '--end',
        withheld.end,
        '--redrive',
        join(out, 'dead-letters.jsonl'),
        '--out',
        out,
      ]);
      summary = await readSummary(out);
    });

    it('completes the withheld trips and replaces the earlier results, keeping the user’s file', async () => {
      // Assess
      expect({ code: redrive.code, errors: errorLines(redrive.stderr) }).toEqual({ code: 0, errors: [] });
      expect(summary.redriven?.letters).toBe(firstSummary.dead_lettered.messages);
      expect(summary.trips_completed).toBe(WITHHELD);
      expect(summary.outcome).toEqual({ status: 'succeeded' });
      expect(await readFile(join(out, 'my-notes.txt'), 'utf8')).toBe('mine');
    });

    describe('then a run whose Kinesis acknowledges a start it does not keep', () => {
      let kinesalite: RunningKinesis;
      let forgetful: ForgetfulKinesis;
      let lost: CliRun;
      let forgottenTrip: string;
      let before: Record<string, string>;
      let partial: string;

      beforeAll(async () => {
        // Prepare
        before = await folderContents(out);
        kinesalite = await startKinesalite();
        forgottenTrip = plainTrips[2] ?? '';
        forgetful = await startForgetfulKinesis(kinesalite.endpoint, forgottenTrip);

        // Act
        lost = await runLocalCli(['--start', files.start, '--end', files.end, '--out', out], {
          AWS_ENDPOINT_URL_KINESIS: forgetful.endpoint,
        });
        partial = partialFolderOf(lost.stderr);
      });

      afterAll(async () => {
        await forgetful.stop();
        await kinesalite.stop();
      });

      it('fails with exit 3 and names the record Kinesis acknowledged and the stream does not hold', async () => {
        // Prepare
        const [forgotten] = forgetful.forgotten;

        // Assess
        expect(forgotten?.tripId).toBe(forgottenTrip);
        expect(lost.code).toBe(3);
        expect(errorLines(lost.stderr)).toEqual([
          expect.stringContaining(
            `1 records Kinesis acknowledged are not on the stream: start of trip ${forgottenTrip} (${forgotten?.shardId} ${forgotten?.sequenceNumber})`,
          ),
        ]);
        const failed = await readSummary(partial);
        expect(failed.outcome?.status).toBe('failed');
        expect(failed.ledger.missing_from_stream.map((record) => record.trip_id)).toEqual([forgottenTrip]);
      });

      it('leaves the previous results in --out', async () => {
        // Assess
        expect(await folderContents(out)).toEqual(before);
      });

      it('shows the failure on its report', async () => {
        // Prepare
        const browser = await chromium.launch({
          executablePath: '/usr/bin/chromium',
          args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
        });
        const page = await browser.newPage();

        // Act
        await page.goto(pathToFileURL(join(partial, 'report.html')).href);
        const banner = await page.locator('#outcome').textContent();
        const status = await page.locator('#outcome').getAttribute('data-status');
        await browser.close();

        // Assess
        expect(status).toBe('failed');
        expect(banner).toContain('This run FAILED');
        expect(banner).toContain(forgottenTrip);
      });

      it('is refused by kpis --local and cost --summary, and read with a warning when asked to', async () => {
        // Act
        const [kpis, kpisAnyway, cost, kpisOfGoodRun] = await Promise.all([
          runTool(['kpis', '--from', '2024-05-25', '--local', partial]),
          runTool(['kpis', '--from', '2024-05-25', '--local', partial, '--read-failed-run']),
          runTool(['cost', '--summary', join(partial, 'summary.json')]),
          runTool(['kpis', '--from', '2024-05-25', '--local', out]),
        ]);

        // Assess
        expect(kpis.code).not.toBe(0);
        expect(errorLines(kpis.stderr)).toEqual([expect.stringMatching(/summary of a failed run .*--read-failed-run/)]);
        expect(kpis.stdout).toBe('');
        expect(kpisAnyway.code).toBe(0);
        expect(kpisAnyway.stderr).toMatch(/^warning: .*failed run/m);
        expect(cost.code).not.toBe(0);
        expect(errorLines(cost.stderr)).toEqual([expect.stringMatching(/summary of a failed run/)]);
        expect(kpisOfGoodRun.code).toBe(0);
      });
    });
  });
});
