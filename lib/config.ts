/**
 * The one typed description of the pipeline's topology and tuning.
 *
 * The CDK stacks (`bin/`, `lib/stacks`) and the local runtime (`local/`) both read these settings, so the
 * batch sizes, retry budgets, delays and filters that run locally are the ones that get deployed.
 */

/** Settings of one Lambda event source mapping, as AWS names them. */
export interface StreamMappingSettings {
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  /**
   * Retries of a failing batch before the on-failure destination gets it. -1 (with maxRecordAgeSeconds -1)
   * only on the trips table's stream: retried until the record leaves the stream (TABLE_STREAM_RETRIES).
   */
  readonly retryAttempts: number;
  readonly maxRecordAgeSeconds: number;
  readonly bisectBatchOnError: boolean;
  readonly parallelizationFactor: number;
  /**
   * Lambda's tumbling window (1-900 s): the mapping hands the function a per-shard state from invocation to
   * invocation within each window, and closes it with a final invocation. Absent: plain batches.
   */
  readonly tumblingWindowSeconds?: number;
}

export interface QueueMappingSettings {
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  /**
   * The SQS mapping's ScalingConfig.MaximumConcurrency (2-1000): how many concurrent invocations its pollers
   * may start. Unlike reserved concurrency it slows the pollers themselves, so a flood of retries waits in the
   * queue instead of being throttled into the redrive policy's receive count, and it reserves nothing from the
   * account's pool.
   */
  readonly maximumConcurrency: number;
}

interface RetrySettings {
  /** Retries of an event that failed (throttling, errors) before the DLQ gets it as PROCESSING_FAILED: 3 means four tries in all. */
  readonly processingMaxRetries: number;
  /** First delay; each further attempt doubles it, capped at maxDelaySeconds (SQS allows at most 900). */
  readonly baseDelaySeconds: number;
  readonly maxDelaySeconds: number;
}

interface KpiSettings {
  /** EventBridge Scheduler cron expression, evaluated in UTC. */
  readonly scheduleExpression: string;
  /** Each scheduled run recomputes this many days back from yesterday, so late-staged trips are counted. */
  readonly lookbackDays: number;
  /** An EMR Serverless release of EMR_RELEASE_SPARK_VERSIONS, so the Spark the tests pin is the one deployed. */
  readonly emrReleaseLabel: EmrReleaseLabel;
  readonly maxCapacity: { readonly cpu: string; readonly memory: string; readonly disk: string };
  readonly idleTimeoutMinutes: number;
  /**
   * The job's workers, sized by the capacity model (planning/capacity, docs/capacity.md) for a scheduled run at the
   * environment's design rate with 2x margin: the application's spark-defaults (EMR Serverless runtime
   * configuration) and the job run's timeout.
   */
  readonly job: KpiJobSizing;
}

/** Spark's workers on EMR Serverless (vCPU 1, 2, 4, 8 or 16; 2-8 GB of memory per vCPU; disk 20-200 GB). */
export interface KpiJobSizing {
  readonly driverCores: number;
  readonly driverMemoryGb: number;
  readonly executorCores: number;
  readonly executorMemoryGb: number;
  readonly executorDiskGb: number;
  /** Upper bound of dynamic allocation: the job never asks for more executors than this. */
  readonly maxExecutors: number;
  /** A run not finished by then is stopped (StartJobRun executionTimeoutMinutes). */
  readonly timeoutMinutes: number;
}

/**
 * The Apache Spark each EMR Serverless release we may deploy runs (AWS's EMR Serverless release notes).
 * requirements-dev.txt pins pyspark to the Spark of the deployed release, and test/unit/kpi/spark-pin.test.ts
 * fails when the two drift: moving the release means adding it here and moving the pin with it.
 */
export const EMR_RELEASE_SPARK_VERSIONS = {
  'emr-7.5.0': '3.5.2',
} as const;

type EmrReleaseLabel = keyof typeof EMR_RELEASE_SPARK_VERSIONS;

