import { Match } from 'aws-cdk-lib/assertions';
import { TRIP_STREAM_FILTERS } from '../../domain/trip-item';
import { type EnvironmentName, environments, type StreamMappingSettings } from '../../lib/config';
import { handlerEnvironment } from '../../lib/handler-environment';
import { policyStatements, resourcesOf, synthesizeEnvironmentsBeforeAll } from './synth';

const synthesized = synthesizeEnvironmentsBeforeAll();

/** A value of the data stack, read from its outputs (weak cross-stack reference) by the output's name. */
function dataStackOutput(outputName: RegExp) {
  return {
    'Fn::GetStackOutput': Match.objectLike({
      StackName: Match.stringLikeRegexp('-data$'),
      OutputName: Match.stringLikeRegexp(outputName.source),
    }),
  };
}

function streamMapping(mapping: StreamMappingSettings, source: RegExp) {
  return {
    EventSourceArn: dataStackOutput(source),
    StartingPosition: 'TRIM_HORIZON',
    BatchSize: mapping.batchSize,
    MaximumBatchingWindowInSeconds: mapping.maxBatchingWindowSeconds,
    // -1 (until the record leaves the stream) is Lambda's default: the property is left out.
    MaximumRetryAttempts: mapping.retryAttempts < 0 ? Match.absent() : mapping.retryAttempts,
    MaximumRecordAgeInSeconds: mapping.maxRecordAgeSeconds < 0 ? Match.absent() : mapping.maxRecordAgeSeconds,
    BisectBatchOnFunctionError: mapping.bisectBatchOnError,
    ParallelizationFactor: mapping.parallelizationFactor,
    FunctionResponseTypes: ['ReportBatchItemFailures'],
    // Lambda's on-failure records are pointers: they go to the queue whose handler resolves them into full dead letters.
    DestinationConfig: { OnFailure: { Destination: dataStackOutput(/FailedBatchQueue/) } },
  };
}

