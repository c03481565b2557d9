import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SPARK_SUBMIT_PARAMETERS } from '../../../kpi/job-run';
import { checkSystemPython, describeWithPythonTool } from '../../support/python-tools';

/** The job's pure helpers, with Python's unittest; the job itself runs on Spark in test/engines/spark-parity.test.ts. */
const repositoryRoot = path.resolve(__dirname, '..', '..', '..');

function runPython(args: string[], cacheDir: string) {
  // Byte code goes to a temporary folder, not into spark/.
  return spawnSync('python3', args, {
    cwd: repositoryRoot,
    env: { ...process.env, PYTHONPYCACHEPREFIX: cacheDir },
    encoding: 'utf8',
  });
}

describeWithPythonTool('spark/ (Python)', checkSystemPython(), () => {
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

  it('gets the same session settings from EMR Serverless as it sets itself, ANSI mode included', () => {
    // Prepare
    const script = 'import json, sys; sys.path.insert(0, "spark"); import daily_kpis_job as job; print(json.dumps(job.SESSION_SETTINGS))';

    // Act
    const result = runPython(['-c', script], cacheDir);
    const settings = JSON.parse(result.stdout) as Record<string, string>;

    // Assess
    expect(settings).toEqual(expect.objectContaining({ 'spark.sql.ansi.enabled': 'true', 'spark.sql.session.timeZone': 'UTC' }));
    for (const [key, value] of Object.entries(settings)) expect(SPARK_SUBMIT_PARAMETERS).toContain(`--conf ${key}=${value}`);
  });
});