export interface PipelineSettings {
  /** Prefix of every physical name, so two environments can share an account. */
  readonly prefix: string;
  /**
   * The sustained feed the environment is built to carry with 2x headroom on every component: the capacity
   * model's rate (`tripstream capacity`, docs/capacity.md) and the rate the KPI job and Athena are sized for.
   */
  readonly designTripsPerSecond: number;
  /**
   * The CDK bootstrap qualifier this environment deploys through (`cdk bootstrap --qualifier`). Environments
   * sharing an account use different qualifiers, so each has its own deploy roles and one environment's
   * deploy role cannot deploy the other (at most 10 lower-case letters or digits).
   */
  readonly bootstrapQualifier: string;
  readonly kinesis: {
    /** ON_DEMAND scales by itself; PROVISIONED uses shardCount. */
    readonly capacityMode: 'ON_DEMAND' | 'PROVISIONED';
    readonly shardCount: number;
    readonly retentionHours: number;
  };
  readonly startMapping: StreamMappingSettings;
  readonly endMapping: StreamMappingSettings;
  readonly matchMapping: StreamMappingSettings;
  /** The live metrics consumer of the trips table stream, the stream's second reader beside match. */
  readonly liveMetricsMapping: StreamMappingSettings;
  readonly liveMetrics: {
    readonly windowRetentionDays: number;
  };
  readonly redriveMapping: QueueMappingSettings;
  /** The handler that turns the stream mappings' on-failure pointers into full dead letters. */
  readonly failedBatchMapping: QueueMappingSettings;
  readonly retry: RetrySettings;
  readonly handlers: {
    readonly memorySizeMb: number;
    readonly timeoutSeconds: number;
    readonly logRetentionDays: number;
    readonly logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  };
  readonly queues: {
    /** SQS redrive policy of the retry queue: a safety net behind the redrive handler's own budget. */
    readonly maxReceiveCount: number;
    readonly deadLetterRetentionDays: number;
    readonly retryRetentionDays: number;
  };
  readonly table: {
    /** A completed trip's item expires this many days after its open-half grace period. */
    readonly ttlDays: number;
    /**
     * An open half (its partner not arrived) expires this long after the pipeline first saw it; an open end
     * then becomes ORPHAN_END. Never shorter than the streams' retention, so a partner still on its stream,
     * however late, finds the half there.
     */
    readonly openHalfGraceHours: number;
    readonly deletionProtection: boolean;
  };
  readonly kpi: KpiSettings;
  readonly athena: { readonly bytesScannedCutoffPerQuery: number };
  readonly storage: {
    /** Staged completed trips move to infrequent access after this many days. */
    readonly stagedTripsInfrequentAccessDays: number;
    readonly athenaResultsExpirationDays: number;
    readonly accessLogsExpirationDays: number;
    /**
     * The raw archive of both streams (DATA_PREFIXES.raw): moved to Glacier Instant Retrieval after this
     * many days (replay reads it without a restore), or never when absent; deleted after expirationDays.
     */
    readonly rawArchive: { readonly glacierTransitionDays?: number; readonly expirationDays: number };
    /** The data bucket is versioned (an overwrite or delete can be undone); older versions expire after this many days. */
    readonly dataNoncurrentVersionExpirationDays: number;
  };
  readonly alarms: {
    /**
     * How far behind its stream a consumer may fall beyond what its own mapping causes: each stream handler's
     * IteratorAge alarm fires above its batching window + its function timeout + this. The alert e-mail address
     * is deploy-time context (`-c alertEmail=...`), not a setting kept in the source.
     */
    readonly iteratorAgeMsThreshold: number;
    /**
     * Trips left open: the alarm fires when more open starts than this expire in a day, i.e. trips whose end
     * never came within table.openHalfGraceHours (the match handler counts them as OpenStartsExpired).
     */
    readonly expiredOpenStartsPerDay: number;
  };
  /** Whether stateful resources survive `cdk destroy`. */
  readonly retainData: boolean;
}

export { DATA_PREFIXES, KPI_DATES_MISSING_METRIC, METRICS_NAMESPACE, SERVICE_NAME, SPARK_JOB_FILES } from './names';

/**
 * The `<stream>` folder of each stream in the raw archive. Named by kind, not by physical stream name, so
 * an archive replays into any environment's streams.
 */
export const RAW_ARCHIVE_STREAMS = { start: 'trip-start', end: 'trip-end' } as const;

/** Glue tables of the analytics stack, as Athena queries name them. */
export const GLUE_TABLES = {
  dailyKpis: 'daily_kpis',
  dailyKpisByDimension: 'daily_kpis_by_dimension',
  completedTrips: 'completed_trips',
} as const;

/** Output keys of the data stack that the producer and other CLIs look up with `--stack`. */
export const STACK_OUTPUTS = {
  tripStartStreamName: 'TripStartStreamName',
  tripEndStreamName: 'TripEndStreamName',
  tripsTableName: 'TripsTableName',
  dataBucketName: 'DataBucketName',
  retryQueueUrl: 'RetryQueueUrl',
  deadLetterQueueUrl: 'DeadLetterQueueUrl',
  athenaWorkGroupName: 'AthenaWorkGroupName',
  glueDatabaseName: 'GlueDatabaseName',
  emrApplicationId: 'EmrApplicationId',
  metricsTableName: 'MetricsTableName',
  metricsApiUrl: 'MetricsApiUrl',
  dataKeyArn: 'DataKeyArn',
  alertTopicArn: 'AlertTopicArn',
  producerPolicyArn: 'ProducerPolicyArn',
  operatorPolicyArn: 'OperatorPolicyArn',
  analystPolicyArn: 'AnalystPolicyArn',
  metricsApiCallerPolicyArn: 'MetricsApiCallerPolicyArn',
} as const;

