/**
 * Stops a long-running command when the `npm run` / `npx` process that started it goes away. Killing that
 * wrapper (`kill <pid of npm>`) ends npm and its `sh -c`, but not the tsx and node processes below them: npm 11
 * passes the signal to its shell only, and the shell does not pass it on. So the command watches the processes
 * between itself and the wrapper, and treats the loss of any of them as a hang-up (Linux: /proc).
 */
import { readFileSync } from 'node:fs';

const WATCH_INTERVAL_MS = 500;

interface ProcessInfo {
  readonly ppid: number;
  readonly command: string;
}

function processInfo(pid: number): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces; the fields after it are space-separated.
    const afterName = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    return { ppid: Number(afterName[1]), command };
  } catch {
    return undefined;
  }
}

/** The pids from this process's parent up to the nearest npm or npx process, inclusive; empty when there is none. */
function wrapperChain(pid = process.pid): number[] {
  const chain: number[] = [];
  for (
    let current = processInfo(pid)?.ppid;
    current !== undefined && current > 1 && chain.length < 8;
    current = processInfo(current)?.ppid
  ) {
    const info = processInfo(current);
    if (info === undefined) return [];
    chain.push(current);
    if (/(^|[/\s])(npm|npx)(-cli\.js)?(\s|$)/.test(info.command) || /npm-cli\.js|npx-cli\.js/.test(info.command)) return chain;
  }
  return [];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Calls `onGone` once, when a process of the wrapper chain has exited; returns a function that stops watching. */
export function watchWrapper(onGone: () => void): () => void {
  const chain = wrapperChain();
  if (chain.length === 0) return () => undefined;
  const timer = setInterval(() => {
    if (chain.every(alive)) return;
    clearInterval(timer);
    onGone();
  }, WATCH_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
