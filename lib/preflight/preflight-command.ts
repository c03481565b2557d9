/**
 * `tripstream preflight --env dev|prod [--json]`, built with its clients passed in so the unit tests drive
 * the real program against mocks. The report goes to stdout whatever the outcome; the exit code says it.
 */
import { Command, Option } from 'commander';
import { EXIT_CODES, jsonText, withVersionAndExitCodes } from '../cli';
import { environments, isEnvironmentName } from '../config';
import type { PreflightClients } from './clients';
import { formatPreflightReport } from './format';
import { runPreflight } from './preflight';

export interface PreflightCommandDependencies {
  readonly clients: () => PreflightClients;
  readonly writeOut: (text: string) => void;
  /** Where the exit code goes (process.exitCode in the CLI). */
  readonly setExitCode: (code: number) => void;
}

export function buildPreflightProgram(dependencies: PreflightCommandDependencies): Command {
  const program: Command = new Command('preflight')
    .description(
      'Check, read-only, that the account and region of your credentials are ready for the first deploy of an environment: ' +
        'credentials and region, CDK bootstrap, Lambda concurrency, the API Gateway CloudWatch role, leftovers of a failed create, ' +
        'Kinesis and EMR Serverless (docs/deployment.md). Exit 0 ready, 1 a check failed, 3 a check could not be made.',
    )
    .addOption(new Option('--env <env>', 'the environment to check for').choices(Object.keys(environments)).makeOptionMandatory())
    .option('--json', 'print the report as JSON')
    .allowExcessArguments(false)
    .showSuggestionAfterError(false)
    .action(async (options: { env: string; json?: boolean }) => {
      // commander has checked the choices; this narrows the name for the settings lookup.
      if (!isEnvironmentName(options.env)) throw new Error(`unknown environment ${options.env}`);
      const settings = environments[options.env];
      const report = await runPreflight(options.env, settings, dependencies.clients());
      dependencies.writeOut(options.json === true ? jsonText(report) : formatPreflightReport(report, settings));
      if (report.exitCode !== EXIT_CODES.ok) dependencies.setExitCode(report.exitCode);
    });
  return withVersionAndExitCodes(program);
}