/** Stack names per prefix: stateful resources apart from stateless ones. */
export function stackNames(settings: PipelineSettings) {
  return {
    data: `${settings.prefix}-data`,
    pipeline: `${settings.prefix}-pipeline`,
    analytics: `${settings.prefix}-analytics`,
    monitoring: `${settings.prefix}-monitoring`,
    liveMetrics: `${settings.prefix}-live-metrics`,
  } as const;
}

const streamDefaults: StreamMappingSettings = {
  batchSize: 100,
  maxBatchingWindowSeconds: 1,
  retryAttempts: 3,
  maxRecordAgeSeconds: 3600,
  bisectBatchOnError: true,
  parallelizationFactor: 1,
};

/**
 * How long a completion may take to show in the live metrics (docs/contracts.md §6b: a window is current
 * within a minute). An end waits at most one end window before it is applied, and its completion at most one
 * live-metrics window before it is counted; the rest of the budget is left to the handlers and the streams.
 */
export const LIVE_LATENCY_BUDGET_SECONDS = 60;

/**
 * start/end: a window of 20 s gathers a live feed's records into one invocation per shard instead of one
 * per record, and leaves 20 s of the live budget to the live-metrics window and 20 s to spare. Larger
 * batches than 250 buy little more: a handler writes its records concurrently (the runs that showed it are
 * in docs/cost.md, the mappings' table).
 */
const tripEventMapping: StreamMappingSettings = { ...streamDefaults, batchSize: 250, maxBatchingWindowSeconds: 20 };

/**
 * The trips table's stream allows two readers per shard (more are throttled): its two consumers, match and
 * live-metrics. A given-up batch could only be resolved into full dead letters by reading the stream a third
 * time, so these mappings do not give up: they retry a batch until its records leave the stream (24 h, and
 * the iterator-age alarm pages long before). Neither handler can fail for a record (an unreadable image is
 * dead-lettered by match and skipped by live metrics), only for an outage of what it writes to, so a retry
 * blocks nothing a give-up would have saved; a pointer that still arrives names records past retention
 * (docs/adr/0008-live-metrics-per-shard-partials.md).
 */
const TABLE_STREAM_RETRIES = { retryAttempts: -1, maxRecordAgeSeconds: -1 } as const;

/**
 * match (it stages completed trips to S3): the largest batch and the longest window DynamoDB Streams mappings allow (10,000 records,
 * 300 s), so each staged file holds every completion of five minutes, and a replay's files thousands of
 * trips. Staging is read once a day, so the window costs no freshness. The batch size counts stream records
 * before the mapping's filter drops the non-completions (about one record in three), and Lambda closes a
 * batch early at 6 MB of payload (about 2 KB per record with both images): either way a batch holds a few
 * thousand trips at most. The window stays far below maxRecordAgeSeconds, so waiting never expires a record.
 */
const matchStreamMapping: StreamMappingSettings = {
  ...streamDefaults,
  ...TABLE_STREAM_RETRIES,
  batchSize: 10_000,
  maxBatchingWindowSeconds: 300,
};

/**
 * The live metrics consumer (docs/adr/0008-live-metrics-per-shard-partials.md): each shard's changes add up
 * in a 20 s tumbling window's state and are written once per window, as that shard's partials. A completion
 * shows in the API when its window closes: at most 20 s after it reached the table's stream, which an end
 * reaches at most 20 s after Kinesis (its mapping's window), so 40 s plus the handlers' work, inside the 60 s
 * goal. Batches of a window are handed over every 5 s at most so the final invocation has little left. No bisection: a split batch would hand a half the state of the
 * whole. One batch per shard at a time (parallelization factor 1): the state is the shard's, in order.
 */
const liveMetricsMapping: StreamMappingSettings = {
  ...streamDefaults,
  ...TABLE_STREAM_RETRIES,
  batchSize: 1000,
  maxBatchingWindowSeconds: 5,
  tumblingWindowSeconds: 20,
  bisectBatchOnError: false,
  parallelizationFactor: 1,
};

