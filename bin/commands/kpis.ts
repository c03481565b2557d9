/**
 * `tripstream kpis --from YYYY-MM-DD [--to YYYY-MM-DD] [--by DIMENSION] [--local DIR | --env dev|prod | --stack NAME] [--json]`
 * Prints the daily KPIs of a date or a range, or with --by the per-dimension ones: from a local run's output
 * folder with DuckDB, or from the deployed stack through Athena.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { AthenaClient } from '@aws-sdk/client-athena';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { Command } from 'commander';
import { clientOptions, withRequestCounting } from '../../aws/clients';
import { athenaKpiSource, queryDailyKpisWithAthena, queryDimensionKpisWithAthena } from '../../kpi/athena-kpis';
import { KPI_DIMENSIONS } from '../../kpi/dimension-kpi';
import { readDailyKpis, readDimensionKpis } from '../../kpi/duckdb-engine';
import { formatDimensionKpiTable, formatKpiTable } from '../../kpi/format';
import { DEFAULT_KPI_STACK, type KpiQuery, type KpiQueryArguments, resolveKpiQuery } from '../../kpi/kpi-query';
import { DATA_PREFIXES } from '../../lib/config';
import { checkRunOutcome, READ_FAILED_RUN_FLAG } from '../../local/run/run-outcome';
import { environmentOption, jsonText, withVersionAndExitCodes } from '../cli';

interface KpiRows {
  readonly count: number;
  readonly rows: unknown;
  readonly table: () => string;
}

function kpiRows<Row>(rows: readonly Row[], format: (rows: readonly Row[]) => string): KpiRows {
  return { count: rows.length, rows, table: () => format(rows) };
}

/** The query's rows, read from a local run's folder with DuckDB or through Athena. */
async function fetchKpis(query: KpiQuery, readFailedRun: boolean): Promise<KpiRows> {
  const dimension = query.by;
  if (query.source.kind === 'local') {
    checkRunOutcome(query.source.outputDir, readFailedRun, (line) => process.stderr.write(`${line}\n`));
    const prefix = dimension === undefined ? DATA_PREFIXES.dailyKpis : DATA_PREFIXES.dailyKpisByDimension;
    const kpiDir = path.join(query.source.outputDir, prefix);
    // A mistyped folder must not read as "no KPIs for these dates".
    if (!existsSync(kpiDir)) throw new Error(`${kpiDir} does not exist: give --local the --out folder of a local run`);
    if (dimension === undefined) return kpiRows(await readDailyKpis(kpiDir, query.from, query.to), formatKpiTable);
    return kpiRows(await readDimensionKpis(kpiDir, query.from, query.to, dimension), (rows) => formatDimensionKpiTable(dimension, rows));
  }
  const cloudFormation = withRequestCounting(new CloudFormationClient({ ...clientOptions('cloudformation') }));
  const athena = withRequestCounting(new AthenaClient({ ...clientOptions('athena') }));
  const source = await athenaKpiSource(cloudFormation, query.source.stackName);
  if (dimension === undefined) return kpiRows(await queryDailyKpisWithAthena(athena, source, query.from, query.to), formatKpiTable);
  const rows = await queryDimensionKpisWithAthena(athena, source, query.from, query.to, dimension);
  return kpiRows(rows, (found) => formatDimensionKpiTable(dimension, found));
}

export function kpisCommand(): Command {
  const program: Command = new Command('kpis')
    .description('Print daily trip KPIs for a date or a date range.')
    .requiredOption('--from <YYYY-MM-DD>', 'the date, or the first date of a range')
    .option('--to <YYYY-MM-DD>', 'the last date of a range (inclusive; default: --from)')
    .option('--by <dimension>', `per-dimension KPIs of one dimension: ${KPI_DIMENSIONS.join(', ')}`)
    .option('--local <dir>', "a local run's --out folder: read <dir>/daily-kpis/ with DuckDB instead of Athena")
    .addOption(environmentOption())
    .option('--stack <name>', `the analytics stack to query through Athena (default: the --env one, ${DEFAULT_KPI_STACK})`)
    .option('--json', 'print the KPI rows as a JSON array')
    .option(READ_FAILED_RUN_FLAG, "with --local: read a failed run's KPIs anyway (with a warning); refused without it")
    .allowExcessArguments(false);
  withVersionAndExitCodes(program);

  program.action(async (options: KpiQueryArguments & { json?: boolean; readFailedRun?: boolean }) => {
    let query: KpiQuery;
    try {
      query = resolveKpiQuery(options);
    } catch (error) {
      program.error(`error: ${(error as Error).message}`);
    }
    const found = await fetchKpis(query, options.readFailedRun === true);
    if (options.json === true) {
      process.stdout.write(jsonText(found.rows));
      return;
    }
    const range = query.from === query.to ? query.from : `${query.from}..${query.to}`;
    console.log(found.count > 0 ? found.table() : `No ${query.by === undefined ? '' : `per-${query.by} `}KPIs for ${range}.`);
  });
  return program;
}
