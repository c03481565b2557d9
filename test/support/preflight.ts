/**
 * An AWS account as preflight sees it, on aws-sdk-client-mock: `readyAccount()` answers every read the way a
 * bootstrapped account with room for the app does; a test then changes the one answer it is about.
 */
import { APIGatewayClient, GetAccountCommand } from '@aws-sdk/client-api-gateway';
import { AthenaClient, ListWorkGroupsCommand } from '@aws-sdk/client-athena';
import { CloudFormationClient, CloudFormationServiceException, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeTableCommand, DynamoDBClient, ResourceNotFoundException as TableNotFound } from '@aws-sdk/client-dynamodb';
import { EMRServerlessClient, ListApplicationsCommand } from '@aws-sdk/client-emr-serverless';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  DescribeLimitsCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  ResourceNotFoundException as StreamNotFound,
} from '@aws-sdk/client-kinesis';
import { GetAccountSettingsCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { HeadBucketCommand, NotFound, S3Client } from '@aws-sdk/client-s3';
import { GetQueueUrlCommand, QueueDoesNotExist, SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { requiredBootstrapVersion } from '../../ops/preflight/bootstrap';
import type { PreflightClients } from '../../ops/preflight/clients';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const API_GATEWAY_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/tripstream-account-ApiGatewayCloudWatchRole`;

/** A role trust policy as IAM returns it: URL-encoded JSON. */
export function trustPolicy(service: string): string {
  return encodeURIComponent(
    JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] }),
  );
}

/** GetRole's answer for API Gateway's CloudWatch role, trusting `service`. */
export function apiGatewayRole(service: string) {
  return {
    Role: {
      RoleName: 'x',
      Arn: API_GATEWAY_ROLE_ARN,
      Path: '/',
      RoleId: 'AROAEXAMPLE',
      CreateDate: new Date(0),
      AssumeRolePolicyDocument: trustPolicy(service),
    },
  };
}

/** An error as the SDK raises it for a service error without a modelled class. */
export function serviceError(name: string, message: string, httpStatusCode = 400): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode } });
}

export const accessDenied = (action: string) => serviceError('AccessDeniedException', `User is not authorized to perform: ${action}`, 403);

/** What Node raises when a host name does not resolve (a service without an endpoint in the region). */
export function unresolvedHost(host: string): Error {
  return Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
}

const metadata = { $metadata: {} };

export function missingStack(name: string): Error {
  return new CloudFormationServiceException({
    name: 'ValidationError',
    $fault: 'client',
    message: `Stack with id ${name} does not exist`,
    ...metadata,
  });
}

/** Every client preflight uses, mocked; created once per test file (the mocks replace each class's send). */
export function preflightMocks() {
  return {
    sts: mockClient(STSClient),
    ssm: mockClient(SSMClient),
    lambda: mockClient(LambdaClient),
    apiGateway: mockClient(APIGatewayClient),
    iam: mockClient(IAMClient),
    cloudFormation: mockClient(CloudFormationClient),
    kinesis: mockClient(KinesisClient),
    dynamodb: mockClient(DynamoDBClient),
    sqs: mockClient(SQSClient),
    s3: mockClient(S3Client),
    logs: mockClient(CloudWatchLogsClient),
    athena: mockClient(AthenaClient),
    emrServerless: mockClient(EMRServerlessClient),
  };
}

export type PreflightMocks = ReturnType<typeof preflightMocks>;

/** Clients in REGION; their requests go to the mocks. */
export function preflightClients(): PreflightClients {
  const options = { region: REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  return {
    sts: new STSClient(options),
    ssm: new SSMClient(options),
    lambda: new LambdaClient(options),
    apiGateway: new APIGatewayClient(options),
    iam: new IAMClient(options),
    cloudFormation: new CloudFormationClient(options),
    kinesis: new KinesisClient(options),
    dynamodb: new DynamoDBClient(options),
    sqs: new SQSClient(options),
    s3: new S3Client(options),
    logs: new CloudWatchLogsClient(options),
    athena: new AthenaClient(options),
    emrServerless: new EMRServerlessClient(options),
  };
}

/**
 * Bootstrapped at the version the app needs, the default concurrency quota, the API Gateway role set, none
 * of the app's stacks or resources there yet, room for its shards, EMR Serverless offered.
 */
export function readyAccount(mocks: PreflightMocks): void {
  for (const mock of Object.values(mocks)) mock.reset();
  mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:user/deployer`, UserId: 'AIDEXAMPLE' });
  mocks.ssm.on(GetParameterCommand).resolves({ Parameter: { Value: String(requiredBootstrapVersion()) } });
  mocks.lambda
    .on(GetAccountSettingsCommand)
    .resolves({ AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 1000 } });
  mocks.apiGateway.on(GetAccountCommand).resolves({ cloudwatchRoleArn: API_GATEWAY_ROLE_ARN });
  mocks.iam.on(GetRoleCommand).resolves(apiGatewayRole('apigateway.amazonaws.com'));
  mocks.cloudFormation
    .on(DescribeStacksCommand)
    .callsFake((input: { StackName?: string }) => Promise.reject(missingStack(input.StackName ?? '')));
  mocks.kinesis.on(DescribeStreamSummaryCommand).rejects(new StreamNotFound({ message: 'Stream not found', ...metadata }));
  mocks.kinesis
    .on(DescribeLimitsCommand)
    .resolves({ ShardLimit: 500, OpenShardCount: 0, OnDemandStreamCount: 0, OnDemandStreamCountLimit: 50 });
  mocks.dynamodb.on(DescribeTableCommand).rejects(new TableNotFound({ message: 'Requested resource not found', ...metadata }));
  mocks.sqs.on(GetQueueUrlCommand).rejects(new QueueDoesNotExist({ message: 'The specified queue does not exist.', ...metadata }));
  mocks.s3.on(HeadBucketCommand).rejects(new NotFound({ message: 'NotFound', $metadata: { httpStatusCode: 404 } }));
  mocks.logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [] });
  mocks.athena.on(ListWorkGroupsCommand).resolves({ WorkGroups: [{ Name: 'primary' }] });
  mocks.emrServerless.on(ListApplicationsCommand).resolves({ applications: [] });
}
