/**
 * The `cost` command: `--summary <out>/summary.json [--trips-per-month N] [--env dev|prod] [--json]`.
 * A summary that cannot be read, or is not a run's, is a wrong argument (exit 2, bin/cli.ts) like any other.
 */

import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { errorText } from '../../domain/error-text';
import { environments, isEnvironmentName } from '../../lib/config';
import { checkRunOutcome, READ_FAILED_RUN_FLAG } from '../../local/run/run-outcome';
import { formatCostReport, formatTrafficCost } from '../../planning/cost/format';
import { costReport } from '../../planning/cost/model';
import { type RunMeasurements, runMeasurementsOf } from '../../planning/cost/run-measurements';
import { costAtTraffic, TRAFFIC_LEVELS } from '../../planning/cost/traffic';
import { jsonText, positiveNumber, withVersionAndExitCodes } from '../cli';

export interface CostCommandDependencies {
  readonly writeOut: (text: string) => void;
}

/** A run's measurements from its summary.json, or an error saying why the file is not one. */
export async function readRunMeasurements(file: string): Promise<RunMeasurements> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${file}: ${errorText(error)}`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not JSON: ${errorText(error)}`, { cause: error });
  }
  return runMeasurementsOf(parsed);
}

export function buildCostProgram(dependencies: CostCommandDependencies = { writeOut: (text) => process.stdout.write(text) }): Command {
  const program: Command = new Command('cost')
    .description('Price a local run per 1M completed trips and per month, for a deployed environment (docs/cost.md).')
    .requiredOption('--summary <file>', "a local run's summary.json (npm run local -- --out <dir>)")
    .option(
      '--trips-per-month <n>',
      `the live feed the live case models (default: each of ${TRAFFIC_LEVELS.map((level) => level.toLocaleString('en-US')).join(', ')})`,
      positiveNumber({ whole: true, of: 'trips' }),
    )
    .addOption(
      new Option('--env <env>', 'the deployed environment whose settings are priced').choices(Object.keys(environments)).default('dev'),
    )
    .option('--json', 'print the report as JSON')
    .option(READ_FAILED_RUN_FLAG, "price a failed run's summary anyway (with a warning); refused without it")
    .showSuggestionAfterError(false)
    .action(async (options: { summary: string; tripsPerMonth?: number; env: string; json?: boolean; readFailedRun?: boolean }) => {
      const environment = options.env;
      // commander has checked the choices; this narrows the name for the settings lookup.
      if (!isEnvironmentName(environment)) throw new Error(`unknown environment ${environment}`);
      let run: RunMeasurements;
      try {
        checkRunOutcome(options.summary, options.readFailedRun === true, (line) => process.stderr.write(`${line}\n`));
        run = await readRunMeasurements(options.summary);
      } catch (error) {
        program.error(`error: --summary: ${errorText(error)}`);
      }
      const input = { run, settings: environments[environment], environment };
      if (options.tripsPerMonth === undefined) {
        const atTraffic = costAtTraffic(input);
        dependencies.writeOut(options.json === true ? jsonText(atTraffic) : formatTrafficCost(atTraffic));
        return;
      }
      const report = costReport({ ...input, tripsPerMonth: options.tripsPerMonth });
      dependencies.writeOut(options.json === true ? jsonText(report) : formatCostReport(report));
    });
  return withVersionAndExitCodes(program);
}

export function costCommand(): Command {
  return buildCostProgram({ writeOut: (text) => process.stdout.write(text) });
}
