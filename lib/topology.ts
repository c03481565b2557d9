/**
 * The pipeline's storage and messaging resources, described once from the typed settings: the data stack
 * deploys them (lib/constructs) and the local runtime creates them in the emulators (local/run/resources.ts)
 * from this same description, so names, keys, TTL attributes, stream views, shard counts and redrive
 * policies cannot differ between the two. test/infra/local-topology.test.ts compares the local resources
 * with the synthesized template.
 */
import { resourceNames, type PipelineSettings } from './config';
import { METRICS_KEY, METRICS_TTL_ATTRIBUTE } from './domain/live-metrics';
import { TRIP_KEY, TRIP_TTL_ATTRIBUTE } from './domain/trip-item';

export interface StreamDescription {
  readonly name: string;
  readonly capacityMode: PipelineSettings['kinesis']['capacityMode'];
  /** Used when PROVISIONED; ON_DEMAND streams scale by themselves. */
  readonly shardCount: number;
  readonly retentionHours: number;
}

/** Every key attribute is a string: trip ids and the metrics table's composite keys. */
export interface TableDescription {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey?: string;
  readonly ttlAttribute: string;
  /** The table's change stream, when a consumer reads it. */
  readonly streamViewType?: 'NEW_AND_OLD_IMAGES';
}

export interface QueueDescription {
  readonly name: string;
  readonly retentionDays: number;
}

/** A queue a function consumes; it gives up a message into the dead-letter queue after maxReceiveCount receives. */
export interface WorkQueueDescription extends QueueDescription {
  /** SQS's redrive policy of the queue (its `RedrivePolicy`), not the redrive handler nor an operator's redrive. */
  readonly redrivePolicy: { readonly deadLetterQueue: string; readonly maxReceiveCount: number };
}

export interface PipelineTopology {
  readonly streams: { readonly tripStart: StreamDescription; readonly tripEnd: StreamDescription };
  readonly tables: { readonly trips: TableDescription; readonly metrics: TableDescription };
  readonly queues: { readonly retry: WorkQueueDescription; readonly failedBatch: WorkQueueDescription; readonly deadLetter: QueueDescription };
}

export function pipelineTopology(settings: PipelineSettings): PipelineTopology {
  const names = resourceNames(settings);
  const stream = (name: string): StreamDescription => ({ name, ...settings.kinesis });
  const redrivePolicy = { deadLetterQueue: names.deadLetterQueue, maxReceiveCount: settings.queues.maxReceiveCount };
  return {
    streams: { tripStart: stream(names.tripStartStream), tripEnd: stream(names.tripEndStream) },
    tables: {
      trips: { name: names.tripsTable, partitionKey: TRIP_KEY, ttlAttribute: TRIP_TTL_ATTRIBUTE, streamViewType: 'NEW_AND_OLD_IMAGES' },
      metrics: { name: names.metricsTable, partitionKey: METRICS_KEY.partition, sortKey: METRICS_KEY.sort, ttlAttribute: METRICS_TTL_ATTRIBUTE },
    },
    queues: {
      retry: { name: names.retryQueue, retentionDays: settings.queues.retryRetentionDays, redrivePolicy },
      failedBatch: { name: names.failedBatchQueue, retentionDays: settings.queues.retryRetentionDays, redrivePolicy },
      deadLetter: { name: names.deadLetterQueue, retentionDays: settings.queues.deadLetterRetentionDays },
    },
  };
}
