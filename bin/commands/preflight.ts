/**
 * `tripstream preflight --env dev|prod [--json]`, built with its clients passed in so the unit tests drive
 * the real program against mocks. The report goes to stdout whatever the outcome; the exit code says it.
 */

import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { AthenaClient } from '@aws-sdk/client-athena';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EMRServerlessClient } from '@aws-sdk/client-emr-serverless';
import { IAMClient } from '@aws-sdk/client-iam';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { Command, Option } from 'commander';
import { clientOptions, withRequestCounting } from '../../aws/clients';
import { environments, isEnvironmentName } from '../../lib/config';
import { type PreflightClients, readOnly } from '../../ops/preflight/clients';
import { formatPreflightReport } from '../../ops/preflight/format';
import { runPreflight } from '../../ops/preflight/preflight';
import { EXIT_CODES, jsonText, withVersionAndExitCodes } from '../cli';

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

function preflightClients(): PreflightClients {
  const guarded = <C extends { middlewareStack: { use(plugin: never): void; remove(toRemove: string): boolean } }>(client: C): C =>
    readOnly(withRequestCounting(client));
  return {
    sts: guarded(new STSClient({ ...clientOptions('sts') })),
    ssm: guarded(new SSMClient({ ...clientOptions('ssm') })),
    lambda: guarded(new LambdaClient({ ...clientOptions('lambda') })),
    apiGateway: guarded(new APIGatewayClient({ ...clientOptions('api_gateway') })),
    iam: guarded(new IAMClient({ ...clientOptions('iam') })),
    cloudFormation: guarded(new CloudFormationClient({ ...clientOptions('cloudformation') })),
    kinesis: guarded(new KinesisClient({ ...clientOptions('kinesis') })),
    dynamodb: guarded(new DynamoDBClient({ ...clientOptions('dynamodb') })),
    sqs: guarded(new SQSClient({ ...clientOptions('sqs') })),
    s3: guarded(new S3Client({ ...clientOptions('s3') })),
    logs: guarded(new CloudWatchLogsClient({ ...clientOptions('cloudwatch_logs') })),
    athena: guarded(new AthenaClient({ ...clientOptions('athena') })),
    emrServerless: guarded(new EMRServerlessClient({ ...clientOptions('emr_serverless') })),
  };
}

export function preflightCommand(): Command {
  return buildPreflightProgram({
    clients: preflightClients,
    writeOut: (text) => process.stdout.write(text),
    setExitCode: (code) => {
      process.exitCode = code;
    },
  });
}
