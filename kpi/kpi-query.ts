/**
 * The options of `tripstream kpis`, validated before any of them reaches a query: dates are real calendar
 * dates in order, and exactly one source is chosen (a local run's output folder, or a deployed stack).
 */
import { environments, isEnvironmentName, stackNames } from '../lib/config';
import { isCalendarDate } from './dates';
import { isKpiDimension, KPI_DIMENSIONS, type KpiDimension } from './dimension-kpi';

export const DEFAULT_KPI_STACK = stackNames(environments.dev).analytics;

export interface KpiQueryArguments {
  from?: string;
  to?: string;
  local?: string;
  stack?: string;
  /** The deployed environment whose analytics stack to query (dev when neither it nor stack is given). */
  env?: string;
  by?: string;
}

type KpiSource = { kind: 'local'; outputDir: string } | { kind: 'athena'; stackName: string };

export interface KpiQuery {
  from: string;
  to: string;
  source: KpiSource;
  /** Per-dimension KPIs of this dimension (docs/contracts.md §4b) instead of the daily ones. */
  by?: KpiDimension;
}

export function resolveKpiQuery(args: KpiQueryArguments): KpiQuery {
  const from = args.from;
  if (from === undefined) throw new Error('--from is required');
  const to = args.to ?? from;
  for (const [option, value] of [
    ['--from', from],
    ['--to', to],
  ] as const) {
    if (!isCalendarDate(value)) throw new Error(`${option} must be a real calendar date in YYYY-MM-DD form, got ${JSON.stringify(value)}`);
  }
  if (to < from) throw new Error(`--to ${to} is before --from ${from}`);
  if (args.local !== undefined && (args.stack !== undefined || args.env !== undefined))
    throw new Error('--local excludes --stack and --env');
  if (args.stack !== undefined && args.env !== undefined) throw new Error('give either --env or --stack, not both');
  if (args.env !== undefined && !isEnvironmentName(args.env))
    throw new Error(`--env must be one of ${Object.keys(environments).join(', ')}, got ${JSON.stringify(args.env)}`);
  if (args.by !== undefined && !isKpiDimension(args.by)) {
    throw new Error(`--by must be one of ${KPI_DIMENSIONS.join(', ')}, got ${JSON.stringify(args.by)}`);
  }
  const by = args.by === undefined ? {} : { by: args.by };
  if (args.local !== undefined) {
    if (args.local.trim() === '') throw new Error('--local needs a folder');
    return { from, to, source: { kind: 'local', outputDir: args.local }, ...by };
  }
  const stackName =
    args.stack ??
    (args.env !== undefined && isEnvironmentName(args.env) ? stackNames(environments[args.env]).analytics : DEFAULT_KPI_STACK);
  if (stackName.trim() === '') throw new Error('--stack needs a stack name');
  return { from, to, source: { kind: 'athena', stackName }, ...by };
}
