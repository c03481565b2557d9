import { Match } from 'aws-cdk-lib/assertions';
import { environments, type EnvironmentName, type PipelineSettings } from '../../lib/config';
import { resourcesOf, synthesizeEnvironmentsBeforeAll, synthesizeSettings } from './synth';

const synthesized = synthesizeEnvironmentsBeforeAll();

type Alarm = { Properties: { MetricName?: string; Namespace?: string; Threshold: number; AlarmActions: unknown[] } };

describe.each<EnvironmentName>(['dev', 'prod'])('monitoring stack (%s)', (environment) => {
  const settings = environments[environment];
  const template = () => synthesized[environment].templates.monitoring;
  const alarms = () => Object.values(resourcesOf(template(), 'AWS::CloudWatch::Alarm')) as unknown as Alarm[];

  it('publishes alerts to an encrypted, SSL-only SNS topic', () => {
    // Prepare
    const topicName = `${settings.prefix}-alerts`;

    // Act
    const monitoring = template();

    // Assess
    monitoring.hasResourceProperties('AWS::SNS::Topic', { TopicName: topicName, KmsMasterKeyId: Match.anyValue() });
    monitoring.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('forwards EMR job success and failure of this application to the topic', () => {
    // Prepare
    const pattern = {
      source: ['aws.emr-serverless'],
      'detail-type': ['EMR Serverless Job Run State Change'],
      detail: { applicationId: [Match.anyValue()], state: ['SUCCESS', 'FAILED'] },
    };

    // Act
    const monitoring = template();

    // Assess
    monitoring.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: pattern,
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('^AlertTopic') } })],
    });
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
    for (const alarm of byMetric('IteratorAge')) expect(alarm.Properties.Threshold).toBe(settings.alarms.iteratorAgeMsThreshold);
    for (const alarm of all) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^AlertTopic/) }]);
    }
  });

  it('lets CloudWatch and EventBridge use the topic key, and nothing else outside the account', () => {
    // Prepare
    const services = ['cloudwatch.amazonaws.com', 'events.amazonaws.com'];

    // Act
    const monitoring = template();

    // Assess
    monitoring.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: services }, Action: ['kms:Decrypt', 'kms:GenerateDataKey'] }),
        ]),
      },
    });
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
  it('subscribes the configured email address, and none when there is none', () => {
    // Prepare
    const withEmail: PipelineSettings = {
      ...environments.dev,
      alarms: { ...environments.dev.alarms, email: 'oncall@example.com' },
    };

    // Act
    const subscribed = synthesizeSettings(withEmail).templates.monitoring;
    const unsubscribed = synthesized.dev.templates.monitoring;

    // Assess
    subscribed.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
    unsubscribed.resourceCountIs('AWS::SNS::Subscription', 0);
  });
});
