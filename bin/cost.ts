/**
 * `npm run cost -- --summary <out>/summary.json [--trips-per-month N] [--env dev|prod] [--json]`
 * What an environment costs per 1M completed trips and per month, from a local run's measured requests,
 * the environment's settings and the price table in lib/cost/prices.ts (docs/cost.md).
 */
import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { runCommand } from '../lib/cli';
import { environments, isEnvironmentName } from '../lib/config';
import { formatCostReport } from '../lib/cost/format';
import { costReport } from '../lib/cost/model';
import { runMeasurementsOf, type RunMeasurements } from '../lib/cost/run-measurements';

function positiveCount(value: string): number {
  const parsed = Number(value.replaceAll('_', ''));
  if (!/^[\d_]+$/.test(value) || !Number.isSafeInteger(parsed) || parsed <= 0) throw new InvalidArgumentError('expected a positive whole number of trips');
  return parsed;
}

async function readSummary(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`${file} is not JSON: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

const program: Command = new Command('cost')
  .description('Price a local run per 1M completed trips and per month, for a deployed environment.')
  .requiredOption('--summary <file>', "a local run's summary.json (npm run local -- --out <dir>)")
  .option('--trips-per-month <n>', 'the live feed the live case models', positiveCount, 1_000_000)
  .addOption(new Option('--env <name>', 'the environment whose settings are priced').choices(Object.keys(environments)).default('dev'))
  .option('--json', 'print the report as JSON')
  .showSuggestionAfterError(false)
  .action(async (options: { summary: string; tripsPerMonth: number; env: string; json?: boolean }) => {
    const environment = options.env;
    // commander has checked the choices; this narrows the name for the settings lookup.
    if (!isEnvironmentName(environment)) throw new Error(`unknown environment ${environment}`);
    let run: RunMeasurements;
    try {
      run = runMeasurementsOf(await readSummary(options.summary));
    } catch (error) {
      // A summary that cannot be read or is not one is a wrong argument, not a failed computation.
      program.error(`error: --summary: ${error instanceof Error ? error.message : String(error)}`);
    }
    const report = costReport({ run, settings: environments[environment], environment, tripsPerMonth: options.tripsPerMonth });
    process.stdout.write(options.json === true ? `${JSON.stringify(report, null, 2)}\n` : formatCostReport(report));
  });

void runCommand(program);
