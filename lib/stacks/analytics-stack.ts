import * as fs from 'node:fs';
import * as path from 'node:path';
import { CfnOutput, Duration, RemovalPolicy, Stack, TimeZone, Validations, type StackProps } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as emr from 'aws-cdk-lib/aws-emrserverless';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import { DATA_PREFIXES, GLUE_TABLES, SPARK_JOB_FILES, STACK_OUTPUTS, resourceNames, type PipelineSettings } from '../config';
import { PipelineFunction, logRetention } from '../constructs/pipeline-function';
import { ProjectedJsonTable } from '../constructs/projected-json-table';
import { kpiTriggerEnvironment } from '../handler-environment';
import { kpiJobSparkDefaults } from '../kpi/job-run';
import { COMPLETED_TRIP_COLUMNS, DAILY_KPI_COLUMNS, DIMENSION_KPI_COLUMNS } from './catalog-columns';
import type { DataStack } from './data-stack';
import { analystPolicy } from './access-policies';
import { acknowledgeGrantActions, acknowledgeWildcardResource, type GrantWildcardAction } from '../constructs/nag';
import { removalPolicy } from '../constructs/removal';

/** What the submitter of a job needs on the key of the application's S3 log configuration. */
export const EMR_LOG_KEY_ACTIONS = ['kms:DescribeKey', 'kms:GenerateDataKey', 'kms:Decrypt'] as const;

const SPARK_SOURCE_DIR = path.resolve(__dirname, '..', '..', 'spark');
/** First day the catalog projects partitions for; earlier trips are not expected in this pipeline. */
const FIRST_PARTITION_DATE = '2020-01-01';

/** The wildcard actions CDK's bucket read and put grants emit on a KMS-encrypted bucket. */
const BUCKET_READ_PUT_GRANT_ACTIONS: readonly GrantWildcardAction[] = [
  's3:GetObject*',
  's3:GetBucket*',
  's3:List*',
  's3:Abort*',
  'kms:GenerateDataKey*',
  'kms:ReEncrypt*',
];

/**
 * Replacing what was written before: s3:DeleteObject alone, never s3:DeleteObject* (which includes
 * s3:DeleteObjectVersion). On the versioned data bucket a delete only adds a delete marker, so the previous
 * version stays, and undoing a bad re-run or a wrong prune is restoring it; no role of the app can remove a version.
 */
function grantReplaceObjects(bucket: s3.IBucket, grantee: iam.IGrantable, objectsKeyPattern: string): void {
  bucket.grantRead(grantee, objectsKeyPattern);
  bucket.grantPut(grantee, objectsKeyPattern);
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['s3:DeleteObject'], resources: [bucket.arnForObjects(objectsKeyPattern)] }),
  );
}

