-- Per-dimension daily KPIs of completed trips (docs/contracts.md §4b): the one definition, run by Spark 3.5 on EMR
-- Serverless (spark/daily_kpis_job.py) and by DuckDB locally (kpi/duckdb-engine.ts), next to
-- daily_kpis.sql and under the same rules (docs/adr/0004-shared-kpi-sql.md).
--
-- Input: the view daily_trip_groups of daily_kpis.sql (daily_trip_groups.sql: the same unique trips, read once),
--   with the dimension values vendor_code, pickup_location_code, payment_code (integer text, NULL when blank) and
--   pickup_hour ('00' to '23').
-- Output: one row per (trip_date, dimension, dimension_value), dimension in vendor_id, pickup_location_id,
--   payment_type, pickup_hour.
--
-- Portability rules (enforced by test/unit/kpi/kpi-sql-portability.test.ts): one statement, no `::`,
-- no QUALIFY, no double-quoted identifiers, only functions both engines define with the same meaning.
WITH dimension_values AS (
  SELECT trip_date, 'vendor_id' AS dimension, vendor_code AS dimension_value, trip_count, fare_sum, tip_sum,
    distance_sum, duration_seconds_sum
  FROM daily_trip_groups
  UNION ALL
  SELECT trip_date, 'pickup_location_id' AS dimension, pickup_location_code AS dimension_value, trip_count, fare_sum,
    tip_sum, distance_sum, duration_seconds_sum
  FROM daily_trip_groups
  UNION ALL
  SELECT trip_date, 'payment_type' AS dimension, payment_code AS dimension_value, trip_count, fare_sum, tip_sum,
    distance_sum, duration_seconds_sum
  FROM daily_trip_groups
  UNION ALL
  SELECT trip_date, 'pickup_hour' AS dimension, pickup_hour AS dimension_value, trip_count, fare_sum, tip_sum,
    distance_sum, duration_seconds_sum
  FROM daily_trip_groups
),
dimension_totals AS (
  SELECT
    trip_date,
    dimension,
    dimension_value,
    CAST(SUM(trip_count) AS BIGINT) AS trip_count,
    CAST(SUM(fare_sum) AS DECIMAL(28, 6)) AS fare_sum,
    CAST(SUM(tip_sum) AS DECIMAL(28, 6)) AS tip_sum,
    CAST(SUM(distance_sum) AS DECIMAL(28, 6)) AS distance_sum,
    CAST(SUM(duration_seconds_sum) AS DECIMAL(28, 3)) AS duration_seconds_sum
  FROM dimension_values
  GROUP BY trip_date, dimension, dimension_value
)
SELECT
  trip_date,
  dimension,
  dimension_value,
  trip_count,
  CAST(ROUND(fare_sum, 2) AS DOUBLE) AS total_fare,
  CAST(ROUND(CAST(fare_sum / trip_count AS DECIMAL(18, 6)), 2) AS DOUBLE) AS average_fare,
  CAST(ROUND(tip_sum, 2) AS DOUBLE) AS total_tips,
  CAST(ROUND(distance_sum, 2) AS DOUBLE) AS total_distance,
  CAST(ROUND(CAST(duration_seconds_sum / (trip_count * 60) AS DECIMAL(18, 6)), 2) AS DOUBLE)
    AS average_trip_duration_minutes
FROM dimension_totals
ORDER BY trip_date, dimension, dimension_value ASC NULLS FIRST
