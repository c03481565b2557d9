/**
 * Preflight's list of the app's fixed physical names (ops/preflight/fixed-names.ts) against the synthesized
 * templates: every resource a stack retains under a fixed name is on the list of that stack (a leftover of it
 * would make the next create fail with "already exists"), and every name on the list is one the stack gives.
 */
import type { EnvironmentName } from '../../lib/config';
import type { PreflightTarget } from '../../ops/preflight/check';
import { type FixedNameKind, fixedNameResources, type StackRole } from '../../ops/preflight/fixed-names';
import { synthesizeEnvironmentsBeforeAll } from './synth';

const target: PreflightTarget = { account: '123456789012', region: 'eu-west-1' };
const PSEUDO_PARAMETERS: Record<string, string> = { 'AWS::AccountId': target.account, 'AWS::Region': target.region };

/** The property holding each kind's physical name. */
const NAME_PROPERTIES: Record<FixedNameKind, { type: string; property: string }> = {
  'kinesis-stream': { type: 'AWS::Kinesis::Stream', property: 'Name' },
  'dynamodb-table': { type: 'AWS::DynamoDB::Table', property: 'TableName' },
  'sqs-queue': { type: 'AWS::SQS::Queue', property: 'QueueName' },
  's3-bucket': { type: 'AWS::S3::Bucket', property: 'BucketName' },
  'log-group': { type: 'AWS::Logs::LogGroup', property: 'LogGroupName' },
  'athena-workgroup': { type: 'AWS::Athena::WorkGroup', property: 'Name' },
};

interface TemplateResource {
  Type: string;
  DeletionPolicy?: string;
  Properties?: Record<string, unknown>;
}

/** A name fixed at synth time: a literal, or a join of literals and the account and region. Undefined when it depends on other resources. */
function fixedName(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return undefined;
  if ('Ref' in value && typeof value.Ref === 'string') return PSEUDO_PARAMETERS[value.Ref];
  if ('Fn::Join' in value && Array.isArray(value['Fn::Join'])) {
    const [separator, parts] = value['Fn::Join'] as [string, unknown[]];
    const resolved = parts.map(fixedName);
    return resolved.every((part): part is string => part !== undefined) ? resolved.join(separator) : undefined;
  }
  return undefined;
}

/** Name properties that are not physical names of the resource itself. */
const NOT_PHYSICAL_NAMES: Record<string, readonly string[]> = { 'AWS::Logs::LogStream': ['LogGroupName'] };

const synthesized = synthesizeEnvironmentsBeforeAll();

describe.each(['dev', 'prod'] as EnvironmentName[])("preflight's fixed names of %s", (env) => {
  const roles: StackRole[] = ['data', 'pipeline', 'analytics', 'monitoring', 'liveMetrics'];

  it.each(roles)('cover every resource the %s stack retains under a fixed name', (role) => {
    // Prepare
    const { settings, templates } = synthesized[env];
    const listed = new Set(fixedNameResources(settings, target)[role].map((resource) => resource.name));
    const resources = Object.values(templates[role].toJSON().Resources as Record<string, TemplateResource>);

    // Act
    const retained = resources
      .filter((resource) => resource.DeletionPolicy === 'Retain' || resource.DeletionPolicy === 'RetainExceptOnCreate')
      .flatMap((resource) => {
        const ignored = NOT_PHYSICAL_NAMES[resource.Type] ?? [];
        return Object.entries(resource.Properties ?? {})
          .filter(([key]) => key.endsWith('Name') && !ignored.includes(key))
          .map(([, value]) => fixedName(value))
          .filter((name): name is string => name !== undefined)
          .map((name) => `${resource.Type} ${name}`);
      });

    // Assess
    expect(retained.filter((entry) => !listed.has(entry.slice(entry.indexOf(' ') + 1)))).toEqual([]);
  });

  it.each(roles)('name only what the %s stack creates under that name', (role) => {
    // Prepare
    const { settings, templates } = synthesized[env];
    const resources = Object.values(templates[role].toJSON().Resources as Record<string, TemplateResource>);

    // Act
    const unknown = fixedNameResources(settings, target)[role].filter(({ kind, name }) => {
      const { type, property } = NAME_PROPERTIES[kind];
      return !resources.some((resource) => resource.Type === type && fixedName(resource.Properties?.[property]) === name);
    });

    // Assess
    expect(unknown).toEqual([]);
  });
});
