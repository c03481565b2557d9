/**
 * The customer-managed policies of the people and services around a deployment (docs/deployment.md, "Who
 * needs what"): attach one to a role, group or user and it may do that job and nothing more. Each lives in the
 * stack that owns its resources and is a stack output, so nobody writes these statements by hand.
 *
 * Every KMS statement is conditioned on kms:ViaService: the data key is only usable through the service that
 * holds the data (SQS for the queues, S3 for the bucket), never directly.
 */
import { Aws, CfnOutput, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { acknowledgeWildcardResource } from '../constructs/nag';

function viaServices(...services: readonly string[]): Record<string, Record<string, string[]>> {
  return { StringEquals: { 'kms:ViaService': services.map((service) => `${service}.${Aws.REGION}.amazonaws.com`) } };
}

/** Reading a stack's outputs, which the CLIs do to find their resources (`--stack`, `--env`). */
function describeStack(stack: Stack): iam.PolicyStatement {
  return new iam.PolicyStatement({ actions: ['cloudformation:DescribeStacks'], resources: [stack.stackId] });
}

function policy(scope: Construct, id: string, name: string, description: string, statements: iam.PolicyStatement[]): iam.ManagedPolicy {
  return new iam.ManagedPolicy(scope, id, { managedPolicyName: name, description, statements });
}

function output(scope: Construct, key: string, managedPolicy: iam.ManagedPolicy, description: string): void {
  new CfnOutput(scope, key, { key, value: managedPolicy.managedPolicyArn, description });
}

/** `npm run produce`: puts trip events on the two streams. */
export function producerPolicy(
  scope: Construct,
  props: { prefix: string; outputKey: string; streams: readonly kinesis.IStream[] },
): iam.ManagedPolicy {
  const managed = policy(scope, 'ProducerPolicy', `${props.prefix}-producer`, 'Put trip start and end events on the tripstream streams', [
    new iam.PolicyStatement({
      sid: 'PutTripEvents',
      // The producer checks each stream first (DescribeStreamSummary), then sends batches. The streams use the
      // AWS-managed aws/kinesis key, which every principal of the account may use through Kinesis: no KMS grant.
      actions: ['kinesis:PutRecords', 'kinesis:PutRecord', 'kinesis:DescribeStreamSummary', 'kinesis:ListShards'],
      resources: props.streams.map((stream) => stream.streamArn),
    }),
    describeStack(Stack.of(scope)),
  ]);
  output(scope, props.outputKey, managed, 'Managed policy of whoever runs the producer (npm run produce)');
  return managed;
}

/** `tripstream dlq list|show|redrive` and `tripstream replay --archive s3://.../raw/...`. */
export function operatorPolicy(
  scope: Construct,
  props: {
    prefix: string;
    outputKey: string;
    deadLetterQueue: sqs.IQueue;
    retryQueue: sqs.IQueue;
    streams: readonly kinesis.IStream[];
    bucket: s3.IBucket;
    key: kms.IKey;
    /** What the operator reads: the raw archive (replay) and the payloads of large dead letters. */
    readPrefixes: readonly string[];
  },
): iam.ManagedPolicy {
  const objects = props.readPrefixes.map((prefix) => props.bucket.arnForObjects(`${prefix}*`));
  const managed = policy(
    scope,
    'OperatorPolicy',
    `${props.prefix}-operator`,
    'Inspect and redrive the tripstream dead letters, replay the raw archive',
    [
      new iam.PolicyStatement({
        sid: 'InspectAndRemoveDeadLetters',
        actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes'],
        resources: [props.deadLetterQueue.queueArn],
      }),
      new iam.PolicyStatement({ sid: 'RedriveThroughTheRetryQueue', actions: ['sqs:SendMessage'], resources: [props.retryQueue.queueArn] }),
      new iam.PolicyStatement({
        sid: 'ReplayIntoTheStreams',
        actions: ['kinesis:PutRecords', 'kinesis:DescribeStreamSummary', 'kinesis:ListShards'],
        resources: props.streams.map((stream) => stream.streamArn),
      }),
      new iam.PolicyStatement({ sid: 'ReadArchiveAndLetterPayloads', actions: ['s3:GetObject'], resources: objects }),
      new iam.PolicyStatement({
        sid: 'ListArchiveAndLetterPayloads',
        actions: ['s3:ListBucket'],
        resources: [props.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': props.readPrefixes.flatMap((prefix) => [prefix, `${prefix}*`]) } },
      }),
      new iam.PolicyStatement({
        sid: 'DataKeyThroughSqsAndS3',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [props.key.keyArn],
        conditions: viaServices('sqs', 's3'),
      }),
      describeStack(Stack.of(scope)),
    ],
  );
  for (const resource of objects) {
    acknowledgeWildcardResource(
      managed,
      resource,
      'Replay reads archived objects by date folder and dlq show reads letter payloads by hash: names are not known in advance.',
    );
  }
  output(scope, props.outputKey, managed, 'Managed policy of operators: dead-letter inspection and redrive, raw archive replay');
  return managed;
}

/** `tripstream kpis --env ...` and the Athena console over the catalog, in the app's workgroup only. */
export function analystPolicy(
  scope: Construct,
  props: {
    prefix: string;
    outputKey: string;
    workGroupName: string;
    databaseName: string;
    tableNames: readonly string[];
    bucket: s3.IBucket;
    key: kms.IKey;
    readPrefixes: readonly string[];
    resultsPrefix: string;
  },
): iam.ManagedPolicy {
  const stack = Stack.of(scope);
  const readObjects = props.readPrefixes.map((prefix) => props.bucket.arnForObjects(`${prefix}*`));
  const results = props.bucket.arnForObjects(`${props.resultsPrefix}*`);
  const managed = policy(scope, 'AnalystPolicy', `${props.prefix}-analyst`, 'Query the tripstream KPIs with Athena, in its workgroup', [
    new iam.PolicyStatement({
      sid: 'QueryInTheWorkGroup',
      actions: [
        'athena:StartQueryExecution',
        'athena:GetQueryExecution',
        'athena:GetQueryResults',
        'athena:StopQueryExecution',
        'athena:GetWorkGroup',
        'athena:ListNamedQueries',
        'athena:GetNamedQuery',
      ],
      resources: [stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: props.workGroupName })],
    }),
    new iam.PolicyStatement({
      sid: 'ReadTheCatalog',
      actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions'],
      resources: [
        stack.formatArn({ service: 'glue', resource: 'catalog' }),
        stack.formatArn({ service: 'glue', resource: 'database', resourceName: props.databaseName }),
        ...props.tableNames.map((table) =>
          stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${props.databaseName}/${table}` }),
        ),
      ],
    }),
    new iam.PolicyStatement({ sid: 'ReadKpis', actions: ['s3:GetObject'], resources: readObjects }),
    new iam.PolicyStatement({
      sid: 'WriteAndReadQueryResults',
      actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
      resources: [results],
    }),
    new iam.PolicyStatement({
      sid: 'ListKpisAndResults',
      actions: ['s3:ListBucket', 's3:GetBucketLocation'],
      resources: [props.bucket.bucketArn],
    }),
    new iam.PolicyStatement({
      sid: 'DataKeyThroughS3',
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [props.key.keyArn],
      conditions: viaServices('s3'),
    }),
    describeStack(stack),
  ]);
  for (const resource of readObjects) {
    acknowledgeWildcardResource(
      managed,
      resource,
      'Athena reads every KPI file of the dates a query asks for; names are dates and Spark file names.',
    );
  }
  acknowledgeWildcardResource(managed, results, 'Athena names each query result object after its query execution id.');
  output(scope, props.outputKey, managed, 'Managed policy of analysts: Athena queries of the KPIs in the app workgroup');
  return managed;
}

/** Callers of the live metrics API (SigV4): GET on its metrics resources of the deployed stage. */
export function apiCallerPolicy(
  scope: Construct,
  props: { prefix: string; outputKey: string; invokeArns: readonly string[] },
): iam.ManagedPolicy {
  const managed = policy(scope, 'MetricsApiCallerPolicy', `${props.prefix}-metrics-api-caller`, 'Call the tripstream live metrics API', [
    new iam.PolicyStatement({ sid: 'InvokeMetricsApi', actions: ['execute-api:Invoke'], resources: [...props.invokeArns] }),
  ]);
  for (const resource of props.invokeArns) {
    acknowledgeWildcardResource(
      managed,
      resource,
      'The path parameters of GET metrics/{entity}/{id} are the wildcard; method and stage are fixed.',
    );
  }
  output(scope, props.outputKey, managed, 'Managed policy of callers of the live metrics API (execute-api:Invoke)');
  return managed;
}
