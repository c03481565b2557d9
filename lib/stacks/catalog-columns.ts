import type { GlueColumn } from '../constructs/projected-json-table';
import { PARTITION_KEY } from '../constructs/projected-json-table';
import { glueType, STAGED_TRIP_FIELDS } from '../domain/trip-record';

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

/**
 * The staged trip columns, derived from the trip record the match handler writes with, so the table cannot
 * drift from the files. Codes and ids are JSON numbers (`5.0` is valid), hence double.
 */
export const COMPLETED_TRIP_COLUMNS: readonly GlueColumn[] = STAGED_TRIP_FIELDS.filter((name) => name !== PARTITION_KEY).map(
  (name) => ({ name, type: glueType(name) }),
);

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
