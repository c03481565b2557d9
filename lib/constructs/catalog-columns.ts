import { glueType, STAGED_TRIP_FIELDS } from '../../domain/trip-record';
import { DAILY_KPI_ROW } from '../../kpi/daily-kpi';
import { DIMENSION_KPI_ROW } from '../../kpi/dimension-kpi';
import { glueKpiColumns } from '../../kpi/kpi-row';
import type { GlueColumn } from './projected-json-table';
import { PARTITION_KEY } from './projected-json-table';

/** The daily KPI row of docs/contracts.md §4 (trip_date is the partition key, not a column). */
export const DAILY_KPI_COLUMNS: readonly GlueColumn[] = glueKpiColumns(DAILY_KPI_ROW, PARTITION_KEY);

/**
 * The staged trip columns, derived from the trip record the match handler writes with, so the table cannot
 * drift from the files. Codes and ids are JSON numbers (`5.0` is valid), hence double.
 */
export const COMPLETED_TRIP_COLUMNS: readonly GlueColumn[] = STAGED_TRIP_FIELDS.filter((name) => name !== PARTITION_KEY).map((name) => ({
  name,
  type: glueType(name),
}));

/** The per-dimension KPI row of docs/contracts.md §4b (trip_date is the partition key, not a column). */
export const DIMENSION_KPI_COLUMNS: readonly GlueColumn[] = glueKpiColumns(DIMENSION_KPI_ROW, PARTITION_KEY);
