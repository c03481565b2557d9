/**
 * The AWS limits the capacity model (model.ts) holds each component's load against, each with the page of
 * AWS's documentation that states it. Default quotas, not what an account may have raised or been given less of
 * (`tripstream preflight` checks the account's own Lambda concurrency).
 */
export interface LimitSource {
  readonly title: string;
  readonly url: string;
}

export interface AwsLimit {
  readonly value: number;
  readonly name: string;
  readonly source: LimitSource;
}

const KINESIS_QUOTAS: LimitSource = {
  title: 'Quotas and limits - Amazon Kinesis Data Streams',
  url: 'https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html',
};
const DYNAMODB_QUOTAS: LimitSource = {
  title: 'Service, account, and table quotas in Amazon DynamoDB',
  url: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html',
};
const DYNAMODB_STREAMS: LimitSource = {
  title: 'Change data capture for DynamoDB Streams - Amazon DynamoDB',
  url: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html',
};
const LAMBDA_QUOTAS: LimitSource = {
  title: 'Lambda quotas - AWS Lambda',
  url: 'https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html',
};
const SQS_QUOTAS: LimitSource = {
  title: 'Amazon SQS standard queue quotas',
  url: 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-queues.html',
};
const S3_PERFORMANCE: LimitSource = {
  title: 'Best practices design patterns: optimizing Amazon S3 performance',
  url: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html',
};

export const AWS_LIMITS = {
  kinesisShardWriteRecords: { value: 1_000, name: 'Kinesis shard write: 1,000 records/s', source: KINESIS_QUOTAS },
  kinesisShardWriteMb: { value: 1, name: 'Kinesis shard write: 1 MB/s', source: KINESIS_QUOTAS },
  kinesisShardReadMb: { value: 2, name: 'Kinesis shard read: 2 MB/s, shared by its readers', source: KINESIS_QUOTAS },
  kinesisShardReadTransactions: {
    value: 5,
    name: 'Kinesis shard read: 5 GetRecords transactions/s, shared by its readers',
    source: KINESIS_QUOTAS,
  },
  kinesisOnDemandStreamWriteRecords: {
    value: 4_000,
    name: "a new on-demand stream's write capacity: 4 MB/s or 4,000 records/s (it then scales with the peak)",
    source: KINESIS_QUOTAS,
  },
  kinesisOnDemandStreamWriteMb: { value: 4, name: "a new on-demand stream's write capacity: 4 MB/s", source: KINESIS_QUOTAS },
  dynamodbPartitionWriteUnits: {
    value: 1_000,
    name: 'DynamoDB partition (one item, and a partition key at this rate, lives in one): 1,000 write units/s',
    source: DYNAMODB_QUOTAS,
  },
  dynamodbOnDemandTableWriteUnits: {
    value: 40_000,
    name: 'DynamoDB on-demand table: 40,000 write request units/s (default table quota)',
    source: DYNAMODB_QUOTAS,
  },
  dynamodbStreamReadersPerShard: {
    value: 2,
    name: 'DynamoDB Streams: at most 2 processes reading one stream shard at a time',
    source: DYNAMODB_STREAMS,
  },
  lambdaConcurrentExecutions: { value: 1_000, name: 'Lambda concurrent executions per Region (default quota)', source: LAMBDA_QUOTAS },
  lambdaFunctionTimeoutSeconds: { value: 900, name: 'Lambda function timeout: at most 900 s', source: LAMBDA_QUOTAS },
  sqsInFlightMessages: { value: 120_000, name: 'SQS standard queue: 120,000 in-flight messages', source: SQS_QUOTAS },
  s3PutsPerPrefix: { value: 3_500, name: 'S3: 3,500 PUT requests/s per prefix', source: S3_PERFORMANCE },
} as const satisfies Record<string, AwsLimit>;

/** Limits the project sets itself (settings and stacks), each held against its load like AWS's. */
export const OWN_LIMIT_SOURCES = {
  settings: { title: 'tripstream settings (lib/config.ts)', url: 'lib/config.ts' },
  metricsApiStage: {
    title: "the metrics API stage's throttling (lib/stacks/live-metrics-stack.ts)",
    url: 'lib/stacks/live-metrics-stack.ts',
  },
  athenaWorkgroup: {
    title:
      "the Athena workgroup's bytes-scanned cutoff per query (settings.athena), see Athena's 'Using workgroups to control query access and costs'",
    url: 'https://docs.aws.amazon.com/athena/latest/ug/workgroups-manage-queries-control-costs.html',
  },
  emrServerlessJobTimeout: {
    title: "the KPI job run's execution timeout (settings.kpi.job), see EMR Serverless 'Job run timeout'",
    url: 'https://docs.aws.amazon.com/emr/latest/EMR-Serverless-UserGuide/job-run-timeout.html',
  },
  liveFreshness: {
    title: "the live metrics' freshness goal of docs/contracts.md §6b (LIVE_LATENCY_BUDGET_SECONDS, lib/config.ts)",
    url: 'lib/config.ts',
  },
  emrServerlessMaximumCapacity: {
    title: "the EMR Serverless application's maximum capacity (settings.kpi.maxCapacity), see 'Configuring an application'",
    url: 'https://docs.aws.amazon.com/emr/latest/EMR-Serverless-UserGuide/application-capacity.html',
  },
} as const satisfies Record<string, LimitSource>;
