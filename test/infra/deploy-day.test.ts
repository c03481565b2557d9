/**
 * Deploy day (issue 22): what a first `cdk deploy` into a fresh account trips over, and what would page someone
 * or open a door in the first week, one assertion per finding that the stacks/monitoring/analytics tests do not
 * already hold.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DATA_PREFIXES, type EnvironmentName, environments, STACK_OUTPUTS } from '../../lib/config';
import { AccountStack, accountSetupRequested } from '../../lib/stacks/account-stack';
import { resourcesOf, type SynthesizedApp, synthesizeEnvironmentsBeforeAll } from './synth';

const synthesized = synthesizeEnvironmentsBeforeAll();

interface Statement {
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}

/** Every identity policy statement of a template: inline policies, role policies and managed policies. */
function identityStatements(template: Template): { readonly id: string; readonly statement: Statement }[] {
  const documents = [
    ...Object.entries(resourcesOf(template, 'AWS::IAM::Policy')).map(([id, policy]) => [id, policy.Properties.PolicyDocument] as const),
    ...Object.entries(resourcesOf(template, 'AWS::IAM::ManagedPolicy')).map(
      ([id, policy]) => [id, policy.Properties.PolicyDocument] as const,
    ),
    ...Object.entries(resourcesOf(template, 'AWS::IAM::Role')).flatMap(([id, role]) =>
      ((role.Properties.Policies ?? []) as { PolicyDocument: unknown }[]).map((policy) => [id, policy.PolicyDocument] as const),
    ),
  ] as (readonly [string, { Statement: Statement[] }])[];
  return documents.flatMap(([id, document]) => document.Statement.map((statement) => ({ id, statement })));
}

function actionsOf(statement: Statement): string[] {
  return [statement.Action].flat();
}

function templatesOf(app: SynthesizedApp): [string, Template][] {
  return Object.entries(app.templates);
}

/** The logical ids and resource strings of a resource list, rendered to text for matching. */
function resourceText(statement: Statement): string[] {
  return [statement.Resource].flat().map((resource) => JSON.stringify(resource));
}

