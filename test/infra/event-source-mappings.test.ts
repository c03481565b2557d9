/**
 * The event source mappings are described once (lib/topology.ts mappingTopology): the stacks deploy them and
 * the local run wires its mappings from them (local/run/mappings.ts). This compares what the local run would
 * drive its handlers with against what the stacks synthesize, so the two cannot drift.
 */
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Stack } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { DynamoDBRecord } from 'aws-lambda';
import { matchesFilterPattern } from '../../aws/filter-pattern';
import { environments, type PipelineSettings } from '../../lib/config';
import { mappingTopology, type StreamMappingDescription } from '../../lib/topology';
import { ShardReaderLimit } from '../../local/event-source-mapping/stream-mapping';
import { kinesisMappingOptions, type MappingContext, queueMappingOptions, tableStreamMappingOptions } from '../../local/run/mappings';
import type { LocalResources } from '../../local/run/resources';
import { completedTripItem, completion, expiredOpenEnd, expiredOpenStart, openStartItem, streamRecord } from '../support/dynamodb-stream';
import { resourcesOf, type SynthesizedApp, synthesizeSettings } from './synth';

type Properties = Record<string, unknown>;

const resources: LocalResources = {
  tripStartStream: { name: 'trip-start', arn: 'arn:aws:kinesis:us-east-1:000000000000:stream/trip-start' },
  tripEndStream: { name: 'trip-end', arn: 'arn:aws:kinesis:us-east-1:000000000000:stream/trip-end' },
  tripsTable: { name: 'trips', streamArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/trips/stream/1' },
  retryQueue: { url: 'http://localhost/retry', arn: 'arn:aws:sqs:us-east-1:000000000000:retry' },
  failedBatchQueue: { url: 'http://localhost/failed-batches', arn: 'arn:aws:sqs:us-east-1:000000000000:failed-batches' },
  deadLetterQueue: { url: 'http://localhost/dlq', arn: 'arn:aws:sqs:us-east-1:000000000000:dlq' },
  dataBucket: 'data',
  metricsTable: { name: 'metrics' },
};

/** Every kind of change the trips table's stream carries. */
const tableChanges: DynamoDBRecord[] = [
  streamRecord({ eventName: 'INSERT', newImage: openStartItem() }),
  streamRecord(completion()),
  streamRecord({ eventName: 'MODIFY', oldImage: completedTripItem(), newImage: completedTripItem({ expires_at: 1_730_000_000 }) }),
  streamRecord(expiredOpenEnd()),
  streamRecord(expiredOpenStart()),
  streamRecord({ eventName: 'REMOVE', oldImage: completedTripItem() }),
];

function mappingContext(settings: PipelineSettings): MappingContext {
  const region = 'us-east-1';
  return {
    settings,
    resources,
    region,
    invoker: { invoke: () => Promise.reject(new Error('not invoked here')) },
    clients: { kinesis: new KinesisClient({ region }), streams: new DynamoDBStreamsClient({ region }), sqs: new SQSClient({ region }) },
    tableStreamShards: 1,
    liveMetrics: true,
  };
}

/** The synthesized mapping of a handler, found by the function it invokes. */
function deployedMapping(app: SynthesizedApp, handler: string): Properties {
  const functions = {
    start: app.stacks.pipeline.start,
    end: app.stacks.pipeline.end,
    match: app.stacks.pipeline.match,
    redrive: app.stacks.pipeline.redrive,
    'failed-batches': app.stacks.pipeline.failedBatches,
    'live-metrics': app.stacks.liveMetrics.consumer,
  } as const;
  const target = functions[handler as keyof typeof functions].function;
  const stack = Stack.of(target);
  const logicalId = stack.getLogicalId(target.node.defaultChild as CfnFunction);
  const template = stack === app.stacks.pipeline ? app.templates.pipeline : app.templates.liveMetrics;
  const found = Object.values(resourcesOf(template, 'AWS::Lambda::EventSourceMapping')).filter(
    (mapping) => JSON.stringify(mapping.Properties.FunctionName) === JSON.stringify({ Ref: logicalId }),
  );
  expect(found).toHaveLength(1);
  return found[0]?.Properties ?? {};
}

function deployedFilters(properties: Properties): unknown[] {
  const criteria = properties.FilterCriteria as { Filters: { Pattern: string }[] } | undefined;
  return (criteria?.Filters ?? []).map((filter) => JSON.parse(filter.Pattern) as unknown);
}

describe.each<[string, PipelineSettings]>([
  ['dev', environments.dev],
  ['prod', environments.prod],
])('local mappings and the synthesized stacks (%s settings)', (_label, settings) => {
  const topology = mappingTopology(settings);
  let app: SynthesizedApp;
  beforeAll(() => {
    app = synthesizeSettings(settings);
  });

  it.each(['start', 'end', 'match', 'liveMetrics'] as const)('drives the %s handler with the deployed stream mapping settings', (name) => {
    // Prepare
    const description: StreamMappingDescription = topology.streams[name];
    const context = mappingContext(settings);

    // Act
    const local =
      description.source === 'tripsTableStream'
        ? tableStreamMappingOptions(description, context, new ShardReaderLimit(resources.tripsTable.streamArn, 2))
        : kinesisMappingOptions(description, context);
    const deployed = deployedMapping(app, description.handler);

    // Assess
    expect(local.handler).toBe(description.handler);
    expect(local.kind).toBe(description.source === 'tripsTableStream' ? 'dynamodb' : 'kinesis');
    expect(deployed.StartingPosition).toBe('TRIM_HORIZON');
    expect(deployed.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(deployed.BatchSize).toBe(local.settings.batchSize);
    expect(deployed.MaximumBatchingWindowInSeconds).toBe(local.settings.maxBatchingWindowSeconds);
    expect(deployed.ParallelizationFactor).toBe(local.settings.parallelizationFactor);
    expect(deployed.BisectBatchOnFunctionError).toBe(local.settings.bisectBatchOnError);
    expect(deployed.MaximumRetryAttempts).toBe(local.settings.retryAttempts < 0 ? undefined : local.settings.retryAttempts);
    expect(deployed.MaximumRecordAgeInSeconds).toBe(
      local.settings.maxRecordAgeSeconds < 0 ? undefined : local.settings.maxRecordAgeSeconds,
    );
    expect(deployed.TumblingWindowInSeconds).toBe(local.settings.tumblingWindowSeconds);
    expect(JSON.stringify(deployed.DestinationConfig)).toContain('FailedBatch');
  });

  it.each(['match', 'liveMetrics'] as const)(
    'lets through to the %s handler exactly the table changes the deployed filters let through',
    (name) => {
      // Prepare
      const description = topology.streams[name];
      const patterns = deployedFilters(deployedMapping(app, description.handler));

      // Act
      const local = tableStreamMappingOptions(
        description,
        mappingContext(settings),
        new ShardReaderLimit(resources.tripsTable.streamArn, 2),
      );
      const passedLocally = tableChanges.map((record) => local.filter?.(record) ?? true);
      const passedDeployed = tableChanges.map((record) => patterns.some((pattern) => matchesFilterPattern(pattern, record)));

      // Assess
      expect(patterns.length).toBeGreaterThan(0);
      expect(passedLocally).toEqual(passedDeployed);
      expect(passedLocally).toContain(false);
    },
  );

  it.each(['start', 'end'] as const)('filters nothing out of the %s stream, as deployed', (name) => {
    // Prepare
    const description = topology.streams[name];

    // Act
    const local = kinesisMappingOptions(description, mappingContext(settings));

    // Assess
    expect(local.filter).toBeUndefined();
    expect(deployedMapping(app, description.handler).FilterCriteria).toBeUndefined();
  });

  it.each(['redrive', 'failedBatches'] as const)('polls the %s queue with the deployed queue mapping settings', (name) => {
    // Prepare
    const description = topology.queues[name];

    // Act
    const local = queueMappingOptions(description, mappingContext(settings));
    const deployed = deployedMapping(app, description.handler);

    // Assess
    expect(local.queue).toBe(description.queue === 'retry' ? resources.retryQueue : resources.failedBatchQueue);
    expect(JSON.stringify(deployed.EventSourceArn)).toContain(description.queue === 'retry' ? 'RetryQueue' : 'FailedBatch');
    expect(deployed.BatchSize).toBe(local.settings.batchSize);
    expect(deployed.MaximumBatchingWindowInSeconds ?? 0).toBe(local.settings.maxBatchingWindowSeconds);
    expect(deployed.ScalingConfig).toEqual({ MaximumConcurrency: local.settings.maximumConcurrency });
    expect(deployed.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
  });
});
