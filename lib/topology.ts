/**
 * The pipeline's storage and messaging resources, described once from the typed settings: the data stack
 * deploys them (lib/constructs) and the local runtime creates them in the emulators (local/run/resources.ts)
 * from this same description, so names, keys, TTL attributes, stream views, shard counts and redrive
 * policies cannot differ between the two. test/infra/local-topology.test.ts compares the local resources
 * with the synthesized template.
 */

import { LIVE_METRICS_STREAM_FILTERS, METRICS_KEY, METRICS_TTL_ATTRIBUTE } from '../domain/live-metrics';
import { TRIP_KEY, TRIP_STREAM_FILTERS, TRIP_TTL_ATTRIBUTE } from '../domain/trip-item';
import { type PipelineSettings, type QueueMappingSettings, resourceNames, type StreamMappingSettings } from './config';

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
  readonly queues: {
    readonly retry: WorkQueueDescription;
    readonly failedBatch: WorkQueueDescription;
    readonly deadLetter: QueueDescription;
  };
}

export function pipelineTopology(settings: PipelineSettings): PipelineTopology {
  const names = resourceNames(settings);
  const stream = (name: string): StreamDescription => ({ name, ...settings.kinesis });
  const redrivePolicy = { deadLetterQueue: names.deadLetterQueue, maxReceiveCount: settings.queues.maxReceiveCount };
  return {
    streams: { tripStart: stream(names.tripStartStream), tripEnd: stream(names.tripEndStream) },
    tables: {
      trips: { name: names.tripsTable, partitionKey: TRIP_KEY, ttlAttribute: TRIP_TTL_ATTRIBUTE, streamViewType: 'NEW_AND_OLD_IMAGES' },
      metrics: {
        name: names.metricsTable,
        partitionKey: METRICS_KEY.partition,
        sortKey: METRICS_KEY.sort,
        ttlAttribute: METRICS_TTL_ATTRIBUTE,
      },
    },
    queues: {
      retry: { name: names.retryQueue, retentionDays: settings.queues.retryRetentionDays, redrivePolicy },
      failedBatch: { name: names.failedBatchQueue, retentionDays: settings.queues.retryRetentionDays, redrivePolicy },
      deadLetter: { name: names.deadLetterQueue, retentionDays: settings.queues.deadLetterRetentionDays },
    },
  };
}

/** A Lambda event filter pattern (the EventBridge pattern language), deployed as is and evaluated locally. */
export type EventFilterPattern = Readonly<Record<string, unknown>>;

/**
 * A mapping that reads a stream from its oldest record (TRIM_HORIZON), reports partial batch failures, and
 * sends a pointer to each batch it gives up on to the failed-batch queue.
 */
export interface StreamMappingDescription {
  readonly handler: 'start' | 'end' | 'match' | 'live-metrics';
  readonly source: 'tripStartStream' | 'tripEndStream' | 'tripsTableStream';
  readonly settings: StreamMappingSettings;
  /** A record is delivered when it matches any of these; none: every record. */
  readonly filters: readonly EventFilterPattern[];
}

/** A mapping that polls a queue and reports partial batch failures. */
export interface QueueMappingDescription {
  readonly handler: 'redrive' | 'failed-batches';
  readonly queue: 'retry' | 'failedBatch';
  readonly settings: QueueMappingSettings;
}

/**
 * The event source mappings, described once: the pipeline and live-metrics stacks deploy them and the local
 * run drives the handlers through them (local/run/mappings.ts), so their sources, settings and filters cannot
 * differ between the two. test/infra/event-source-mappings.test.ts compares both with this description.
 */
export interface MappingTopology {
  readonly streams: {
    readonly start: StreamMappingDescription;
    readonly end: StreamMappingDescription;
    readonly match: StreamMappingDescription;
    readonly liveMetrics: StreamMappingDescription;
  };
  readonly queues: { readonly redrive: QueueMappingDescription; readonly failedBatches: QueueMappingDescription };
}

export function mappingTopology(settings: PipelineSettings): MappingTopology {
  return {
    streams: {
      start: { handler: 'start', source: 'tripStartStream', settings: settings.startMapping, filters: [] },
      end: { handler: 'end', source: 'tripEndStream', settings: settings.endMapping, filters: [] },
      match: { handler: 'match', source: 'tripsTableStream', settings: settings.matchMapping, filters: Object.values(TRIP_STREAM_FILTERS) },
      liveMetrics: {
        handler: 'live-metrics',
        source: 'tripsTableStream',
        settings: settings.liveMetricsMapping,
        filters: LIVE_METRICS_STREAM_FILTERS,
      },
    },
    queues: {
      redrive: { handler: 'redrive', queue: 'retry', settings: settings.redriveMapping },
      failedBatches: { handler: 'failed-batches', queue: 'failedBatch', settings: settings.failedBatchMapping },
    },
  };
}
