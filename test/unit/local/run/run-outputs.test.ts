import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { clearRunOutputs } from '../../../../local/run/run-outputs';

describe('clearRunOutputs', () => {
  let outDir: string;

  beforeEach(async () => {
    outDir = await mkdtemp(path.join(tmpdir(), 'run-outputs-'));
  });

  afterEach(async () => {
    await rm(outDir, { recursive: true, force: true });
  });

  it('removes every output of an earlier run and nothing else the directory holds', async () => {
    // Prepare
    await writeFile(path.join(outDir, 'summary.json'), '{}');
    await writeFile(path.join(outDir, 'dead-letters.jsonl'), '');
    await writeFile(path.join(outDir, 'report.html'), '<html></html>');
    for (const directory of [
      'daily-kpis/trip_date=2024-05-25',
      'daily-kpis-by-dimension/trip_date=2024-05-25',
      'completed-trips/trip_date=2024-05-25',
      'raw/trip-start',
      'quarantine',
    ]) {
      await mkdir(path.join(outDir, directory), { recursive: true });
      await writeFile(path.join(outDir, directory, 'part.json'), '{}');
    }
    await writeFile(path.join(outDir, 'my-notes.txt'), 'keep me');
    await mkdir(path.join(outDir, 'daily-kpis-backup'));

    // Act
    await clearRunOutputs(outDir);

    // Assess
    expect((await readdir(outDir)).sort()).toEqual(['daily-kpis-backup', 'my-notes.txt']);
  });

  it('accepts a directory holding none of the outputs', async () => {
    // Prepare
    await writeFile(path.join(outDir, 'unrelated.csv'), 'a,b\n');

    // Act
    await clearRunOutputs(outDir);

    // Assess
    expect(await readdir(outDir)).toEqual(['unrelated.csv']);
  });
});
