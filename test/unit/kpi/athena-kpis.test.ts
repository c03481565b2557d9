import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type Row,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { athenaKpiSource, type PollSettings, queryDailyKpisWithAthena } from '../../../kpi/athena-kpis';
import { DAILY_KPI_FIELDS } from '../../../kpi/daily-kpi';
import { dailyKpiRow } from '../../support/daily-kpi';

const athenaMock = mockClient(AthenaClient);
const cloudFormationMock = mockClient(CloudFormationClient);
const source = { workGroup: 'tripstream-dev-analytics', database: 'tripstream_dev' };

beforeEach(() => {
  athenaMock.reset();
  cloudFormationMock.reset();
});

/** Poll settings whose sleep returns at once and records what it was asked to wait. */
function recordingPoll(overrides: Partial<PollSettings> = {}): PollSettings & { waits: number[] } {
  const waits: number[] = [];
  return {
    initialDelayMs: 250,
    maxDelayMs: 1_000,
    timeoutMs: 10_000,
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...overrides,
    waits,
  };
}

/** Athena returns every value as text, the header as the first row of the first page. */
function resultRow(values: readonly (string | number)[]): Row {
  return { Data: values.map((value) => ({ VarCharValue: String(value) })) };
}

const columnInfo = DAILY_KPI_FIELDS.map((name) => ({ Name: name, Type: name === 'trip_date' ? 'varchar' : 'double' }));

describe('queryDailyKpisWithAthena', () => {
  it('starts a parameterised query in the workgroup, waits with backoff, and pages the results', async () => {
    // Prepare
    const first = dailyKpiRow({ trip_date: '2024-05-24', trip_count: 3 });
    const second = dailyKpiRow({ trip_date: '2024-05-25', trip_count: 2 });
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athenaMock
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: 'QUEUED' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    athenaMock
      .on(GetQueryResultsCommand)
      .resolvesOnce({
        ResultSet: { ResultSetMetadata: { ColumnInfo: columnInfo }, Rows: [resultRow(DAILY_KPI_FIELDS), resultRow(Object.values(first))] },
        NextToken: 'page-2',
      })
      .resolvesOnce({ ResultSet: { ResultSetMetadata: { ColumnInfo: columnInfo }, Rows: [resultRow(Object.values(second))] } });
    const poll = recordingPoll();

    // Act
    const rows = await queryDailyKpisWithAthena(new AthenaClient({}), source, '2024-05-24', '2024-05-25', poll);

    // Assess
    expect(rows).toEqual([first, second]);
    expect(athenaMock).toHaveReceivedCommandWith(StartQueryExecutionCommand, {
      WorkGroup: 'tripstream-dev-analytics',
      QueryExecutionContext: { Database: 'tripstream_dev' },
      ExecutionParameters: ["'2024-05-24'", "'2024-05-25'"],
      QueryString: expect.stringMatching(/FROM daily_kpis WHERE trip_date BETWEEN \? AND \? ORDER BY trip_date$/),
    });
    expect(athenaMock).toHaveReceivedCommandTimes(GetQueryExecutionCommand, 3);
    expect(athenaMock).toHaveReceivedNthSpecificCommandWith(2, GetQueryResultsCommand, { QueryExecutionId: 'q-1', NextToken: 'page-2' });
    expect(poll.waits).toEqual([250, 500]);
  });

  it('reports why a failed query failed', async () => {
    // Prepare
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-2' });
    athenaMock
      .on(GetQueryExecutionCommand)
      .resolves({ QueryExecution: { Status: { State: 'FAILED', StateChangeReason: 'TABLE_NOT_FOUND: daily_kpis' } } });

    // Act
    const querying = queryDailyKpisWithAthena(new AthenaClient({}), source, '2024-05-24', '2024-05-24', recordingPoll());

    // Assess
    await expect(querying).rejects.toThrow('Athena query q-2 failed: TABLE_NOT_FOUND: daily_kpis');
    expect(athenaMock).not.toHaveReceivedCommand(GetQueryResultsCommand);
  });

  it('stops a query that outlives the wait bound, with delays capped', async () => {
    // Prepare
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-3' });
    athenaMock.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'RUNNING' } } });
    const poll = recordingPoll({ initialDelayMs: 250, maxDelayMs: 400, timeoutMs: 1_000 });

    // Act
    const querying = queryDailyKpisWithAthena(new AthenaClient({}), source, '2024-05-24', '2024-05-24', poll);

    // Assess
    await expect(querying).rejects.toThrow('Athena query q-3 still RUNNING');
    expect(poll.waits).toEqual([250, 400, 400]);
    expect(athenaMock).toHaveReceivedCommandWith(StopQueryExecutionCommand, { QueryExecutionId: 'q-3' });
  });

  it.each([
    ['an impossible date', '2024-02-30', '2024-03-01', '2024-02-30'],
    ['an injection attempt', "2024-05-24' OR '1'='1", '2024-05-25', 'Not a calendar date'],
    ['a reversed range', '2024-05-25', '2024-05-24', 'reversed'],
  ])('rejects %s before calling Athena', async (_case, from, to, message) => {
    // Prepare: no Athena behaviour needed

    // Act
    const querying = queryDailyKpisWithAthena(new AthenaClient({}), source, from, to, recordingPoll());

    // Assess
    await expect(querying).rejects.toThrow(message);
    expect(athenaMock).not.toHaveReceivedAnyCommand();
  });
});

describe('athenaKpiSource', () => {
  it('takes the workgroup and database from the stack outputs', async () => {
    // Prepare
    cloudFormationMock.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'tripstream-dev-analytics',
          CreationTime: new Date('2024-05-01T00:00:00Z'),
          StackStatus: 'CREATE_COMPLETE',
          Outputs: [
            { OutputKey: 'AthenaWorkGroupName', OutputValue: 'tripstream-dev-analytics' },
            { OutputKey: 'GlueDatabaseName', OutputValue: 'tripstream_dev' },
          ],
        },
      ],
    });

    // Act
    const found = await athenaKpiSource(new CloudFormationClient({}), 'tripstream-dev-analytics');

    // Assess
    expect(found).toEqual(source);
    expect(cloudFormationMock).toHaveReceivedCommandWith(DescribeStacksCommand, { StackName: 'tripstream-dev-analytics' });
  });

  it('names the output a stack lacks', async () => {
    // Prepare
    cloudFormationMock.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'tripstream-dev-analytics',
          CreationTime: new Date('2024-05-01T00:00:00Z'),
          StackStatus: 'CREATE_COMPLETE',
          Outputs: [{ OutputKey: 'AthenaWorkGroupName', OutputValue: 'tripstream-dev-analytics' }],
        },
      ],
    });

    // Act
    const finding = athenaKpiSource(new CloudFormationClient({}), 'tripstream-dev-analytics');

    // Assess
    await expect(finding).rejects.toThrow('Stack tripstream-dev-analytics has no output GlueDatabaseName');
  });
});
