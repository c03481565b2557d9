import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** PySpark cannot run here: the job's pure helpers are tested with Python's unittest and the files must compile. */
const repositoryRoot = path.resolve(__dirname, '..', '..', '..');

function runPython(args: string[], cacheDir: string) {
  // Byte code goes to a temporary folder, not into spark/.
  return spawnSync('python3', args, {
    cwd: repositoryRoot,
    env: { ...process.env, PYTHONPYCACHEPREFIX: cacheDir },
    encoding: 'utf8',
  });
}

describe('spark/ (Python)', () => {
  let cacheDir: string;

  beforeEach(() => {
    cacheDir = mkdtempSync(path.join(tmpdir(), 'kpi-pycache-'));
  });

  afterEach(() => {
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('compiles every job file (python3 -m py_compile spark/*.py)', () => {
    // Prepare
    const jobFiles = readdirSync(path.join(repositoryRoot, 'spark'))
      .filter((name) => name.endsWith('.py'))
      .map((name) => path.join('spark', name));

    // Act
    const result = runPython(['-m', 'py_compile', ...jobFiles], cacheDir);

    // Assess
    expect(jobFiles).toContain(path.join('spark', 'daily_kpis_job.py'));
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  });

  it('passes its unittest suite (python3 -m unittest discover -s spark/tests)', () => {
    // Prepare
    const args = ['-m', 'unittest', 'discover', '-s', 'spark/tests'];

    // Act
    const result = runPython(args, cacheDir);

    // Assess
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/Ran [1-9]\d* tests?[\s\S]*\nOK/);
  });
});
