/**
 * How every command-line tool of the project ends: 0 on success (and for --help), 2 for wrong arguments,
 * 1 when the work itself failed, with each failure as one `error: ...` line on stderr. Scripts can tell a
 * typo from a broken run without parsing messages.
 */
import { CommanderError, type Command } from 'commander';

export const EXIT_CODES = { ok: 0, failed: 1, usage: 2 } as const;

export interface RunCommandOptions {
  /** Exit code when the work throws, for a tool whose other outcomes already use 1 (default EXIT_CODES.failed). */
  failedExitCode?: number;
}

/** Parses and runs a commander program. Argument errors raised with `program.error(...)` count as usage errors. */
export async function runCommand(program: Command, argv: readonly string[] = process.argv, options: RunCommandOptions = {}): Promise<void> {
  program.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has already printed its message (or the help text).
      process.exitCode = error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
      return;
    }
    console.error(`error: ${error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error)}`);
    process.exitCode = options.failedExitCode ?? EXIT_CODES.failed;
  }
}
