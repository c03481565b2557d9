/** `tripstream <subcommand> [options]` (`npx tripstream`, or `npm run <subcommand> --`): see `--help` and docs/cli.md. */
import { runCommand } from '../lib/cli';
import { tripstreamProgram } from './commands/program';

// Explicit exit: SDK keep-alive sockets and a local run's emulator timers must not hold a finished command open.
void runCommand(tripstreamProgram()).then(() => process.exit());