/** The settings every environment starts from; environments override what differs. */
export const defaultSettings: PipelineSettings = {
  prefix: 'tripstream',
  // Dev carries a mid-size city's peak on one shard per stream (docs/capacity.md).
  designTripsPerSecond: 100,
  // CDK's default qualifier, so a plain `cdk bootstrap` serves dev.
  bootstrapQualifier: 'hnb659fds',
  // One provisioned shard per stream: $0.015 per shard-hour against on-demand's $0.04 per stream-hour, and a
  // shard's 1,000 records/s is far more than dev's traffic (docs/cost.md).
  kinesis: { capacityMode: 'PROVISIONED', shardCount: 1, retentionHours: 24 },
  startMapping: tripEventMapping,
  endMapping: tripEventMapping,
  matchMapping: matchStreamMapping,
  liveMetricsMapping,
  liveMetrics: { windowRetentionDays: 90 },
  redriveMapping: { batchSize: 10, maxBatchingWindowSeconds: 0, maximumConcurrency: 2 },
  failedBatchMapping: { batchSize: 1, maxBatchingWindowSeconds: 0, maximumConcurrency: 2 },
  retry: { processingMaxRetries: 3, baseDelaySeconds: 30, maxDelaySeconds: 900 },
  handlers: {
    memorySizeMb: 512,
    timeoutSeconds: 30,
    logRetentionDays: 30,
    logLevel: 'INFO',
  },
  queues: { maxReceiveCount: 5, deadLetterRetentionDays: 14, retryRetentionDays: 4 },
  table: { ttlDays: 90, openHalfGraceHours: 24, deletionProtection: false },
  kpi: {
    scheduleExpression: 'cron(0 1 * * ? *)',
    lookbackDays: 3,
    emrReleaseLabel: 'emr-7.5.0',
    // Sized for a scheduled run at dev's design rate with 2x on the timeout; the maximum is that run's workers
    // (the figures: docs/capacity.md, `tripstream capacity`).
    maxCapacity: { cpu: '10 vCPU', memory: '40 GB', disk: '120 GB' },
    idleTimeoutMinutes: 15,
    job: {
      driverCores: 2,
      driverMemoryGb: 7,
      executorCores: 4,
      executorMemoryGb: 14,
      executorDiskGb: 50,
      maxExecutors: 2,
      timeoutMinutes: 20,
    },
  },
  // Twice a day of staged JSON at the design rate (~4.2 GB at 100 trips/s), the saved day's query (docs/capacity.md).
  athena: { bytesScannedCutoffPerQuery: 10_000_000_000 },
  storage: {
    stagedTripsInfrequentAccessDays: 30,
    athenaResultsExpirationDays: 30,
    accessLogsExpirationDays: 90,
    rawArchive: { expirationDays: 30 },
    dataNoncurrentVersionExpirationDays: 7,
  },
  // Dev is fed partial replays (a file cut mid-day leaves starts whose end is in the next file): a few open
  // starts expiring there are expected; prod's feed is complete, so every expired start is a lost end.
  alarms: { iteratorAgeMsThreshold: 60_000, expiredOpenStartsPerDay: 25 },
  retainData: false,
};

export type EnvironmentName = 'dev' | 'prod';

/** Per-environment settings, chosen in `bin/` by the `env` context value. */
export const environments: Record<EnvironmentName, PipelineSettings> = {
  dev: { ...defaultSettings, prefix: 'tripstream-dev' },
  prod: {
    ...defaultSettings,
    prefix: 'tripstream-prod',
    bootstrapQualifier: 'tsprod',
    // A large city's peak: every component at 2x headroom or more (tripstream capacity, docs/capacity.md).
    designTripsPerSecond: 1_000,
    // Three provisioned shards per stream take 3,000 records/s (~1,035 at the design rate): cheaper than on-demand
    // at that rate (docs/cost.md); UpdateShardCount is the path beyond.
    kinesis: { capacityMode: 'PROVISIONED', shardCount: 3, retentionHours: 168 },
    // Nine lanes per stream (3 shards x 3 batches at a time), each at under half of what one lane handles (docs/capacity.md).
    startMapping: { ...tripEventMapping, parallelizationFactor: 3 },
    endMapping: { ...tripEventMapping, parallelizationFactor: 3 },
    // Sized for a scheduled run at 1,000 trips/s with 2x on the timeout (the figures: docs/capacity.md, `tripstream capacity`).
    kpi: {
      ...defaultSettings.kpi,
      maxCapacity: { cpu: '22 vCPU', memory: '88 GB', disk: '520 GB' },
      job: {
        driverCores: 2,
        driverMemoryGb: 7,
        executorCores: 4,
        executorMemoryGb: 14,
        executorDiskGb: 100,
        maxExecutors: 5,
        timeoutMinutes: 50,
      },
    },
    // A day's saved query at 1,000 trips/s keeps 2x under the cutoff (the figures: docs/capacity.md).
    athena: { bytesScannedCutoffPerQuery: 100_000_000_000 },
    handlers: { ...defaultSettings.handlers, logRetentionDays: 365 },
    // Enough concurrent redrive invocations to keep up with a storm of retries at the design rate, every record
    // failing once (the figures are in docs/capacity.md).
    redriveMapping: { ...defaultSettings.redriveMapping, maximumConcurrency: 20 },
    table: { ttlDays: 400, openHalfGraceHours: 168, deletionProtection: true },
    storage: {
      ...defaultSettings.storage,
      dataNoncurrentVersionExpirationDays: 90,
      rawArchive: { glacierTransitionDays: 30, expirationDays: 730 },
    },
    alarms: { ...defaultSettings.alarms, iteratorAgeMsThreshold: 30_000, expiredOpenStartsPerDay: 0 },
    retainData: true,
  },
};

