/** `tripstream <subcommand> [options]` (`npx tripstream`, or `npm run <subcommand> --`): see `--help` and docs/cli.md. */
import { runCommand } from './cli';
import { tripstreamProgram } from './commands/program';
import { userDirectory } from './user-directory';

// Relative paths resolve against the folder the command was typed in, under `npm run` as under `npx`.
process.chdir(userDirectory(process.env, process.cwd()));

// Explicit exit: SDK keep-alive sockets and a local run's emulator timers must not hold a finished command open.
void runCommand(tripstreamProgram()).then(() => process.exit());
