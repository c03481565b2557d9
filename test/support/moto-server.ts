/**
 * moto's server (requirements-dev.txt) for the engine tests: started on a free loopback port, awaited until it
 * answers, and stopped by the test that started it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { venvExecutable } from './python-tools';

export interface MotoServer {
  readonly endpoint: string;
  readonly child: ChildProcess;
}

const MOTO_START_TIMEOUT_MS = 30_000;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/** Whether moto answers its own API; a fresh connection each time, so none is left open afterwards. */
function motoAnswers(endpoint: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = get(`${endpoint}/moto-api/`, { agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('error', () => resolve(false));
  });
}

export async function startMoto(): Promise<MotoServer> {
  const port = await freePort();
  const child = spawn(venvExecutable('moto_server'), ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + MOTO_START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with code ${child.exitCode}`);
    if (await motoAnswers(endpoint)) return { endpoint, child };
    if (Date.now() > deadline) throw new Error(`moto_server did not answer within ${MOTO_START_TIMEOUT_MS / 1000}s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Stops the server a test started (SIGTERM to its own child) and waits until it is gone. */
export async function stopMoto(server: MotoServer | undefined): Promise<void> {
  const child = server?.child;
  if (child === undefined || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}
