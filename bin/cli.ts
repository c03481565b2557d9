/**
 * What every `tripstream` subcommand shares: one exit-code table, the version, and how a program is run.
 * Each failure is one `error: ...` line on stderr, and the exit code tells a script what kind of outcome it
 * was without parsing messages (docs/cli.md).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { errorText } from '../domain/error-text';
import { type EnvironmentName, environments, isEnvironmentName, stackNames } from '../lib/config';

export const EXIT_CODES = {
  /** The work is done (rejected input rows are quarantined, not an error). */
  ok: 0,
  /** The command ran to its end, but part of the work was not done: the records or letters concerned are named on stderr and kept (unsent-records file, dead-letter queue). */
  incomplete: 1,
  /** Wrong arguments: nothing was done. */
  usage: 2,
  /** The command could not do its work: unreadable input, unknown stack, stream or folder, an AWS or emulator error, a run that did not drain or balance. */
  failed: 3,
} as const;

/** The table as printed at the end of every `--help`. */
export const EXIT_CODE_HELP = [
  '',
  'Exit codes (the same for every subcommand, docs/cli.md):',
  `  ${EXIT_CODES.ok}  done`,
  `  ${EXIT_CODES.incomplete}  ran to the end, but some records or letters were not handled (named on stderr, kept in a file or on the queue)`,
  `  ${EXIT_CODES.usage}  wrong arguments`,
  `  ${EXIT_CODES.failed}  could not do the work (unreadable input, unknown stack or stream, AWS or emulator error)`,
].join('\n');

let version: string | undefined;

/** The version of the project's package.json (the nearest one above this file, run from source or from dist/): what `--version` prints. */
function packageVersion(): string {
  for (let dir = __dirname; version === undefined; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      const manifest: unknown = JSON.parse(readFileSync(file, 'utf8'));
      const found = typeof manifest === 'object' && manifest !== null && 'version' in manifest ? manifest.version : undefined;
      if (typeof found !== 'string') throw new Error(`${file} has no version`);
      version = found;
    } else if (path.dirname(dir) === dir) throw new Error(`no package.json above ${__dirname}`);
  }
  return version;
}

/** `--env dev|prod`: which deployed environment's stacks a command talks to (dev when neither it nor --stack is given). */
export function environmentOption(): Option {
  return new Option('--env <env>', 'the deployed environment whose stacks to use (default: dev)').choices(Object.keys(environments));
}

export interface StackChoice {
  env?: string;
  stack?: string;
}

/**
 * The stack a command talks to: the one named by --stack, or the `role` stack of --env (dev by default).
 * Giving both is a usage error: they could name different environments.
 */
export function chosenStack(command: Command, choice: StackChoice, role: 'data' | 'analytics'): string {
  if (choice.env !== undefined && choice.stack !== undefined) command.error('error: give either --env or --stack, not both');
  if (choice.stack !== undefined) {
    if (choice.stack.trim() === '') command.error('error: --stack needs a stack name');
    return choice.stack;
  }
  const env: EnvironmentName = choice.env !== undefined && isEnvironmentName(choice.env) ? choice.env : 'dev';
  return stackNames(environments[env])[role];
}

export interface NumberArgument {
  /** A count: no fraction. */
  readonly whole?: boolean;
  /** What the number counts, for the message (`trips per second`). */
  readonly of?: string;
}

/**
 * The one commander parser of numeric arguments: a positive number, written in digits (`_` may group them:
 * 1_000_000), and whole when it counts something.
 */
export function positiveNumber(argument: NumberArgument = {}): (text: string) => number {
  const whole = argument.whole === true;
  const expected = `expected a positive ${whole ? 'whole number' : 'number'}${argument.of === undefined ? '' : ` of ${argument.of}`}.`;
  const digits = whole ? /^\d+(_\d+)*$/ : /^\d+(_\d+)*(\.\d+)?$/;
  return (text: string): number => {
    const trimmed = text.trim();
    const parsed = Number(trimmed.replaceAll('_', ''));
    if (!digits.test(trimmed) || parsed <= 0 || (whole ? !Number.isSafeInteger(parsed) : !Number.isFinite(parsed)))
      throw new InvalidArgumentError(expected);
    return parsed;
  };
}

/** A count of at least 1 (`--trips`, `--timeout`, `--concurrency`). */
export const positiveInteger = positiveNumber({ whole: true });

/** `--version` (package.json's) and the exit-code table at the end of `--help`: on the program and every subcommand. */
export function withVersionAndExitCodes(command: Command): Command {
  return command.version(packageVersion(), '-V, --version', 'print the version of tripstream').addHelpText('after', EXIT_CODE_HELP);
}

/** Prints a value as the one JSON document of stdout (what `--json` means everywhere). */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Thrown by a command that ran to its end with part of the work not done (exit code `incomplete`). */
export class IncompleteWorkError extends Error {
  override readonly name = 'IncompleteWorkError';
}

/** Subcommands added with addCommand keep their own settings: every command in the tree must throw, not exit. */
function throwInsteadOfExiting(command: Command): void {
  command.exitOverride();
  for (const subcommand of command.commands) throwInsteadOfExiting(subcommand);
}

/**
 * What to do when a command that talks to AWS finds no region or no credentials: the SDK's own message
 * ("Region is missing") does not say that the tools also work without an account.
 */
export function awsSetupHint(error: unknown): string {
  const name = error instanceof Error ? error.name : '';
  const message = errorText(error);
  const noRegion = /Region is missing/i.test(message);
  const noCredentials = name === 'CredentialsProviderError' || /Could not load credentials/i.test(message);
  if (!noRegion && !noCredentials) return '';
  return (
    ` (no AWS ${noRegion ? 'region' : 'credentials'}: to use a deployed stack set AWS_REGION (e.g. AWS_REGION=eu-west-1) and credentials (AWS_PROFILE or keys); ` +
    'without AWS, `kpis --local <out>` reads a local run, `produce --dry-run` checks the files, and `npm run local` runs the whole pipeline on this machine)'
  );
}

/**
 * Parses and runs a commander program. Argument errors raised with `command.error(...)` count as usage
 * errors, an IncompleteWorkError as incomplete work, anything else thrown as a failure.
 */
export async function runCommand(program: Command, argv: readonly string[] = process.argv): Promise<void> {
  throwInsteadOfExiting(program);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has already printed its message (or the help text, or the version).
      process.exitCode = error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
      return;
    }
    console.error(`error: ${errorText(error).split('\n')[0] ?? ''}${awsSetupHint(error)}`);
    process.exitCode = error instanceof IncompleteWorkError ? EXIT_CODES.incomplete : EXIT_CODES.failed;
  }
}
