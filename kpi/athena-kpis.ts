/**
 * Reads daily KPIs from the deployed stack through Athena: find the workgroup and Glue database in the
 * analytics stack's outputs, run one parameterised query, wait with backoff for a bounded time, page the results.
 */
import {
  type AthenaClient,
  type Row as AthenaRow,
  GetQueryExecutionCommand,
  paginateGetQueryResults,
  QueryExecutionState,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GLUE_TABLES, STACK_OUTPUTS } from '../lib/config';
import { DAILY_KPI_FIELDS, type DailyKpiRow, toDailyKpiRow } from './daily-kpi';
import { isCalendarDate } from './dates';
import { DIMENSION_KPI_FIELDS, type DimensionKpiRow, type KpiDimension, toDimensionKpiRow } from './dimension-kpi';

/** The Glue table over daily-kpis/ (partition projection on trip_date). */

export interface AthenaKpiSource {
  readonly workGroup: string;
  readonly database: string;
}

export interface PollSettings {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** Give up (and stop the query) after this long. */
  readonly timeoutMs: number;
  readonly sleep: (ms: number) => Promise<void>;
}

const defaultPollSettings: PollSettings = {
  initialDelayMs: 250,
  maxDelayMs: 4_000,
  timeoutMs: 120_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** The workgroup and database the analytics stack exported. */
export async function athenaKpiSource(cloudFormation: CloudFormationClient, stackName: string): Promise<AthenaKpiSource> {
  const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
  const outputs = new Map((Stacks?.[0]?.Outputs ?? []).map((output) => [output.OutputKey, output.OutputValue]));
  const required = (key: string): string => {
    const value = outputs.get(key);
    if (value === undefined || value === '') throw new Error(`Stack ${stackName} has no output ${key}`);
    return value;
  };
  return { workGroup: required(STACK_OUTPUTS.athenaWorkGroupName), database: required(STACK_OUTPUTS.glueDatabaseName) };
}

/** Rows of `from`..`to` inclusive, in date order. The dates travel as execution parameters, never as SQL text. */
export async function queryDailyKpisWithAthena(
  athena: AthenaClient,
  source: AthenaKpiSource,
  from: string,
  to: string,
  poll: PollSettings = defaultPollSettings,
): Promise<DailyKpiRow[]> {
  const query = `SELECT ${DAILY_KPI_FIELDS.join(', ')} FROM ${GLUE_TABLES.dailyKpis} WHERE trip_date BETWEEN ? AND ? ORDER BY trip_date`;
  return runDateRangeQuery(athena, source, query, dateRangeParameters(from, to), toDailyKpiRow, poll);
}

/** Per-dimension rows of one dimension for `from`..`to` inclusive, ordered by date and value. */
export async function queryDimensionKpisWithAthena(
  athena: AthenaClient,
  source: AthenaKpiSource,
  from: string,
  to: string,
  dimension: KpiDimension,
  poll: PollSettings = defaultPollSettings,
): Promise<DimensionKpiRow[]> {
  const query =
    `SELECT ${DIMENSION_KPI_FIELDS.join(', ')} FROM ${GLUE_TABLES.dailyKpisByDimension} ` +
    'WHERE trip_date BETWEEN ? AND ? AND dimension = ? ORDER BY trip_date, dimension_value NULLS FIRST';
  // The dimension is one of KPI_DIMENSIONS (plain identifiers), so quoting it as a literal is safe.
  return runDateRangeQuery(athena, source, query, [...dateRangeParameters(from, to), `'${dimension}'`], toDimensionKpiRow, poll);
}

function dateRangeParameters(from: string, to: string): string[] {
  for (const date of [from, to]) {
    if (!isCalendarDate(date)) throw new RangeError(`Not a calendar date (YYYY-MM-DD): ${JSON.stringify(date)}`);
  }
  if (from > to) throw new RangeError(`Date range is reversed: ${from} is after ${to}`);
  return [`'${from}'`, `'${to}'`];
}

async function runDateRangeQuery<Row>(
  athena: AthenaClient,
  source: AthenaKpiSource,
  queryString: string,
  parameters: string[],
  toRow: (raw: unknown) => Row,
  poll: PollSettings,
): Promise<Row[]> {
  const { QueryExecutionId } = await athena.send(
    new StartQueryExecutionCommand({
      QueryString: queryString,
      ExecutionParameters: parameters,
      QueryExecutionContext: { Database: source.database },
      WorkGroup: source.workGroup,
    }),
  );
  if (QueryExecutionId === undefined) throw new Error('Athena returned no query execution id');

  await waitForQuery(athena, QueryExecutionId, poll);
  return readResults(athena, QueryExecutionId, toRow);
}

async function waitForQuery(athena: AthenaClient, queryExecutionId: string, poll: PollSettings): Promise<void> {
  let waitedMs = 0;
  let delayMs = poll.initialDelayMs;
  for (;;) {
    const { QueryExecution } = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: queryExecutionId }));
    const state = QueryExecution?.Status?.State;
    if (state === QueryExecutionState.SUCCEEDED) return;
    if (state === QueryExecutionState.FAILED || state === QueryExecutionState.CANCELLED) {
      const reason = QueryExecution?.Status?.StateChangeReason ?? 'no reason given';
      throw new Error(`Athena query ${queryExecutionId} ${state.toLowerCase()}: ${reason}`);
    }
    if (waitedMs >= poll.timeoutMs) {
      await athena.send(new StopQueryExecutionCommand({ QueryExecutionId: queryExecutionId }));
      throw new Error(`Athena query ${queryExecutionId} still ${state ?? 'pending'} after ${Math.round(waitedMs / 1000)} s: stopped`);
    }
    await poll.sleep(delayMs);
    waitedMs += delayMs;
    delayMs = Math.min(delayMs * 2, poll.maxDelayMs);
  }
}

async function readResults<Row>(athena: AthenaClient, queryExecutionId: string, toRow: (raw: unknown) => Row): Promise<Row[]> {
  let columns: string[] | undefined;
  const rows: Row[] = [];
  for await (const page of paginateGetQueryResults({ client: athena }, { QueryExecutionId: queryExecutionId })) {
    let pageRows: AthenaRow[] = page.ResultSet?.Rows ?? [];
    if (columns === undefined) {
      columns = (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((column) => column.Name ?? '');
      // The first row of the first page repeats the column names.
      pageRows = pageRows.slice(1);
    }
    const names = columns;
    for (const row of pageRows) {
      // Athena leaves VarCharValue out for a NULL cell: a blank dimension value is null, and a null KPI is rejected.
      rows.push(toRow(Object.fromEntries(names.map((name, index) => [name, row.Data?.[index]?.VarCharValue ?? null]))));
    }
  }
  return rows;
}
