/**
 * The `tripstream` program in process: the subcommands it lists, the flags they share, `--version`
 * everywhere, and one exit-code table for wrong arguments. No command here reaches AWS or an emulator.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { EXIT_CODE_HELP, EXIT_CODES, runCommand } from '../../../bin/cli';
import { tripstreamProgram } from '../../../bin/commands/program';

const repositoryRoot = path.resolve(__dirname, '..', '..', '..');
const manifest = JSON.parse(readFileSync(path.join(repositoryRoot, 'package.json'), 'utf8')) as {
  version: string;
  bin: Record<string, string>;
  scripts: Record<string, string>;
};

const SUBCOMMANDS = ['produce', 'local', 'generate', 'kpis', 'dlq', 'replay', 'cost'] as const;

interface Outcome {
  code: number;
  out: string;
  err: string;
}

/** Runs the program as `tripstream <args>` would, capturing what it writes and its exit code. */
async function tripstream(...args: string[]): Promise<Outcome> {
  let out = '';
  let err = '';
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((err += String(chunk)), true));
  const consoleError = jest.spyOn(console, 'error').mockImplementation((text: string) => (err += `${text}\n`));
  process.exitCode = undefined;
  try {
    await runCommand(tripstreamProgram(), ['node', 'tripstream', ...args]);
    return { code: Number(process.exitCode ?? 0), out, err };
  } finally {
    process.exitCode = undefined;
    stdout.mockRestore();
    stderr.mockRestore();
    consoleError.mockRestore();
  }
}

function subcommand(program: Command, ...names: string[]): Command {
  let command = program;
  for (const name of names) {
    const found = command.commands.find((candidate) => candidate.name() === name);
    if (found === undefined) throw new Error(`no subcommand ${names.join(' ')}`);
    command = found;
  }
  return command;
}

function flagsOf(command: Command): string[] {
  return command.options.map((option) => option.long ?? option.flags);
}

describe('tripstream', () => {
  it('lists every subcommand and the exit-code table in --help, and exits 0', async () => {
    // Act
    const result = await tripstream('--help');

    // Assess
    expect(result.code).toBe(EXIT_CODES.ok);
    for (const name of SUBCOMMANDS) expect(result.out).toMatch(new RegExp(`^  ${name} `, 'm'));
    expect(result.out).toContain(EXIT_CODE_HELP.trim());
  });

  it('is the package bin, and every npm script of a subcommand is an alias of it', () => {
    // Assess
    expect(manifest.bin).toEqual({ tripstream: 'bin/tripstream.mjs' });
    for (const name of SUBCOMMANDS) expect(manifest.scripts[name]).toBe(`tsx bin/tripstream.ts ${name}`);
  });

  const versionedCommands: string[][] = [[], ...SUBCOMMANDS.map((name) => [name]), ['dlq', 'list'], ['dlq', 'show'], ['dlq', 'redrive']];
  it.each(versionedCommands.map((names) => [names]))('prints the package version for %j --version', async (names: string[]) => {
    // Act
    const result = await tripstream(...names, '--version');

    // Assess
    expect(result.code).toBe(EXIT_CODES.ok);
    expect(result.out).toBe(`${manifest.version}\n`);
  });

  it('prints the exit-code table at the end of every subcommand help', async () => {
    // Act
    const results = await Promise.all(
      [...SUBCOMMANDS.map((name) => [name]), ['dlq', 'list']].map((names) => tripstream(...names, '--help')),
    );

    // Assess
    for (const result of results) {
      expect(result.code).toBe(EXIT_CODES.ok);
      expect(result.out.trimEnd().endsWith(EXIT_CODE_HELP.trim())).toBe(true);
    }
  });

  it.each([
    [['produce'], ['--json', '--env', '--stack']],
    [['local'], ['--json', '--out', '--trips', '--seed']],
    [['generate'], ['--json', '--out', '--trips', '--seed', '--from', '--to']],
    [['kpis'], ['--json', '--env', '--stack', '--from', '--to']],
    [
      ['dlq', 'list'],
      ['--json', '--env', '--stack', '--from', '--to'],
    ],
    [
      ['dlq', 'show'],
      ['--json', '--env', '--stack', '--from', '--to'],
    ],
    [
      ['dlq', 'redrive'],
      ['--json', '--env', '--stack', '--from', '--to'],
    ],
    [['replay'], ['--json', '--env', '--stack', '--from', '--to']],
  ])('gives %j the shared flags %j', (names, flags) => {
    // Act
    const command = subcommand(tripstreamProgram(), ...names);

    // Assess
    expect(flagsOf(command)).toEqual(expect.arrayContaining(flags));
  });

  it('has one set of sample defaults for local and generate', () => {
    // Prepare
    const program = tripstreamProgram();
    const defaults = (command: Command) =>
      Object.fromEntries(
        command.options
          .filter((option) => ['--trips', '--seed'].includes(option.long ?? ''))
          .map((option) => [option.long, option.defaultValue]),
      );

    // Act
    const local = defaults(subcommand(program, 'local'));
    const generate = defaults(subcommand(program, 'generate'));

    // Assess
    expect(local).toEqual({ '--trips': 500, '--seed': '42' });
    expect(generate).toEqual(local);
  });

  it.each([
    ['an unknown subcommand', ['frobnicate'], "error: unknown command 'frobnicate'"],
    ['produce without --end', ['produce', '--start', 'trip_start.csv'], "error: required option '--end <file|s3-url>' not specified"],
    [
      'local with zero trips',
      ['local', '--trips', '0'],
      "error: option '--trips <n>' argument '0' is invalid. expected a positive whole number.",
    ],
    [
      'generate with a range that ends before it starts',
      ['generate', '--out', 'x', '--from', '2024-05-27', '--to', '2024-05-25'],
      'error: --to 2024-05-25 is before --from 2024-05-27',
    ],
    [
      'kpis with an unknown environment',
      ['kpis', '--from', '2024-05-24', '--env', 'staging'],
      "error: option '--env <env>' argument 'staging' is invalid. Allowed choices are dev, prod.",
    ],
    ['kpis with the old --date flag', ['kpis', '--from', '2024-05-24', '--date', '2024-05-24'], "error: unknown option '--date'"],
    [
      'dlq list with both --env and --stack',
      ['dlq', 'list', '--env', 'prod', '--stack', 'tripstream-prod-data'],
      'error: give either --env or --stack, not both',
    ],
    [
      'replay with the old --from-time flag',
      ['replay', '--archive', '.', '--from-time', '2024-05-25'],
      "error: unknown option '--from-time'",
    ],
  ])('rejects %s with one error line and exit code 2', async (_case, args, message) => {
    // Act
    const result = await tripstream(...args);

    // Assess
    expect(result.code).toBe(EXIT_CODES.usage);
    expect(result.err.split('\n').filter((line) => line !== '')).toEqual([message]);
    expect(result.out).toBe('');
  });

  it('rejects a replay time range that ends before it starts as a usage error', async () => {
    // Prepare
    const archive = await mkdtemp(path.join(tmpdir(), 'tripstream-program-'));

    // Act
    const result = await tripstream('replay', '--archive', archive, '--from', '2024-05-26', '--to', '2024-05-25', '--dry-run');

    // Assess
    expect(result.code).toBe(EXIT_CODES.usage);
    expect(result.err).toMatch(/^error: the time range is empty/);
  });
});
