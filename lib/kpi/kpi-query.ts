/**
 * The options of `npm run kpis`, validated before any of them reaches a query: dates are real calendar
 * dates in order, and exactly one source is chosen (a local run's output folder, or a deployed stack).
 */
import { environments, stackNames } from '../config';
import { isCalendarDate } from './dates';
import { isKpiDimension, KPI_DIMENSIONS, type KpiDimension } from './dimension-kpi';

export const DEFAULT_KPI_STACK = stackNames(environments.dev).analytics;

export interface KpiQueryArguments {
  date?: string;
  to?: string;
  local?: string;
  stack?: string;
  by?: string;
}

export type KpiSource = { kind: 'local'; outputDir: string } | { kind: 'athena'; stackName: string };

export interface KpiQuery {
  from: string;
  to: string;
  source: KpiSource;
  /** Per-dimension KPIs of this dimension (docs/contracts.md §4b) instead of the daily ones. */
  by?: KpiDimension;
}

export function resolveKpiQuery(args: KpiQueryArguments): KpiQuery {
  const from = args.date;
  if (from === undefined) throw new Error('--date is required');
  const to = args.to ?? from;
  for (const [option, value] of [['--date', from], ['--to', to]] as const) {
    if (!isCalendarDate(value)) throw new Error(`${option} must be a real calendar date in YYYY-MM-DD form, got ${JSON.stringify(value)}`);
  }
  if (to < from) throw new Error(`--to ${to} is before --date ${from}`);
  if (args.local !== undefined && args.stack !== undefined) throw new Error('--local and --stack exclude each other');
  if (args.by !== undefined && !isKpiDimension(args.by)) {
    throw new Error(`--by must be one of ${KPI_DIMENSIONS.join(', ')}, got ${JSON.stringify(args.by)}`);
  }
  const by = args.by === undefined ? {} : { by: args.by };
  if (args.local !== undefined) {
    if (args.local.trim() === '') throw new Error('--local needs a folder');
    return { from, to, source: { kind: 'local', outputDir: args.local }, ...by };
  }
  const stackName = args.stack ?? DEFAULT_KPI_STACK;
  if (stackName.trim() === '') throw new Error('--stack needs a stack name');
  return { from, to, source: { kind: 'athena', stackName }, ...by };
}
