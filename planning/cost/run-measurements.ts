/**
 * The part of a local run's summary.json (docs/contracts.md §5) the cost model reads, validated: a summary
 * from an older or a broken run is refused with what is wrong, not priced as zero.
 */
import * as z from '../../domain/validation';

const count = z.int().check(z.nonnegative());
const counts = z.record(z.string(), count);
const perKind = z.object({ start: count, end: count });

const runMeasurementsSchema = z.object({
  trips_completed: count,
  sent: perKind,
  kpi_dates: z.array(z.string()),
  aws_requests: z.record(z.string(), counts),
  /** Absent in summaries written before the live metrics took UpdateItems of their own. */
  trips_table_writes: z.optional(count),
  lambda_invocations: counts,
  /** Dead-letter messages sent (SQS SendMessage counts them with the retry queue's). */
  dead_lettered: z.optional(z.object({ messages: count })),
  duration_ms: z.optional(z.number().check(z.nonnegative())),
});

export type RunMeasurements = z.infer<typeof runMeasurementsSchema>;

/** The measurements of a parsed summary.json, or an error naming the fields that are wrong. */
export function runMeasurementsOf(summary: unknown): RunMeasurements {
  const parsed = runMeasurementsSchema.safeParse(summary);
  if (!parsed.success) throw new Error(`not a local run's summary.json: ${z.describeIssues(parsed.error)}`);
  return parsed.data;
}
