/**
 * At most two readers per shard of the trips table's stream (AWS throttles more: "Simultaneous readers of a
 * shard in DynamoDB Streams", Lambda developer guide), counting the resolution of given-up batches: across
 * every stack, the event source mappings on the stream and the roles allowed to read it.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import type { EnvironmentName } from '../../lib/config';
import { type PolicyStatement, resourcesOf, synthesizeEnvironmentsBeforeAll } from './synth';

const synthesized = synthesizeEnvironmentsBeforeAll();
const MAX_READERS_PER_SHARD = 2;
/** How the stacks name the table stream: an import of the data stack's export, or a reference to it there. */
const TABLE_STREAM = /TripsTable.*StreamArn/;

function refersToTableStream(value: unknown): boolean {
  return TABLE_STREAM.test(JSON.stringify(value ?? null));
}

function templates(environment: EnvironmentName): Template[] {
  return Object.values(synthesized[environment].templates);
}

/** Roles whose policies allow a read of the table stream's records. */
function rolesReadingTableStream(template: Template): string[] {
  return Object.values(resourcesOf(template, 'AWS::IAM::Policy')).flatMap((policy) => {
    const statements = (policy.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement;
    const reads = statements.some((statement) => {
      const actions = [statement.Action].flat();
      return (
        actions.some((action) => action === 'dynamodb:GetRecords' || action === 'dynamodb:GetShardIterator' || action === 'dynamodb:*') &&
        refersToTableStream(statement.Resource)
      );
    });
    return reads ? (policy.Properties.Roles as unknown[]).map((role) => JSON.stringify(role)) : [];
  });
}

describe.each<EnvironmentName>(['dev', 'prod'])('readers of the trips table stream (%s)', (environment) => {
  it(`has at most ${MAX_READERS_PER_SHARD} event source mappings on it, each one batch per shard at a time`, () => {
    // Act
    const mappings = templates(environment).flatMap((template) =>
      Object.values(resourcesOf(template, 'AWS::Lambda::EventSourceMapping')).filter((mapping) =>
        refersToTableStream(mapping.Properties.EventSourceArn),
      ),
    );

    // Assess
    expect(mappings.length).toBeGreaterThan(0);
    expect(
      mappings.length * Math.max(...mappings.map((mapping) => Number(mapping.Properties.ParallelizationFactor ?? 1))),
    ).toBeLessThanOrEqual(MAX_READERS_PER_SHARD);
  });

  it('lets only the functions of those mappings read it: no other role (the failed-batches handler) may read it back', () => {
    // Act
    const readers = templates(environment).flatMap(rolesReadingTableStream);

    // Assess
    expect(readers.length).toBeGreaterThan(0);
    expect(readers.length).toBeLessThanOrEqual(MAX_READERS_PER_SHARD);
    expect(readers.join(' ')).not.toMatch(/FailedBatches/);
  });

  it('retries its mappings until a record leaves the stream, so nothing needs reading back', () => {
    // Act
    const mappings = templates(environment).flatMap((template) =>
      Object.values(resourcesOf(template, 'AWS::Lambda::EventSourceMapping')).filter((mapping) =>
        refersToTableStream(mapping.Properties.EventSourceArn),
      ),
    );

    // Assess: absent is Lambda's -1 (infinite)
    for (const mapping of mappings) {
      expect(mapping.Properties.MaximumRetryAttempts ?? -1).toBe(-1);
      expect(mapping.Properties.MaximumRecordAgeInSeconds ?? -1).toBe(-1);
    }
  });
});
