/**
 * Where the operator hears of trouble: one alert topic, encrypted with a key only this account's alarms may
 * use, and the KPI job's end states forwarded to it by an EventBridge rule through a role of its own.
 * Built in the stack's own scope (not a nested construct), so the resources keep their logical IDs.
 */
import { Duration, RemovalPolicy, type Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { PipelineSettings } from '../config';
import { acknowledgeGrantActions } from './nag';

/**
 * What EMR Serverless reports on EventBridge when a job run ends. A run that reaches its execution timeout
 * (kpi/job-run.ts) is cancelled by the service and ends CANCELLED, so that state is an end too.
 */
const EMR_JOB_FINAL_STATES = ['SUCCESS', 'FAILED', 'CANCELLED'] as const;

/** The alert topic; alertEmail, when given, is subscribed to it. */
export function addAlertTopic(scope: Stack, settings: PipelineSettings, alertEmail: string | undefined): sns.Topic {
  // Alarm and event notifications are sensitive enough to encrypt, and CloudWatch and EventBridge can
  // only publish to an encrypted topic whose key lets them; the AWS-managed SNS key does not.
  const topicKey = new kms.Key(scope, 'AlertTopicKey', {
    alias: `alias/${settings.prefix}-alerts`,
    description: `Encrypts the tripstream alert topic (${settings.prefix})`,
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.DESTROY,
    pendingWindow: Duration.days(7),
  });
  // Only CloudWatch alarms of this account and region may publish (and use the key to): the conditions keep
  // the service from acting for anyone else's alarm (confused deputy). EventBridge publishes through a role.
  const alarmsOfThisAccount = {
    StringEquals: { 'aws:SourceAccount': scope.account },
    ArnLike: { 'aws:SourceArn': `arn:${scope.partition}:cloudwatch:${scope.region}:${scope.account}:alarm:*` },
  };
  topicKey.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowAlarmsOfThisAccount',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
      conditions: alarmsOfThisAccount,
    }),
  );
  const topic = new sns.Topic(scope, 'AlertTopic', {
    topicName: `${settings.prefix}-alerts`,
    displayName: 'Tripstream alerts',
    masterKey: topicKey,
    enforceSSL: true,
  });
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowAlarmsOfThisAccount',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: alarmsOfThisAccount,
    }),
  );
  if (alertEmail !== undefined) {
    topic.addSubscription(new subscriptions.EmailSubscription(alertEmail));
  }
  return topic;
}

/** Forwards the end state of every run of the KPI application to the topic. */
export function forwardKpiJobStates(
  scope: Stack,
  props: { readonly settings: PipelineSettings; readonly topic: sns.Topic; readonly applicationId: string },
): void {
  const { settings, topic, applicationId } = props;
  // EventBridge publishes as this role rather than through a topic policy for events.amazonaws.com, which
  // would admit rules of any account; the role trusts only this rule (named, so the ARN is known up front).
  const kpiJobRuleName = `${settings.prefix}-kpi-job-state`;
  const eventsPublisher = new iam.Role(scope, 'KpiJobStatePublisherRole', {
    description: 'Lets the KPI job state rule publish to the alert topic',
    assumedBy: new iam.ServicePrincipal('events.amazonaws.com', {
      conditions: {
        StringEquals: {
          'aws:SourceAccount': scope.account,
          'aws:SourceArn': `arn:${scope.partition}:events:${scope.region}:${scope.account}:rule/${kpiJobRuleName}`,
        },
      },
    }),
  });
  acknowledgeGrantActions(eventsPublisher, ['kms:GenerateDataKey*']);
  new events.Rule(scope, 'KpiJobStateRule', {
    ruleName: kpiJobRuleName,
    description: 'Forwards the end state of every daily KPI job run (success, failure, cancellation or timeout) to the alert topic',
    eventPattern: {
      source: ['aws.emr-serverless'],
      detailType: ['EMR Serverless Job Run State Change'],
      detail: { applicationId: [applicationId], state: [...EMR_JOB_FINAL_STATES] },
    },
    targets: [new eventTargets.SnsTopic(topic, { role: eventsPublisher })],
  });
}