/** Glue database names allow lowercase letters, digits and underscores only. */
export function glueDatabaseName(settings: PipelineSettings): string {
  return settings.prefix.toLowerCase().replace(/[^a-z0-9]+/g, '_');
}

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
    const bucketUri = `s3://${bucket.bucketName}/`;

    this.emrApplication = new emr.CfnApplication(this, 'SparkApplication', {
      name: resourceNames(settings).kpiJobName,
      type: 'Spark',
      releaseLabel: settings.kpi.emrReleaseLabel,
      architecture: 'ARM64',
      autoStartConfiguration: { enabled: true },
      autoStopConfiguration: { enabled: true, idleTimeoutMinutes: settings.kpi.idleTimeoutMinutes },
      maximumCapacity: settings.kpi.maxCapacity,
      // The workers the capacity model sized for the design rate (settings.kpi.job, docs/capacity.md).
      runtimeConfiguration: [{ classification: 'spark-defaults', properties: kpiJobSparkDefaults(settings.kpi.job) }],
      monitoringConfiguration: {
        s3MonitoringConfiguration: {
          logUri: `${bucketUri}${DATA_PREFIXES.emrLogs}`,
          encryptionKeyArn: data.dataKey.keyArn,
        },
      },
    });

    this.emrJobRole = new iam.Role(this, 'SparkJobRole', {
      description: 'Runs the daily KPI Spark job: reads staged trips and job code, writes daily KPIs and logs',
      assumedBy: new iam.ServicePrincipal('emr-serverless.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          // Job runs are sub-resources of the application: /applications/<id>/jobruns/<run>.
          ArnLike: { 'aws:SourceArn': [this.emrApplication.attrArn, `${this.emrApplication.attrArn}/jobruns/*`] },
        },
      }),
    });
    bucket.grantRead(this.emrJobRole, `${DATA_PREFIXES.sparkCode}*`);
    bucket.grantRead(this.emrJobRole, `${DATA_PREFIXES.completedTrips}*`);
    // A re-run for a date replaces that date's output (Spark's overwrite deletes the files it wrote before).
    for (const output of [DATA_PREFIXES.dailyKpis, DATA_PREFIXES.dailyKpisByDimension]) {
      grantReplaceObjects(bucket, this.emrJobRole, `${output}*`);
    }
    bucket.grantPut(this.emrJobRole, `${DATA_PREFIXES.emrLogs}*`);
    acknowledgeGrantActions(this.emrJobRole, BUCKET_READ_PUT_GRANT_ACTIONS);
    this.kpiJobLogGroup = this.kpiJobLogs(settings);

    const jobPrefixes = [
      [DATA_PREFIXES.sparkCode, 'reads the job code shipped under spark/'],
      [DATA_PREFIXES.completedTrips, 'reads every staged trip file of the dates it recomputes'],
      [DATA_PREFIXES.dailyKpis, 'writes and replaces the KPI files of the dates it recomputes'],
      [DATA_PREFIXES.dailyKpisByDimension, 'writes and replaces the per-dimension KPI files of the dates it recomputes'],
      [DATA_PREFIXES.emrLogs, 'writes the Spark driver and executor logs'],
    ] as const;
    for (const [prefix, purpose] of jobPrefixes) {
      acknowledgeWildcardResource(
        this.emrJobRole,
        bucket.arnForObjects(`${prefix}*`),
        `The KPI job ${purpose}; object names under the prefix are dates and file names chosen by Spark.`,
      );
    }

    const sparkDeployment = this.shipSparkCode(settings, bucket);

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
    this.kpiTrigger.node.addDependency(sparkDeployment);
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
            's3:prefix': [DATA_PREFIXES.completedTrips, `${DATA_PREFIXES.completedTrips}*`, DATA_PREFIXES.dailyKpis, `${DATA_PREFIXES.dailyKpis}*`],
          },
        },
      }),
    );

    const scheduleRole = new iam.Role(this, 'DailyKpiScheduleRole', {
      description: 'Lets EventBridge Scheduler invoke the kpi-trigger function',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    });
    this.kpiScheduleGroup = new scheduler.ScheduleGroup(this, 'KpiScheduleGroup', {
      scheduleGroupName: `${settings.prefix}-kpis`,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    new scheduler.Schedule(this, 'DailyKpiSchedule', {
      description: 'Computes the daily KPIs once a day',
      scheduleGroup: this.kpiScheduleGroup,
      schedule: scheduler.ScheduleExpression.expression(settings.kpi.scheduleExpression, TimeZone.ETC_UTC),
      target: new schedulerTargets.LambdaInvoke(this.kpiTrigger.function, {
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
      `${this.kpiTrigger.function.functionArn}:*`,
      'Added by the Scheduler LambdaInvoke target so a version or alias of the kpi-trigger function can be ' +
        'invoked; it is still that one function.',
    );

    this.databaseName = glueDatabaseName(settings);
    const database = new glue.CfnDatabase(this, 'Database', {
      catalogId: this.account,
      databaseInput: { name: this.databaseName, description: 'Tripstream staged trips and daily KPIs' },
    });
    const tables = [
      new ProjectedJsonTable(this, 'DailyKpisTable', {
        databaseName: this.databaseName,
        tableName: GLUE_TABLES.dailyKpis,
        description: 'One row per trip_date, written by the daily KPI Spark job',
        bucket,
        prefix: DATA_PREFIXES.dailyKpis,
        columns: DAILY_KPI_COLUMNS,
        firstDate: FIRST_PARTITION_DATE,
      }),
      new ProjectedJsonTable(this, 'DailyKpisByDimensionTable', {
        databaseName: this.databaseName,
        tableName: GLUE_TABLES.dailyKpisByDimension,
        description: 'One row per trip_date, dimension and value, written by the daily KPI Spark job',
        bucket,
        prefix: DATA_PREFIXES.dailyKpisByDimension,
        columns: DIMENSION_KPI_COLUMNS,
        firstDate: FIRST_PARTITION_DATE,
      }),
      new ProjectedJsonTable(this, 'CompletedTripsTable', {
        databaseName: this.databaseName,
        tableName: GLUE_TABLES.completedTrips,
        description: 'Completed trips as staged by the match handler (at-least-once; dedupe on trip_id)',
        bucket,
        prefix: DATA_PREFIXES.completedTrips,
        columns: COMPLETED_TRIP_COLUMNS,
        firstDate: FIRST_PARTITION_DATE,
      }),
    ];
    for (const table of tables) table.node.addDependency(database);

    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: settings.prefix,
      description: 'Queries over tripstream staged trips and daily KPIs',
      state: 'ENABLED',
      recursiveDeleteOption: !settings.retainData,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: settings.athena.bytesScannedCutoffPerQuery,
        resultConfiguration: {
          outputLocation: `${bucketUri}${DATA_PREFIXES.athenaResults}`,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: data.dataKey.keyArn },
        },
      },
    });
    this.workGroup.applyRemovalPolicy(removalPolicy(settings.retainData));

    for (const query of namedQueries()) {
      const named = new athena.CfnNamedQuery(this, query.id, {
        name: query.name,
        description: query.description,
        database: this.databaseName,
        workGroup: this.workGroup.ref,
        queryString: query.sql,
      });
      for (const table of tables) named.node.addDependency(table);
    }

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

  /**
   * The KPI job's own log group, instead of EMR Serverless's shared default `/aws/emr-serverless`, so it has a
   * retention and the job role may write to this group only. Like the handlers' log groups it relies on
   * CloudWatch Logs' own encryption at rest: the data key's policy (data stack) does not admit the CloudWatch
   * Logs service, which a customer-managed key on a log group requires.
   */
  private kpiJobLogs(settings: PipelineSettings): logs.LogGroup {
    const logGroup = new logs.LogGroup(this, 'KpiJobLogs', {
      logGroupName: `/aws/emr-serverless/${resourceNames(settings).kpiJobName}`,
      retention: logRetention(settings.handlers.logRetentionDays),
      removalPolicy: removalPolicy(settings.retainData),
    });
    // What the EMR Serverless documentation lists for a job role logging to CloudWatch, minus
    // logs:CreateLogGroup: the group exists before any job runs.
    logGroup.grant(this.emrJobRole, 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams');
    const allLogGroups = this.formatArn({ service: 'logs', resource: '*' });
    this.emrJobRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['logs:DescribeLogGroups'], resources: [allLogGroups] }),
    );
    acknowledgeWildcardResource(
      this.emrJobRole,
      allLogGroups,
      'EMR Serverless looks its log group up with logs:DescribeLogGroups before writing, an account-wide listing ' +
        'of log group names and settings (no log events) that AWS documents on this resource.',
    );
    return logGroup;
  }

  /**
   * Ships the PySpark entry point, its generated trip schema module and the shared KPI SQL (and nothing else of spark/, tests least of all)
   * to the code prefix the trigger points the job at. The asset is zipped locally, so synth stays offline.
   */
  private shipSparkCode(settings: PipelineSettings, bucket: s3.IBucket): s3deploy.BucketDeployment {
    const jobFiles = [SPARK_JOB_FILES.entryPoint, SPARK_JOB_FILES.schemaModule, SPARK_JOB_FILES.groupsSql, SPARK_JOB_FILES.sql, SPARK_JOB_FILES.dimensionSql];
    const missing = jobFiles.filter((file) => !fs.existsSync(path.join(SPARK_SOURCE_DIR, file)));
    if (missing.length > 0) {
      throw new Error(`Spark job files missing from ${SPARK_SOURCE_DIR}: ${missing.join(', ')}`);
    }
    const code = new s3assets.Asset(this, 'SparkCodeAsset', {
      path: SPARK_SOURCE_DIR,
      exclude: ['*', ...jobFiles.map((file) => `!${file}`)],
    });
    const logGroup = new logs.LogGroup(this, 'SparkCodeDeploymentLogs', {
      retention: logRetention(settings.handlers.logRetentionDays),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Our own role instead of the construct's default, so it gets no AWSLambdaBasicExecutionRole.
    const role = new iam.Role(this, 'SparkCodeDeploymentRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Copies the Spark job files from the CDK asset bucket to the data bucket at deploy time',
    });
    logGroup.grantWrite(role);
    const deployment = new s3deploy.BucketDeployment(this, 'SparkCode', {
      sources: [assetObjectOnly(code)],
      destinationBucket: grantingOnlyUnder(bucket, `${DATA_PREFIXES.sparkCode}*`),
      destinationKeyPrefix: DATA_PREFIXES.sparkCode,
      // Only the job's own prefix is managed; files removed from spark/ disappear from S3 too.
      prune: true,
      logGroup,
      role,
    });

    acknowledgeGrantActions(role, BUCKET_READ_PUT_GRANT_ACTIONS);
    acknowledgeWildcardResource(
      role,
      bucket.arnForObjects(`${DATA_PREFIXES.sparkCode}*`),
      'The deployment writes and prunes the job files under spark/, and nothing else of the data bucket.',
    );
    const provider = this.node.children.find((child) => child.node.id.startsWith('Custom::CDKBucketDeployment'));
    if (provider === undefined) throw new Error('BucketDeployment provider function not found');
    Validations.of(provider).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'The BucketDeployment provider is aws-cdk-lib\'s own Python function with the runtime the library pins; ' +
        'it runs only during deployments and handles no pipeline data.',
    });
    return deployment;
  }
}