describe.each<EnvironmentName>(['dev', 'prod'])('deploy day (%s)', (environment) => {
  const settings = environments[environment];

  it('#1 leaves the account-level API Gateway logging role out of the live-metrics stack, which still access-logs its stage', () => {
    // Prepare
    const template = synthesized[environment].templates.liveMetrics;

    // Act
    const accounts = Object.keys(resourcesOf(template, 'AWS::ApiGateway::Account'));
    const apiGatewayRoles = Object.values(resourcesOf(template, 'AWS::IAM::Role')).filter((role) =>
      JSON.stringify(role.Properties.AssumeRolePolicyDocument).includes('apigateway.amazonaws.com'),
    );
    const [stage] = Object.values(resourcesOf(template, 'AWS::ApiGateway::Stage'));

    // Assess
    expect(accounts).toEqual([]);
    expect(apiGatewayRoles).toEqual([]);
    expect(stage?.Properties.AccessLogSetting).toBeDefined();
  });

  it('#5 retains nothing with plain Retain: what is kept is RetainExceptOnCreate, and kept on replacement too', () => {
    // Prepare
    const templates = templatesOf(synthesized[environment]);

    // Act
    const resources = templates.flatMap(([stack, template]) =>
      Object.entries(template.toJSON().Resources as Record<string, { DeletionPolicy?: string; UpdateReplacePolicy?: string }>).map(
        ([id, resource]) => ({ id: `${stack}/${id}`, deletion: resource.DeletionPolicy, replace: resource.UpdateReplacePolicy }),
      ),
    );
    const retained = resources.filter((resource) => resource.deletion === 'RetainExceptOnCreate');

    // Assess
    expect(resources.filter((resource) => resource.deletion === 'Retain')).toEqual([]);
    expect(retained.filter((resource) => resource.replace !== 'Retain')).toEqual([]);
    if (settings.retainData) expect(retained.length).toBeGreaterThan(15);
    else expect(retained).toEqual([]);
  });

  it('#6 references other stacks weakly: no export, no import, only stack outputs read by Fn::GetStackOutput', () => {
    // Prepare
    const templates = templatesOf(synthesized[environment]);

    // Act
    const texts = templates.map(([, template]) => JSON.stringify(template.toJSON()));
    const exports = templates.flatMap(([, template]) =>
      Object.values((template.toJSON().Outputs ?? {}) as Record<string, { Export?: unknown }>).filter(
        (output) => output.Export !== undefined,
      ),
    );

    // Assess
    expect(texts.filter((text) => text.includes('Fn::ImportValue'))).toEqual([]);
    expect(exports).toEqual([]);
    expect(texts.some((text) => text.includes('Fn::GetStackOutput'))).toBe(true);
  });

  it('#8 synthesizes every stack with the bootstrap qualifier of its environment', () => {
    // Prepare
    const templates = templatesOf(synthesized[environment]);

    // Act
    const versionParameters = templates.map(
      ([, template]) => (template.toJSON().Parameters as { BootstrapVersion: { Default: string } }).BootstrapVersion.Default,
    );

    // Assess
    expect(versionParameters).toEqual(templates.map(() => `/cdk-bootstrap/${settings.bootstrapQualifier}/version`));
  });

  it('#9 grants no role or policy s3:DeleteObject*, s3:DeleteObjectVersion or s3:*, and s3:DeleteObject only where a run replaces its own output', () => {
    // Prepare
    const statements = templatesOf(synthesized[environment]).flatMap(([, template]) => identityStatements(template));
    const replaced = [DATA_PREFIXES.dailyKpis, DATA_PREFIXES.dailyKpisByDimension, DATA_PREFIXES.sparkCode];

    // Act
    const destructive = statements.filter(({ statement }) =>
      actionsOf(statement).some((action) => ['s3:DeleteObject*', 's3:DeleteObjectVersion', 's3:*', '*'].includes(action)),
    );
    const deletes = statements.filter(({ statement }) => actionsOf(statement).includes('s3:DeleteObject'));

    // Assess
    expect(destructive).toEqual([]);
    expect(deletes.length).toBeGreaterThan(0);
    for (const { id, statement } of deletes) {
      for (const resource of resourceText(statement)) {
        expect({ id, resource, underAReplacedPrefix: replaced.some((prefix) => resource.includes(`/${prefix}*`)) }).toEqual({
          id,
          resource,
          underAReplacedPrefix: true,
        });
      }
    }
  });

  it('#9 lets the Spark code deployment read its one asset object of the bootstrap bucket, and list nothing there', () => {
    // Prepare
    const template = synthesized[environment].templates.analytics;

    // Act
    const statements = identityStatements(template).filter(({ id }) => id.startsWith('SparkCodeDeploymentRole'));
    const onAssetBucket = statements.filter(({ statement }) => resourceText(statement).some((resource) => resource.includes('cdk-')));

    // Assess
    expect(onAssetBucket).toHaveLength(1);
    expect(actionsOf(onAssetBucket[0]?.statement ?? { Action: [], Resource: [] })).toEqual(['s3:GetObject']);
    for (const resource of resourceText(onAssetBucket[0]?.statement ?? { Action: [], Resource: [] })) {
      expect(resource).toMatch(/\/[0-9a-f]{64}\.zip"/);
    }
  });

  it('#10 outputs the data key ARN, the alert topic ARN and the metrics API URL', () => {
    // Prepare
    const { templates } = synthesized[environment];

    // Act
    const outputs = {
      key: templates.data.findOutputs(STACK_OUTPUTS.dataKeyArn),
      topic: templates.monitoring.findOutputs(STACK_OUTPUTS.alertTopicArn),
      api: templates.liveMetrics.findOutputs(STACK_OUTPUTS.metricsApiUrl),
    };

    // Assess
    expect(Object.values(outputs.key)).toEqual([
      expect.objectContaining({ Value: { 'Fn::GetAtt': [expect.stringMatching(/^DataKey/), 'Arn'] } }),
    ]);
    expect(Object.keys(outputs.topic)).toHaveLength(1);
    expect(Object.keys(outputs.api)).toHaveLength(1);
  });

  it.each([
    [
      'data',
      'ProducerPolicy',
      STACK_OUTPUTS.producerPolicyArn,
      ['cloudformation:DescribeStacks', 'kinesis:DescribeStreamSummary', 'kinesis:ListShards', 'kinesis:PutRecord', 'kinesis:PutRecords'],
    ],
    [
      'data',
      'OperatorPolicy',
      STACK_OUTPUTS.operatorPolicyArn,
      [
        'cloudformation:DescribeStacks',
        'kinesis:DescribeStreamSummary',
        'kinesis:ListShards',
        'kinesis:PutRecords',
        'kms:Decrypt',
        'kms:GenerateDataKey',
        's3:GetObject',
        's3:ListBucket',
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:ReceiveMessage',
        'sqs:SendMessage',
      ],
    ],
    [
      'analytics',
      'AnalystPolicy',
      STACK_OUTPUTS.analystPolicyArn,
      [
        'athena:GetNamedQuery',
        'athena:GetQueryExecution',
        'athena:GetQueryResults',
        'athena:GetWorkGroup',
        'athena:ListNamedQueries',
        'athena:StartQueryExecution',
        'athena:StopQueryExecution',
        'cloudformation:DescribeStacks',
        'glue:GetDatabase',
        'glue:GetPartition',
        'glue:GetPartitions',
        'glue:GetTable',
        'glue:GetTables',
        'kms:Decrypt',
        'kms:GenerateDataKey',
        's3:AbortMultipartUpload',
        's3:GetBucketLocation',
        's3:GetObject',
        's3:ListBucket',
        's3:PutObject',
      ],
    ],
    ['liveMetrics', 'MetricsApiCallerPolicy', STACK_OUTPUTS.metricsApiCallerPolicyArn, ['execute-api:Invoke']],
  ] as const)('#10 outputs a least-privilege managed policy: %s %s', (stack, policyId, outputKey, expectedActions) => {
    // Prepare
    const template = synthesized[environment].templates[stack];

    // Act
    const statements = identityStatements(template).filter(({ id }) => id.startsWith(policyId));
    const actions = [...new Set(statements.flatMap(({ statement }) => actionsOf(statement)))].sort();
    const output = Object.values(template.findOutputs(outputKey));

    // Assess
    expect(actions).toEqual([...expectedActions].sort());
    expect(output).toEqual([expect.objectContaining({ Value: { Ref: expect.stringMatching(new RegExp(`^${policyId}`)) } })]);
    for (const { statement } of statements) {
      expect(resourceText(statement)).not.toContain('"*"');
      if (actionsOf(statement).some((action) => action.startsWith('kms:'))) {
        expect(JSON.stringify(statement.Condition)).toContain('kms:ViaService');
      }
    }
  });
});

describe('the account stack (#1)', () => {
  function accountTemplate(): { app: App; template: Template } {
    const app = new App();
    const stack = new AccountStack(app, 'tripstream-account');
    return { app, template: Template.fromStack(stack) };
  }

  it('sets the account-level API Gateway CloudWatch role, kept when the stack goes and removed if its first create fails', () => {
    // Prepare
    const { template } = accountTemplate();

    // Act
    const [account] = Object.values(
      template.toJSON().Resources as Record<string, { Type: string; DeletionPolicy?: string; Properties: Record<string, unknown> }>,
    ).filter((resource) => resource.Type === 'AWS::ApiGateway::Account');

    // Assess
    expect(account?.Properties.CloudWatchRoleArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ApiGatewayCloudWatchRole/), 'Arn'] });
    expect(account?.DeletionPolicy).toBe('RetainExceptOnCreate');
    template.hasResource('AWS::IAM::Role', {
      DeletionPolicy: 'RetainExceptOnCreate',
      Properties: Match.objectLike({
        AssumeRolePolicyDocument: Match.objectLike({
          Statement: [
            Match.objectLike({
              Principal: { Service: 'apigateway.amazonaws.com' },
              Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
            }),
          ],
        }),
        ManagedPolicyArns: [
          Match.objectLike({
            'Fn::Join': Match.arrayWith([Match.arrayWith([':iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs'])]),
          }),
        ],
      }),
    });
  });

  it('passes cdk-nag with its one acknowledgement', () => {
    // Prepare
    const { app } = accountTemplate();

    // Act
    app.synth();
    const report = new AwsSolutionsChecks().validateScope(app);

    // Assess
    expect(report.violations.flatMap((violation) => violation.violatingResources)).toEqual([]);
  });

  it('is synthesized only when asked for with -c accountSetup=true', () => {
    // Prepare
    const contexts: Record<string, unknown>[] = [{}, { accountSetup: 'false' }, { accountSetup: 'true' }, { accountSetup: true }];

    // Act
    const requested = contexts.map((context) => accountSetupRequested((key) => context[key]));

    // Assess
    expect(requested).toEqual([false, false, true, true]);
    expect(() => accountSetupRequested(() => 'yes')).toThrow('context value "accountSetup" must be true or false, got "yes"');
  });
});

describe('feature flags (#6)', () => {
  const cdkJson = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  const recommended = JSON.parse(
    fs.readFileSync(path.resolve(__dirname, '..', '..', 'node_modules', 'aws-cdk-lib', 'recommended-feature-flags.json'), 'utf8'),
  ) as Record<string, unknown>;
  const deviations = (cdkJson.context['tripstream:featureFlagDeviations'] ?? {}) as Record<string, unknown>;

  it('sets every flag aws-cdk-lib recommends to its recommended value, or names why not', () => {
    // Prepare
    const flags = Object.entries(recommended);

    // Act
    const differing = flags
      .filter(([flag, value]) => JSON.stringify(cdkJson.context[flag]) !== JSON.stringify(value))
      .map(([flag]) => flag);

    // Assess
    expect(differing.sort()).toEqual(Object.keys(deviations).sort());
    for (const reason of Object.values(deviations)) expect(String(reason).length).toBeGreaterThan(40);
    expect(cdkJson.context['@aws-cdk/core:defaultCrossStackReferences']).toBe('weak');
  });
});
