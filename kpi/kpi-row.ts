/**
 * The KPI rows (docs/contracts.md §4 and §4b), each defined once as a table of columns and their kinds: the
 * TypeScript row type, the column order, the validating schema, DuckDB's read schema and the Glue columns
 * are all derived from it. The values themselves are computed by the shared SQL (spark/*.sql).
 */

/** `date`: the row's trip_date; `count`: trips; `amount`: money or minutes rounded to 2 decimals. */
type KpiColumnKind = 'date' | 'count' | 'amount' | 'dimension' | 'dimension_value';
export type KpiRowDefinition = Readonly<Record<string, KpiColumnKind>>;

interface KindTypes {
  date: string;
  count: number;
  amount: number;
  dimension: string;
  dimension_value: string | null;
}

/** The row a definition describes; `Dimension` narrows the `dimension` column. */
export type KpiRowOf<D extends KpiRowDefinition, Dimension extends string = string> = {
  -readonly [C in keyof D]: D[C] extends 'dimension' ? Dimension : KindTypes[D[C]];
};

const ENGINE_TYPES: Record<KpiColumnKind, { readonly glue: string; readonly duckDb: string }> = {
  date: { glue: 'string', duckDb: 'VARCHAR' },
  count: { glue: 'bigint', duckDb: 'BIGINT' },
  amount: { glue: 'double', duckDb: 'DOUBLE' },
  dimension: { glue: 'string', duckDb: 'VARCHAR' },
  dimension_value: { glue: 'string', duckDb: 'VARCHAR' },
};

/** The columns in order: of the SQL's output, of the written JSON lines and of printed tables. */
export function kpiFields<D extends KpiRowDefinition>(definition: D): (keyof D & string)[] {
  return Object.keys(definition);
}

/** DuckDB's `columns = {...}` of a KPI output file. */
export function duckDbKpiColumns(definition: KpiRowDefinition): string {
  return Object.entries(definition)
    .map(([field, kind]) => `${field}: '${ENGINE_TYPES[kind].duckDb}'`)
    .join(', ');
}

/** The Glue columns (name and Glue type) of a KPI table; the partition key is a partition, not a column. */
export function glueKpiColumns(definition: KpiRowDefinition, partitionKey: string): { readonly name: string; readonly type: string }[] {
  return Object.entries(definition)
    .filter(([field]) => field !== partitionKey)
    .map(([name, kind]) => ({ name, type: ENGINE_TYPES[kind].glue }));
}

/** A zod shape with one schema per kind the definition uses, in the definition's column order. */
export function kpiRowShape<D extends KpiRowDefinition, M extends { readonly [K in D[keyof D]]: unknown }>(
  definition: D,
  schemas: M,
): { -readonly [C in keyof D]: M[D[C]] } {
  return Object.fromEntries(Object.entries(definition).map(([field, kind]) => [field, schemas[kind as D[keyof D]]])) as {
    -readonly [C in keyof D]: M[D[C]];
  };
}
