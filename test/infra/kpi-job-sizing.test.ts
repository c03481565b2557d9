/**
 * The daily job's workers and timeout as the capacity model sized them (planning/capacity, docs/capacity.md) are what
 * each environment deploys: the EMR Serverless application's spark-defaults, and the trigger's job-run timeout.
 */

import { kpiJobSparkDefaults } from '../../kpi/job-run';
import { type EnvironmentName, environments } from '../../lib/config';
import { synthesizeEnvironmentsBeforeAll } from './synth';

const synthesized = synthesizeEnvironmentsBeforeAll();

describe.each<EnvironmentName>(['dev', 'prod'])('the KPI job sizing (%s)', (environment) => {
  const job = environments[environment].kpi.job;

  it("gives the application the job's workers as its spark-defaults", () => {
    // Act
    const analytics = synthesized[environment].templates.analytics;

    // Assess
    expect(kpiJobSparkDefaults(job)).toMatchObject({
      'spark.executor.cores': String(job.executorCores),
      'spark.dynamicAllocation.maxExecutors': String(job.maxExecutors),
    });
    analytics.hasResourceProperties('AWS::EMRServerless::Application', {
      RuntimeConfiguration: [
        {
          Classification: 'spark-defaults',
          Properties: kpiJobSparkDefaults(job),
        },
      ],
    });
  });

  it("hands the trigger the job run's timeout", () => {
    // Act
    const analytics = synthesized[environment].templates.analytics;

    // Assess
    const variables = Object.values(analytics.findResources('AWS::Lambda::Function')).map(
      (resource: { Properties?: { Environment?: { Variables?: Record<string, unknown> } } }) =>
        resource.Properties?.Environment?.Variables ?? {},
    );
    expect(variables.filter((vars) => 'KPI_JOB_TIMEOUT_MINUTES' in vars).map((vars) => vars.KPI_JOB_TIMEOUT_MINUTES)).toEqual([
      String(job.timeoutMinutes),
    ]);
  });
});
