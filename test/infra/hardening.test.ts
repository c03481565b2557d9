/** The security findings of the hardening issue, one assertion each, in both environments. */
import { type EnvironmentName, environments } from '../../lib/config';
import { policyStatements, resourcesOf, synthesizeEnvironmentsBeforeAll } from './synth';

const synthesized = synthesizeEnvironmentsBeforeAll();

describe.each<EnvironmentName>(['dev', 'prod'])('hardening (%s)', (environment) => {
  const settings = environments[environment];

  it('lets the Spark code deployment touch the spark/ prefix of the data bucket and no other object', () => {
    // Prepare
    const template = synthesized[environment].templates.analytics;

    // Act
    const statements = policyStatements(template, 'SparkCodeDeploymentRoleDefaultPolicy');
    const dataBucketObjects = statements
      .flatMap((statement) => (Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]))
      .map((resource) => JSON.stringify(resource))
      .filter((resource) => resource.includes(`${settings.prefix}-data-`) && resource.includes('/'));

    // Assess
    expect(dataBucketObjects.length).toBeGreaterThan(0);
    for (const resource of dataBucketObjects) expect(resource).toMatch(/\/spark\/\*"/);
  });

  it('versions the data bucket and expires versions that are no longer current after the configured days', () => {
    // Prepare
    const template = synthesized[environment].templates.data;

    // Act
    const buckets = Object.values(resourcesOf(template, 'AWS::S3::Bucket'));
    const dataBucket = buckets.find((bucket) => JSON.stringify(bucket.Properties.BucketName ?? '').includes('-data-'));

    // Assess
    expect(dataBucket?.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect((dataBucket?.Properties.LifecycleConfiguration as { Rules: unknown[] }).Rules).toContainEqual(
      expect.objectContaining({
        Id: 'expire-noncurrent-versions',
        Status: 'Enabled',
        NoncurrentVersionExpiration: { NoncurrentDays: settings.storage.dataNoncurrentVersionExpirationDays },
      }),
    );
  });

  it('conditions every KMS permission of every role on kms:ViaService, naming only services that role uses', () => {
    // Prepare
    const templates = Object.values(synthesized[environment].templates);

    // Act
    const kmsStatements = templates.flatMap((template) =>
      Object.values(resourcesOf(template, 'AWS::IAM::Policy')).flatMap((policy) => {
        const statements = (
          policy.Properties.PolicyDocument as {
            Statement: { Action: string | string[]; Condition?: { StringEquals?: Record<string, unknown> } }[];
          }
        ).Statement;
        const actions = (statement: (typeof statements)[number]) =>
          Array.isArray(statement.Action) ? statement.Action : [statement.Action];
        return statements.filter((statement) => actions(statement).every((action) => action.startsWith('kms:')));
      }),
    );

    // Assess
    expect(kmsStatements.length).toBeGreaterThan(5);
    for (const statement of kmsStatements) {
      const via = JSON.stringify(statement.Condition?.StringEquals?.['kms:ViaService'] ?? null);
      expect({ statement: statement.Action, via: via.length > 4 && /(sqs|s3|dynamodb|kinesis|sns|emr-serverless)\./.test(via) }).toEqual({
        statement: statement.Action,
        via: true,
      });
    }
  });

  it('reserves no concurrency from the account pool, so an account with a quota of 10 or 50 can deploy', () => {
    // Prepare
    const templates = Object.values(synthesized[environment].templates);

    // Act
    const reserving = templates.flatMap((template) =>
      Object.values(resourcesOf(template, 'AWS::Lambda::Function')).filter(
        (fn) => fn.Properties.ReservedConcurrentExecutions !== undefined,
      ),
    );

    // Assess
    expect(reserving).toEqual([]);
  });
});

describe('hardening settings', () => {
  it('keeps noncurrent data versions longer in prod than in dev', () => {
    // Prepare
    const { dev, prod } = environments;

    // Act
    const days = [dev.storage.dataNoncurrentVersionExpirationDays, prod.storage.dataNoncurrentVersionExpirationDays];

    // Assess
    expect(days[1]).toBeGreaterThan(days[0] ?? Number.POSITIVE_INFINITY);
  });
});
