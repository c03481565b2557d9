/**
 * The daily KPI job's side of the analytics stack: the EMR Serverless Spark application, its job role with
 * exactly the data-bucket prefixes it reads and replaces, its own log group, and the job code shipped to S3.
 * Built in the stack's own scope (not a nested construct), so the resources keep their logical IDs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RemovalPolicy, type Stack, Validations } from 'aws-cdk-lib';
import * as emr from 'aws-cdk-lib/aws-emrserverless';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { kpiJobSparkDefaults } from '../../kpi/job-run';
import { DATA_PREFIXES, type PipelineSettings, resourceNames, SPARK_JOB_FILES } from '../config';
import { acknowledgeGrantActions, acknowledgeWildcardResource, type GrantWildcardAction } from './nag';
import { logRetention } from './pipeline-function';
import { removalPolicy } from './removal';

const SPARK_SOURCE_DIR = path.resolve(__dirname, '..', '..', 'spark');

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

export interface KpiSparkJobProps {
  readonly settings: PipelineSettings;
  /** The data bucket: staged trips in, daily KPIs and logs out, the job code under spark/. */
  readonly bucket: s3.IBucket;
  /** The data key, which encrypts the application's S3 logs. */
  readonly dataKey: kms.IKey;
}

export interface KpiSparkJob {
  readonly application: emr.CfnApplication;
  readonly jobRole: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** Deploys the job code: whatever starts a job run waits for it. */
  readonly codeDeployment: s3deploy.BucketDeployment;
}

export function addKpiSparkJob(scope: Stack, props: KpiSparkJobProps): KpiSparkJob {
  const { settings, bucket } = props;
  const bucketUri = `s3://${bucket.bucketName}/`;
  const application = new emr.CfnApplication(scope, 'SparkApplication', {
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
        encryptionKeyArn: props.dataKey.keyArn,
      },
    },
  });

  const jobRole = new iam.Role(scope, 'SparkJobRole', {
    description: 'Runs the daily KPI Spark job: reads staged trips and job code, writes daily KPIs and logs',
    assumedBy: new iam.ServicePrincipal('emr-serverless.amazonaws.com', {
      conditions: {
        StringEquals: { 'aws:SourceAccount': scope.account },
        // Job runs are sub-resources of the application: /applications/<id>/jobruns/<run>.
        ArnLike: { 'aws:SourceArn': [application.attrArn, `${application.attrArn}/jobruns/*`] },
      },
    }),
  });
  bucket.grantRead(jobRole, `${DATA_PREFIXES.sparkCode}*`);
  bucket.grantRead(jobRole, `${DATA_PREFIXES.completedTrips}*`);
  // A re-run for a date replaces that date's output (Spark's overwrite deletes the files it wrote before).
  for (const output of [DATA_PREFIXES.dailyKpis, DATA_PREFIXES.dailyKpisByDimension]) {
    grantReplaceObjects(bucket, jobRole, `${output}*`);
  }
  bucket.grantPut(jobRole, `${DATA_PREFIXES.emrLogs}*`);
  acknowledgeGrantActions(jobRole, BUCKET_READ_PUT_GRANT_ACTIONS);
  const logGroup = kpiJobLogs(scope, settings, jobRole);

  const jobPrefixes = [
    [DATA_PREFIXES.sparkCode, 'reads the job code shipped under spark/'],
    [DATA_PREFIXES.completedTrips, 'reads every staged trip file of the dates it recomputes'],
    [DATA_PREFIXES.dailyKpis, 'writes and replaces the KPI files of the dates it recomputes'],
    [DATA_PREFIXES.dailyKpisByDimension, 'writes and replaces the per-dimension KPI files of the dates it recomputes'],
    [DATA_PREFIXES.emrLogs, 'writes the Spark driver and executor logs'],
  ] as const;
  for (const [prefix, purpose] of jobPrefixes) {
    acknowledgeWildcardResource(
      jobRole,
      bucket.arnForObjects(`${prefix}*`),
      `The KPI job ${purpose}; object names under the prefix are dates and file names chosen by Spark.`,
    );
  }
  return { application, jobRole, logGroup, codeDeployment: shipSparkCode(scope, settings, bucket) };
}

/**
 * The KPI job's own log group, instead of EMR Serverless's shared default `/aws/emr-serverless`, so it has a
 * retention and the job role may write to this group only. Like the handlers' log groups it relies on
 * CloudWatch Logs' own encryption at rest: the data key's policy (data stack) does not admit the CloudWatch
 * Logs service, which a customer-managed key on a log group requires.
 */
function kpiJobLogs(scope: Stack, settings: PipelineSettings, jobRole: iam.Role): logs.LogGroup {
  const logGroup = new logs.LogGroup(scope, 'KpiJobLogs', {
    logGroupName: `/aws/emr-serverless/${resourceNames(settings).kpiJobName}`,
    retention: logRetention(settings.handlers.logRetentionDays),
    removalPolicy: removalPolicy(settings.retainData),
  });
  // What the EMR Serverless documentation lists for a job role logging to CloudWatch, minus
  // logs:CreateLogGroup: the group exists before any job runs.
  logGroup.grant(jobRole, 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams');
  const allLogGroups = scope.formatArn({ service: 'logs', resource: '*' });
  jobRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:DescribeLogGroups'], resources: [allLogGroups] }));
  acknowledgeWildcardResource(
    jobRole,
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
function shipSparkCode(scope: Stack, settings: PipelineSettings, bucket: s3.IBucket): s3deploy.BucketDeployment {
  const jobFiles = [
    SPARK_JOB_FILES.entryPoint,
    SPARK_JOB_FILES.schemaModule,
    SPARK_JOB_FILES.groupsSql,
    SPARK_JOB_FILES.sql,
    SPARK_JOB_FILES.dimensionSql,
  ];
  const missing = jobFiles.filter((file) => !fs.existsSync(path.join(SPARK_SOURCE_DIR, file)));
  if (missing.length > 0) {
    throw new Error(`Spark job files missing from ${SPARK_SOURCE_DIR}: ${missing.join(', ')}`);
  }
  const code = new s3assets.Asset(scope, 'SparkCodeAsset', {
    path: SPARK_SOURCE_DIR,
    exclude: ['*', ...jobFiles.map((file) => `!${file}`)],
  });
  const logGroup = new logs.LogGroup(scope, 'SparkCodeDeploymentLogs', {
    retention: logRetention(settings.handlers.logRetentionDays),
    removalPolicy: RemovalPolicy.DESTROY,
  });
  // Our own role instead of the construct's default, so it gets no AWSLambdaBasicExecutionRole.
  const role = new iam.Role(scope, 'SparkCodeDeploymentRole', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: 'Copies the Spark job files from the CDK asset bucket to the data bucket at deploy time',
  });
  logGroup.grantWrite(role);
  const deployment = new s3deploy.BucketDeployment(scope, 'SparkCode', {
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
  const provider = scope.node.children.find((child) => child.node.id.startsWith('Custom::CDKBucketDeployment'));
  if (provider === undefined) throw new Error('BucketDeployment provider function not found');
  Validations.of(provider).acknowledge({
    id: 'AwsSolutions-L1',
    reason:
      "The BucketDeployment provider is aws-cdk-lib's own Python function with the runtime the library pins; " +
      'it runs only during deployments and handles no pipeline data.',
  });
  return deployment;
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
