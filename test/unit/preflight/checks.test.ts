import { GetAccountCommand } from '@aws-sdk/client-api-gateway';
import { ListWorkGroupsCommand } from '@aws-sdk/client-athena';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { ListApplicationsCommand } from '@aws-sdk/client-emr-serverless';
import { GetRoleCommand, NoSuchEntityException } from '@aws-sdk/client-iam';
import { DescribeLimitsCommand, DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import { GetAccountSettingsCommand } from '@aws-sdk/client-lambda';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { GetParameterCommand, ParameterNotFound } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { environments, type PipelineSettings, resourceNames, stackNames } from '../../../lib/config';
import { ACCOUNT_SETUP_COMMAND, checkApiGatewayRole } from '../../../ops/preflight/api-gateway-role';
import { concurrencyNeeded } from '../../../ops/preflight/app-needs';
import { checkBootstrap, requiredBootstrapVersion } from '../../../ops/preflight/bootstrap';
import type { PreflightTarget } from '../../../ops/preflight/check';
import { checkIdentity } from '../../../ops/preflight/identity';
import { checkLambdaConcurrency } from '../../../ops/preflight/lambda-concurrency';
import { checkLeftoverResources, checkStackStates, describeStackStates } from '../../../ops/preflight/leftovers';
import { checkEmrServerless, checkKinesisLimits } from '../../../ops/preflight/service-limits';
import {
  ACCOUNT,
  API_GATEWAY_ROLE_ARN,
  accessDenied,
  apiGatewayRole,
  preflightClients,
  preflightMocks,
  REGION,
  readyAccount,
  serviceError,
  unresolvedHost,
} from '../../support/preflight';

const mocks = preflightMocks();
const target: PreflightTarget = { account: ACCOUNT, region: REGION };
const dev = environments.dev;
const prod = environments.prod;

beforeEach(() => readyAccount(mocks));

describe('credentials and region', () => {
  it('passes with the account, the caller and the region', async () => {
    // Act
    const outcome = await checkIdentity(preflightClients().sts);

    // Assess
    expect(outcome.result.status).toBe('pass');
    expect(outcome.result.detail).toBe(`arn:aws:iam::${ACCOUNT}:user/deployer in account ${ACCOUNT}, region ${REGION}`);
    expect(outcome.target).toEqual(target);
  });

  it('fails without usable credentials, saying how to get them', async () => {
    // Prepare
    mocks.sts
      .on(GetCallerIdentityCommand)
      .rejects(serviceError('CredentialsProviderError', 'Could not load credentials from any providers'));

    // Act
    const outcome = await checkIdentity(preflightClients().sts);

    // Assess
    expect(outcome.target).toBeUndefined();
    expect(outcome.result).toMatchObject({
      status: 'fail',
      detail: 'no usable credentials: CredentialsProviderError: Could not load credentials from any providers',
    });
    expect(outcome.result.fix).toContain('aws sts get-caller-identity');
  });

  it('fails without a region, before any request', async () => {
    // Prepare: a client whose region provider finds nothing.
    const sts = new STSClient({ region: () => Promise.reject<string>(new Error('Region is missing')) });

    // Act
    const outcome = await checkIdentity(sts);

    // Assess
    expect(outcome.result).toMatchObject({ status: 'fail', detail: 'no region is set (Region is missing)' });
    expect(outcome.result.fix).toContain('AWS_REGION');
    expect(mocks.sts).not.toHaveReceivedCommand(GetCallerIdentityCommand);
  });

  it('could not check when STS does not answer', async () => {
    // Prepare
    mocks.sts
      .on(GetCallerIdentityCommand)
      .rejects(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), { code: 'ECONNREFUSED' }));

    // Act
    const outcome = await checkIdentity(preflightClients().sts);

    // Assess
    expect(outcome.result).toMatchObject({
      status: 'could-not-check',
      detail: `sts:GetCallerIdentity in ${REGION} failed: connect ECONNREFUSED 127.0.0.1:4566`,
    });
  });
});

