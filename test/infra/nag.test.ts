import type { App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { EnvironmentName } from '../../lib/config';
import { synthesizeEnvironment } from './synth';

function unacknowledgedFindings(app: App): string[] {
  app.synth();
  const report = new AwsSolutionsChecks().validateScope(app);
  return report.violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath ?? '?'}`),
  );
}

describe('cdk-nag AwsSolutions', () => {
  it.each<EnvironmentName>(['dev', 'prod'])('reports no unacknowledged finding in %s', (environment) => {
    // Prepare
    const { app } = synthesizeEnvironment(environment);

    // Act
    const findings = unacknowledgedFindings(app);

    // Assess
    expect(findings).toEqual([]);
  });

  it('reports a wildcard grant that nobody acknowledged', () => {
    // Prepare
    const { app, stacks } = synthesizeEnvironment('dev');
    stacks.data.dataBucketIn(stacks.pipeline).grantRead(stacks.pipeline.start.role, 'unexpected/*');

    // Act
    const findings = unacknowledgedFindings(app);

    // Assess
    expect(findings).toContainEqual(
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::.*\/unexpected\/\*\] at tripstream-dev-pipeline\/StartHandler\/Role/),
    );
  });
});
