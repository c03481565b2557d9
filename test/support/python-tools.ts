/**
 * The Python tools of requirements-dev.txt (PySpark, moto), as the engine tests find them: in the virtual
 * environment `.venv/` at the repository root, or the one TRIPSTREAM_VENV names.
 *
 * The engines project's global setup installs them on first use (setup-python-tools.ts). If it could not (no
 * python3 or venv module), in CI (CI=true) a missing tool fails the tests that need it; on a developer's machine
 * those tests are skipped with the reason, so `npm test` still passes.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

export const REPOSITORY_ROOT = path.resolve(__dirname, '..', '..');

/** What sets up a virtual environment with the pinned tools (setup-python-tools.ts), as `npm test` does. */
export const PYTHON_TOOLS_SETUP = 'npm run setup:python';

export const VENV_DIR = path.resolve(REPOSITORY_ROOT, process.env.TRIPSTREAM_VENV ?? '.venv');

export type ToolCheck = { readonly available: true; readonly version: string } | { readonly available: false; readonly reason: string };

export function venvExecutable(name: string): string {
  return path.join(VENV_DIR, 'bin', name);
}

/** Whether the venv has `module` importable and `executable` installed; the module's version if so. */
export function checkPythonTool(module: string, executable: string): ToolCheck {
  const python = venvExecutable('python');
  if (!existsSync(python)) return { available: false, reason: `no virtual environment at ${VENV_DIR}` };
  if (!existsSync(venvExecutable(executable))) return { available: false, reason: `${venvExecutable(executable)} is not installed` };
  const probe = spawnSync(python, ['-c', `import ${module}, importlib.metadata as m; print(m.version(${JSON.stringify(module)}))`], {
    encoding: 'utf8',
  });
  if (probe.status !== 0)
    return { available: false, reason: `${module} cannot be imported: ${probe.stderr.trim().split('\n').pop() ?? ''}` };
  return { available: true, version: probe.stdout.trim() };
}

/** Python 3 itself, for what needs no package (spark/'s unit tests). */
export function checkSystemPython(): ToolCheck {
  const probe = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) return { available: false, reason: 'python3 is not on PATH' };
  return { available: true, version: probe.stdout.trim() };
}

const inCi = process.env.CI === 'true';

/**
 * `describe` when the tool is there or in CI (where a missing tool must fail, not skip); otherwise
 * `describe.skip` and a note saying how to get the tool.
 */
export function describeWithPythonTool(title: string, tool: ToolCheck, body: () => void): void {
  if (tool.available || inCi) {
    describe(title, () => {
      beforeAll(() => {
        if (!tool.available) {
          throw new Error(`${tool.reason}. CI must run these tests; install the Python tools with: ${PYTHON_TOOLS_SETUP}`);
        }
      });
      body();
    });
    return;
  }
  process.stderr.write(
    `\n[${title}] skipped: ${tool.reason}.\n  To run these tests: ${PYTHON_TOOLS_SETUP}\n  then run npm test again (npm run test:engines runs only the engine tests)\n\n`,
  );
  describe.skip(title, body);
}

export interface ProcessResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function runProcess(
  file: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<ProcessResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd: REPOSITORY_ROOT, env: options.env ?? process.env, maxBuffer: 64 * 1024 * 1024, timeout: options.timeoutMs },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr }),
    );
  });
}