describe('CDK bootstrap', () => {
  it("passes at the synthesizer's minimum version, reading the environment's qualifier", async () => {
    // Act
    const result = await checkBootstrap(preflightClients().ssm, prod, target);

    // Assess
    expect(result.status).toBe('pass');
    expect(mocks.ssm).toHaveReceivedCommandWith(GetParameterCommand, { Name: '/cdk-bootstrap/tsprod/version' });
  });

  it('takes the minimum from aws-cdk-lib: a whole number at least the modern synthesizer floor', () => {
    // Act
    const minimum = requiredBootstrapVersion();

    // Assess: CDK v2's default synthesizer has never accepted a bootstrap below version 6.
    expect(Number.isInteger(minimum)).toBe(true);
    expect(minimum).toBeGreaterThanOrEqual(6);
  });

  it('fails when the qualifier is not bootstrapped, with the bootstrap command for a non-default qualifier', async () => {
    // Prepare
    mocks.ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'Parameter not found', $metadata: {} }));

    // Act
    const result = await checkBootstrap(preflightClients().ssm, prod, target);

    // Assess
    expect(result.status).toBe('fail');
    expect(result.detail).toBe(
      `${ACCOUNT}/${REGION} is not bootstrapped with qualifier tsprod: no SSM parameter /cdk-bootstrap/tsprod/version`,
    );
    expect(result.fix).toContain(`npx cdk bootstrap aws://${ACCOUNT}/${REGION} --qualifier tsprod --toolkit-stack-name CDKToolkit-tsprod`);
  });

  it("names CDK's default qualifier for dev, in the default toolkit stack", async () => {
    // Prepare
    mocks.ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'Parameter not found', $metadata: {} }));

    // Act
    const result = await checkBootstrap(preflightClients().ssm, dev, target);

    // Assess
    expect(result.fix).toMatch(new RegExp(`^npx cdk bootstrap aws://${ACCOUNT}/${REGION} --qualifier hnb659fds \\(`));
  });

  it('fails an older bootstrap version', async () => {
    // Prepare
    const old = requiredBootstrapVersion() - 1;
    mocks.ssm.on(GetParameterCommand).resolves({ Parameter: { Value: String(old) } });

    // Act
    const result = await checkBootstrap(preflightClients().ssm, dev, target);

    // Assess
    expect(result).toMatchObject({
      status: 'fail',
      detail: `bootstrap version ${old}; the app needs ${requiredBootstrapVersion()} or later`,
    });
  });

  it('could not check when SSM refuses the read', async () => {
    // Prepare
    mocks.ssm.on(GetParameterCommand).rejects(accessDenied('ssm:GetParameter'));

    // Act
    const result = await checkBootstrap(preflightClients().ssm, dev, target);

    // Assess
    expect(result.status).toBe('could-not-check');
    expect(result.fix).toContain('ssm:GetParameter');
  });
});

describe('Lambda concurrency', () => {
  const settle = (quota: number, unreserved: number) =>
    mocks.lambda
      .on(GetAccountSettingsCommand)
      .resolves({ AccountLimit: { ConcurrentExecutions: quota, UnreservedConcurrentExecutions: unreserved } });

  it("passes when the unreserved concurrency covers the app's peak", async () => {
    // Act
    const result = await checkLambdaConcurrency(preflightClients().lambda, prod);

    // Assess
    expect(result.status).toBe('pass');
    expect(result.detail).toContain(`quota 1000, unreserved 1000; the app runs up to ${concurrencyNeeded(prod).total} at once at peak`);
    expect(result.detail).not.toContain('cannot reserve');
  });

  it('fails on a new account with a quota of 10, and says nothing can be reserved there', async () => {
    // Prepare
    settle(10, 10);

    // Act
    const result = await checkLambdaConcurrency(preflightClients().lambda, dev);

    // Assess
    expect(result.status).toBe('fail');
    expect(result.detail).toContain('This account cannot reserve any concurrency (AWS keeps 100 unreserved)');
    expect(result.fix).toContain('L-B99A9384');
  });

  it('passes at a quota of 50 when the peak fits, still saying nothing can be reserved', async () => {
    // Prepare
    settle(50, 50);

    // Act
    const result = await checkLambdaConcurrency(preflightClients().lambda, dev);

    // Assess
    expect(concurrencyNeeded(dev).total).toBeLessThanOrEqual(50);
    expect(result.status).toBe('pass');
    expect(result.detail).toContain('cannot reserve any concurrency');
  });

  it('fails when other functions have reserved what the app needs', async () => {
    // Prepare
    const need = concurrencyNeeded(prod).total;
    settle(1000, need - 1);

    // Act
    const result = await checkLambdaConcurrency(preflightClients().lambda, prod);

    // Assess
    expect(result.status).toBe('fail');
    expect(result.detail).toContain(`unreserved ${need - 1}`);
  });

  it('could not check when Lambda refuses the read', async () => {
    // Prepare
    mocks.lambda.on(GetAccountSettingsCommand).rejects(accessDenied('lambda:GetAccountSettings'));

    // Act
    const result = await checkLambdaConcurrency(preflightClients().lambda, dev);

    // Assess
    expect(result.status).toBe('could-not-check');
  });
});

