/**
 * The commands as a user starts them, through `npm run` and `npx`: killing the npm process stops the whole
 * process tree (a `--serve` session, a run with DynamoDB Local's JVM), and relative paths resolve against
 * the folder the command was typed in.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_RUN_TIMEOUT_MS } from '../support/local-run';

jest.setTimeout(LOCAL_RUN_TIMEOUT_MS);

const repositoryRoot = join(__dirname, '..', '..');

/** Starts `npm <args>` as the leader of its own process group, so the test can see every process it started. */
function startNpm(
  args: string[],
  cwd = repositoryRoot,
  command: 'npm' | 'npx' = 'npm',
): { npm: ChildProcess; output: () => string; exited: Promise<number | null> } {
  let output = '';
  const npm = spawn(command, args, {
    cwd,
    detached: true,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  npm.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  npm.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => npm.once('exit', resolve));
  return { npm, output: () => output, exited };
}

async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = LOCAL_RUN_TIMEOUT_MS - 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Whether any process of the group led by `pgid` is left. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

async function killGroup(pgid: number): Promise<void> {
  if (groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
}

describe('killing the npm process that started a local run', () => {
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'tripstream-wrapper-'));
  });

  it('ends a --serve session and every process below npm', async () => {
    // Prepare
    const started = startNpm(['run', 'local', '--', '--trips', '30', '--out', join(work, 'serve'), '--serve', '0']);
    const pgid = started.npm.pid ?? 0;
    try {
      const url = await waitFor('the live page', () => /still serving (http:\/\/127\.0\.0\.1:\d+\/)/.exec(started.output())?.[1]);

      // Act
      started.npm.kill('SIGTERM');
      await started.exited;

      // Assess
      await waitFor('the process group to end', () => (groupAlive(pgid) ? undefined : true), 20_000);
      await expect(fetch(url)).rejects.toThrow();
    } finally {
      await killGroup(pgid);
    }
  });

  it('stops a run while DynamoDB Local runs, its Java process included, leaving the partial outputs named', async () => {
    // Prepare
    const started = startNpm(['run', 'local', '--', '--trips', '30', '--out', join(work, 'running')]);
    const pgid = started.npm.pid ?? 0;
    try {
      await waitFor('the emulators', () => (started.output().includes('emulators: dynamodb=DynamoDB Local') ? true : undefined));

      // Act
      started.npm.kill('SIGTERM');
      await started.exited;

      // Assess
      await waitFor('the process group to end', () => (groupAlive(pgid) ? undefined : true), 30_000);
      expect(started.output()).toMatch(/Its partial outputs are in \S+running\.partial-/);
      expect(existsSync(join(work, 'running', 'summary.json'))).toBe(false);
    } finally {
      await killGroup(pgid);
    }
  });
});

describe('relative paths', () => {
  const typedIn = join(repositoryRoot, '.local', 'typed-in-here');

  beforeAll(async () => {
    await rm(typedIn, { recursive: true, force: true });
    await mkdir(typedIn, { recursive: true });
  });

  it.each([
    ['npm run', 'npm', ['run', 'generate', '--', '--out', 'by-npm-run', '--trips', '20'], 'by-npm-run'],
    ['npx', 'npx', ['tripstream', 'generate', '--out', 'by-npx', '--trips', '20'], 'by-npx'],
  ] as const)('resolve against the folder the command was typed in under %s', async (_name, command, args, folder) => {
    // Act
    const started = startNpm([...args], typedIn, command);
    const code = await started.exited;

    // Assess
    expect({ code, output: code === 0 ? '' : started.output() }).toEqual({ code: 0, output: '' });
    expect(existsSync(join(typedIn, folder, 'trip_start.csv'))).toBe(true);
    expect(existsSync(join(repositoryRoot, folder))).toBe(false);
  });
});
