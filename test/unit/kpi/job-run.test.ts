import { kpiJobClientToken, kpiJobName, kpiJobRunInput } from '../../../kpi/job-run';

const target = {
  dataBucketName: 'bucket',
  emrApplicationId: 'app',
  emrJobRoleArn: 'arn:aws:iam::1:role/job',
  logGroupName: '/aws/emr-serverless/tripstream-test-daily-kpis',
  timeoutMinutes: 45,
};

describe('kpiJobClientToken', () => {
  it('depends on the set of dates only, not their order or repetition', () => {
    // Prepare
    const dates = ['2024-05-24', '2024-05-25'];

    // Act
    const tokens = [kpiJobClientToken(dates), kpiJobClientToken(['2024-05-25', '2024-05-24', '2024-05-25'])];

    // Assess
    expect(tokens[1]).toBe(tokens[0]);
  });

  it('differs for different dates and fits the 64-character limit', () => {
    // Prepare
    const yearOfDates = Array.from({ length: 366 }, (_, day) => new Date(Date.UTC(2024, 0, 1 + day)).toISOString().slice(0, 10));

    // Act
    const tokens = [kpiJobClientToken(['2024-05-24']), kpiJobClientToken(['2024-05-25']), kpiJobClientToken(yearOfDates)];

    // Assess
    expect(new Set(tokens).size).toBe(3);
    for (const token of tokens) expect(token.length).toBeLessThanOrEqual(64);
  });
});

describe('kpiJobClientToken with a rerun label', () => {
  it('differs from the plain token and is stable for the same label', () => {
    // Prepare
    const dates = ['2024-05-24'];

    // Act
    const plain = kpiJobClientToken(dates);
    const labelled = [kpiJobClientToken(dates, 'fix-1'), kpiJobClientToken(dates, 'fix-1'), kpiJobClientToken(dates, 'fix-2')];

    // Assess
    expect(labelled[0]).not.toBe(plain);
    expect(labelled[1]).toBe(labelled[0]);
    expect(labelled[2]).not.toBe(labelled[0]);
  });
});

describe('kpiJobName', () => {
  it('names one date, or the span and count of several', () => {
    // Prepare
    const single = ['2024-05-24'];
    const several = ['2024-05-25', '2024-05-21', '2024-05-23'];

    // Act
    const names = [kpiJobName(single), kpiJobName(several)];

    // Assess
    expect(names).toEqual(['daily-kpis 2024-05-24', 'daily-kpis 2024-05-21..2024-05-25 (3 dates)']);
  });

  it('refuses an empty date list', () => {
    // Prepare
    const none: string[] = [];

    // Act
    const naming = () => kpiJobName(none);

    // Assess
    expect(naming).toThrow('at least one date');
  });
});

describe('kpiJobRunInput', () => {
  it('passes the dates sorted and de-duplicated to the job', () => {
    // Prepare
    const dates = ['2024-05-25', '2024-05-24', '2024-05-25'];

    // Act
    const input = kpiJobRunInput(target, dates);

    // Assess
    expect(input.jobDriver?.sparkSubmit?.entryPointArguments?.slice(-2)).toEqual(['--dates', '2024-05-24,2024-05-25']);
    expect(input.clientToken).toBe(kpiJobClientToken(['2024-05-24', '2024-05-25']));
  });

  it('derives the token from the requested window, not from the dates that had staged trips', () => {
    // Prepare
    const window = ['2024-05-22', '2024-05-23', '2024-05-24', '2024-05-25'];

    // Act
    const fewerStaged = kpiJobRunInput(target, ['2024-05-24', '2024-05-25'], undefined, window);
    const allStaged = kpiJobRunInput(target, window, undefined, window);

    // Assess
    expect(fewerStaged.clientToken).toBe(allStaged.clientToken);
    expect(fewerStaged.clientToken).toBe(kpiJobClientToken(window));
    expect(fewerStaged.jobDriver?.sparkSubmit?.entryPointArguments?.slice(-1)).toEqual(['2024-05-24,2024-05-25']);
  });

  it("sends the driver and executor logs to the job's own CloudWatch log group as well as to S3", () => {
    // Prepare
    const dates = ['2024-05-24'];

    // Act
    const monitoring = kpiJobRunInput(target, dates).configurationOverrides?.monitoringConfiguration;

    // Assess
    expect(monitoring?.cloudWatchLoggingConfiguration).toEqual({
      enabled: true,
      logGroupName: '/aws/emr-serverless/tripstream-test-daily-kpis',
      logStreamNamePrefix: 'daily-kpis',
    });
    expect(monitoring?.s3MonitoringConfiguration?.logUri).toBe('s3://bucket/emr-logs/');
  });
});
