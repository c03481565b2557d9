/**
 * The part of a local run's summary.json (docs/contracts.md §5) the cost model reads, validated: a summary
 * from an older or a broken run is refused with what is wrong, not priced as zero.
 */
import { z } from 'zod';

const counts = z.record(z.string(), z.number().int().nonnegative());
const perKind = z.object({ start: z.number().int().nonnegative(), end: z.number().int().nonnegative() });

export const runMeasurementsSchema = z.object({
  trips_completed: z.number().int().nonnegative(),
  sent: perKind,
  kpi_dates: z.array(z.string()),
  aws_requests: z.record(z.string(), counts),
  lambda_invocations: counts,
  duration_ms: z.number().nonnegative().optional(),
});

export type RunMeasurements = z.infer<typeof runMeasurementsSchema>;

/** The measurements of a parsed summary.json, or an error naming the fields that are wrong. */
export function runMeasurementsOf(summary: unknown): RunMeasurements {
  const parsed = runMeasurementsSchema.safeParse(summary);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
    throw new Error(`not a local run's summary.json: ${issues}`);
  }
  return parsed.data;
}
