/**
 * The `tripstream` program: one command line over the project's tools, each a subcommand that parses and
 * validates its arguments and calls the library (producer/, local/, kpi, ops). docs/cli.md.
 */
import { Command } from 'commander';
import { withVersionAndExitCodes } from '../cli';
import { capacityCommand } from './capacity';
import { costCommand } from './cost';
import { dlqCommand } from './dlq';
import { generateCommand } from './generate';
import { kpisCommand } from './kpis';
import { localCommand } from './local';
import { preflightCommand } from './preflight';
import { produceCommand } from './produce';
import { replayCommand } from './replay';

export function tripstreamProgram(): Command {
  const program = new Command('tripstream')
    .description(
      'Real-time ride-hailing trip analytics: stream trip CSVs into the pipeline, run it on this machine, and operate the deployed one.\n' +
        'Every subcommand is also an npm script: `npm run <subcommand> -- [options]`.',
    )
    .addCommand(produceCommand().summary('stream trip_start.csv and trip_end.csv into the trip Kinesis streams'))
    .addCommand(localCommand().summary('run the whole pipeline on this machine on embedded emulators, then the KPI job'))
    .addCommand(generateCommand().summary('write a seeded sample in the real CSV layout, with its ground truth'))
    .addCommand(kpisCommand().summary('print the daily KPIs of a date range, from Athena or a local run'))
    .addCommand(dlqCommand().summary('inspect the dead-letter queue and redrive its letters'))
    .addCommand(replayCommand().summary('re-send archived records from the raw archive into the trip streams'))
    .addCommand(costCommand().summary("price a local run's measured requests per 1M trips and per month, for dev or prod"))
    .addCommand(preflightCommand().summary('check, read-only, that an account and region are ready for the first deploy of dev or prod'))
    .addCommand(capacityCommand().summary('load, AWS limit and headroom of every component at N trips/s, for dev or prod'))
    .showSuggestionAfterError(false);
  return withVersionAndExitCodes(program);
}
