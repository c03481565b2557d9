import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DIMENSION_KPI_SQL_PATH, KPI_SQL_PATH, TRIP_GROUPS_SQL_PATH } from '../../../kpi/duckdb-engine';

/**
 * The shared KPI SQL files (spark/daily_trip_groups.sql, daily_kpis.sql, daily_kpis_by_dimension.sql) must mean the same on
 * Spark 3.5 and DuckDB. Both engines accept these constructs
 * with the same meaning; anything else needs a deliberate decision (and an update here, with the ADR).
 */
const FUNCTIONS_OF_BOTH_ENGINES = ['CAST', 'COALESCE', 'COUNT', 'FLOOR', 'LPAD', 'MAX', 'MIN', 'ROUND', 'ROW_NUMBER', 'SUM'];
/** Words that are followed by `(` without being function calls. */
const KEYWORDS_BEFORE_PARENTHESIS = ['AS', 'DECIMAL', 'IN', 'OVER', 'AND', 'OR', 'NOT', 'FROM', 'WHERE'];
/** What one engine accepts and the other rejects or reads differently. */
const FORBIDDEN_CONSTRUCTS: ReadonlyArray<[string, RegExp]> = [
  ['`::` cast (DuckDB/PostgreSQL only)', /::/],
  ['QUALIFY (not in Spark 3.5)', /\bQUALIFY\b/i],
  ['double-quoted identifier (a string literal in Spark)', /"/],
  ['backquoted identifier (Spark only)', /`/],
  ['GROUP BY ALL / ORDER BY ALL (not in Spark 3.5)', /\bBY\s+ALL\b/i],
  ['SELECT * EXCLUDE/REPLACE (DuckDB only)', /\*\s*(EXCLUDE|REPLACE)\b/i],
  ['integer division `//` (DuckDB only)', /\/\//],
  ['lambda arrow (DuckDB only)', /->/],
  ['LATERAL VIEW (Spark only)', /\bLATERAL\s+VIEW\b/i],
  ['USING SAMPLE (DuckDB only)', /\bUSING\s+SAMPLE\b/i],
  ['more than one statement', /;/],
];

function sqlWithoutComments(sql: string): string {
  return sql.replace(/--[^\n]*/g, '');
}

function calledNames(sql: string): string[] {
  return [...sql.matchAll(/\b([A-Za-z_][A-Za-z0-9_]*)\s*\(/g)].map((match) => (match[1] ?? '').toUpperCase());
}

/**
 * What each file reads: the staged trips are scanned and de-duplicated by one file, whose result both KPI files
 * read, so a day is read once (docs/kpis.md).
 */
const SOURCES: ReadonlyArray<[string, string]> = [
  [TRIP_GROUPS_SQL_PATH, 'completed_trips'],
  [KPI_SQL_PATH, 'daily_trip_groups'],
  [DIMENSION_KPI_SQL_PATH, 'daily_trip_groups'],
];

describe.each(SOURCES.map(([file, source]) => [path.basename(file), file, source]))('spark/%s portability', (_name, file, source) => {
  const sql = sqlWithoutComments(readFileSync(file, 'utf8'));

  it.each(FORBIDDEN_CONSTRUCTS)('contains no %s', (_name, pattern) => {
    // Prepare: the SQL file, comments removed

    // Act
    const found = sql.match(pattern);

    // Assess
    expect(found).toBeNull();
  });

  it('calls only functions both engines define with the same meaning', () => {
    // Prepare
    const allowed = new Set([...FUNCTIONS_OF_BOTH_ENGINES, ...KEYWORDS_BEFORE_PARENTHESIS]);

    // Act
    const unknown = calledNames(sql).filter((name) => !allowed.has(name));

    // Assess
    expect(unknown).toEqual([]);
  });

  it(`reads only the ${source} view`, () => {
    // Prepare
    const sourcePattern = /\b(?:FROM|JOIN)\s+([A-Za-z_][A-Za-z0-9_]*)/gi;

    // Act
    const sources = new Set([...sql.matchAll(sourcePattern)].map((match) => match[1]));
    const cteNames = new Set([...sql.matchAll(/\b([A-Za-z_][A-Za-z0-9_]*)\s+AS\s*\(/gi)].map((match) => match[1]));
    const externalSources = [...sources].filter((source) => !cteNames.has(source));

    // Assess
    expect(externalSources).toEqual([source]);
  });

  it('rejects a DuckDB-only construct when one is added (the guards are live)', () => {
    // Prepare
    const drifted = `${sql}\nQUALIFY ROW_NUMBER() OVER (PARTITION BY trip_id ORDER BY x) = 1 AND epoch(t::TIMESTAMP) > 0`;

    // Act
    const violations = FORBIDDEN_CONSTRUCTS.filter(([, pattern]) => pattern.test(drifted)).map(([name]) => name);
    const unknownCalls = calledNames(drifted).filter(
      (name) => !FUNCTIONS_OF_BOTH_ENGINES.includes(name) && !KEYWORDS_BEFORE_PARENTHESIS.includes(name),
    );

    // Assess
    expect(violations).toEqual(['`::` cast (DuckDB/PostgreSQL only)', 'QUALIFY (not in Spark 3.5)']);
    expect(unknownCalls).toEqual(['EPOCH']);
  });
});
