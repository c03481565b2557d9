/**
 * What the kpi-trigger is asked to compute. Pure: the handler passes the clock and the lookback in.
 *
 * - A scheduled invocation (EventBridge Scheduler or an EventBridge rule: no payload, or any object without
 *   `date`, `from` or `to`) recomputes yesterday (UTC) and the `lookbackDays` days before it, so trips staged
 *   late for a day whose KPIs already exist are counted on the next run. If the event carries `time` (EventBridge's
 *   field, or Scheduler's `<aws.scheduler.scheduled-time>` placed there), that instant decides "yesterday",
 *   so a retried or delayed invocation asks for the same dates, hence the same job run.
 * - `{ "date": "YYYY-MM-DD" }` computes one date; `{ "from": "...", "to": "..." }` a backfill range. Either may
 *   carry `"rerun": "<label>"`: the same dates are normally the same job run (see kpiJobClientToken), and a new
 *   label is how an operator asks for a fresh run of dates already computed, e.g. after fixing staged data.
 */
import * as z from '../domain/validation';
import { calendarDateSchema, dateRange, MAX_KPI_RANGE_DAYS, scheduledKpiDates } from './dates';

type KpiRequestKind = 'scheduled' | 'date' | 'range';

export interface KpiRequest {
  readonly kind: KpiRequestKind;
  /** Ascending, without duplicates. */
  readonly dates: string[];
  readonly rerun?: string;
}

export class InvalidKpiRequestError extends Error {
  override readonly name = 'InvalidKpiRequestError';
}

const rerunSchema = z.optional(
  z.string().check(z.regex(/^[A-Za-z0-9._-]{1,32}$/, 'must be 1 to 32 letters, digits, dots, dashes or underscores')),
);
const singleDateSchema = z.strictObject({ date: calendarDateSchema, rerun: rerunSchema });
const rangeSchema = z.strictObject({ from: calendarDateSchema, to: calendarDateSchema, rerun: rerunSchema });
const scheduledSchema = z.looseObject({ time: z.optional(z.iso.datetime({ offset: true })) });

const EXPLICIT_KEYS = ['date', 'from', 'to'];

function describeIssues(error: z.core.$ZodError): string {
  return error.issues.map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message)).join('; ');
}

function parseOrThrow<S extends z.ZodMiniType>(schema: S, event: unknown): z.infer<S> {
  const parsed = schema.safeParse(event);
  if (!parsed.success)
    throw new InvalidKpiRequestError(`Invalid KPI trigger event (${describeIssues(parsed.error)}): ${JSON.stringify(event)}`);
  return parsed.data;
}

export function resolveKpiRequest(event: unknown, options: { now: Date; lookbackDays: number }): KpiRequest {
  // A schedule without an input template invokes with no payload at all.
  if (event === null || event === undefined) {
    return { kind: 'scheduled', dates: scheduledKpiDates(options.now, options.lookbackDays) };
  }
  if (typeof event !== 'object' || Array.isArray(event)) {
    throw new InvalidKpiRequestError(
      `Invalid KPI trigger event: expected an object ({}, {"date": "YYYY-MM-DD"} or {"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}), got ${JSON.stringify(event) ?? String(event)}`,
    );
  }
  if (!EXPLICIT_KEYS.some((key) => key in event)) {
    const { time } = parseOrThrow(scheduledSchema, event);
    const now = time === undefined ? options.now : new Date(time);
    return { kind: 'scheduled', dates: scheduledKpiDates(now, options.lookbackDays) };
  }
  if ('date' in event) {
    const { date, rerun } = parseOrThrow(singleDateSchema, event);
    return { kind: 'date', dates: [date], ...(rerun === undefined ? {} : { rerun }) };
  }
  const { from, to, rerun } = parseOrThrow(rangeSchema, event);
  try {
    return { kind: 'range', dates: dateRange(from, to, MAX_KPI_RANGE_DAYS), ...(rerun === undefined ? {} : { rerun }) };
  } catch (error) {
    throw new InvalidKpiRequestError(`Invalid KPI trigger event: ${(error as Error).message}`);
  }
}
