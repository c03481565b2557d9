import { CfnOutput, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type PipelineSettings, STACK_OUTPUTS } from '../config';
import { streamEventSourceOptions } from '../constructs/event-source-options';
import { acknowledgeGrantActions } from '../constructs/nag';
import { logRetention, PipelineFunction } from '../constructs/pipeline-function';
import { removalPolicy } from '../constructs/removal';
import { liveMetricsEnvironment } from '../handler-environment';
import { mappingTopology } from '../topology';
import { apiCallerPolicy } from './access-policies';
import type { DataStack } from './data-stack';

export interface LiveMetricsStackProps extends StackProps {
  readonly settings: PipelineSettings;
  readonly data: DataStack;
}

/** The key actions of a table write grant and a table read grant on the customer-managed data key. */
const TABLE_WRITE_KEY_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'];
const TABLE_READ_KEY_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey'];

/**
 * Live metrics (docs/contracts.md §6b): the consumer that keeps 5-minute windows and the open-trip count from the
 * trips table's stream (its second reader, beside match), and the IAM-authorised REST API that serves them.
 * Stateless like the pipeline stack; the metrics table lives in the data stack.
 */
export class LiveMetricsStack extends Stack {
  readonly consumer: PipelineFunction;
  readonly api: PipelineFunction;
  readonly restApi: apigateway.RestApi;

  constructor(scope: Construct, id: string, props: LiveMetricsStackProps) {
    super(scope, id, props);
    const { settings, data } = props;
    const environment = liveMetricsEnvironment(settings, { metricsTableName: data.metricsTable.tableName });
    const tableKey = data.metricsTable.encryptionKey;
    if (tableKey === undefined) throw new Error('The metrics table is expected to be encrypted with a customer-managed key');

    this.consumer = new PipelineFunction(this, 'LiveMetricsHandler', {
      handler: 'live-metrics',
      description: 'Keeps 5-minute windows of completed trips and the open-trip count from the trips table stream',
      settings,
      environment,
    });
    // As the pipeline's mappings: the failed-batches handler resolves the pointer into full dead letters.
    const onFailure = new sources.SqsDlq(data.failedBatchQueue);
    this.consumer.function.addEventSource(
      new sources.DynamoEventSource(data.tripsTable, streamEventSourceOptions(mappingTopology(settings).streams.liveMetrics, onFailure)),
    );
    // TransactWriteItems is authorised per item action: markers are Puts, windows and the counter Updates;
    // a redelivery reads the marker that refused it (GetItem) to learn how far it got.
    data.metricsTable.grant(this.consumer.function, 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:GetItem');
    tableKey.grant(this.consumer.function, ...TABLE_WRITE_KEY_ACTIONS);
    acknowledgeGrantActions(this.consumer.role, ['kms:GenerateDataKey*', 'kms:ReEncrypt*']);
    Validations.of(this.consumer.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'dynamodb:ListStreams, added by the DynamoDB event source: the action has no resource-level permissions, ' +
        'so IAM only accepts "*" for it.',
    });

    this.api = new PipelineFunction(this, 'MetricsApiHandler', {
      handler: 'metrics-api',
      description: 'Serves the live metrics windows and the open-trip count',
      settings,
      environment,
    });
    data.metricsTable.grant(this.api.function, 'dynamodb:Query', 'dynamodb:GetItem');
    tableKey.grant(this.api.function, ...TABLE_READ_KEY_ACTIONS);

    this.restApi = this.metricsRestApi(settings);
    new CfnOutput(this, STACK_OUTPUTS.metricsApiUrl, {
      key: STACK_OUTPUTS.metricsApiUrl,
      value: this.restApi.url,
      description: 'Live metrics API (IAM auth, SigV4): GET metrics/{entity}/{id}?from=&to= and metrics/open',
    });
    apiCallerPolicy(this, {
      prefix: settings.prefix,
      outputKey: STACK_OUTPUTS.metricsApiCallerPolicyArn,
      invokeArns: [this.restApi.arnForExecuteApi('GET', '/metrics/*', this.restApi.deploymentStage.stageName)],
    });
  }

  private metricsRestApi(settings: PipelineSettings): apigateway.RestApi {
    const accessLogs = new logs.LogGroup(this, 'MetricsApiAccessLogs', {
      retention: logRetention(settings.handlers.logRetentionDays),
      removalPolicy: removalPolicy(settings.retainData),
    });
    const restApi = new apigateway.RestApi(this, 'MetricsApi', {
      restApiName: `${settings.prefix}-metrics`,
      description: 'Live metrics of completed and open trips (docs/contracts.md §6)',
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      // Access logging needs the account's API Gateway CloudWatch role (one per account and region, set in the
      // account settings), which no app stack may own: a per-stack role would be taken over by the next stack that
      // sets it, and removed with its stack. The opt-in tripstream-account stack owns it (bin/cdk-app.ts,
      // -c accountSetup=true); preflight checks it is set before the first deploy (docs/deployment.md).
      cloudWatchRole: false,
      deployOptions: {
        stageName: 'v1',
        accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
        throttlingRateLimit: 50,
        throttlingBurstLimit: 100,
      },
      defaultMethodOptions: { authorizationType: apigateway.AuthorizationType.IAM },
    });
    const integration = new apigateway.LambdaIntegration(this.api.function);
    const validator = restApi.addRequestValidator('QueryValidator', { validateRequestBody: true, validateRequestParameters: true });
    const metrics = restApi.root.addResource('metrics');
    metrics.addResource('open').addMethod('GET', integration, { requestValidator: validator });
    metrics
      .addResource('{entity}')
      .addResource('{id}')
      .addMethod('GET', integration, {
        requestValidator: validator,
        requestParameters: { 'method.request.querystring.from': true, 'method.request.querystring.to': true },
      });

    Validations.of(restApi).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason:
        'Every method requires SigV4 (AWS_IAM) from principals of this account and the stage is throttled; no anonymous traffic reaches it.',
    });
    Validations.of(restApi).acknowledge({
      id: 'AwsSolutions-APIG6',
      reason:
        'Execution logs would copy request details of every call into CloudWatch; every request is in the access ' +
        'log and the handler logs every refusal, which is what an operator needs.',
    });
    Validations.of(restApi).acknowledge({
      id: 'AwsSolutions-COG4',
      reason: 'Callers are operators and services of this account authorised by IAM (SigV4), not Cognito users.',
    });
    return restApi;
  }
}
