import type { RunMeasurements } from '../../planning/cost/run-measurements';

/** A clean run's measurements: two trip writes a trip, no retries; override what a test varies. */
export function runMeasurements(overrides: Partial<RunMeasurements> = {}): RunMeasurements {
  return {
    trips_completed: 1_000,
    sent: { start: 1_010, end: 1_005 },
    kpi_dates: ['2024-05-25'],
    aws_requests: { DynamoDB: { UpdateItem: 2_030, TransactWriteItems: 40 }, S3: { PutObject: 12 }, SQS: {} },
    lambda_invocations: { start: 5, end: 5, match: 2, 'live-metrics': 8 },
    ...overrides,
  };
}
