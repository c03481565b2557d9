import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRunFolder, RUN_LOCK, RUN_MANIFEST, RunFolderError } from '../../../../local/run/run-folder';

async function write(file: string, text: string): Promise<void> {
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(file, text);
}

/** A pid no process has: a child that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('the run folder', () => {
  let parent: string;
  let out: string;

  beforeEach(async () => {
    parent = await mkdtemp(join(tmpdir(), 'tripstream-run-folder-'));
    out = join(parent, 'out');
  });

  it('writes into a sibling and replaces exactly the previous run’s files on commit, keeping the user’s', async () => {
    // Prepare: a first run's outputs, and the user's own files beside and inside them
    const first = await openRunFolder(out);
    await write(join(first.staging, 'summary.json'), '{"run":1}');
    await write(join(first.staging, 'raw', 'trip-start', 'a.gz'), 'first');
    await first.commit([]);
    await first.release();
    await write(join(out, 'notes.txt'), 'mine');
    await write(join(out, 'raw', 'mine.txt'), 'mine too');
    const second = await openRunFolder(out);
    await write(join(second.staging, 'summary.json'), '{"run":2}');
    await write(join(second.staging, 'raw', 'trip-end', 'b.gz'), 'second');

    // Act
    await second.commit([]);
    await second.release();

    // Assess
    expect(second.staging.startsWith(`${out}.partial-`)).toBe(true);
    expect(existsSync(second.staging)).toBe(false);
    expect(await readFile(join(out, 'summary.json'), 'utf8')).toBe('{"run":2}');
    expect(existsSync(join(out, 'raw', 'trip-start', 'a.gz'))).toBe(false);
    expect(await readFile(join(out, 'raw', 'trip-end', 'b.gz'), 'utf8')).toBe('second');
    expect(await readFile(join(out, 'notes.txt'), 'utf8')).toBe('mine');
    expect(await readFile(join(out, 'raw', 'mine.txt'), 'utf8')).toBe('mine too');
    expect(JSON.parse(await readFile(join(out, RUN_MANIFEST), 'utf8'))).toEqual({ files: ['raw/trip-end/b.gz', 'summary.json'] });
    expect(existsSync(join(out, RUN_LOCK))).toBe(false);
  });

  it('keeps an input the run read from --out when the run writes no file of that name', async () => {
    // Prepare
    const first = await openRunFolder(out);
    await write(join(first.staging, 'sample', 'trip_start.csv'), 'start rows');
    await write(join(first.staging, 'dead-letters.jsonl'), 'old letters');
    await first.commit([]);
    await first.release();
    const second = await openRunFolder(out);
    await write(join(second.staging, 'dead-letters.jsonl'), 'new letters');

    // Act
    await second.commit([join(out, 'sample', 'trip_start.csv'), join(out, 'dead-letters.jsonl')]);

    // Assess
    expect(await readFile(join(out, 'sample', 'trip_start.csv'), 'utf8')).toBe('start rows');
    expect(await readFile(join(out, 'dead-letters.jsonl'), 'utf8')).toBe('new letters');
  });

  it('leaves --out untouched when the run is abandoned, with a summary saying it failed in the partial folder', async () => {
    // Prepare
    const first = await openRunFolder(out);
    await write(join(first.staging, 'summary.json'), '{"run":1}');
    await first.commit([]);
    await first.release();
    const failed = await openRunFolder(out);
    await write(join(failed.staging, 'daily-kpis', 'x.json'), 'partial');

    // Act
    const partial = await failed.abandon('the ledger does not balance');
    await failed.release();

    // Assess
    expect(await readFile(join(out, 'summary.json'), 'utf8')).toBe('{"run":1}');
    expect(await readdir(out)).toEqual([RUN_MANIFEST, 'summary.json'].sort());
    expect(JSON.parse(await readFile(join(partial, 'summary.json'), 'utf8'))).toEqual({
      outcome: { status: 'failed', reason: 'the ledger does not balance' },
    });
  });

  it('refuses a second run while the first one’s process lives, and takes over the lock of a dead one', async () => {
    // Prepare
    const first = await openRunFolder(out);

    // Act
    const refused = openRunFolder(out);

    // Assess
    await expect(refused).rejects.toThrow(
      new RunFolderError(`another local run (pid ${process.pid}) is writing to ${out}; wait for it or give this run another --out`),
    );
    await writeFile(join(out, RUN_LOCK), `${deadPid()}\n`);
    const takenOver = await openRunFolder(out);
    expect((await readFile(join(out, RUN_LOCK), 'utf8')).trim()).toBe(String(process.pid));
    await takenOver.release();
    await first.release();
  });

  it('refuses a folder holding run-output names no run wrote, before changing anything', async () => {
    // Prepare
    await write(join(out, 'raw', 'theirs.txt'), 'not a run’s');

    // Act
    const opened = openRunFolder(out);

    // Assess
    await expect(opened).rejects.toThrow(/already holds raw, which no local run wrote there/);
    expect(await readdir(out)).toEqual(['raw']);
    expect((await readdir(parent)).filter((name) => name.includes('.partial-'))).toEqual([]);
  });
});
