-- The one scan and the one de-duplication both KPI sets read (docs/contracts.md §4 and §4b): the unique completed
-- trips of each day, summed per combination of dimension values. Run by Spark 3.5 on EMR Serverless
-- (spark/daily_kpis_job.py) and by DuckDB locally (kpi/duckdb-engine.ts); each engine keeps the result as the
-- view daily_trip_groups, from which daily_kpis.sql and daily_kpis_by_dimension.sql compute their rows. A day is
-- read and shuffled by trip_id once, and the two KPI sets re-aggregate the groups (tens of thousands a day at
-- most) instead of the trips.
--
-- Input: a view named completed_trips that each engine defines over the staged JSON-lines files, with
--   trip_id STRING, trip_date STRING (YYYY-MM-DD, UTC date of pickup), completed_at STRING,
--   fare_amount DOUBLE, tip_amount DOUBLE (nullable), trip_distance DOUBLE (nullable),
--   pickup_epoch_seconds DOUBLE, dropoff_epoch_seconds DOUBLE (seconds since 1970-01-01T00:00:00Z),
--   vendor_id DOUBLE, pickup_location_id DOUBLE, payment_type DOUBLE (nullable integer codes).
-- Output: one row per (trip_date, vendor_code, pickup_location_code, payment_code, pickup_hour) with the group's
--   trip_count and exact sums, minimum and maximum. Codes are integer text ('1', '74'), a blank code stays NULL;
--   pickup_hour is the UTC hour of pickup as two digits ('00' to '23').
--
-- Portability rules (enforced by test/unit/kpi/kpi-sql-portability.test.ts): one statement, no `::`,
-- no QUALIFY, no double-quoted identifiers, only functions both engines define with the same meaning.
--
-- Amounts are summed exactly, not as DOUBLE: a DOUBLE sum depends on the order rows arrive in, which differs
-- between engines and runs, and would let ROUND(x, 2) land on different sides of a half cent. Each amount is taken
-- as a whole number of millionths (milliseconds for a duration), rounded half up from the DOUBLE as the live
-- metrics round it (toMicros, domain/live-metrics.ts), and summed as BIGINT: integer sums are exact, so summing
-- the groups' sums again gives the same total as summing the trips, and they are several times cheaper in Spark
-- than casting every amount to DECIMAL(18, 6) (which Spark does through text) and summing DECIMAL(28, _) (which
-- it does with BigDecimal): docs/capacity.md, the KPI job's time beyond reading. DECIMAL(18, 0) bounds every
-- amount: one of 10^12 or more, far past the validation bound, does not fit and fails the query in both engines
-- (ANSI mode in Spark) instead of turning into a wrong number. Only amounts near the bound (and NULL or NaN) are
-- cast through it; the rest, whose millionths are below 10^17, are floored straight to BIGINT, the same value
-- without a Decimal object per row in Spark. A group's BIGINT sum holds ~9.2
-- million trips at the largest valid amount. The groups carry the sums as the decimals they always had
-- (DECIMAL(28, 6), DECIMAL(28, 3) for seconds, DECIMAL(18, 6) for the fare's minimum and maximum), so the KPI
-- files read the same types in both engines.
--
-- The hour is derived from the epoch seconds with FLOOR before the cast, because a DOUBLE-to-BIGINT cast
-- truncates in Spark and rounds in DuckDB; on an integral value both casts agree.
--
-- The groups are formed on the integer codes and hour and on trip_date as a DATE, and only the groups' keys become
-- text: a code's text is one-to-one with its integer (NULL stays NULL), as the staged YYYY-MM-DD trip_date is with
-- its DATE (text that is no date fails the query in both engines), so the groups are the same, and the text is
-- built once per group instead of once per trip (docs/capacity.md, the KPI job's time beyond reading).
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
    -- Staging is at-least-once: the same trip can sit in several files. Keep the first staged copy.
    ROW_NUMBER() OVER (
      PARTITION BY trip_id
      ORDER BY completed_at ASC NULLS LAST, dropoff_epoch_seconds ASC NULLS LAST, fare_amount ASC NULLS LAST
    ) AS copy_number
  FROM completed_trips
),
unique_trips AS (
  SELECT
    CAST(trip_date AS DATE) AS trip_day,
    CAST(vendor_id AS BIGINT) AS vendor_number,
    CAST(pickup_location_id AS BIGINT) AS pickup_location_number,
    CAST(payment_type AS BIGINT) AS payment_number,
    CAST(FLOOR(pickup_epoch_seconds / 3600) AS BIGINT) % 24 AS pickup_hour_number,
    fare_amount * 1000000 + 0.5 AS fare_micros_unrounded,
    COALESCE(tip_amount, 0) * 1000000 + 0.5 AS tip_micros_unrounded,
    COALESCE(trip_distance, 0) * 1000000 + 0.5 AS distance_micros_unrounded,
    (dropoff_epoch_seconds - pickup_epoch_seconds) * 1000 + 0.5 AS duration_milliseconds_unrounded
  FROM numbered_copies
  WHERE copy_number = 1
),
whole_unique_trips AS (
  SELECT
    trip_day,
    vendor_number,
    pickup_location_number,
    payment_number,
    pickup_hour_number,
    -- An amount well inside the bound is floored straight to BIGINT; only one near or past it (or NaN, or NULL) takes
    -- the cast through DECIMAL(18, 0), the same value or the same failure, which Spark computes per row with a
    -- Decimal object (docs/capacity.md, the KPI job's time beyond reading).
    CASE
      WHEN fare_micros_unrounded > -100000000000000000 AND fare_micros_unrounded < 100000000000000000
        THEN CAST(FLOOR(fare_micros_unrounded) AS BIGINT)
      ELSE CAST(CAST(FLOOR(fare_micros_unrounded) AS DECIMAL(18, 0)) AS BIGINT)
    END AS fare_micros,
    CASE
      WHEN tip_micros_unrounded > -100000000000000000 AND tip_micros_unrounded < 100000000000000000
        THEN CAST(FLOOR(tip_micros_unrounded) AS BIGINT)
      ELSE CAST(CAST(FLOOR(tip_micros_unrounded) AS DECIMAL(18, 0)) AS BIGINT)
    END AS tip_micros,
    CASE
      WHEN distance_micros_unrounded > -100000000000000000 AND distance_micros_unrounded < 100000000000000000
        THEN CAST(FLOOR(distance_micros_unrounded) AS BIGINT)
      ELSE CAST(CAST(FLOOR(distance_micros_unrounded) AS DECIMAL(18, 0)) AS BIGINT)
    END AS distance_micros,
    CASE
      WHEN duration_milliseconds_unrounded > -100000000000000000 AND duration_milliseconds_unrounded < 100000000000000000
        THEN CAST(FLOOR(duration_milliseconds_unrounded) AS BIGINT)
      ELSE CAST(CAST(FLOOR(duration_milliseconds_unrounded) AS DECIMAL(18, 0)) AS BIGINT)
    END AS duration_milliseconds
  FROM unique_trips
),
numbered_groups AS (
  SELECT
    trip_day,
    vendor_number,
    pickup_location_number,
    payment_number,
    pickup_hour_number,
    COUNT(*) AS trip_count,
    CAST(SUM(fare_micros) AS DECIMAL(28, 0)) AS fare_micros_sum,
    MIN(fare_micros) AS fare_micros_min,
    MAX(fare_micros) AS fare_micros_max,
    CAST(SUM(tip_micros) AS DECIMAL(28, 0)) AS tip_micros_sum,
    CAST(SUM(distance_micros) AS DECIMAL(28, 0)) AS distance_micros_sum,
    CAST(SUM(duration_milliseconds) AS DECIMAL(28, 0)) AS duration_milliseconds_sum
  FROM whole_unique_trips
  GROUP BY trip_day, vendor_number, pickup_location_number, payment_number, pickup_hour_number
)
SELECT
  CAST(trip_day AS STRING) AS trip_date,
  CAST(vendor_number AS STRING) AS vendor_code,
  CAST(pickup_location_number AS STRING) AS pickup_location_code,
  CAST(payment_number AS STRING) AS payment_code,
  LPAD(CAST(pickup_hour_number AS STRING), 2, '0') AS pickup_hour,
  trip_count,
  CAST(fare_micros_sum * 0.000001 AS DECIMAL(28, 6)) AS fare_sum,
  CAST(CAST(fare_micros_min AS DECIMAL(18, 0)) * 0.000001 AS DECIMAL(18, 6)) AS fare_min,
  CAST(CAST(fare_micros_max AS DECIMAL(18, 0)) * 0.000001 AS DECIMAL(18, 6)) AS fare_max,
  CAST(tip_micros_sum * 0.000001 AS DECIMAL(28, 6)) AS tip_sum,
  CAST(distance_micros_sum * 0.000001 AS DECIMAL(28, 6)) AS distance_sum,
  CAST(duration_milliseconds_sum * 0.001 AS DECIMAL(28, 3)) AS duration_seconds_sum
FROM numbered_groups
