import { z } from 'zod';
import type { GlueColumn } from '../constructs/projected-json-table';
import { PARTITION_KEY } from '../constructs/projected-json-table';
import { completedTripSchema } from '../domain/trip-item';

/** The daily KPI row of docs/contracts.md §4 (trip_date is the partition key, not a column). */
export const DAILY_KPI_COLUMNS: readonly GlueColumn[] = [
  { name: 'trip_count', type: 'bigint' },
  { name: 'total_fare', type: 'double' },
  { name: 'average_fare', type: 'double' },
  { name: 'min_fare', type: 'double' },
  { name: 'max_fare', type: 'double' },
  { name: 'total_tips', type: 'double' },
  { name: 'total_distance', type: 'double' },
  { name: 'average_trip_duration_minutes', type: 'double' },
];

function glueType(field: z.ZodType): string {
  const inner = field instanceof z.ZodNullable ? field.unwrap() : field;
  if (inner instanceof z.ZodString) return 'string';
  if (inner instanceof z.ZodNumber) return 'double';
  throw new Error(`No Glue type for a ${inner.constructor.name} field of the staged trip schema`);
}

/**
 * The staged trip columns, derived from the schema the match handler writes with, so the table cannot
 * drift from the files. Codes and ids are JSON numbers (`5.0` is valid), hence double.
 */
export const COMPLETED_TRIP_COLUMNS: readonly GlueColumn[] = Object.entries(completedTripSchema.shape)
  .filter(([name]) => name !== PARTITION_KEY)
  .map(([name, field]) => ({ name, type: glueType(field) }));

/** The per-dimension KPI row of docs/contracts.md §4b (trip_date is the partition key, not a column). */
export const DIMENSION_KPI_COLUMNS: readonly GlueColumn[] = [
  { name: 'dimension', type: 'string' },
  { name: 'dimension_value', type: 'string' },
  { name: 'trip_count', type: 'bigint' },
  { name: 'total_fare', type: 'double' },
  { name: 'average_fare', type: 'double' },
  { name: 'total_tips', type: 'double' },
  { name: 'total_distance', type: 'double' },
  { name: 'average_trip_duration_minutes', type: 'double' },
];
