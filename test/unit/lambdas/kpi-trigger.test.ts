import { EMRServerlessClient, StartJobRunCommand } from '@aws-sdk/client-emr-serverless';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { lambdaContext, outcomeTally, useHandlerTestLifecycle } from '../../support/handler-harness';

const environment = {
  DATA_BUCKET_NAME: 'tripstream-test-data',
  EMR_APPLICATION_ID: '00fabc123example',
  EMR_JOB_ROLE_ARN: 'arn:aws:iam::123456789012:role/tripstream-test-kpi-job',
  KPI_JOB_LOG_GROUP_NAME: '/aws/emr-serverless/tripstream-test-daily-kpis',
  KPI_LOOKBACK_DAYS: '3',
  KPI_JOB_TIMEOUT_MINUTES: '45',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_METRICS_DISABLED: 'true',
};

const s3Mock = mockClient(S3Client);
const emrMock = mockClient(EMRServerlessClient);

type HandlerModule = typeof import('../../../lambdas/kpi-trigger/handler');
let handler: HandlerModule['handler'];

beforeAll(() => {
  // The handler validates its environment, and Powertools reads its settings, when the modules load (as on Lambda).
  Object.assign(process.env, environment);
  ({ handler } = jest.requireActual<HandlerModule>('../../../lambdas/kpi-trigger/handler'));
});

useHandlerTestLifecycle([s3Mock, emrMock], () => {
  emrMock.on(StartJobRunCommand).resolves({ applicationId: environment.EMR_APPLICATION_ID, jobRunId: 'run-1', arn: 'arn:run-1' });
});

const context = lambdaContext('tripstream-test-kpi-trigger');

/** Only these dates have objects under completed-trips/trip_date=…/. */
function stageDates(...dates: string[]): void {
  s3Mock.on(ListObjectsV2Command).resolves({ KeyCount: 0 });
  for (const date of dates) {
    s3Mock
      .on(ListObjectsV2Command, { Prefix: `completed-trips/trip_date=${date}/` })
      .resolves({ KeyCount: 1, Contents: [{ Key: `completed-trips/trip_date=${date}/batch-1.jsonl` }] });
  }
}

/** An EventBridge Scheduler invocation whose input carries the scheduled time. */
function scheduledEvent(time: string) {
  return { time };
}

function startedTokens(): (string | undefined)[] {
  return emrMock.commandCalls(StartJobRunCommand).map((call) => call.args[0].input.clientToken);
}

