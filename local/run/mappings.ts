/**
 * Wiring the mappings step: the event source mappings that drive the handlers, built from the description the
 * stacks deploy (lib/topology.ts mappingTopology), so sources, settings and filters are the deployed ones.
 */
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBRecord, KinesisStreamRecord } from 'aws-lambda';
import { matchesFilterPattern } from '../../aws/filter-pattern';
import type { PipelineSettings } from '../../lib/config';
import { type EventFilterPattern, mappingTopology, type QueueMappingDescription, type StreamMappingDescription } from '../../lib/topology';
import type { LocalInvoker } from '../event-source-mapping/invoker';
import { QueueMapping, type QueueMappingOptions } from '../event-source-mapping/queue-mapping';
import {
  dynamoDbStreamShards,
  kinesisShards,
  ShardReaderLimit,
  StreamMapping,
  type StreamMappingOptions,
  splitShards,
} from '../event-source-mapping/stream-mapping';
import { functionName } from './functions';
import { dynamoDbView, kinesisView, sqsView } from './record-views';
import type { LocalResources } from './resources';

/** DynamoDB Streams throttles more than two readers per shard: the run refuses a third (its mappings, a handler's read). */
export const TABLE_STREAM_READERS_PER_SHARD = 2;

/** The table stream's consumers look for new shards this often, as Lambda's pollers do. */
const TABLE_STREAM_REDISCOVERY_MS = 1_000;

export interface MappingContext {
  readonly settings: PipelineSettings;
  readonly resources: LocalResources;
  readonly region: string;
  readonly invoker: Pick<LocalInvoker, 'invoke'>;
  readonly clients: { readonly kinesis: KinesisClient; readonly streams: DynamoDBStreamsClient; readonly sqs: SQSClient };
  /** The shards the trips table's stream is presented in (`--shards`). */
  readonly tableStreamShards: number;
  /** Whether the live-metrics consumer runs. */
  readonly liveMetrics: boolean;
  /** Told of each live-metrics window written, with its records (the live metrics' freshness). */
  readonly onLiveWindowClosed?: (records: readonly DynamoDBRecord[], closedAtMs: number) => void;
}

export interface RunMappings {
  readonly start: StreamMapping<KinesisStreamRecord>;
  readonly end: StreamMapping<KinesisStreamRecord>;
  readonly match: StreamMapping<DynamoDBRecord>;
  readonly streams: (StreamMapping<KinesisStreamRecord> | StreamMapping<DynamoDBRecord>)[];
  readonly queues: QueueMapping[];
  /** The trips table stream's readers: a handler reading it too would be a third. */
  readonly tableStreamReaders: ShardReaderLimit;
}

function recordFilter<L>(filters: readonly EventFilterPattern[]): { filter?: (record: L) => boolean } {
  return filters.length === 0 ? {} : { filter: (record: L) => filters.some((pattern) => matchesFilterPattern(pattern, record)) };
}

/** A Kinesis mapping's options from its description (exported for the test that compares them with the stacks'). */
export function kinesisMappingOptions(
  mapping: StreamMappingDescription,
  context: MappingContext,
): StreamMappingOptions<KinesisStreamRecord> {
  const stream = mapping.source === 'tripStartStream' ? context.resources.tripStartStream : context.resources.tripEndStream;
  if (mapping.source === 'tripsTableStream') throw new Error(`${mapping.handler} reads the trips table's stream, not Kinesis`);
  const name = functionName(context.settings, mapping.handler);
  return {
    handler: mapping.handler,
    kind: 'kinesis',
    region: context.region,
    functionName: name,
    streamArn: stream.arn,
    settings: mapping.settings,
    invoker: context.invoker,
    view: kinesisView,
    ...recordFilter<KinesisStreamRecord>(mapping.filters),
    onFailure: { sqs: context.clients.sqs, queueUrl: context.resources.failedBatchQueue.url },
    listShards: kinesisShards(context.clients.kinesis, stream, context.region, name),
  };
}

/**
 * A trips table stream mapping's options from its description. Each mapping reads the stream itself (its own
 * iterators), split by trip_id as DynamoDB partitions it, and counts as one of the shards' readers.
 */
export function tableStreamMappingOptions(
  mapping: StreamMappingDescription,
  context: MappingContext,
  readers: ShardReaderLimit,
): StreamMappingOptions<DynamoDBRecord> {
  if (mapping.source !== 'tripsTableStream') throw new Error(`${mapping.handler} reads ${mapping.source}, not the trips table's stream`);
  const { streamArn } = context.resources.tripsTable;
  return {
    handler: mapping.handler,
    kind: 'dynamodb',
    region: context.region,
    functionName: functionName(context.settings, mapping.handler),
    streamArn,
    settings: mapping.settings,
    invoker: context.invoker,
    view: dynamoDbView,
    ...recordFilter<DynamoDBRecord>(mapping.filters),
    onFailure: { sqs: context.clients.sqs, queueUrl: context.resources.failedBatchQueue.url },
    listShards: splitShards(
      dynamoDbStreamShards(context.clients.streams, streamArn, context.region),
      context.tableStreamShards,
      (record) => record.dynamodb?.Keys?.trip_id?.S ?? '',
    ),
    rediscoverEveryMs: TABLE_STREAM_REDISCOVERY_MS,
    readers,
  };
}

/** A queue mapping's options from its description. */
export function queueMappingOptions(mapping: QueueMappingDescription, context: MappingContext): QueueMappingOptions {
  const queue = mapping.queue === 'retry' ? context.resources.retryQueue : context.resources.failedBatchQueue;
  return {
    handler: mapping.handler,
    region: context.region,
    queue,
    settings: mapping.settings,
    sqs: context.clients.sqs,
    invoker: context.invoker,
    view: sqsView,
  };
}

export function wireMappings(context: MappingContext): RunMappings {
  const topology = mappingTopology(context.settings);
  const tableStreamReaders = new ShardReaderLimit(context.resources.tripsTable.streamArn, TABLE_STREAM_READERS_PER_SHARD);
  const start = new StreamMapping(kinesisMappingOptions(topology.streams.start, context));
  const end = new StreamMapping(kinesisMappingOptions(topology.streams.end, context));
  const match = new StreamMapping(tableStreamMappingOptions(topology.streams.match, context, tableStreamReaders));
  // The trips stream's second consumer (beside match), with its own filters, as deployed.
  const liveMetrics = context.liveMetrics
    ? [
        new StreamMapping({
          ...tableStreamMappingOptions(topology.streams.liveMetrics, context, tableStreamReaders),
          ...(context.onLiveWindowClosed === undefined ? {} : { onWindowClosed: context.onLiveWindowClosed }),
        }),
      ]
    : [];
  return {
    start,
    end,
    match,
    streams: [start, end, match, ...liveMetrics],
    queues: [
      new QueueMapping(queueMappingOptions(topology.queues.redrive, context)),
      new QueueMapping(queueMappingOptions(topology.queues.failedBatches, context)),
    ],
    tableStreamReaders,
  };
}
