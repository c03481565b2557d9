-- Daily KPIs of completed trips (docs/contracts.md §4): the one definition, run by Spark 3.5 on EMR Serverless
-- (spark/daily_kpis_job.py) and by DuckDB locally (lib/kpi/duckdb-engine.ts). See docs/adr/0004-shared-kpi-sql.md.
--
-- Input: a view named completed_trips that each engine defines over the staged JSON-lines files, with
--   trip_id STRING, trip_date STRING (YYYY-MM-DD, UTC date of pickup), completed_at STRING,
--   fare_amount DOUBLE, tip_amount DOUBLE (nullable), trip_distance DOUBLE (nullable),
--   pickup_epoch_seconds DOUBLE, dropoff_epoch_seconds DOUBLE (seconds since 1970-01-01T00:00:00Z).
-- Output: one row per trip_date.
--
-- Portability rules (enforced by test/unit/kpi/kpi-sql-portability.test.ts): one statement, no `::`,
-- no QUALIFY, no double-quoted identifiers, only functions both engines define with the same meaning.
--
-- Amounts are summed as DECIMAL, not DOUBLE: a DOUBLE sum depends on the order rows arrive in, which differs
-- between engines and runs, and would let ROUND(x, 2) land on different sides of a half cent.
WITH numbered_copies AS (
  SELECT
    trip_id,
    trip_date,
    fare_amount,
    tip_amount,
    trip_distance,
    pickup_epoch_seconds,
    dropoff_epoch_seconds,
    -- Staging is at-least-once: the same trip can sit in several files. Keep the first staged copy.
    ROW_NUMBER() OVER (
      PARTITION BY trip_id
      ORDER BY completed_at ASC NULLS LAST, dropoff_epoch_seconds ASC NULLS LAST, fare_amount ASC NULLS LAST
    ) AS copy_number
  FROM completed_trips
),
unique_trips AS (
  SELECT
    trip_date,
    CAST(fare_amount AS DECIMAL(18, 6)) AS fare,
    CAST(COALESCE(tip_amount, 0) AS DECIMAL(18, 6)) AS tip,
    CAST(COALESCE(trip_distance, 0) AS DECIMAL(18, 6)) AS distance,
    CAST(dropoff_epoch_seconds - pickup_epoch_seconds AS DECIMAL(18, 3)) AS duration_seconds
  FROM numbered_copies
  WHERE copy_number = 1
),
daily_totals AS (
  SELECT
    trip_date,
    COUNT(*) AS trip_count,
    SUM(fare) AS fare_sum,
    MIN(fare) AS fare_min,
    MAX(fare) AS fare_max,
    SUM(tip) AS tip_sum,
    SUM(distance) AS distance_sum,
    SUM(duration_seconds) AS duration_seconds_sum
  FROM unique_trips
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
