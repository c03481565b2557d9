/**
 * The `capacity` command: `--trips-per-second <n> [--env dev|prod] [--summary <out>/summary.json] [--json]`.
 * Without `--summary` it reads the reference run committed beside the model (reference-run.json); a summary
 * that cannot be read, or is not a run's, is a wrong argument (exit 2, bin/cli.ts).
 */
import path from 'node:path';
import { Command, Option } from 'commander';
import { errorText } from '../../domain/error-text';
import { environments, isEnvironmentName } from '../../lib/config';
import { formatCapacityReport } from '../../planning/capacity/format';
import { capacityReport } from '../../planning/capacity/model';
import type { RunMeasurements } from '../../planning/cost/run-measurements';
import { jsonText, positiveNumber, withVersionAndExitCodes } from '../cli';
import { readRunMeasurements } from './cost';

/** A local run's measurements kept with the model, so the command answers without a run of one's own. */
export const REFERENCE_RUN = path.join(__dirname, '..', '..', 'planning', 'capacity', 'reference-run.json');

export interface CapacityCommandDependencies {
  readonly writeOut: (text: string) => void;
}

export function buildCapacityProgram(
  dependencies: CapacityCommandDependencies = { writeOut: (text) => process.stdout.write(text) },
): Command {
  const program: Command = new Command('capacity')
    .description('Load, AWS limit and headroom of every component at a sustained feed, for a deployed environment (docs/capacity.md).')
    .requiredOption('--trips-per-second <n>', 'the sustained feed to model', positiveNumber({ of: 'trips per second' }))
    .addOption(
      new Option('--env <env>', 'the deployed environment whose settings are modelled').choices(Object.keys(environments)).default('prod'),
    )
    .option('--summary <file>', "a local run's summary.json for the requests per trip (default: the reference run kept with the model)")
    .option('--json', 'print the report as JSON')
    .showSuggestionAfterError(false)
    .action(async (options: { tripsPerSecond: number; env: string; summary?: string; json?: boolean }) => {
      const environment = options.env;
      if (!isEnvironmentName(environment)) throw new Error(`unknown environment ${environment}`);
      let run: RunMeasurements;
      try {
        run = await readRunMeasurements(options.summary ?? REFERENCE_RUN);
      } catch (error) {
        program.error(`error: --summary: ${errorText(error)}`);
      }
      const report = capacityReport({ run, settings: environments[environment], environment, tripsPerSecond: options.tripsPerSecond });
      dependencies.writeOut(options.json === true ? jsonText(report) : formatCapacityReport(report));
    });
  return withVersionAndExitCodes(program);
}

export function capacityCommand(): Command {
  return buildCapacityProgram({ writeOut: (text) => process.stdout.write(text) });
}