describe.each<EnvironmentName>(['dev', 'prod'])('pipeline stack (%s)', (environment) => {
  const settings = environments[environment];
  const template = () => synthesized[environment].templates.pipeline;

  it('runs the five trip handlers on arm64 and the newest Node.js runtime', () => {
    // Prepare
    const expectedNames = ['start', 'end', 'match', 'redrive', 'failed-batches'].map((name) => `${settings.prefix}-${name}`);

    // Act
    const functions = Object.values(resourcesOf(template(), 'AWS::Lambda::Function'));

    // Assess
    expect(functions.map((fn) => fn.Properties.FunctionName).sort()).toEqual(expectedNames.sort());
    for (const fn of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: settings.handlers.memorySizeMb,
        Timeout: settings.handlers.timeoutSeconds,
      });
      // Source maps are opt-in (ADR 0006): without a map to load, Node is not told to look for one.
      expect((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables).not.toHaveProperty('NODE_OPTIONS');
    }
  });

  it('gives each handler its own log group with the configured retention', () => {
    // Prepare
    const retention = settings.handlers.logRetentionDays;

    // Act
    const logGroups = Object.values(resourcesOf(template(), 'AWS::Logs::LogGroup'));
    const functions = Object.values(resourcesOf(template(), 'AWS::Lambda::Function'));

    // Assess
    expect(logGroups).toHaveLength(5);
    for (const group of logGroups) expect(group.Properties.RetentionInDays).toBe(retention);
    for (const fn of functions) {
      expect(fn.Properties.LoggingConfig).toEqual({ LogGroup: { Ref: expect.stringMatching(/LogGroup/) } });
    }
  });

  it('sets the environment built by handlerEnvironment()', () => {
    // Prepare
    const expectedNames = Object.keys(
      handlerEnvironment(settings, { tripsTableName: 't', retryQueueUrl: 'r', deadLetterQueueUrl: 'd', dataBucketName: 'b' }),
    );

    // Act
    const functions = Object.values(resourcesOf(template(), 'AWS::Lambda::Function'));

    // Assess
    for (const fn of functions) {
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(Object.keys(variables)).toEqual(expect.arrayContaining(expectedNames));
      expect(variables.OPEN_HALF_GRACE_HOURS).toBe(String(settings.table.openHalfGraceHours));
      expect(variables.RETRY_MAX_DELAY_SECONDS).toBe(String(settings.retry.maxDelaySeconds));
    }
  });

  it('maps the trip-start and trip-end streams with the configured stream settings', () => {
    // Prepare
    const start = streamMapping(settings.startMapping, /TripStartStream/);
    const end = streamMapping(settings.endMapping, /TripEndStream/);

    // Act
    const pipeline = template();

    // Assess
    pipeline.hasResourceProperties('AWS::Lambda::EventSourceMapping', start);
    pipeline.hasResourceProperties('AWS::Lambda::EventSourceMapping', end);
  });

  it('gives open halves a grace period no shorter than the streams keep records', () => {
    // Prepare
    const retentionHours = settings.kinesis.retentionHours;

    // Act
    const graceHours = settings.table.openHalfGraceHours;

    // Assess
    expect(graceHours).toBeGreaterThanOrEqual(retentionHours);
  });

  it('maps the table stream to the match handler, filtered to completions, expired open ends and expired open starts exactly as the handler expects', () => {
    // Prepare
    const expectedPatterns = [TRIP_STREAM_FILTERS.completion, TRIP_STREAM_FILTERS.expiredOpenEnd, TRIP_STREAM_FILTERS.expiredOpenStart].map(
      (filter) => ({
        Pattern: JSON.stringify(filter),
      }),
    );

    // Act
    const pipeline = template();

    // Assess
    pipeline.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ...streamMapping(settings.matchMapping, /TripsTable.*StreamArn/),
      FilterCriteria: { Filters: expectedPatterns },
    });
  });

  it('maps the retry queue to the redrive handler with partial batch failures and its pollers capped by MaximumConcurrency', () => {
    // Prepare
    const mapping = settings.redriveMapping;

    // Act
    const pipeline = template();

    // Assess
    pipeline.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: dataStackOutput(/RetryQueuesQueue/),
      BatchSize: mapping.batchSize,
      MaximumBatchingWindowInSeconds: mapping.maxBatchingWindowSeconds,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: mapping.maximumConcurrency },
    });
  });

  it('maps the failed-batch queue to the failed-batches handler with partial batch failures and its pollers capped by MaximumConcurrency', () => {
    // Prepare
    const mapping = settings.failedBatchMapping;

    // Act
    const pipeline = template();

    // Assess
    pipeline.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: dataStackOutput(/FailedBatchQueue/),
      BatchSize: mapping.batchSize,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: mapping.maximumConcurrency },
    });
  });

  it("bounds every Kinesis mapping: finite retries and record age (the table stream's are held in table-stream-readers.test.ts)", () => {
    // Prepare
    const mappings = Object.values(resourcesOf(template(), 'AWS::Lambda::EventSourceMapping'));

    // Act
    const streamMappings = mappings.filter((mapping) => mapping.Properties.StartingPosition !== undefined);
    const kinesisMappings = streamMappings.filter((mapping) => !/TripsTable/.test(JSON.stringify(mapping.Properties.EventSourceArn)));

    // Assess
    expect(streamMappings).toHaveLength(3);
    expect(kinesisMappings).toHaveLength(2);
    for (const mapping of kinesisMappings) {
      expect(mapping.Properties.MaximumRetryAttempts).toBeGreaterThanOrEqual(0);
      expect(mapping.Properties.MaximumRecordAgeInSeconds).toBeGreaterThan(0);
    }
  });
});