/**
 * How much shorter local batching windows are than deployed ones: a local run is a replay in compressed
 * time, so a window of W deployed seconds gathers for W x LOCAL_TIME_SCALE local seconds, and a local feed
 * of r trips/s fills batches the way a deployed feed of r x LOCAL_TIME_SCALE trips/s does. Lambda's longest
 * window (300 s) becomes 3 s, so a run still drains in seconds whatever an environment's windows are.
 */
export const LOCAL_TIME_SCALE = 0.01;

/** Settings of a local run, with the factor its batching windows were scaled by (reported in summary.json). */
export type LocalPipelineSettings = PipelineSettings & { readonly localTimeScale: number };

/** The same settings with every mapping's batching window multiplied by `timeScale`; nothing else changes. */
export function scaleBatchingWindows(settings: PipelineSettings, timeScale: number): LocalPipelineSettings {
  if (!(timeScale > 0 && timeScale <= 1)) throw new RangeError(`the local time scale must be in (0, 1], got ${timeScale}`);
  const scaled = <M extends { readonly maxBatchingWindowSeconds: number; readonly tumblingWindowSeconds?: number }>(mapping: M): M => ({
    ...mapping,
    maxBatchingWindowSeconds: mapping.maxBatchingWindowSeconds * timeScale,
    ...(mapping.tumblingWindowSeconds === undefined ? {} : { tumblingWindowSeconds: mapping.tumblingWindowSeconds * timeScale }),
  });
  return {
    ...settings,
    startMapping: scaled(settings.startMapping),
    endMapping: scaled(settings.endMapping),
    matchMapping: scaled(settings.matchMapping),
    liveMetricsMapping: scaled(settings.liveMetricsMapping),
    redriveMapping: scaled(settings.redriveMapping),
    failedBatchMapping: scaled(settings.failedBatchMapping),
    localTimeScale: timeScale,
  };
}

/**
 * The local run: the dev topology with time compressed so a run finishes in seconds. Batching windows are
 * scaled by LOCAL_TIME_SCALE; retry delays are set apart (SQS counts delays in whole seconds, so they cannot
 * shrink by the same factor). Budgets, batch sizes and filters are the deployed ones. Two shards per stream
 * rather than dev's one, so that per-shard ordering and polling every shard are exercised; the cost model
 * takes shards from the deployed settings, not from the run.
 */
export const localSettings: LocalPipelineSettings = scaleBatchingWindows(
  {
    ...environments.dev,
    prefix: 'tripstream-local',
    kinesis: { ...environments.dev.kinesis, shardCount: 2 },
    retry: { ...environments.dev.retry, baseDelaySeconds: 1, maxDelaySeconds: 2 },
  },
  LOCAL_TIME_SCALE,
);

export function isEnvironmentName(value: string): value is EnvironmentName {
  return Object.prototype.hasOwnProperty.call(environments, value);
}

/** Physical names derived from the prefix, used by the stacks and by the local runtime alike. */
export function resourceNames(settings: PipelineSettings) {
  const p = settings.prefix;
  return {
    tripStartStream: `${p}-trip-start`,
    tripEndStream: `${p}-trip-end`,
    tripsTable: `${p}-trips`,
    metricsTable: `${p}-metrics`,
    retryQueue: `${p}-retry`,
    failedBatchQueue: `${p}-failed-batches`,
    deadLetterQueue: `${p}-dlq`,
    kpiJobName: `${p}-daily-kpis`,
  } as const;
}
