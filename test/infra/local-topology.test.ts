/**
 * The local runtime creates its resources from lib/topology.ts, as the data stack does: this compares what
 * the local runtime would send (local/run/resources.ts) with what the data stack synthesizes, so the local
 * topology cannot drift from the deployed one.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { environments, localSettings, type PipelineSettings } from '../../lib/config';
import { pipelineTopology } from '../../lib/topology';
import { createTableInput, localShardCount, queueAttributes } from '../../local/run/resources';
import { resourcesOf, synthesizeSettings } from './synth';

type Resource = { Properties: Record<string, unknown> };

function byName(template: Template, type: string, nameProperty: string): Map<string, Resource & { logicalId: string }> {
  return new Map(
    Object.entries(resourcesOf(template, type)).map(([logicalId, resource]) => [
      String((resource as Resource).Properties[nameProperty]),
      { ...(resource as Resource), logicalId },
    ]),
  );
}

/**
 * The local settings with dev's batching windows: the local run scales its windows down to fractions of a
 * second, which CloudFormation cannot take; windows are time, not topology, so the comparison keeps them deployed.
 */
const localTopologyWithDeployedWindows: PipelineSettings = {
  ...localSettings,
  startMapping: environments.dev.startMapping,
  endMapping: environments.dev.endMapping,
  matchMapping: environments.dev.matchMapping,
  liveMetricsMapping: environments.dev.liveMetricsMapping,
  redriveMapping: environments.dev.redriveMapping,
  failedBatchMapping: environments.dev.failedBatchMapping,
};

describe.each<[string, PipelineSettings]>([
  ['local', localTopologyWithDeployedWindows],
  ['prod', environments.prod],
])('local resources and the synthesized data stack (%s settings)', (_label, settings) => {
  const topology = pipelineTopology(settings);
  let template: Template;
  beforeAll(() => {
    template = synthesizeSettings(settings).templates.data;
  });

  it('creates the streams the stack deploys, with its capacity mode and shard count', () => {
    // Prepare
    const deployed = byName(template, 'AWS::Kinesis::Stream', 'Name');

    // Act
    const local = Object.values(topology.streams).map((stream) => ({ stream, shards: localShardCount(stream) }));

    // Assess
    expect(local.map(({ stream }) => stream.name).sort()).toEqual([...deployed.keys()].sort());
    for (const { stream, shards } of local) {
      const properties = deployed.get(stream.name)?.Properties;
      expect(properties?.StreamModeDetails).toEqual({ StreamMode: stream.capacityMode });
      expect(properties?.RetentionPeriodHours).toBe(stream.retentionHours);
      // On demand the stack sets no shard count and the local runtime stands a fixed one in.
      if (stream.capacityMode === 'PROVISIONED') expect(properties?.ShardCount).toBe(shards);
      else expect(properties?.ShardCount).toBeUndefined();
    }
  });

  it('creates the tables the stack deploys, with its keys, stream view and TTL attribute', () => {
    // Prepare
    const deployed = byName(template, 'AWS::DynamoDB::Table', 'TableName');

    // Act
    const local = Object.values(topology.tables).map((table) => ({ table, input: createTableInput(table) }));

    // Assess
    expect(local.map(({ table }) => table.name).sort()).toEqual([...deployed.keys()].sort());
    for (const { table, input } of local) {
      const properties = deployed.get(table.name)?.Properties ?? {};
      expect(input.KeySchema).toEqual(properties.KeySchema);
      expect(input.AttributeDefinitions).toEqual(expect.arrayContaining(properties.AttributeDefinitions as unknown[]));
      expect(input.AttributeDefinitions).toHaveLength((properties.AttributeDefinitions as unknown[]).length);
      expect(input.BillingMode).toBe(properties.BillingMode);
      expect(input.StreamSpecification?.StreamViewType).toBe(
        (properties.StreamSpecification as { StreamViewType?: string } | undefined)?.StreamViewType,
      );
      expect(properties.TimeToLiveSpecification).toEqual({ AttributeName: table.ttlAttribute, Enabled: true });
    }
  });

  it('creates the queues the stack deploys, with its retention and redrive policies', () => {
    // Prepare
    const deployed = byName(template, 'AWS::SQS::Queue', 'QueueName');
    const queueNameOf = (logicalId: string) => [...deployed.entries()].find(([, queue]) => queue.logicalId === logicalId)?.[0];
    const localDeadLetterArn = 'arn:aws:sqs:us-east-1:000000000000:local-dlq';

    // Act
    const local = Object.values(topology.queues).map((queue) => ({
      queue,
      attributes: queueAttributes(queue, settings, 'redrivePolicy' in queue ? localDeadLetterArn : undefined),
    }));

    // Assess
    expect(local.map(({ queue }) => queue.name).sort()).toEqual([...deployed.keys()].sort());
    for (const { queue, attributes } of local) {
      const properties = deployed.get(queue.name)?.Properties ?? {};
      expect(Number(attributes.MessageRetentionPeriod)).toBe(properties.MessageRetentionPeriod);
      const deployedRedrive = properties.RedrivePolicy as
        | { deadLetterTargetArn: { 'Fn::GetAtt': [string, string] }; maxReceiveCount: number }
        | undefined;
      if (!('redrivePolicy' in queue)) {
        expect(attributes.RedrivePolicy).toBeUndefined();
        expect(deployedRedrive).toBeUndefined();
        continue;
      }
      expect(JSON.parse(attributes.RedrivePolicy ?? '{}')).toEqual({
        deadLetterTargetArn: localDeadLetterArn,
        maxReceiveCount: deployedRedrive?.maxReceiveCount,
      });
      expect(queueNameOf(deployedRedrive?.deadLetterTargetArn['Fn::GetAtt'][0] ?? '')).toBe(queue.redrivePolicy.deadLetterQueue);
    }
  });
});