/**
 * The bucket as BucketDeployment sees it: the same bucket, except that the read-write grant it makes on its
 * whole destination is narrowed to `objectsKeyPattern`, and to reading, putting and deleting (a delete marker:
 * no s3:DeleteObjectVersion), so the deployment's role can sync and prune the job code and touch no staged trip
 * or KPI file.
 */
function grantingOnlyUnder(bucket: s3.IBucket, objectsKeyPattern: string): s3.IBucket {
  const narrowed = Object.create(bucket) as s3.IBucket;
  return Object.assign(narrowed, {
    grantReadWrite: (grantee: iam.IGrantable) => {
      grantReplaceObjects(bucket, grantee, objectsKeyPattern);
      return iam.Grant.drop(grantee, `read, put and delete ${objectsKeyPattern}`);
    },
  });
}

/**
 * The asset zip as a BucketDeployment source, granting its role s3:GetObject on that one object. CDK's
 * Source.bucket grants read on the whole bootstrap asset bucket (s3:List* and s3:GetObject* on every key),
 * i.e. on every other app's assets in the account and region.
 */
function assetObjectOnly(asset: s3assets.Asset): s3deploy.ISource {
  return {
    bind: (_scope, context) => {
      if (context === undefined) throw new Error('The Spark code source is bound by a BucketDeployment, which gives it its role');
      context.handlerRole.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [asset.bucket.arnForObjects(asset.s3ObjectKey)] }),
      );
      return { bucket: asset.bucket, zipObjectKey: asset.s3ObjectKey };
    },
  };
}

