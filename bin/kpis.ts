/**
 * `npm run kpis -- --date YYYY-MM-DD [--to YYYY-MM-DD] [--local DIR] [--stack NAME]`
 * Prints the daily KPIs of a date or a range: from a local run's output folder with DuckDB, or from the
 * deployed stack through Athena.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { AthenaClient } from '@aws-sdk/client-athena';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { Command } from 'commander';
import { clientOptions, withRequestCounting } from '../lib/aws/clients';
import { runCommand } from '../lib/cli';
import { DATA_PREFIXES } from '../lib/config';
import { athenaKpiSource, queryDailyKpisWithAthena } from '../lib/kpi/athena-kpis';
import type { DailyKpiRow } from '../lib/kpi/daily-kpi';
import { readDailyKpis } from '../lib/kpi/duckdb-engine';
import { formatKpiTable } from '../lib/kpi/format';
import { DEFAULT_KPI_STACK, resolveKpiQuery, type KpiQuery, type KpiQueryArguments } from '../lib/kpi/kpi-query';

async function fetchKpis(query: KpiQuery): Promise<DailyKpiRow[]> {
  if (query.source.kind === 'local') {
    const kpiDir = path.join(query.source.outputDir, DATA_PREFIXES.dailyKpis);
    // A mistyped folder must not read as "no KPIs for these dates".
    if (!existsSync(kpiDir)) throw new Error(`${kpiDir} does not exist: give --local the --out folder of a local run`);
    return readDailyKpis(kpiDir, query.from, query.to);
  }
  const cloudFormation = withRequestCounting(new CloudFormationClient({ ...clientOptions('cloudformation') }));
  const athena = withRequestCounting(new AthenaClient({ ...clientOptions('athena') }));
  const source = await athenaKpiSource(cloudFormation, query.source.stackName);
  return queryDailyKpisWithAthena(athena, source, query.from, query.to);
}

const program: Command = new Command('kpis')
  .description('Print daily trip KPIs for a date or a date range.')
  .requiredOption('--date <YYYY-MM-DD>', 'the date, or the first date of a range')
  .option('--to <YYYY-MM-DD>', 'the last date of a range (inclusive)')
  .option('--local <dir>', "a local run's --out folder: read <dir>/daily-kpis/ with DuckDB instead of Athena")
  .option('--stack <name>', `the analytics stack to query through Athena (default: ${DEFAULT_KPI_STACK})`);

program.action(async (options: KpiQueryArguments) => {
  let query: KpiQuery;
  try {
    query = resolveKpiQuery(options);
  } catch (error) {
    program.error(`error: ${(error as Error).message}`);
  }
  const rows = await fetchKpis(query);
  const range = query.from === query.to ? query.from : `${query.from}..${query.to}`;
  console.log(rows.length === 0 ? `No KPIs for ${range}.` : formatKpiTable(rows));
});

void runCommand(program);