describe('kpi-trigger', () => {
  it('on schedule, computes yesterday and the lookback days before it, with the job fully configured', async () => {
    // Prepare
    stageDates('2024-05-22', '2024-05-23', '2024-05-24', '2024-05-25');

    // Act
    const result = await handler(scheduledEvent('2024-05-26T01:00:00Z'), context);

    // Assess
    expect(result).toEqual({ jobRunId: 'run-1', dates: ['2024-05-22', '2024-05-23', '2024-05-24', '2024-05-25'], skippedDates: [] });
    // Four staged-trip listings, then the freshness check's three KPI listings (every date but the newest).
    expect(s3Mock).toHaveReceivedCommandTimes(ListObjectsV2Command, 7);
    expect(s3Mock).toHaveReceivedCommandWith(ListObjectsV2Command, {
      Bucket: 'tripstream-test-data',
      Prefix: 'completed-trips/trip_date=2024-05-22/',
      MaxKeys: 1,
    });
    expect(emrMock).toHaveReceivedCommandTimes(StartJobRunCommand, 1);
    expect(emrMock).toHaveReceivedCommandWith(StartJobRunCommand, {
      applicationId: '00fabc123example',
      executionRoleArn: 'arn:aws:iam::123456789012:role/tripstream-test-kpi-job',
      name: 'daily-kpis 2024-05-22..2024-05-25 (4 dates)',
      clientToken: expect.stringMatching(/^kpi-[0-9a-f]{60}$/),
      executionTimeoutMinutes: 45,
      jobDriver: {
        sparkSubmit: {
          entryPoint: 's3://tripstream-test-data/spark/daily_kpis_job.py',
          entryPointArguments: [
            '--input',
            's3://tripstream-test-data/completed-trips/',
            '--output',
            's3://tripstream-test-data/daily-kpis/',
            '--groups-sql',
            's3://tripstream-test-data/spark/daily_trip_groups.sql',
            '--sql',
            's3://tripstream-test-data/spark/daily_kpis.sql',
            '--dimension-output',
            's3://tripstream-test-data/daily-kpis-by-dimension/',
            '--dimension-sql',
            's3://tripstream-test-data/spark/daily_kpis_by_dimension.sql',
            '--dates',
            '2024-05-22,2024-05-23,2024-05-24,2024-05-25',
          ],
          sparkSubmitParameters: expect.stringMatching(
            /spark\.sql\.session\.timeZone=UTC.* --py-files s3:\/\/tripstream-test-data\/spark\/trip_schema\.py$/,
          ),
        },
      },
      configurationOverrides: {
        monitoringConfiguration: {
          s3MonitoringConfiguration: { logUri: 's3://tripstream-test-data/emr-logs/' },
          cloudWatchLoggingConfiguration: {
            enabled: true,
            logGroupName: '/aws/emr-serverless/tripstream-test-daily-kpis',
            logStreamNamePrefix: 'daily-kpis',
          },
        },
      },
    });
    expect(outcomeTally()).toEqual({ KpiJobStarted: 1, KpiDatesMissing: 3 });
  });

  it('on a late scheduled invocation, takes yesterday from the scheduled time, not from the clock', async () => {
    // Prepare
    stageDates('2024-05-22', '2024-05-23', '2024-05-24', '2024-05-25', '2024-05-26');
    jest.setSystemTime(new Date('2024-05-27T00:45:00Z'));

    // Act
    const result = await handler(scheduledEvent('2024-05-26T01:00:00Z'), context);

    // Assess
    expect(result.dates).toEqual(['2024-05-22', '2024-05-23', '2024-05-24', '2024-05-25']);
    expect(emrMock).toHaveReceivedCommandWith(StartJobRunCommand, { name: 'daily-kpis 2024-05-22..2024-05-25 (4 dates)' });
  });

  it('on schedule without a time in the event, takes yesterday from the clock (UTC)', async () => {
    // Prepare
    stageDates('2024-02-26', '2024-02-27', '2024-02-28', '2024-02-29');
    jest.setSystemTime(new Date('2024-03-01T00:30:00Z'));

    // Act
    const result = await handler({}, context);

    // Assess
    expect(result.dates).toEqual(['2024-02-26', '2024-02-27', '2024-02-28', '2024-02-29']);
  });

  it('computes an explicit date', async () => {
    // Prepare
    stageDates('2024-05-24');

    // Act
    const result = await handler({ date: '2024-05-24' }, context);

    // Assess
    expect(result).toEqual({ jobRunId: 'run-1', dates: ['2024-05-24'], skippedDates: [] });
    expect(emrMock).toHaveReceivedCommandWith(StartJobRunCommand, {
      name: 'daily-kpis 2024-05-24',
      jobDriver: { sparkSubmit: expect.objectContaining({ entryPointArguments: expect.arrayContaining(['--dates', '2024-05-24']) }) },
    });
  });

  it('backfills a range, skipping the dates with nothing staged', async () => {
    // Prepare
    stageDates('2024-04-29', '2024-05-02');

    // Act
    const result = await handler({ from: '2024-04-29', to: '2024-05-02' }, context);

    // Assess
    expect(result).toEqual({ jobRunId: 'run-1', dates: ['2024-04-29', '2024-05-02'], skippedDates: ['2024-04-30', '2024-05-01'] });
    expect(s3Mock).toHaveReceivedCommandTimes(ListObjectsV2Command, 4);
    expect(emrMock).toHaveReceivedCommandWith(StartJobRunCommand, {
      jobDriver: {
        sparkSubmit: expect.objectContaining({ entryPointArguments: expect.arrayContaining(['--dates', '2024-04-29,2024-05-02']) }),
      },
    });
    expect(outcomeTally()).toEqual({ KpiDateSkipped: 2, KpiJobStarted: 1 });
  });

  it('starts nothing when no requested date has staged trips', async () => {
    // Prepare
    stageDates();

    // Act
    const result = await handler(scheduledEvent('2024-05-26T01:00:00Z'), context);

    // Assess
    expect(result).toEqual({ jobRunId: null, dates: [], skippedDates: ['2024-05-22', '2024-05-23', '2024-05-24', '2024-05-25'] });
    expect(emrMock).not.toHaveReceivedCommand(StartJobRunCommand);
    expect(outcomeTally()).toEqual({ KpiDateSkipped: 4, KpiDatesMissing: 0 });
  });

  it('on schedule, counts the dates before yesterday that have staged trips but no KPI row as missing', async () => {
    // Prepare
    stageDates('2024-05-22', '2024-05-23', '2024-05-24', '2024-05-25');
    s3Mock
      .on(ListObjectsV2Command, { Prefix: 'daily-kpis/trip_date=2024-05-23/' })
      .resolves({ KeyCount: 1, Contents: [{ Key: 'daily-kpis/trip_date=2024-05-23/part-0.json' }] });

    // Act
    await handler(scheduledEvent('2024-05-26T01:00:00Z'), context);

    // Assess
    const kpiListings = s3Mock
      .commandCalls(ListObjectsV2Command)
      .map((call) => call.args[0].input.Prefix)
      .filter((prefix) => prefix?.startsWith('daily-kpis/'));
    expect(kpiListings).toEqual([
      'daily-kpis/trip_date=2024-05-22/',
      'daily-kpis/trip_date=2024-05-23/',
      'daily-kpis/trip_date=2024-05-24/',
    ]);
    expect(outcomeTally()).toEqual(expect.objectContaining({ KpiDatesMissing: 2 }));
  });

  it('on schedule, reports zero missing dates when every due date has its KPI row', async () => {
    // Prepare
    stageDates('2024-05-24', '2024-05-25');
    s3Mock
      .on(ListObjectsV2Command, { Prefix: 'daily-kpis/trip_date=2024-05-24/' })
      .resolves({ KeyCount: 1, Contents: [{ Key: 'daily-kpis/trip_date=2024-05-24/part-0.json' }] });

    // Act
    await handler(scheduledEvent('2024-05-26T01:00:00Z'), context);

    // Assess
    expect(outcomeTally()).toEqual(expect.objectContaining({ KpiDatesMissing: 0 }));
  });

  it('checks no freshness for an explicit date or range', async () => {
    // Prepare
    stageDates('2024-05-20');

    // Act
    await handler({ date: '2024-05-20' }, context);

    // Assess
    expect(outcomeTally()).not.toHaveProperty('KpiDatesMissing');
    expect(s3Mock.commandCalls(ListObjectsV2Command).map((call) => call.args[0].input.Prefix)).toEqual([
      'completed-trips/trip_date=2024-05-20/',
    ]);
  });

  it('sends the same clientToken when the same dates are triggered again, and another for other dates', async () => {
    // Prepare
    stageDates('2024-05-23', '2024-05-24', '2024-05-25');

    // Act
    await handler({ from: '2024-05-24', to: '2024-05-25' }, context);
    await handler({ from: '2024-05-24', to: '2024-05-25' }, context);
    await handler({ from: '2024-05-23', to: '2024-05-25' }, context);

    // Assess
    const [first, repeated, other] = startedTokens();
    expect(first).toBeDefined();
    expect(repeated).toBe(first);
    expect(other).not.toBe(first);
  });

  it('starts a fresh run of dates already computed when the operator labels it a rerun', async () => {
    // Prepare
    stageDates('2024-05-24');

    // Act
    await handler({ date: '2024-05-24' }, context);
    await handler({ date: '2024-05-24', rerun: 'after-fix-1' }, context);
    await handler({ date: '2024-05-24', rerun: 'after-fix-1' }, context);

    // Assess
    const [original, rerun, repeatedRerun] = startedTokens();
    expect(rerun).not.toBe(original);
    expect(repeatedRerun).toBe(rerun);
    expect(emrMock).toHaveReceivedNthSpecificCommandWith(2, StartJobRunCommand, { name: 'daily-kpis 2024-05-24 rerun after-fix-1' });
  });

  it('gives a scheduled run retried later the token of the original run', async () => {
    // Prepare
    stageDates('2024-05-22', '2024-05-23', '2024-05-24', '2024-05-25');

    // Act
    await handler(scheduledEvent('2024-05-26T01:00:00Z'), context);
    await handler(scheduledEvent('2024-05-26T01:00:00Z'), context);

    // Assess
    const [original, retried] = startedTokens();
    expect(retried).toBe(original);
  });

  it('gives a scheduled run retried after another date of its window was staged the token of the original run', async () => {
    // Prepare
    stageDates('2024-05-24', '2024-05-25');
    await handler(scheduledEvent('2024-05-26T01:00:00Z'), context);
    stageDates('2024-05-23', '2024-05-24', '2024-05-25');

    // Act
    await handler(scheduledEvent('2024-05-26T01:00:00Z'), context);

    // Assess
    const [original, retried] = startedTokens();
    expect(original).toBeDefined();
    expect(retried).toBe(original);
  });

  it.each([
    ['an impossible date', { date: '2024-02-30' }, 'date: must be a real calendar date'],
    ['a reversed range', { from: '2024-05-25', to: '2024-05-24' }, '2024-05-25 is after 2024-05-24'],
    ['a range without its end', { from: '2024-05-24' }, 'to:'],
    ['a date and a range at once', { date: '2024-05-24', from: '2024-05-24', to: '2024-05-25' }, 'Unrecognized keys'],
    ['a range over the cap', { from: '2023-01-01', to: '2024-12-31' }, 'at most 366'],
    ['a scheduled time that is not a time', { time: 'yesterday' }, 'time:'],
    ['a bare string', '2024-05-24', 'expected an object'],
    ['a rerun label with spaces', { date: '2024-05-24', rerun: 'after fix' }, 'rerun: must be 1 to 32 letters'],
  ])('rejects %s with a clear message and starts nothing', async (_case, event, message) => {
    // Prepare
    stageDates('2024-05-24', '2024-05-25');

    // Act
    const invocation = handler(event, context);

    // Assess
    await expect(invocation).rejects.toThrow(message);
    expect(s3Mock).not.toHaveReceivedCommand(ListObjectsV2Command);
    expect(emrMock).not.toHaveReceivedCommand(StartJobRunCommand);
  });
});
