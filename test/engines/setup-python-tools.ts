/**
 * `npm test` sets up the Python tools the engine tests need (the engines project's global setup; also
 * `npm run setup:python`): the virtual environment `.venv` (or TRIPSTREAM_VENV) with requirements-dev.txt
 * installed, made on first use and installed again whenever requirements-dev.txt changes. A stamp in the venv
 * holds the SHA-256 of the requirements it was installed from, so an up-to-date venv costs one file read.
 *
 * When it cannot (no python3, no venv module, pip failing), it says why and what to install; the engine tests
 * then skip, or fail under CI=true (python-tools.ts).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPOSITORY_ROOT, VENV_DIR, venvExecutable } from '../support/python-tools';

const REQUIREMENTS = path.join(REPOSITORY_ROOT, 'requirements-dev.txt');
const STAMP = path.join(VENV_DIR, '.requirements-dev.sha256');
const DEBIAN_PACKAGES = 'Debian/Ubuntu: apt-get install python3 python3-venv';

export type PythonToolsSetup = { readonly ready: true; readonly installed: boolean } | { readonly ready: false; readonly reason: string };

function run(file: string, args: readonly string[]): { ok: boolean; output: string } {
  const result = spawnSync(file, args, { cwd: REPOSITORY_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.error !== undefined) return { ok: false, output: result.error.message };
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}`.trim() };
}

function lastLines(text: string, count = 5): string {
  return text.split('\n').slice(-count).join('\n');
}

/** The venv as requirements-dev.txt pins it: made or re-installed when needed, left alone otherwise. */
export function ensurePythonTools(log: (line: string) => void): PythonToolsSetup {
  const wanted = createHash('sha256').update(readFileSync(REQUIREMENTS)).digest('hex');
  const python = venvExecutable('python');
  if (existsSync(python) && existsSync(STAMP) && readFileSync(STAMP, 'utf8').trim() === wanted) return { ready: true, installed: false };

  if (!existsSync(python)) {
    // Checked first: without ensurepip, `python3 -m venv` leaves a venv without pip behind.
    const probe = run('python3', ['-c', 'import venv, ensurepip']);
    if (!probe.ok) {
      return {
        ready: false,
        reason: `python3 with its venv module is needed for the Python tools (${DEBIAN_PACKAGES}): ${lastLines(probe.output, 1)}`,
      };
    }
    log(`creating the virtual environment ${VENV_DIR} for the Python tools (once)`);
    const created = run('python3', ['-m', 'venv', VENV_DIR]);
    if (!created.ok)
      return { ready: false, reason: `python3 -m venv ${VENV_DIR} failed (${DEBIAN_PACKAGES}):\n${lastLines(created.output)}` };
  }
  log(`installing requirements-dev.txt into ${VENV_DIR} (PySpark, cfn-lint, moto; a few minutes the first time)`);
  const installed = run(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '--quiet', '-r', REQUIREMENTS]);
  if (!installed.ok)
    return { ready: false, reason: `pip install -r requirements-dev.txt into ${VENV_DIR} failed:\n${lastLines(installed.output)}` };
  writeFileSync(STAMP, `${wanted}\n`);
  const versions = run(python, [
    '-c',
    'import importlib.metadata as m; print(*(f"{p} {m.version(p)}" for p in ("pyspark", "cfn-lint", "moto")), sep=", ")',
  ]);
  log(`Python tools ready: ${versions.output}`);
  return { ready: true, installed: true };
}

/** The engines project's global setup. */
export default function setUpPythonTools(): void {
  const log = (line: string): void => {
    process.stderr.write(`[python tools] ${line}\n`);
  };
  const setup = ensurePythonTools(log);
  if (!setup.ready) log(`not set up: ${setup.reason}`);
}

if (require.main === module) {
  const setup = ensurePythonTools((line) => process.stdout.write(`${line}\n`));
  if (!setup.ready) {
    process.stderr.write(`${setup.reason}\n`);
    process.exitCode = 1;
  } else if (!setup.installed) {
    process.stdout.write(`${VENV_DIR} is up to date with requirements-dev.txt\n`);
  }
}
