/**
 * What the capacity model cannot read from a run or from the settings, each with its reason. Measured figures
 * are docs/capacity.md's (the kpi-job bench); the model is re-run with new ones when they are re-measured.
 */
export const CAPACITY_ASSUMPTIONS = {
  /**
   * The daily job's throughput: trips per second per vCPU, the lowest of the `npm run bench -- kpi-job` runs of the
   * current job on 5M staged trips (docs/capacity.md), local mode on a shared machine (a load of up to 6), below
   * what the same code did on a quieter one.
   */
  kpiJobTripsPerSecondPerCore: 13_820,
  /** Bytes of a staged trip as JSON lines: a local run's staged files over their trips (479; the bench's are 439). */
  stagedBytesPerTrip: 480,
  /** EMR Serverless's start of a job's workers and Spark's own set-up, on top of the work (minutes). */
  kpiJobStartMinutes: 3,
  /**
   * A share of each stream's records assumed to fail once into the retry queue (throttling, a bad deploy),
   * whatever the run measured: a clean run sends none, and the queue must still carry a storm.
   */
  retryShareFloor: 0.01,
  /** How long a message is in flight in the retry queue: received, handled, deleted (s), at its longest. */
  retryInFlightSeconds: 30,
  /** Requests per second the metrics API serves (dashboards polling); not traffic-driven. */
  metricsApiRequestsPerSecond: 10,
  /** The metrics API stage's throttling rate (lib/stacks/live-metrics-stack.ts). */
  metricsApiStageRateLimit: 50,
  /** Billed time of one metrics API request (ms), for its share of Lambda concurrency. */
  metricsApiRequestMs: 200,
  /**
   * Firehose's buffer for the raw archive: it delivers at whichever comes first, 64 MB or 300 s
   * (lib/constructs/raw-stream-archive.ts), compressed.
   */
  firehoseBufferSeconds: 300,
  /**
   * From a record's PutRecords to Lambda's poller reading it, at p99 (s): the poller reads each shard about once
   * a second, and a record is readable well within a second of its put (Kinesis developer guide).
   */
  kinesisPropagationSeconds: 2,
  /**
   * From a trip write to the live-metrics poller reading its stream record, at p99 (s): DynamoDB Streams shows a
   * change in near real time and Lambda polls a stream shard four times a second.
   */
  tableStreamPropagationSeconds: 2,
} as const;

export type CapacityAssumptions = typeof CAPACITY_ASSUMPTIONS;