describe('API Gateway CloudWatch role', () => {
  const check = () => {
    const clients = preflightClients();
    return checkApiGatewayRole(clients.apiGateway, clients.iam, target);
  };

  it('passes when the account names a role API Gateway can assume', async () => {
    // Act
    const result = await check();

    // Assess
    expect(result).toMatchObject({ status: 'pass', detail: `${API_GATEWAY_ROLE_ARN}, assumable by apigateway.amazonaws.com` });
    expect(mocks.iam).toHaveReceivedCommandWith(GetRoleCommand, { RoleName: 'tripstream-account-ApiGatewayCloudWatchRole' });
  });

  it('fails when no role is set, pointing at the account stack', async () => {
    // Prepare
    mocks.apiGateway.on(GetAccountCommand).resolves({});

    // Act
    const result = await check();

    // Assess
    expect(result.status).toBe('fail');
    expect(result.detail).toContain('has no CloudWatch role');
    expect(result.fix).toContain(ACCOUNT_SETUP_COMMAND);
    expect(result.fix).toContain('aws apigateway update-account');
  });

  it('fails when the role is gone', async () => {
    // Prepare
    mocks.iam.on(GetRoleCommand).rejects(new NoSuchEntityException({ message: 'The role cannot be found.', $metadata: {} }));

    // Act
    const result = await check();

    // Assess
    expect(result).toMatchObject({ status: 'fail', detail: `${API_GATEWAY_ROLE_ARN} is set, but the role does not exist` });
  });

  it('fails when the role does not trust API Gateway', async () => {
    // Prepare
    mocks.iam.on(GetRoleCommand).resolves(apiGatewayRole('lambda.amazonaws.com'));

    // Act
    const result = await check();

    // Assess
    expect(result.status).toBe('fail');
    expect(result.detail).toContain('does not let apigateway.amazonaws.com assume it');
  });

  it('passes on the account setting when IAM will not show the role, and says so', async () => {
    // Prepare
    mocks.iam.on(GetRoleCommand).rejects(accessDenied('iam:GetRole'));

    // Act
    const result = await check();

    // Assess
    expect(result.status).toBe('pass');
    expect(result.detail).toContain('the role itself could not be read');
  });

  it('could not check when API Gateway refuses the read', async () => {
    // Prepare
    mocks.apiGateway.on(GetAccountCommand).rejects(accessDenied('apigateway:GET'));

    // Act
    const result = await check();

    // Assess
    expect(result.status).toBe('could-not-check');
  });
});

