-- Daily KPIs of completed trips (docs/contracts.md §4): the one definition, run by Spark 3.5 on EMR Serverless
-- (spark/daily_kpis_job.py) and by DuckDB locally (kpi/duckdb-engine.ts). See docs/adr/0004-shared-kpi-sql.md.
--
-- Input: the view daily_trip_groups, the result of daily_trip_groups.sql (which reads and de-duplicates the staged
--   trips once for both KPI sets): per trip_date and combination of dimension values, trip_count and the exact
--   sums fare_sum, tip_sum, distance_sum (DECIMAL(28, 6)), duration_seconds_sum (DECIMAL(28, 3)), and
--   fare_min, fare_max (DECIMAL(18, 6)).
-- Output: one row per trip_date.
--
-- Portability rules (enforced by test/unit/kpi/kpi-sql-portability.test.ts): one statement, no `::`,
-- no QUALIFY, no double-quoted identifiers, only functions both engines define with the same meaning.
--
-- The groups' sums are exact decimals, so their sum is the day's sum whatever order they arrive in; it is cast
-- back to the width of a sum of the trips, so the divisions below have the types they always had in both engines.
WITH daily_totals AS (
  SELECT
    trip_date,
    CAST(SUM(trip_count) AS BIGINT) AS trip_count,
    CAST(SUM(fare_sum) AS DECIMAL(28, 6)) AS fare_sum,
    MIN(fare_min) AS fare_min,
    MAX(fare_max) AS fare_max,
    CAST(SUM(tip_sum) AS DECIMAL(28, 6)) AS tip_sum,
    CAST(SUM(distance_sum) AS DECIMAL(28, 6)) AS distance_sum,
    CAST(SUM(duration_seconds_sum) AS DECIMAL(28, 3)) AS duration_seconds_sum
  FROM daily_trip_groups
  GROUP BY trip_date
)
SELECT
  trip_date,
  trip_count,
  CAST(ROUND(fare_sum, 2) AS DOUBLE) AS total_fare,
  CAST(ROUND(CAST(fare_sum / trip_count AS DECIMAL(18, 6)), 2) AS DOUBLE) AS average_fare,
  CAST(ROUND(fare_min, 2) AS DOUBLE) AS min_fare,
  CAST(ROUND(fare_max, 2) AS DOUBLE) AS max_fare,
  CAST(ROUND(tip_sum, 2) AS DOUBLE) AS total_tips,
  CAST(ROUND(distance_sum, 2) AS DOUBLE) AS total_distance,
  CAST(ROUND(CAST(duration_seconds_sum / (trip_count * 60) AS DECIMAL(18, 6)), 2) AS DOUBLE)
    AS average_trip_duration_minutes
FROM daily_totals
ORDER BY trip_date
