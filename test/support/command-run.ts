import type { Command } from 'commander';
import { EXIT_CODES, runCommand } from '../../bin/cli';

/** Runs a command built with a given stdout sink as the CLI would, and returns its exit code and output. */
export async function runBuiltCommand(
  build: (dependencies: { writeOut: (text: string) => void }) => Command,
  args: readonly string[],
): Promise<{ exitCode: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const program = build({ writeOut: (text) => (out += text) }).configureOutput({
    writeErr: (text) => (err += text),
    writeOut: (text) => (out += text),
  });
  process.exitCode = undefined;
  await runCommand(program, ['node', program.name(), ...args]);
  const exitCode = Number(process.exitCode ?? EXIT_CODES.ok);
  process.exitCode = undefined;
  return { exitCode, out, err };
}
