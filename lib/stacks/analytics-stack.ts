import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as athena from 'aws-cdk-lib/aws-athena';
import type * as emr from 'aws-cdk-lib/aws-emrserverless';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { DATA_PREFIXES, GLUE_TABLES, type PipelineSettings, STACK_OUTPUTS } from '../config';
import { addKpiCatalog } from '../constructs/kpi-catalog';
import { addDailyKpiSchedule } from '../constructs/kpi-schedule';
import { addKpiSparkJob } from '../constructs/kpi-spark-job';
import { PipelineFunction } from '../constructs/pipeline-function';
import { kpiTriggerEnvironment } from '../handler-environment';
import { analystPolicy } from './access-policies';
import type { DataStack } from './data-stack';

/** What the submitter of a job needs on the key of the application's S3 log configuration. */
const EMR_LOG_KEY_ACTIONS = ['kms:DescribeKey', 'kms:GenerateDataKey', 'kms:Decrypt'] as const;

export interface AnalyticsStackProps extends StackProps {
  readonly settings: PipelineSettings;
  readonly data: DataStack;
}

/**
 * The daily batch side: the EMR Serverless Spark application and its job role, the job code in S3, the
 * scheduled kpi-trigger function, and the Glue/Athena catalog over staged trips and daily KPIs.
 */
export class AnalyticsStack extends Stack {
  readonly emrApplication: emr.CfnApplication;
  readonly emrJobRole: iam.Role;
  readonly kpiJobLogGroup: logs.LogGroup;
  readonly kpiTrigger: PipelineFunction;
  /** The daily schedule's own group, so the Scheduler's metrics of this group are the KPI schedule's alone. */
  readonly kpiScheduleGroup: scheduler.ScheduleGroup;
  readonly workGroup: athena.CfnWorkGroup;
  readonly databaseName: string;

  constructor(scope: Construct, id: string, props: AnalyticsStackProps) {
    super(scope, id, props);
    const { settings, data } = props;
    const bucket = data.dataBucketIn(this);

    const job = addKpiSparkJob(this, { settings, bucket, dataKey: data.dataKey });
    this.emrApplication = job.application;
    this.emrJobRole = job.jobRole;
    this.kpiJobLogGroup = job.logGroup;

    this.kpiTrigger = new PipelineFunction(this, 'KpiTrigger', {
      handler: 'kpi-trigger',
      description: 'Starts the daily KPI Spark job on EMR Serverless for the last few days',
      settings,
      environment: kpiTriggerEnvironment(settings, {
        dataBucketName: bucket.bucketName,
        emrApplicationId: this.emrApplication.attrApplicationId,
        emrJobRoleArn: this.emrJobRole.roleArn,
        kpiJobLogGroupName: this.kpiJobLogGroup.logGroupName,
      }),
    });
    this.kpiTrigger.node.addDependency(job.codeDeployment);
    this.kpiTrigger.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['emr-serverless:StartJobRun'],
        resources: [this.emrApplication.attrArn],
      }),
    );
    // The application encrypts the job's S3 logs with the data key, and EMR Serverless refuses a job whose
    // submitter cannot use the log key (it checks at StartJobRun). Only through EMR Serverless: the
    // KmsViaServiceAspect conditions this on emr-serverless.<region>.amazonaws.com.
    this.kpiTrigger.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [...EMR_LOG_KEY_ACTIONS],
        resources: [data.dataKey.keyArn],
      }),
    );
    this.kpiTrigger.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.emrJobRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'emr-serverless.amazonaws.com' } },
      }),
    );
    // The trigger only looks at which trip dates have staged files and (its freshness check) which have KPI
    // files; it never reads a trip or a KPI row.
    this.kpiTrigger.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: {
          StringLike: {
            's3:prefix': [
              DATA_PREFIXES.completedTrips,
              `${DATA_PREFIXES.completedTrips}*`,
              DATA_PREFIXES.dailyKpis,
              `${DATA_PREFIXES.dailyKpis}*`,
            ],
          },
        },
      }),
    );

    this.kpiScheduleGroup = addDailyKpiSchedule(this, { settings, trigger: this.kpiTrigger.function });

    const { database, databaseName, workGroup } = addKpiCatalog(this, { settings, bucket, dataKey: data.dataKey });
    this.databaseName = databaseName;
    this.workGroup = workGroup;

    analystPolicy(this, {
      prefix: settings.prefix,
      outputKey: STACK_OUTPUTS.analystPolicyArn,
      workGroupName: settings.prefix,
      databaseName: this.databaseName,
      tableNames: Object.values(GLUE_TABLES),
      bucket,
      key: data.dataKey,
      readPrefixes: [DATA_PREFIXES.dailyKpis, DATA_PREFIXES.dailyKpisByDimension],
      resultsPrefix: DATA_PREFIXES.athenaResults,
    });
    new CfnOutput(this, STACK_OUTPUTS.athenaWorkGroupName, {
      key: STACK_OUTPUTS.athenaWorkGroupName,
      value: this.workGroup.ref,
      description: 'Athena workgroup (enforced, encrypted results, scan limit)',
    });
    new CfnOutput(this, STACK_OUTPUTS.glueDatabaseName, {
      key: STACK_OUTPUTS.glueDatabaseName,
      value: database.ref,
      description: 'Glue database of the daily_kpis and completed_trips tables',
    });
    new CfnOutput(this, STACK_OUTPUTS.emrApplicationId, {
      key: STACK_OUTPUTS.emrApplicationId,
      value: this.emrApplication.attrApplicationId,
      description: 'EMR Serverless application running the daily KPI job',
    });
  }
}
