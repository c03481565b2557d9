-- Per-dimension daily KPIs of completed trips (docs/contracts.md §4b): the one definition, run by Spark 3.5 on EMR
-- Serverless (spark/daily_kpis_job.py) and by DuckDB locally (lib/kpi/duckdb-engine.ts), next to
-- daily_kpis.sql and under the same rules (docs/adr/0004-shared-kpi-sql.md).
--
-- Input: the completed_trips view of daily_kpis.sql, plus
--   vendor_id DOUBLE, pickup_location_id DOUBLE, payment_type DOUBLE (nullable integer codes).
-- Output: one row per (trip_date, dimension, dimension_value), dimension in vendor_id, pickup_location_id,
--   payment_type, pickup_hour. Codes become integer text ('1', '74'), a blank code stays NULL; pickup_hour is
--   the UTC hour of pickup as two digits ('00' to '23').
--
-- Portability rules (enforced by test/unit/kpi/kpi-sql-portability.test.ts): one statement, no `::`,
-- no QUALIFY, no double-quoted identifiers, only functions both engines define with the same meaning.
--
-- The hour is derived from the epoch seconds with FLOOR before the cast, because a DOUBLE-to-BIGINT cast
-- truncates in Spark and rounds in DuckDB; on an integral value both casts agree.
WITH numbered_copies AS (
  SELECT
    trip_id,
    trip_date,
    vendor_id,
    pickup_location_id,
    payment_type,
    fare_amount,
    tip_amount,
    trip_distance,
    pickup_epoch_seconds,
    dropoff_epoch_seconds,
    -- The same copy daily_kpis.sql keeps, so each trip counts once and with the same values in both outputs.
    ROW_NUMBER() OVER (
      PARTITION BY trip_id
      ORDER BY completed_at ASC NULLS LAST, dropoff_epoch_seconds ASC NULLS LAST, fare_amount ASC NULLS LAST
    ) AS copy_number
  FROM completed_trips
),
unique_trips AS (
  SELECT
    trip_date,
    CAST(CAST(vendor_id AS BIGINT) AS STRING) AS vendor_code,
    CAST(CAST(pickup_location_id AS BIGINT) AS STRING) AS pickup_location_code,
    CAST(CAST(payment_type AS BIGINT) AS STRING) AS payment_code,
    LPAD(CAST(CAST(FLOOR(pickup_epoch_seconds / 3600) AS BIGINT) % 24 AS STRING), 2, '0') AS pickup_hour,
    CAST(fare_amount AS DECIMAL(18, 6)) AS fare,
    CAST(COALESCE(tip_amount, 0) AS DECIMAL(18, 6)) AS tip,
    CAST(COALESCE(trip_distance, 0) AS DECIMAL(18, 6)) AS distance,
    CAST(dropoff_epoch_seconds - pickup_epoch_seconds AS DECIMAL(18, 3)) AS duration_seconds
  FROM numbered_copies
  WHERE copy_number = 1
),
dimension_values AS (
  SELECT trip_date, 'vendor_id' AS dimension, vendor_code AS dimension_value, fare, tip, distance, duration_seconds
  FROM unique_trips
  UNION ALL
  SELECT trip_date, 'pickup_location_id' AS dimension, pickup_location_code AS dimension_value, fare, tip, distance,
    duration_seconds
  FROM unique_trips
  UNION ALL
  SELECT trip_date, 'payment_type' AS dimension, payment_code AS dimension_value, fare, tip, distance, duration_seconds
  FROM unique_trips
  UNION ALL
  SELECT trip_date, 'pickup_hour' AS dimension, pickup_hour AS dimension_value, fare, tip, distance, duration_seconds
  FROM unique_trips
),
dimension_totals AS (
  SELECT
    trip_date,
    dimension,
    dimension_value,
    COUNT(*) AS trip_count,
    SUM(fare) AS fare_sum,
    SUM(tip) AS tip_sum,
    SUM(distance) AS distance_sum,
    SUM(duration_seconds) AS duration_seconds_sum
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