describe('pipeline permissions', () => {
  const template = () => synthesized.dev.templates.pipeline;

  const statementsOf = (roleIdPrefix: string) => policyStatements(template(), `${roleIdPrefix}RoleDefaultPolicy`);
  const actionsOf = (roleIdPrefix: string) => statementsOf(roleIdPrefix).flatMap((statement) => [statement.Action].flat());

  it.each(['StartHandler', 'EndHandler', 'RedriveHandler'])('lets %s send failed events to the retry queue and dead-letter', (handler) => {
    // Prepare
    const queueStatements = () => statementsOf(handler).filter((statement) => [statement.Action].flat().includes('sqs:SendMessage'));

    // Act
    const resources = JSON.stringify(queueStatements().map((statement) => statement.Resource));

    // Assess
    expect(resources).toContain('RetryQueuesQueue');
    expect(resources).toContain('RetryQueuesDeadLetterQueue');
  });

  it.each([
    ['StartHandler', ['dynamodb:UpdateItem']],
    ['EndHandler', ['dynamodb:UpdateItem']],
    ['RedriveHandler', ['dynamodb:UpdateItem']],
  ])('lets %s make exactly its conditional writes on the trips table, with its key', (handler, expectedActions) => {
    // Prepare
    const tableArn = { 'Fn::GetStackOutput': expect.objectContaining({ OutputName: expect.stringMatching(/TripsTable.*Arn/) }) };

    // Act
    const tableActions = actionsOf(handler).filter((action) => action.startsWith('dynamodb:'));
    const tableStatements = statementsOf(handler).filter((statement) =>
      [statement.Action].flat().some((action) => action.startsWith('dynamodb:')),
    );
    const keyActions = statementsOf(handler)
      .filter((statement) => JSON.stringify(statement.Resource).includes('DataKey'))
      .flatMap((statement) => [statement.Action].flat());

    // Assess
    expect(tableActions.sort()).toEqual(expectedActions);
    expect(tableStatements).toEqual([expect.objectContaining({ Resource: tableArn })]);
    expect(keyActions).toEqual(expect.arrayContaining(['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*']));
  });

  it('lets the match handler write staged trips only under completed-trips/ and never touch the table items', () => {
    // Prepare
    const statements = statementsOf('MatchHandler');

    // Act
    const putStatement = statements.find((statement) => [statement.Action].flat().includes('s3:PutObject'));
    const actions = actionsOf('MatchHandler');

    // Assess
    expect(JSON.stringify(putStatement?.Resource)).toContain('/completed-trips/*');
    expect(actions.filter((action) => action.startsWith('dynamodb:')).sort()).toEqual([
      'dynamodb:DescribeStream',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
      'dynamodb:ListStreams',
    ]);
    expect(actions).not.toContain('s3:GetObject');
  });

  it.each([
    ['MatchHandler', true],
    ['FailedBatchesHandler', true],
    ['StartHandler', false],
    ['EndHandler', false],
    ['RedriveHandler', false],
  ])(
    'lets %s write dead-letter payloads only if it keeps them (%s): the trip handlers have no S3 action at all',
    (handler, keepsPayloads) => {
      // Prepare
      const statements = statementsOf(handler);

      // Act
      const payloadWrites = statements.filter(
        (statement) =>
          [statement.Action].flat().includes('s3:PutObject') && JSON.stringify(statement.Resource).includes('/dead-letter-payloads/*'),
      );
      const s3Actions = actionsOf(handler).filter((action) => action.startsWith('s3:'));

      // Assess
      expect(payloadWrites).toHaveLength(keepsPayloads ? 1 : 0);
      if (!keepsPayloads) expect(s3Actions).toEqual([]);
    },
  );

  it('lets the failed-batches handler read the Kinesis streams back and dead-letter, and never read the table stream, touch table items or the retry queue', () => {
    // Prepare
    const statements = statementsOf('FailedBatchesHandler');

    // Act
    const actions = actionsOf('FailedBatchesHandler');
    const sendTargets = JSON.stringify(
      statements.filter((statement) => [statement.Action].flat().includes('sqs:SendMessage')).map((s) => s.Resource),
    );

    // Assess
    expect(actions).toEqual(expect.arrayContaining(['kinesis:GetRecords', 'kinesis:GetShardIterator']));
    expect(actions.filter((action) => action.startsWith('dynamodb:'))).toEqual([]);
    expect(actions.filter((action) => /^dynamodb:(Put|Update|Delete|Get)Item$/.test(action))).toEqual([]);
    expect(sendTargets).toContain('RetryQueuesDeadLetterQueue');
    expect(sendTargets).not.toContain('RetryQueuesQueue');
  });

  it('grants no handler logs on "*" and no statement an Action of "*"', () => {
    // Prepare
    const roles = Object.values(resourcesOf(template(), 'AWS::IAM::Role'));

    // Act
    const allActions = ['StartHandler', 'EndHandler', 'MatchHandler', 'RedriveHandler', 'FailedBatchesHandler'].flatMap(actionsOf);

    // Assess
    for (const role of roles) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(allActions).not.toContain('*');
  });
});

describe.each<EnvironmentName>(['dev', 'prod'])('live metrics mapping (%s)', (environment) => {
  it('hands each shard its tumbling window state in order: no bisection, one batch per shard, the configured window', () => {
    // Prepare
    const template = synthesized[environment].templates.liveMetrics;

    // Act
    const mappings = Object.values(resourcesOf(template, 'AWS::Lambda::EventSourceMapping'));

    // Assess: the window state (domain/live-metrics.ts) is one shard's, in order
    expect(mappings).toHaveLength(1);
    expect(mappings[0]?.Properties).toMatchObject({
      BisectBatchOnFunctionError: false,
      ParallelizationFactor: 1,
      TumblingWindowInSeconds: environments[environment].liveMetricsMapping.tumblingWindowSeconds,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });
});
