/**
 * The daily schedule that starts the KPI job: an EventBridge Scheduler schedule in a group of its own (so the
 * Scheduler's metrics of the group are the KPI schedule's alone) invoking the kpi-trigger function.
 * Built in the stack's own scope (not a nested construct), so the resources keep their logical IDs.
 */
import { Duration, RemovalPolicy, type Stack, TimeZone } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type { PipelineSettings } from '../config';
import { acknowledgeWildcardResource } from './nag';

export function addDailyKpiSchedule(
  scope: Stack,
  props: { readonly settings: PipelineSettings; readonly trigger: lambda.IFunction },
): scheduler.ScheduleGroup {
  const { settings, trigger } = props;
  const scheduleRole = new iam.Role(scope, 'DailyKpiScheduleRole', {
    description: 'Lets EventBridge Scheduler invoke the kpi-trigger function',
    assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': scope.account } },
    }),
  });
  const scheduleGroup = new scheduler.ScheduleGroup(scope, 'KpiScheduleGroup', {
    scheduleGroupName: `${settings.prefix}-kpis`,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  new scheduler.Schedule(scope, 'DailyKpiSchedule', {
    description: 'Computes the daily KPIs once a day',
    scheduleGroup,
    schedule: scheduler.ScheduleExpression.expression(settings.kpi.scheduleExpression, TimeZone.ETC_UTC),
    target: new schedulerTargets.LambdaInvoke(trigger, {
      // The trigger derives "yesterday" from `time` (see resolveKpiRequest): with the scheduled time rather
      // than its own clock, a retry or a late delivery asks for the same dates, hence the same job run.
      input: scheduler.ScheduleTargetInput.fromObject({ time: scheduler.ContextAttribute.scheduledTime }),
      role: scheduleRole,
      retryAttempts: 3,
      maxEventAge: Duration.hours(2),
    }),
  });
  acknowledgeWildcardResource(
    scheduleRole,
    `${trigger.functionArn}:*`,
    'Added by the Scheduler LambdaInvoke target so a version or alias of the kpi-trigger function can be ' +
      'invoked; it is still that one function.',
  );
  return scheduleGroup;
}
