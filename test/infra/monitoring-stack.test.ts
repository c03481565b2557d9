import { Match } from 'aws-cdk-lib/assertions';
import { type EnvironmentName, environments, STACK_OUTPUTS } from '../../lib/config';
import { iteratorAgeThresholdMs } from '../../lib/constructs/pipeline-alarms';
import { alertEmailFromContext } from '../../lib/stacks/monitoring-stack';
import { resourcesOf, synthesizeEnvironmentsBeforeAll, synthesizeSettings } from './synth';

const synthesized = synthesizeEnvironmentsBeforeAll();

type Alarm = { Properties: { MetricName?: string; Namespace?: string; Threshold: number; AlarmActions: unknown[] } };

describe.each<EnvironmentName>(['dev', 'prod'])('monitoring stack (%s)', (environment) => {
  const settings = environments[environment];
  const template = () => synthesized[environment].templates.monitoring;
  const alarms = () => Object.values(resourcesOf(template(), 'AWS::CloudWatch::Alarm')) as unknown as Alarm[];
  const alarmsById = () => resourcesOf(template(), 'AWS::CloudWatch::Alarm') as unknown as Record<string, Alarm>;

  it('publishes alerts to an encrypted, SSL-only SNS topic', () => {
    // Prepare
    const topicName = `${settings.prefix}-alerts`;

    // Act
    const monitoring = template();

    // Assess
    monitoring.hasResourceProperties('AWS::SNS::Topic', { TopicName: topicName, KmsMasterKeyId: Match.anyValue() });
    monitoring.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  it('forwards every end of a KPI job run of this application (success, failure, cancellation or timeout) to the topic', () => {
    // Prepare
    const pattern = {
      source: ['aws.emr-serverless'],
      'detail-type': ['EMR Serverless Job Run State Change'],
      detail: { applicationId: [Match.anyValue()], state: ['SUCCESS', 'FAILED', 'CANCELLED'] },
    };

    // Act
    const monitoring = template();

    // Assess
    monitoring.hasResourceProperties('AWS::Events::Rule', {
      Name: `${settings.prefix}-kpi-job-state`,
      EventPattern: pattern,
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('^AlertTopic') }, RoleArn: Match.anyValue() })],
    });
  });

  it('lets EventBridge publish only as a role that trusts this one rule of this account', () => {
    // Prepare
    const ruleArn = {
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':events:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          `:rule/${settings.prefix}-kpi-job-state`,
        ],
      ],
    };

    // Act
    const monitoring = template();
    const topicPolicies = JSON.stringify(resourcesOf(monitoring, 'AWS::SNS::TopicPolicy'));

    // Assess
    expect(topicPolicies).not.toContain('events.amazonaws.com');
    monitoring.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' }, 'aws:SourceArn': ruleArn } },
          }),
        ],
      },
    });
  });

  it('lets CloudWatch publish to the topic only for alarms of this account and region', () => {
    // Prepare
    const condition = {
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      ArnLike: {
        'aws:SourceArn': {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':alarm:*'],
          ],
        },
      },
    };

    // Act
    const monitoring = template();

    // Assess
    monitoring.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: condition,
          }),
        ]),
      },
    });
    monitoring.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Condition: condition,
          }),
        ]),
      },
    });
  });

  it('alarms when a KPI date is late, and is not in ALARM before the first scheduled run (no data is not breaching)', () => {
    // Prepare
    const freshness = () => alarms().filter((alarm) => alarm.Properties.MetricName === 'KpiDatesMissing');

    // Act
    const found = freshness();

    // Assess
    expect(found).toHaveLength(1);
    expect(found[0]?.Properties).toEqual(
      expect.objectContaining({
        Namespace: 'Tripstream',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
        Period: 86_400,
        AlarmActions: [{ Ref: expect.stringMatching(/^AlertTopic/) }],
      }),
    );
  });

  it('alarms when the daily schedule could not run the freshness check: invocations dropped or failed in its own schedule group', () => {
    // Prepare
    const scheduleGroup = Object.values(resourcesOf(synthesized[environment].templates.analytics, 'AWS::Scheduler::ScheduleGroup'));

    // Act
    const [, alarm] = Object.entries(alarmsById()).find(([id]) => id.startsWith('KpiScheduleFailedAlarm')) ?? [];
    const metrics = JSON.stringify((alarm?.Properties as { Metrics?: unknown } | undefined)?.Metrics ?? null);

    // Assess
    expect(scheduleGroup).toHaveLength(1);
    expect(metrics).toContain('"Namespace":"AWS/Scheduler"');
    expect(metrics).toContain('InvocationDroppedCount');
    expect(metrics).toContain('TargetErrorCount');
    expect(metrics).toContain(`"Name":"ScheduleGroup"`);
    expect(alarm?.Properties).toEqual(expect.objectContaining({ Threshold: 0, TreatMissingData: 'notBreaching' }));
  });

  it('alarms when more trips than the environment allows stay open past their grace period in a day', () => {
    // Prepare
    const expected = settings.alarms.expiredOpenStartsPerDay;

    // Act
    const found = alarms().filter((alarm) => alarm.Properties.MetricName === 'OpenStartsExpired');

    // Assess
    expect(found).toHaveLength(1);
    expect(found[0]?.Properties).toEqual(
      expect.objectContaining({
        Namespace: 'Tripstream',
        Dimensions: [{ Name: 'service', Value: 'tripstream' }],
        Statistic: 'Sum',
        Period: 86_400,
        Threshold: expected,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
      }),
    );
  });

  it("sets each stream consumer's IteratorAge alarm above its own batching window and function timeout", () => {
    // Prepare
    const mappings = {
      StartHandler: settings.startMapping,
      EndHandler: settings.endMapping,
      MatchHandler: settings.matchMapping,
      LiveMetricsHandler: settings.liveMetricsMapping,
    };

    // Act
    const thresholds = Object.fromEntries(
      Object.keys(mappings).map((handler) => [
        handler,
        Object.entries(alarmsById()).find(([id]) => id.startsWith(`${handler}IteratorAgeAlarm`))?.[1].Properties.Threshold,
      ]),
    );

    // Assess
    for (const [handler, mapping] of Object.entries(mappings)) {
      expect(thresholds[handler]).toBe(iteratorAgeThresholdMs(mapping, settings));
      expect(thresholds[handler]).toBeGreaterThan((mapping.maxBatchingWindowSeconds + settings.handlers.timeoutSeconds) * 1000);
    }
    expect(thresholds.MatchHandler).toBeGreaterThan(settings.matchMapping.maxBatchingWindowSeconds * 1000);
  });

  it('outputs the alert topic ARN', () => {
    // Act
    const outputs = template().findOutputs(STACK_OUTPUTS.alertTopicArn);

    // Assess
    expect(Object.values(outputs)).toEqual([expect.objectContaining({ Value: { Ref: expect.stringMatching(/^AlertTopic/) } })]);
  });

  it('alarms on dead letters, iterator age, handler errors and a failed KPI job, all notifying the topic', () => {
    // Prepare
    const byMetric = (name: string) => alarms().filter((alarm) => alarm.Properties.MetricName === name);

    // Act
    const all = alarms();

    // Assess
    expect(byMetric('ApproximateNumberOfMessagesVisible')).toHaveLength(1);
    expect(byMetric('IteratorAge')).toHaveLength(4);
    expect(byMetric('Errors')).toHaveLength(7);
    expect(byMetric('FailedJobs')).toHaveLength(1);
    for (const alarm of all) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^AlertTopic/) }]);
    }
  });

  it('lets no service but CloudWatch use the topic key', () => {
    // Prepare
    const key = () => Object.values(resourcesOf(template(), 'AWS::KMS::Key'))[0];

    // Act
    const statements = (key()?.Properties.KeyPolicy as { Statement: { Principal?: { Service?: unknown } }[] }).Statement;

    // Assess
    expect(statements.map((statement) => statement.Principal?.Service).filter((service) => service !== undefined)).toEqual([
      'cloudwatch.amazonaws.com',
    ]);
  });

  it('draws the dashboard of the whole flow', () => {
    // Prepare
    const expectedWidgets = [
      'Stream throughput',
      'Stream iterator age',
      'Trips completed',
      'Handler errors',
      'Handler duration',
      'Handler throttles',
      'Retry and dead-letter queue depth',
      'Trips table throttles',
      'KPI job runs',
    ];

    // Act
    const dashboard = Object.values(resourcesOf(template(), 'AWS::CloudWatch::Dashboard'))[0];
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);

    // Assess
    for (const title of expectedWidgets) expect(body).toContain(title);
    expect(body).toContain('TripCompleted');
  });
});

describe('alert subscriptions', () => {
  it('subscribes the e-mail address given at deploy time, and none when none is given', () => {
    // Prepare
    const alertEmail = alertEmailFromContext((key) => ({ alertEmail: 'oncall@example.com' })[key]);

    // Act
    const subscribed = synthesizeSettings(environments.dev, { alertEmail }).templates.monitoring;
    const unsubscribed = synthesized.dev.templates.monitoring;

    // Assess
    subscribed.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
    unsubscribed.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('refuses a deploy-time alert address that is not an e-mail address', () => {
    // Prepare
    const context = (key: string) => ({ alertEmail: 'oncall-at-example' })[key];

    // Act
    const reading = () => alertEmailFromContext(context);

    // Assess
    expect(reading).toThrow('context value "alertEmail" must be an e-mail address, got "oncall-at-example"');
  });

  it('keeps no alert address in the settings of any environment', () => {
    // Prepare
    const settings = Object.values(environments);

    // Act
    const serialized = JSON.stringify(settings);

    // Assess
    expect(serialized).not.toMatch(/@/);
  });
});
