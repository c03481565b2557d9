import { type EnvironmentName, stackNames } from '../../lib/config';
import { type SynthesizedApp, synthesizeEnvironmentsBeforeAll } from './synth';

const synthesized = synthesizeEnvironmentsBeforeAll();

type Statement = { Action?: string | string[]; NotAction?: unknown };

function allStatements(app: SynthesizedApp): Statement[] {
  return Object.values(app.templates).flatMap((template) => {
    const documents = [
      ...Object.values(template.findResources('AWS::IAM::Policy')).map((policy) => policy.Properties.PolicyDocument),
      ...Object.values(template.findResources('AWS::IAM::Role')).flatMap((role) => [
        role.Properties.AssumeRolePolicyDocument,
        ...((role.Properties.Policies ?? []) as Array<{ PolicyDocument: unknown }>).map((policy) => policy.PolicyDocument),
      ]),
    ] as Array<{ Statement: Statement[] }>;
    return documents.flatMap((document) => document.Statement);
  });
}

describe.each<EnvironmentName>(['dev', 'prod'])('the %s app', (environment) => {
  it('splits stateful from stateless resources into the five named stacks', () => {
    // Prepare
    const { stacks, settings } = synthesized[environment];
    const names = stackNames(settings);

    // Act
    const actual = {
      data: stacks.data.stackName,
      pipeline: stacks.pipeline.stackName,
      analytics: stacks.analytics.stackName,
      monitoring: stacks.monitoring.stackName,
      liveMetrics: stacks.liveMetrics.stackName,
    };

    // Assess
    expect(actual).toEqual(names);
    expect(stacks.pipeline.dependencies).toContain(stacks.data);
    expect(stacks.analytics.dependencies).toContain(stacks.data);
    expect(stacks.liveMetrics.dependencies).toContain(stacks.data);
    expect(stacks.monitoring.dependencies).toEqual(expect.arrayContaining([stacks.pipeline, stacks.analytics]));
    expect(stacks.data.dependencies).toEqual([]);
  });

  it('keeps every stateful resource in the data stack', () => {
    // Prepare
    const stateful = ['AWS::DynamoDB::Table', 'AWS::Kinesis::Stream', 'AWS::SQS::Queue', 'AWS::S3::Bucket'];
    const { templates } = synthesized[environment];

    // Act
    const elsewhere = [templates.pipeline, templates.analytics, templates.monitoring].flatMap((template) =>
      stateful.flatMap((type) => Object.keys(template.findResources(type))),
    );

    // Assess
    expect(elsewhere).toEqual([]);
  });

  it('has no IAM statement allowing every action', () => {
    // Prepare
    const statements = allStatements(synthesized[environment]);

    // Act
    const everyAction = statements.filter(
      (statement) => statement.NotAction !== undefined || [statement.Action ?? []].flat().includes('*'),
    );

    // Assess
    expect(statements.length).toBeGreaterThan(20);
    expect(everyAction).toEqual([]);
  });
});
