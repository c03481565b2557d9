/**
 * The opt-in, one-time, account-level stack: the API Gateway CloudWatch role of this account and region.
 *
 * API Gateway refuses a stage with access or execution logging ("CloudWatch Logs role ARN must be set in account
 * settings to enable logging") until the account's settings name a role it may log with. That setting is one
 * per account and region, shared by every API in it, so no app stack may own it: CDK's per-API role
 * (`cloudWatchRole: true`) is overwritten by the next stack that sets it and deleted with its own stack, which
 * breaks logging of every other API. This stack is deployed once, by an administrator, only where the account
 * has no role yet (`tripstream preflight` says so), and never by the app's deploys:
 *
 *   npx cdk deploy -c accountSetup=true tripstream-account
 */
import { Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { removalPolicy } from '../constructs/removal';

export const ACCOUNT_STACK_NAME = 'tripstream-account';
/** `-c accountSetup=true`: synthesize the account stack too. */
const ACCOUNT_SETUP_CONTEXT = 'accountSetup';
/** AWS's managed policy for exactly this role (API Gateway's developer guide). */
const PUSH_TO_CLOUDWATCH_POLICY = 'service-role/AmazonAPIGatewayPushToCloudWatchLogs';

export class AccountStack extends Stack {
  readonly cloudWatchRole: iam.Role;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, props);
    this.cloudWatchRole = new iam.Role(this, 'ApiGatewayCloudWatchRole', {
      description: 'Lets API Gateway write the access and execution logs of every REST API of this account and region',
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName(PUSH_TO_CLOUDWATCH_POLICY)],
    });
    const account = new apigateway.CfnAccount(this, 'ApiGatewayAccount', { cloudWatchRoleArn: this.cloudWatchRole.roleArn });
    // Other APIs of the account log through this role too: deleting the stack keeps both, so their logging
    // does not break; a failed first create removes them.
    this.cloudWatchRole.applyRemovalPolicy(removalPolicy(true));
    account.applyRemovalPolicy(removalPolicy(true));
    Validations.of(this.cloudWatchRole).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        'The AWS-managed policy API Gateway documents for its account logging role: log groups are created and named by ' +
        'API Gateway for any API of the account, so no narrower resource list exists, and AWS keeps the action list current.',
    });
  }
}

/** Whether `-c accountSetup=true` asks for the account stack; anything but true or false is an error. */
export function accountSetupRequested(context: (key: string) => unknown): boolean {
  const value = context(ACCOUNT_SETUP_CONTEXT);
  if (value === undefined || value === false || value === 'false') return false;
  if (value === true || value === 'true') return true;
  throw new Error(`context value "${ACCOUNT_SETUP_CONTEXT}" must be true or false, got ${JSON.stringify(value)}`);
}
