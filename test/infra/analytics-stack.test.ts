import { Match } from 'aws-cdk-lib/assertions';
import { completedTripSchema } from '../../domain/trip-item';
import { resolveKpiRequest } from '../../kpi/kpi-request';
import { DATA_PREFIXES, type EnvironmentName, environments, resourceNames, STACK_OUTPUTS } from '../../lib/config';
import { kpiTriggerEnvironment } from '../../lib/handler-environment';
import { type PolicyStatement, policyStatements, resourcesOf, synthesizeEnvironmentsBeforeAll } from './synth';

const synthesized = synthesizeEnvironmentsBeforeAll();

const projection = (prefix: string) => ({
  'projection.enabled': 'true',
  'projection.trip_date.type': 'date',
  'projection.trip_date.format': 'yyyy-MM-dd',
  'projection.trip_date.range': Match.stringLikeRegexp('^\\d{4}-\\d{2}-\\d{2},NOW$'),
  'storage.location.template': {
    'Fn::Join': ['', Match.arrayWith([`/${prefix}trip_date=\${trip_date}/`])],
  },
});

describe.each<EnvironmentName>(['dev', 'prod'])('analytics stack (%s)', (environment) => {
  const settings = environments[environment];
  const template = () => synthesized[environment].templates.analytics;

  it('runs Spark on an arm64 EMR Serverless application that stops when idle and has capped capacity', () => {
    // Prepare
    const expected = {
      Name: resourceNames(settings).kpiJobName,
      Type: 'Spark',
      ReleaseLabel: settings.kpi.emrReleaseLabel,
      Architecture: 'ARM64',
      AutoStopConfiguration: { Enabled: true, IdleTimeoutMinutes: settings.kpi.idleTimeoutMinutes },
      MaximumCapacity: { Cpu: settings.kpi.maxCapacity.cpu, Memory: settings.kpi.maxCapacity.memory, Disk: settings.kpi.maxCapacity.disk },
    };

    // Act
    const analytics = template();

    // Assess
    analytics.hasResourceProperties('AWS::EMRServerless::Application', expected);
  });

  it('scopes the Spark job role to its prefixes and to EMR Serverless', () => {
    // Prepare
    const objectResources = (statement: PolicyStatement) => JSON.stringify(statement.Resource);

    // Act
    const statements = policyStatements(template(), 'SparkJobRoleDefaultPolicy');
    const writes = statements.filter((statement) => [statement.Action].flat().includes('s3:PutObject'));
    const reads = statements.filter((statement) => [statement.Action].flat().includes('s3:GetObject*'));

    // Assess
    template().hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'emr-serverless.amazonaws.com' }, Condition: Match.anyValue() })],
      },
    });
    expect(writes.map(objectResources).join()).toContain(`/${DATA_PREFIXES.dailyKpis}*`);
    expect(writes.map(objectResources).join()).toContain(`/${DATA_PREFIXES.emrLogs}*`);
    expect(writes.map(objectResources).join()).not.toContain(`/${DATA_PREFIXES.completedTrips}*`);
    expect(reads.map(objectResources).join()).toContain(`/${DATA_PREFIXES.sparkCode}*`);
    expect(reads.map(objectResources).join()).toContain(`/${DATA_PREFIXES.completedTrips}*`);
    const wholeBucketObjects = statements
      .flatMap((statement) => [statement.Resource].flat())
      .map((resource) => JSON.stringify(resource))
      .filter((resource) => resource.endsWith('{"Ref":"AWS::Region"},"/*"]]}'));
    expect(wholeBucketObjects).toEqual([]);
  });

  it('gives the KPI job its own log group with the configured retention, the only one its role may write to', () => {
    // Prepare
    const logGroupName = `/aws/emr-serverless/${resourceNames(settings).kpiJobName}`;
    const logGroupIds = Object.entries(resourcesOf(template(), 'AWS::Logs::LogGroup'))
      .filter(([, group]) => group.Properties.LogGroupName === logGroupName)
      .map(([id]) => id);

    // Act
    const logStatements = policyStatements(template(), 'SparkJobRoleDefaultPolicy').filter((statement) =>
      [statement.Action].flat().some((action) => action.startsWith('logs:')),
    );

    // Assess
    expect(logGroupIds).toHaveLength(1);
    template().hasResource('AWS::Logs::LogGroup', {
      Properties: { LogGroupName: logGroupName, RetentionInDays: settings.handlers.logRetentionDays },
      DeletionPolicy: settings.retainData ? 'RetainExceptOnCreate' : 'Delete',
    });
    expect(logStatements).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
        // The group's ARN with and without its `:*` suffix, both naming this one group.
        Resource: [
          { 'Fn::GetAtt': [logGroupIds[0], 'Arn'] },
          {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':logs:',
                { Ref: 'AWS::Region' },
                ':',
                { Ref: 'AWS::AccountId' },
                ':log-group:',
                { Ref: logGroupIds[0] },
              ],
            ],
          },
        ],
      },
      {
        Effect: 'Allow',
        Action: 'logs:DescribeLogGroups',
        Resource: {
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':*']],
        },
      },
    ]);
    template().hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: `${settings.prefix}-kpi-trigger`,
      Environment: { Variables: Match.objectLike({ KPI_JOB_LOG_GROUP_NAME: { Ref: logGroupIds[0] } }) },
    });
  });

  it('ships exactly the Spark job files to the code prefix', () => {
    // Prepare
    const deployments = Object.values(resourcesOf(template(), 'Custom::CDKBucketDeployment'));

    // Act
    const [deployment] = deployments;

    // Assess
    expect(deployments).toHaveLength(1);
    expect(deployment?.Properties.DestinationBucketKeyPrefix).toBe(DATA_PREFIXES.sparkCode);
    expect(deployment?.Properties.Prune).toBe(true);
  });

  it('gives the kpi-trigger function its environment and only the permissions it needs', () => {
    // Prepare
    const expectedNames = Object.keys(
      kpiTriggerEnvironment(settings, { dataBucketName: 'b', emrApplicationId: 'a', emrJobRoleArn: 'r', kpiJobLogGroupName: 'l' }),
    );

    // Act
    const statements = policyStatements(template(), 'KpiTriggerRoleDefaultPolicy');
    const byAction = (action: string) => statements.find((statement) => statement.Action === action);

    // Assess
    template().hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: `${settings.prefix}-kpi-trigger`,
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Environment: { Variables: Match.objectLike(Object.fromEntries(expectedNames.map((name) => [name, Match.anyValue()]))) },
    });
    expect(byAction('emr-serverless:StartJobRun')?.Resource).toEqual({ 'Fn::GetAtt': ['SparkApplication', 'Arn'] });
    expect(byAction('iam:PassRole')).toMatchObject({
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^SparkJobRole/), 'Arn'] },
      Condition: { StringEquals: { 'iam:PassedToService': 'emr-serverless.amazonaws.com' } },
    });
    expect(byAction('s3:ListBucket')?.Condition).toEqual({
      StringLike: {
        's3:prefix': [
          DATA_PREFIXES.completedTrips,
          `${DATA_PREFIXES.completedTrips}*`,
          DATA_PREFIXES.dailyKpis,
          `${DATA_PREFIXES.dailyKpis}*`,
        ],
      },
    });
    expect(
      statements
        .map((statement) => statement.Action)
        .flat()
        .sort(),
    ).toEqual([
      'emr-serverless:StartJobRun',
      'iam:PassRole',
      'kms:Decrypt',
      'kms:DescribeKey',
      'kms:GenerateDataKey',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      's3:ListBucket',
    ]);
  });

  it('lets the kpi-trigger use the key the application encrypts its S3 logs with, only through EMR Serverless', () => {
    // Prepare
    const [application] = Object.values(resourcesOf(template(), 'AWS::EMRServerless::Application'));
    const logKey = (application?.Properties.MonitoringConfiguration as { S3MonitoringConfiguration: { EncryptionKeyArn: unknown } })
      .S3MonitoringConfiguration.EncryptionKeyArn;

    // Act
    const keyStatement = policyStatements(template(), 'KpiTriggerRoleDefaultPolicy').find((statement) =>
      [statement.Action].flat().includes('kms:GenerateDataKey'),
    );

    // Assess
    expect(logKey).toBeDefined();
    expect(keyStatement?.Resource).toEqual(logKey);
    expect([keyStatement?.Action].flat().sort()).toEqual(['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey']);
    expect(keyStatement?.Condition).toEqual({
      StringEquals: {
        'kms:ViaService': expect.arrayContaining([{ 'Fn::Join': ['', ['emr-serverless.', { Ref: 'AWS::Region' }, '.amazonaws.com']] }]),
      },
    });
  });

  it('invokes the kpi-trigger daily on the configured schedule, in UTC', () => {
    // Prepare
    const expression = settings.kpi.scheduleExpression;

    // Act
    const analytics = template();

    // Assess
    expect(expression).toBe('cron(0 1 * * ? *)');
    analytics.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: expression,
      ScheduleExpressionTimezone: 'Etc/UTC',
      State: 'ENABLED',
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^KpiTriggerFunction'), 'Arn'] },
        RetryPolicy: Match.anyValue(),
      }),
    });
  });

  it('hands the kpi-trigger the scheduled time in the field it derives the dates from', () => {
    // Prepare
    const [schedule] = Object.values(resourcesOf(template(), 'AWS::Scheduler::Schedule'));
    const input = (schedule?.Properties.Target as { Input?: string }).Input;
    const deliveredLate = { now: new Date('2024-05-27T00:45:00Z'), lookbackDays: 2 };

    // Act
    const invocation = JSON.parse((input ?? 'null').replace('<aws.scheduler.scheduled-time>', '2024-05-26T01:00:00Z')) as unknown;
    const request = resolveKpiRequest(invocation, deliveredLate);

    // Assess
    expect(input).toBe('{"time":"<aws.scheduler.scheduled-time>"}');
    expect(request).toEqual({ kind: 'scheduled', dates: ['2024-05-23', '2024-05-24', '2024-05-25'] });
  });

  it('catalogs daily KPIs as JSON with partition projection on trip_date', () => {
    // Prepare
    const columns = [
      ['trip_count', 'bigint'],
      ['total_fare', 'double'],
      ['average_fare', 'double'],
      ['min_fare', 'double'],
      ['max_fare', 'double'],
      ['total_tips', 'double'],
      ['total_distance', 'double'],
      ['average_trip_duration_minutes', 'double'],
    ].map(([Name, Type]) => ({ Name, Type }));

    // Act
    const analytics = template();

    // Assess
    analytics.hasResourceProperties('AWS::Glue::Table', {
      TableInput: {
        Name: 'daily_kpis',
        TableType: 'EXTERNAL_TABLE',
        Parameters: Match.objectLike(projection(DATA_PREFIXES.dailyKpis)),
        PartitionKeys: [{ Name: 'trip_date', Type: 'string' }],
        StorageDescriptor: Match.objectLike({
          Columns: columns,
          SerdeInfo: { SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe' },
        }),
      },
    });
  });

  it('catalogs staged trips with every field of the staged schema except the partition key', () => {
    // Prepare
    const expectedColumns = Object.keys(completedTripSchema.shape).filter((name) => name !== 'trip_date');

    // Act
    const table = Object.values(resourcesOf(template(), 'AWS::Glue::Table')).find(
      (resource) => (resource.Properties.TableInput as { Name: string }).Name === 'completed_trips',
    );
    const input = table?.Properties.TableInput as { StorageDescriptor: { Columns: Array<{ Name: string }> } };

    // Assess
    expect(input.StorageDescriptor.Columns.map((column) => column.Name)).toEqual(expectedColumns);
    template().hasResourceProperties('AWS::Glue::Table', {
      TableInput: Match.objectLike({ Name: 'completed_trips', Parameters: Match.objectLike(projection(DATA_PREFIXES.completedTrips)) }),
    });
  });

  it('enforces an Athena workgroup with encrypted results and a scan limit', () => {
    // Prepare
    const cutoff = settings.athena.bytesScannedCutoffPerQuery;

    // Act
    const analytics = template();

    // Assess
    analytics.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: settings.prefix,
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        BytesScannedCutoffPerQuery: cutoff,
        ResultConfiguration: {
          OutputLocation: { 'Fn::Join': ['', Match.arrayWith([`/${DATA_PREFIXES.athenaResults}`])] },
          EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: Match.anyValue() },
        },
      },
    });
  });

  it('saves the common questions as named queries in the workgroup', () => {
    // Prepare
    const expected = [
      'Daily KPIs for a date range',
      'Busiest days of the last 90 days',
      'Daily KPIs per vendor',
      'Busiest pickup locations of a date range',
      'Trips by hour of day (UTC)',
      'Staged trips of a day',
    ];

    // Act
    const queries = Object.values(resourcesOf(template(), 'AWS::Athena::NamedQuery'));

    // Assess
    expect(queries.map((query) => query.Properties.Name)).toEqual(expected);
    for (const query of queries) {
      expect(query.Properties.WorkGroup).toEqual({ Ref: 'WorkGroup' });
      expect(query.Properties.Database).toBe(settings.prefix.replace(/-/g, '_'));
    }
  });

  it('outputs the workgroup, database and EMR application under the shared keys', () => {
    // Prepare
    const keys = [STACK_OUTPUTS.athenaWorkGroupName, STACK_OUTPUTS.glueDatabaseName, STACK_OUTPUTS.emrApplicationId];

    // Act
    const outputs = template().toJSON().Outputs as Record<string, unknown>;

    // Assess
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(keys));
  });
});
