/**
 * The list prices the cost model (planning/cost/model.ts) multiplies by: on-demand list prices of us-east-1, in
 * USD, without free tiers (a free tier is the account's, shared with everything else in it) and without
 * savings plans or reserved capacity.
 *
 * Kept in the repository so that a cost figure can be reproduced and its inputs reviewed: when AWS changes a
 * price, change it here together with `compiledOn`, and re-run `npm run cost` / `npm run bench`.
 */
export interface PriceTable {
  readonly region: string;
  readonly currency: 'USD';
  /** The date the prices below were compiled from the pages in `sources`. */
  readonly compiledOn: string;
  readonly sources: Readonly<Record<PricedService, string>>;
  readonly hoursPerMonth: number;
  readonly kinesis: {
    readonly provisionedShardHour: number;
    /** Per 1M PUT payload units (25 KB each, a record rounded up), provisioned mode. */
    readonly provisionedPutPayloadUnitsPerMillion: number;
    /** Retention beyond 24 h and up to 7 days, per shard-hour (provisioned mode). */
    readonly provisionedExtendedRetentionShardHour: number;
    readonly onDemandStreamHour: number;
    /** Data in and data out, on-demand mode, per GB; records are rounded up to 1 KB. */
    readonly onDemandIngestPerGb: number;
    readonly onDemandRetrievalPerGb: number;
    /** Extended retention, on-demand mode, per GB-month stored beyond 24 h. */
    readonly onDemandExtendedRetentionPerGbMonth: number;
  };
  readonly dynamodb: {
    /** On-demand: per 1M write request units (1 KB each; transactional writes take two per KB). */
    readonly writeRequestUnitsPerMillion: number;
    /** On-demand: per 1M read request units (4 KB strongly consistent, two eventually consistent reads). */
    readonly readRequestUnitsPerMillion: number;
    readonly storagePerGbMonth: number;
  };
  readonly lambda: {
    readonly requestsPerMillion: number;
    /** arm64 (Graviton), first pricing tier. */
    readonly arm64PerGbSecond: number;
  };
  readonly sqs: {
    /** Standard queues, per 1M requests (each 64 KB chunk of a payload is a request). */
    readonly requestsPerMillion: number;
  };
  readonly s3: {
    readonly putPerThousand: number;
    readonly getPerThousand: number;
    readonly standardStoragePerGbMonth: number;
  };
  readonly firehose: {
    /** Ingestion per GB, first tier; each record is rounded up to `recordRoundingKb`. */
    readonly ingestPerGb: number;
    readonly recordRoundingKb: number;
  };
  readonly cloudwatch: {
    readonly standardAlarmMonth: number;
    readonly dashboardMonth: number;
    readonly customMetricMonth: number;
    readonly logsIngestPerGb: number;
  };
  readonly kms: {
    readonly customerManagedKeyMonth: number;
    readonly requestsPerTenThousand: number;
  };
  readonly emrServerless: {
    /** arm64 workers. */
    readonly arm64VcpuHour: number;
    readonly arm64GbHour: number;
  };
}

export const PRICED_SERVICES = ['kinesis', 'dynamodb', 'lambda', 'sqs', 's3', 'firehose', 'cloudwatch', 'kms', 'emrServerless'] as const;
export type PricedService = (typeof PRICED_SERVICES)[number];

export const PRICES_US_EAST_1: PriceTable = {
  region: 'us-east-1',
  currency: 'USD',
  compiledOn: '2026-12-01',
  sources: {
    kinesis: 'https://aws.amazon.com/kinesis/data-streams/pricing/',
    dynamodb: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    lambda: 'https://aws.amazon.com/lambda/pricing/',
    sqs: 'https://aws.amazon.com/sqs/pricing/',
    s3: 'https://aws.amazon.com/s3/pricing/',
    firehose: 'https://aws.amazon.com/firehose/pricing/',
    cloudwatch: 'https://aws.amazon.com/cloudwatch/pricing/',
    kms: 'https://aws.amazon.com/kms/pricing/',
    emrServerless: 'https://aws.amazon.com/emr/pricing/#Amazon_EMR_Serverless',
  },
  hoursPerMonth: 730,
  kinesis: {
    provisionedShardHour: 0.015,
    provisionedPutPayloadUnitsPerMillion: 0.014,
    provisionedExtendedRetentionShardHour: 0.02,
    onDemandStreamHour: 0.04,
    onDemandIngestPerGb: 0.08,
    onDemandRetrievalPerGb: 0.04,
    onDemandExtendedRetentionPerGbMonth: 0.1,
  },
  dynamodb: { writeRequestUnitsPerMillion: 0.625, readRequestUnitsPerMillion: 0.125, storagePerGbMonth: 0.25 },
  lambda: { requestsPerMillion: 0.2, arm64PerGbSecond: 0.0000133334 },
  sqs: { requestsPerMillion: 0.4 },
  s3: { putPerThousand: 0.005, getPerThousand: 0.0004, standardStoragePerGbMonth: 0.023 },
  firehose: { ingestPerGb: 0.029, recordRoundingKb: 5 },
  cloudwatch: { standardAlarmMonth: 0.1, dashboardMonth: 3, customMetricMonth: 0.3, logsIngestPerGb: 0.5 },
  kms: { customerManagedKeyMonth: 1, requestsPerTenThousand: 0.03 },
  emrServerless: { arm64VcpuHour: 0.042094, arm64GbHour: 0.004628 },
};
