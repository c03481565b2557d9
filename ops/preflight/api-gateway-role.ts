/**
 * Check 4: API Gateway's account-level CloudWatch role, per region. The live-metrics stage writes access
 * logs, and API Gateway refuses a stage with logging ("CloudWatch Logs role ARN must be set in account
 * settings to enable logging") until the account names a role it can assume.
 */
import { type APIGatewayClient, GetAccountCommand } from '@aws-sdk/client-api-gateway';
import { GetRoleCommand, type IAMClient } from '@aws-sdk/client-iam';
import { type CheckResult, couldNotCheck, errorLine, errorName, type PreflightTarget } from './check';

export const API_GATEWAY_ROLE_CHECK = { id: 'api-gateway-cloudwatch-role', title: 'API Gateway CloudWatch role' } as const;
const { id: ID, title: TITLE } = API_GATEWAY_ROLE_CHECK;
const API_GATEWAY_PRINCIPAL = 'apigateway.amazonaws.com';

/** The one-time account stack that owns this role (docs/deployment.md); its name is kept here only. */
export const ACCOUNT_SETUP_COMMAND = 'npx cdk deploy -c accountSetup=true tripstream-account';

function fixFor(target: PreflightTarget): string {
  return (
    `Once per account and region, deploy the account stack: ${ACCOUNT_SETUP_COMMAND} (in ${target.region}); ` +
    `or by hand, a role trusted by ${API_GATEWAY_PRINCIPAL} with the managed policy AmazonAPIGatewayPushToCloudWatchLogs, then ` +
    `\`aws apigateway update-account --region ${target.region} --patch-operations op=replace,path=/cloudwatchRoleArn,value=<role-arn>\`.`
  );
}

interface PolicyStatement {
  Effect?: string;
  Action?: string | string[];
  Principal?: { Service?: string | string[] } | string;
}

const list = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Whether a role's trust policy (as IAM returns it, URL-encoded JSON) lets API Gateway assume it. */
function trustsApiGateway(encodedDocument: string): boolean {
  let document: { Statement?: PolicyStatement | PolicyStatement[] };
  try {
    document = JSON.parse(decodeURIComponent(encodedDocument)) as typeof document;
  } catch {
    return false;
  }
  const statements = document.Statement === undefined ? [] : Array.isArray(document.Statement) ? document.Statement : [document.Statement];
  return statements.some(
    (statement) =>
      statement.Effect === 'Allow' &&
      list(statement.Action).some((action) => ['sts:AssumeRole', 'sts:*', '*'].includes(action)) &&
      typeof statement.Principal === 'object' &&
      list(statement.Principal.Service).includes(API_GATEWAY_PRINCIPAL),
  );
}

export async function checkApiGatewayRole(apiGateway: APIGatewayClient, iam: IAMClient, target: PreflightTarget): Promise<CheckResult> {
  let roleArn: string | undefined;
  try {
    roleArn = (await apiGateway.send(new GetAccountCommand({}))).cloudwatchRoleArn;
  } catch (error) {
    return couldNotCheck(ID, TITLE, 'apigateway:GET /account', error);
  }
  if (roleArn === undefined || roleArn === '') {
    return {
      id: ID,
      title: TITLE,
      status: 'fail',
      detail: `API Gateway in ${target.region} has no CloudWatch role: the live-metrics stack's stage (access logging) would fail to create`,
      fix: fixFor(target),
    };
  }
  const roleName = roleArn.slice(roleArn.lastIndexOf('/') + 1);
  try {
    const document = (await iam.send(new GetRoleCommand({ RoleName: roleName }))).Role?.AssumeRolePolicyDocument ?? '';
    if (!trustsApiGateway(document)) {
      return {
        id: ID,
        title: TITLE,
        status: 'fail',
        detail: `${roleArn} is set, but its trust policy does not let ${API_GATEWAY_PRINCIPAL} assume it`,
        fix: fixFor(target),
      };
    }
    return { id: ID, title: TITLE, status: 'pass', detail: `${roleArn}, assumable by ${API_GATEWAY_PRINCIPAL}`, fix: '' };
  } catch (error) {
    if (errorName(error) === 'NoSuchEntity' || errorName(error) === 'NoSuchEntityException') {
      return { id: ID, title: TITLE, status: 'fail', detail: `${roleArn} is set, but the role does not exist`, fix: fixFor(target) };
    }
    // The account setting is what the deploy needs; the role behind it is checked when IAM lets us read it.
    return {
      id: ID,
      title: TITLE,
      status: 'pass',
      detail: `${roleArn} is set (the role itself could not be read: ${errorLine(error)})`,
      fix: '',
    };
  }
}