interface NamedQuery {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly sql: string;
}

/** The questions people ask first, ready in the Athena console's saved queries. */
function namedQueries(): NamedQuery[] {
  const kpis = GLUE_TABLES.dailyKpis;
  const byDimension = GLUE_TABLES.dailyKpisByDimension;
  const trips = GLUE_TABLES.completedTrips;
  return [
    {
      id: 'KpisForDateRangeQuery',
      name: 'Daily KPIs for a date range',
      description: 'Every KPI per day between two dates (edit the dates)',
      sql: [
        `SELECT trip_date, trip_count, total_fare, average_fare, min_fare, max_fare,`,
        `       total_tips, total_distance, average_trip_duration_minutes`,
        `FROM ${kpis}`,
        `WHERE trip_date BETWEEN '2024-05-01' AND '2024-05-31'`,
        `ORDER BY trip_date;`,
      ].join('\n'),
    },
    {
      id: 'BusiestDaysQuery',
      name: 'Busiest days of the last 90 days',
      description: 'The ten days with the most completed trips, with their fares',
      sql: [
        `SELECT trip_date, trip_count, total_fare, average_fare`,
        `FROM ${kpis}`,
        `WHERE trip_date >= date_format(current_date - interval '90' day, '%Y-%m-%d')`,
        `ORDER BY trip_count DESC`,
        `LIMIT 10;`,
      ].join('\n'),
    },
    {
      id: 'KpisByVendorQuery',
      name: 'Daily KPIs per vendor',
      description: 'Trips, fares and durations per vendor and day between two dates (edit the dates)',
      sql: [
        `SELECT trip_date, dimension_value AS vendor_id, trip_count, total_fare, average_fare,`,
        `       total_tips, total_distance, average_trip_duration_minutes`,
        `FROM ${byDimension}`,
        `WHERE dimension = 'vendor_id' AND trip_date BETWEEN '2024-05-01' AND '2024-05-31'`,
        `ORDER BY trip_date, vendor_id;`,
      ].join('\n'),
    },
    {
      id: 'BusiestPickupLocationsQuery',
      name: 'Busiest pickup locations of a date range',
      description: 'The twenty pickup locations with the most completed trips between two dates (edit the dates)',
      sql: [
        `SELECT dimension_value AS pickup_location_id, sum(trip_count) AS trips, round(sum(total_fare), 2) AS fares`,
        `FROM ${byDimension}`,
        `WHERE dimension = 'pickup_location_id' AND trip_date BETWEEN '2024-05-01' AND '2024-05-31'`,
        `GROUP BY dimension_value`,
        `ORDER BY trips DESC`,
        `LIMIT 20;`,
      ].join('\n'),
    },
    {
      id: 'TripsByPickupHourQuery',
      name: 'Trips by hour of day (UTC)',
      description: 'Completed trips and average fare per UTC pickup hour over a date range (edit the dates)',
      sql: [
        `SELECT dimension_value AS pickup_hour, sum(trip_count) AS trips,`,
        `       round(sum(total_fare) / sum(trip_count), 2) AS average_fare`,
        `FROM ${byDimension}`,
        `WHERE dimension = 'pickup_hour' AND trip_date BETWEEN '2024-05-01' AND '2024-05-31'`,
        `GROUP BY dimension_value`,
        `ORDER BY pickup_hour;`,
      ].join('\n'),
    },
    {
      id: 'StagedTripsOfDayQuery',
      name: 'Staged trips of a day',
      description: 'Completed trips staged for one pickup date, each trip_id once (edit the date)',
      sql: [
        `SELECT *`,
        `FROM (`,
        `  SELECT *, row_number() OVER (PARTITION BY trip_id ORDER BY completed_at) AS copy`,
        `  FROM ${trips}`,
        `  WHERE trip_date = '2024-05-25'`,
        `)`,
        `WHERE copy = 1`,
        `ORDER BY pickup_datetime;`,
      ].join('\n'),
    },
  ];
}