describe("the environment's stacks", () => {
  const stacksIn = (states: Partial<Record<string, string>>) =>
    mocks.cloudFormation.on(DescribeStacksCommand).callsFake((input: { StackName?: string }) => {
      const status = states[input.StackName ?? ''];
      if (status === undefined)
        return Promise.reject(serviceError('ValidationError', `Stack with id ${input.StackName ?? ''} does not exist`));
      return Promise.resolve({ Stacks: [{ StackName: input.StackName, StackStatus: status, CreationTime: new Date(0) }] });
    });

  it('passes when no stack exists yet', async () => {
    // Act
    const result = checkStackStates(await describeStackStates(preflightClients().cloudFormation, dev));

    // Assess
    expect(result.status).toBe('pass');
    expect(result.detail).toContain('tripstream-dev-data absent');
  });

  it('fails a stack left in ROLLBACK_COMPLETE, with its delete command', async () => {
    // Prepare
    stacksIn({ 'tripstream-dev-data': 'CREATE_COMPLETE', 'tripstream-dev-live-metrics': 'ROLLBACK_COMPLETE' });

    // Act
    const result = checkStackStates(await describeStackStates(preflightClients().cloudFormation, dev));

    // Assess
    expect(result.status).toBe('fail');
    expect(result.detail).toMatch(/^tripstream-dev-live-metrics is ROLLBACK_COMPLETE/);
    expect(result.fix).toContain('aws cloudformation delete-stack --stack-name tripstream-dev-live-metrics');
  });

  it('fails a stack whose update rollback failed, with the command that continues it', async () => {
    // Prepare
    stacksIn({ 'tripstream-prod-pipeline': 'UPDATE_ROLLBACK_FAILED' });

    // Act
    const result = checkStackStates(await describeStackStates(preflightClients().cloudFormation, prod));

    // Assess
    expect(result.fix).toBe('aws cloudformation continue-update-rollback --stack-name tripstream-prod-pipeline');
  });

  it('fails while a deploy is under way, and passes a change set never executed', async () => {
    // Prepare
    stacksIn({ 'tripstream-dev-data': 'CREATE_IN_PROGRESS', 'tripstream-dev-pipeline': 'REVIEW_IN_PROGRESS' });

    // Act
    const result = checkStackStates(await describeStackStates(preflightClients().cloudFormation, dev));

    // Assess
    expect(result.status).toBe('fail');
    expect(result.fix).toBe('wait for tripstream-dev-data to leave CREATE_IN_PROGRESS');
  });

  it('could not check when CloudFormation refuses the read', async () => {
    // Prepare
    mocks.cloudFormation.on(DescribeStacksCommand).rejects(accessDenied('cloudformation:DescribeStacks'));

    // Act
    const result = checkStackStates(await describeStackStates(preflightClients().cloudFormation, dev));

    // Assess
    expect(result.status).toBe('could-not-check');
  });

  describe('leftovers with fixed names', () => {
    const check = async (settings: PipelineSettings) => {
      const clients = preflightClients();
      return checkLeftoverResources(clients, settings, target, await describeStackStates(clients.cloudFormation, settings));
    };

    it("passes when none of the app's fixed names exists", async () => {
      // Act
      const result = await check(prod);

      // Assess
      expect(result.status).toBe('pass');
      expect(mocks.dynamodb).toHaveReceivedCommandWith(DescribeTableCommand, { TableName: 'tripstream-prod-trips' });
      expect(mocks.s3).toHaveReceivedCommandWith(HeadBucketCommand, { Bucket: `tripstream-prod-data-${ACCOUNT}-${REGION}` });
      expect(mocks.athena).toHaveReceivedCommand(ListWorkGroupsCommand);
    });

    it('fails on what a failed create of prod retained, naming each with its delete command', async () => {
      // Prepare
      const names = resourceNames(prod);
      mocks.dynamodb
        .on(DescribeTableCommand, { TableName: names.tripsTable })
        .resolves({ Table: { TableName: names.tripsTable, DeletionProtectionEnabled: true } });
      const dlqUrl = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${names.deadLetterQueue}`;
      mocks.sqs.on(GetQueueUrlCommand, { QueueName: names.deadLetterQueue }).resolves({ QueueUrl: dlqUrl });
      mocks.logs.on(DescribeLogGroupsCommand, { logGroupNamePrefix: '/aws/lambda/tripstream-prod-start' }).resolves({
        logGroups: [{ logGroupName: '/aws/lambda/tripstream-prod-start' }, { logGroupName: '/aws/lambda/tripstream-prod-start-old' }],
      });
      mocks.logs
        .on(DescribeLogGroupsCommand, { logGroupNamePrefix: '/aws/lambda/tripstream-prod-end' })
        .resolves({ logGroups: [{ logGroupName: '/aws/lambda/tripstream-prod-end-old' }] });

      // Act
      const result = await check(prod);

      // Assess
      expect(result.status).toBe('fail');
      expect(result.detail).toContain(`dynamodb-table ${names.tripsTable} exists (tripstream-prod-data would fail: already exists)`);
      expect(result.detail).toContain('log-group /aws/lambda/tripstream-prod-start exists (tripstream-prod-pipeline would fail');
      expect(result.detail).not.toContain('tripstream-prod-end exists');
      expect(result.fix).toContain(
        `aws dynamodb update-table --table-name ${names.tripsTable} --no-deletion-protection-enabled && aws dynamodb delete-table --table-name ${names.tripsTable}`,
      );
      expect(result.fix).toContain(`aws sqs delete-queue --queue-url ${dlqUrl}`);
      expect(result.fix).toContain('aws logs delete-log-group --log-group-name /aws/lambda/tripstream-prod-start');
    });

    it("leaves a healthy stack's names alone, and checks those of a stack rolled back", async () => {
      // Prepare
      const stacks = stackNames(dev);
      mocks.cloudFormation
        .on(DescribeStacksCommand, { StackName: stacks.data })
        .resolves({ Stacks: [{ StackName: stacks.data, StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(0) }] });
      mocks.cloudFormation
        .on(DescribeStacksCommand, { StackName: stacks.pipeline })
        .resolves({ Stacks: [{ StackName: stacks.pipeline, StackStatus: 'ROLLBACK_COMPLETE', CreationTime: new Date(0) }] });
      mocks.kinesis.on(DescribeStreamSummaryCommand).resolves({});
      mocks.logs
        .on(DescribeLogGroupsCommand, { logGroupNamePrefix: '/aws/lambda/tripstream-dev-match' })
        .resolves({ logGroups: [{ logGroupName: '/aws/lambda/tripstream-dev-match' }] });

      // Act
      const result = await check(dev);

      // Assess
      expect(mocks.kinesis).not.toHaveReceivedCommand(DescribeStreamSummaryCommand);
      expect(result.status).toBe('fail');
      expect(result.detail).toBe('log-group /aws/lambda/tripstream-dev-match exists (tripstream-dev-pipeline would fail: already exists)');
    });

    it('fails when the data bucket name is taken by another account, without telling anyone to delete it', async () => {
      // Prepare
      mocks.s3.on(HeadBucketCommand).rejects(serviceError('403', 'Forbidden', 403));

      // Act
      const result = await check(dev);

      // Assess
      expect(result.status).toBe('fail');
      expect(result.detail).toContain(`s3-bucket tripstream-dev-data-${ACCOUNT}-${REGION} exists in another account`);
      expect(result.fix).toContain('choose another prefix');
    });

    it('fails when the data bucket exists in another region, with its delete command', async () => {
      // Prepare
      mocks.s3.on(HeadBucketCommand).rejects(serviceError('301', 'Moved Permanently', 301));

      // Act
      const result = await check(dev);

      // Assess
      expect(result.status).toBe('fail');
      expect(result.fix).toContain(`aws s3api delete-bucket --bucket tripstream-dev-data-${ACCOUNT}-${REGION}`);
    });

    it('could not check when a read is refused, naming what was not checked', async () => {
      // Prepare
      mocks.sqs.on(GetQueueUrlCommand).rejects(accessDenied('sqs:GetQueueUrl'));

      // Act
      const result = await check(dev);

      // Assess
      expect(result.status).toBe('could-not-check');
      expect(result.detail).toContain('not checked: tripstream-dev-retry');
      expect(result.fix).toContain('sqs:GetQueueUrl');
    });
  });
});

describe('Kinesis shard quota', () => {
  it("passes when the app's new shards fit", async () => {
    // Act
    const result = await checkKinesisLimits(preflightClients().kinesis, prod);

    // Assess
    expect(result).toMatchObject({
      status: 'pass',
      detail: `0 of 500 shards open; the app opens ${2 * prod.kinesis.shardCount} (2 streams x ${prod.kinesis.shardCount})`,
    });
  });

  it('fails when the open shards leave too little room', async () => {
    // Prepare
    mocks.kinesis.on(DescribeLimitsCommand).resolves({ ShardLimit: 200, OpenShardCount: 199 });

    // Act
    const result = await checkKinesisLimits(preflightClients().kinesis, prod);

    // Assess
    expect(result.status).toBe('fail');
    expect(result.fix).toContain('Service Quotas');
  });

  it('counts only the streams the deploy would create', async () => {
    // Prepare: both streams exist, so their shards are among the open ones.
    mocks.kinesis.on(DescribeStreamSummaryCommand).resolves({});
    mocks.kinesis.on(DescribeLimitsCommand).resolves({ ShardLimit: 4, OpenShardCount: 4 });

    // Act
    const result = await checkKinesisLimits(preflightClients().kinesis, prod);

    // Assess
    expect(result).toMatchObject({
      status: 'pass',
      detail: `4 of 4 shards open; the app opens 0 (0 streams x ${prod.kinesis.shardCount})`,
    });
  });

  it('checks the on-demand stream count for an on-demand environment', async () => {
    // Prepare
    const onDemand: PipelineSettings = { ...dev, kinesis: { ...dev.kinesis, capacityMode: 'ON_DEMAND' } };
    mocks.kinesis
      .on(DescribeLimitsCommand)
      .resolves({ ShardLimit: 500, OpenShardCount: 0, OnDemandStreamCount: 49, OnDemandStreamCountLimit: 50 });

    // Act
    const result = await checkKinesisLimits(preflightClients().kinesis, onDemand);

    // Assess
    expect(result).toMatchObject({
      status: 'fail',
      detail:
        '0 of 500 shards open; the app opens 8 (2 streams x 4, on-demand initial); 49 of 50 on-demand streams in use; the app creates 2',
    });
  });

  it("counts an on-demand stream's initial shards against the shard quota", async () => {
    // Prepare
    const onDemand: PipelineSettings = { ...dev, kinesis: { ...dev.kinesis, capacityMode: 'ON_DEMAND' } };
    mocks.kinesis
      .on(DescribeLimitsCommand)
      .resolves({ ShardLimit: 10, OpenShardCount: 3, OnDemandStreamCount: 0, OnDemandStreamCountLimit: 50 });

    // Act
    const result = await checkKinesisLimits(preflightClients().kinesis, onDemand);

    // Assess
    expect(result.status).toBe('fail');
    expect(result.detail).toContain('3 of 10 shards open; the app opens 8');
  });

  it('could not check when Kinesis refuses the read', async () => {
    // Prepare
    mocks.kinesis.on(DescribeLimitsCommand).rejects(accessDenied('kinesis:DescribeLimits'));

    // Act
    const result = await checkKinesisLimits(preflightClients().kinesis, dev);

    // Assess
    expect(result.status).toBe('could-not-check');
  });
});

describe('EMR Serverless in the region', () => {
  it('passes when it answers', async () => {
    // Act
    const result = await checkEmrServerless(preflightClients().emrServerless, target);

    // Assess
    expect(result.status).toBe('pass');
  });

  it('fails when the region has no EMR Serverless endpoint', async () => {
    // Prepare
    mocks.emrServerless.on(ListApplicationsCommand).rejects(unresolvedHost(`emr-serverless.${REGION}.amazonaws.com`));

    // Act
    const result = await checkEmrServerless(preflightClients().emrServerless, target);

    // Assess
    expect(result.status).toBe('fail');
    expect(result.detail).toContain('the analytics stack cannot be created there');
  });

  it('could not check when it refuses the read', async () => {
    // Prepare
    mocks.emrServerless.on(ListApplicationsCommand).rejects(accessDenied('emr-serverless:ListApplications'));

    // Act
    const result = await checkEmrServerless(preflightClients().emrServerless, target);

    // Assess
    expect(result.status).toBe('could-not-check');
  });
});
