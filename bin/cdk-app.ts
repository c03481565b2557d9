/**
 * The CDK app: `npx cdk synth -c env=dev|prod [-c alertEmail=oncall@example.com] [-c accountSetup=true]` (dev by
 * default). `accountSetup` adds the one-time account stack (lib/stacks/account-stack.ts). Account and region come from the CLI's
 * CDK_DEFAULT_ACCOUNT / CDK_DEFAULT_REGION; without them the stacks are environment-agnostic.
 * cdk-nag's AwsSolutions pack runs as a validation plugin: any unacknowledged finding fails the synth.
 */
import { App, type Environment, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { errorText } from '../domain/error-text';
import { environments, isEnvironmentName } from '../lib/config';
import { ACCOUNT_STACK_NAME, AccountStack, accountSetupRequested } from '../lib/stacks/account-stack';
import { alertEmailFromContext } from '../lib/stacks/monitoring-stack';
import { addTripstreamStacks, environmentSynthesizer } from '../lib/stacks/tripstream-app';

const app = new App();
const requested: unknown = app.node.tryGetContext('env') ?? 'dev';
if (typeof requested !== 'string' || !isEnvironmentName(requested)) {
  console.error(`Unknown environment ${JSON.stringify(requested)}: use -c env=${Object.keys(environments).join('|')}`);
  process.exit(1);
}
const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;
const env: Environment | undefined = account && region ? { account, region } : undefined;

let alertEmail: string | undefined;
let accountSetup = false;
try {
  alertEmail = alertEmailFromContext((key) => app.node.tryGetContext(key));
  accountSetup = accountSetupRequested((key) => app.node.tryGetContext(key));
} catch (error) {
  console.error(errorText(error));
  process.exit(1);
}
const settings = environments[requested];
addTripstreamStacks(app, settings, env, alertEmail === undefined ? {} : { alertEmail });
if (accountSetup) {
  new AccountStack(app, ACCOUNT_STACK_NAME, {
    env,
    synthesizer: environmentSynthesizer(settings),
    description: 'tripstream, once per account and region: the API Gateway CloudWatch logging role of the account settings',
  });
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
