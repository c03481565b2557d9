"""Daily KPI job for EMR Serverless (Spark 3.5).

Reads the staged completed trips of the requested dates once, defines the ``completed_trips`` view the shared
SQL expects, runs ``daily_trip_groups.sql`` (one de-duplication, kept as the ``daily_trip_groups`` view), then
``daily_kpis.sql`` and ``daily_kpis_by_dimension.sql`` on it (the same files the local DuckDB engine runs), and
replaces each computed date's ``daily-kpis/trip_date=YYYY-MM-DD/`` and
``daily-kpis-by-dimension/trip_date=YYYY-MM-DD/`` folders. Dates without staged input are skipped and their
output is left as it is.

    spark-submit --py-files trip_schema.py daily_kpis_job.py --input s3://bucket/completed-trips/ --output s3://bucket/daily-kpis/ \
        --groups-sql s3://bucket/spark/daily_trip_groups.sql --sql s3://bucket/spark/daily_kpis.sql \
        --dimension-output s3://bucket/daily-kpis-by-dimension/ \
        --dimension-sql s3://bucket/spark/daily_kpis_by_dimension.sql \
        --dates 2024-05-24,2024-05-25 [--from D --to D]

The staged fields it reads come from ``trip_schema.py``, generated from the trip record
(domain/trip-record.ts) and shipped next to this file (``--py-files``).

PySpark is imported inside ``main`` only, so the argument and date helpers can be tested without Spark.
"""

import argparse
import datetime
import logging
import re
import sys

from trip_schema import COMPLETED_TRIPS_COLUMNS, COMPLETED_TRIPS_SELECT, STAGED_TRIP_SCHEMA

MAX_RANGE_DAYS = 366

LOGGER = logging.getLogger("daily_kpis_job")

_DATE_SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

STAGED_TRIPS_VIEW = "staged_trip_lines"

# The view daily_trip_groups.sql's result is kept as, and the two KPI files read.
TRIP_GROUPS_VIEW = "daily_trip_groups"

# The Spark side of the completed_trips contract (the columns are the generated trip_schema's).
COMPLETED_TRIPS_VIEW_SQL = f"SELECT {COMPLETED_TRIPS_SELECT} FROM {STAGED_TRIPS_VIEW}"

__all__ = ["COMPLETED_TRIPS_COLUMNS", "COMPLETED_TRIPS_VIEW_SQL", "STAGED_TRIP_SCHEMA", "main", "run"]


def parse_calendar_date(value):
    """A ``YYYY-MM-DD`` string that is a real calendar date, or ValueError."""
    if not _DATE_SHAPE.match(value):
        raise ValueError(f"not a date in YYYY-MM-DD form: {value!r}")
    try:
        datetime.datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        raise ValueError(f"not a calendar date: {value!r}") from None
    return value


def date_range(first, last, max_days=MAX_RANGE_DAYS):
    """Every date from ``first`` to ``last``, both included, ascending."""
    start = datetime.date.fromisoformat(parse_calendar_date(first))
    end = datetime.date.fromisoformat(parse_calendar_date(last))
    span = (end - start).days + 1
    if span < 1:
        raise ValueError(f"date range is reversed: {first} is after {last}")
    if span > max_days:
        raise ValueError(f"date range {first}..{last} covers {span} days; at most {max_days} are allowed")
    return [(start + datetime.timedelta(days=offset)).isoformat() for offset in range(span)]


def requested_dates(dates_argument, first, last):
    """The sorted, de-duplicated union of ``--dates`` and ``--from``/``--to``."""
    dates = set()
    if dates_argument:
        dates.update(parse_calendar_date(value.strip()) for value in dates_argument.split(",") if value.strip())
    if (first is None) != (last is None):
        raise ValueError("--from and --to go together")
    if first is not None:
        dates.update(date_range(first, last))
    if not dates:
        raise ValueError("no dates given: use --dates and/or --from/--to")
    if len(dates) > MAX_RANGE_DAYS:
        raise ValueError(f"{len(dates)} dates requested; at most {MAX_RANGE_DAYS} are allowed")
    return sorted(dates)


def partition_path(base, trip_date):
    """The folder of one date under a ``completed-trips/`` or ``daily-kpis/`` prefix."""
    return f"{base.rstrip('/')}/trip_date={trip_date}/"


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description="Compute daily trip KPIs with the shared SQL definition.")
    parser.add_argument("--input", required=True, help="staged trips prefix, e.g. s3://bucket/completed-trips/")
    parser.add_argument("--output", required=True, help="KPI output prefix, e.g. s3://bucket/daily-kpis/")
    parser.add_argument(
        "--groups-sql",
        required=True,
        help="the shared SQL both KPI sets read, e.g. s3://bucket/spark/daily_trip_groups.sql",
    )
    parser.add_argument("--sql", required=True, help="the shared KPI SQL file, e.g. s3://bucket/spark/daily_kpis.sql")
    parser.add_argument(
        "--dimension-output",
        required=True,
        help="per-dimension KPI output prefix, e.g. s3://bucket/daily-kpis-by-dimension/",
    )
    parser.add_argument(
        "--dimension-sql",
        required=True,
        help="the shared per-dimension KPI SQL file, e.g. s3://bucket/spark/daily_kpis_by_dimension.sql",
    )
    parser.add_argument("--dates", help="comma-separated dates, YYYY-MM-DD")
    parser.add_argument("--from", dest="first", help="first date of a range, YYYY-MM-DD")
    parser.add_argument("--to", dest="last", help="last date of a range, YYYY-MM-DD")
    arguments = parser.parse_args(argv)
    try:
        arguments.dates = requested_dates(arguments.dates, arguments.first, arguments.last)
    except ValueError as error:
        parser.error(str(error))
    return arguments


def _hadoop_path(spark, path):
    """``path`` as a Hadoop Path and the file system it lives on (S3 deployed, the local disk in tests)."""
    hadoop_path = spark.sparkContext._jvm.org.apache.hadoop.fs.Path(path)
    return hadoop_path, hadoop_path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())


def _hadoop_path_exists(spark, path):
    hadoop_path, file_system = _hadoop_path(spark, path)
    return file_system.exists(hadoop_path)


def _read_text(spark, path):
    # The SQL lives next to the job on S3; Hadoop's file system layer reads it (no boto3 needed), in the driver:
    # a Spark job per file would cost more than the file.
    hadoop_path, file_system = _hadoop_path(spark, path)
    stream = file_system.open(hadoop_path)
    try:
        return spark.sparkContext._jvm.org.apache.commons.io.IOUtils.toString(stream, "UTF-8")
    finally:
        stream.close()


def run(spark, arguments):
    # The completed_trips view reads a UTC instant's wall-clock time in the session's time zone (trip_schema.py).
    session_zone = spark.conf.get("spark.sql.session.timeZone")
    if session_zone != SESSION_SETTINGS["spark.sql.session.timeZone"]:
        raise ValueError(f"the Spark session's time zone is {session_zone}; the KPI job needs UTC")
    groups_sql = _read_text(spark, arguments.groups_sql)
    kpi_sql = _read_text(spark, arguments.sql)
    dimension_sql = _read_text(spark, arguments.dimension_sql)
    present = [date for date in arguments.dates if _hadoop_path_exists(spark, partition_path(arguments.input, date))]
    skipped = sorted(set(arguments.dates) - set(present))
    if skipped:
        LOGGER.info("No staged trips, skipped: %s", ", ".join(skipped))
    if not present:
        LOGGER.info("Nothing to compute")
        return []

    staged = read_staged_trips(spark, [partition_path(arguments.input, date) for date in present])
    staged.createOrReplaceTempView(STAGED_TRIPS_VIEW)
    spark.sql(COMPLETED_TRIPS_VIEW_SQL).createOrReplaceTempView("completed_trips")

    # The day is scanned, shuffled by trip_id and de-duplicated once, into groups (tens of thousands a date at most:
    # vendors x zones x payment types x hours) that both KPI sets read; kept (spilling to disk if it must) so the
    # second KPI set does not compute them again.
    groups = spark.sql(groups_sql).persist(_memory_and_disk())
    groups.createOrReplaceTempView(TRIP_GROUPS_VIEW)
    try:
        # Both KPI sets are a few hundred rows a date: one Spark job turns them into JSON lines with Spark's own JSON
        # writer, and the driver writes each date's file. A write job per set and date cost more than the rows
        # (docs/capacity.md, the KPI job's time beyond reading).
        lines = kpi_set_lines([spark.sql(kpi_sql), spark.sql(dimension_sql)]).collect()
    finally:
        groups.unpersist()
    files = lines_by_file(lines)
    dates_with_rows = {date for _, date in files}
    written = [date for date in present if date in dates_with_rows]
    outputs = (arguments.output, arguments.dimension_output)
    for (kpi_set, date), texts in files.items():
        _replace_date_file(spark, partition_path(outputs[kpi_set], date), texts)
    LOGGER.info("KPIs written for: %s", ", ".join(written))
    return written


def read_staged_trips(spark, paths):
    """The staged JSON lines of ``paths`` with the job's schema; a malformed line fails the run."""
    return spark.read.schema(STAGED_TRIP_SCHEMA).option("mode", "FAILFAST").json(paths)


def _memory_and_disk():
    from pyspark import StorageLevel

    return StorageLevel.MEMORY_AND_DISK


# Each date's KPI file, as the local DuckDB engine names it (kpi/duckdb-engine.ts).
KPI_FILE_NAME = "part-00000.json"

# Null fields are written as null (a blank code is a JSON null, docs/contracts.md §4b), not dropped as Spark does
# by default.
_JSON_OPTIONS = {"ignoreNullFields": "false"}


def kpi_set_lines(kpi_sets):
    """One DataFrame of (kpi_set, trip_date, line): every row of every KPI set as its JSON line, in the sets' order."""
    from pyspark.sql import functions

    lines = None
    for index, rows in enumerate(kpi_sets):
        as_lines = rows.select(
            functions.lit(index).alias("kpi_set"),
            functions.col("trip_date"),
            functions.to_json(functions.struct(*rows.columns), _JSON_OPTIONS).alias("line"),
        )
        lines = as_lines if lines is None else lines.unionByName(as_lines)
    return lines


def lines_by_file(lines):
    """``{(kpi_set, trip_date): [line, ...]}`` from collected (kpi_set, trip_date, line) rows, rows kept in order."""
    files = {}
    for kpi_set, trip_date, line in lines:
        files.setdefault((kpi_set, trip_date), []).append(line)
    return files


def _replace_date_file(spark, folder, lines):
    """Replaces ``folder`` (one date under a KPI prefix) with one JSON-lines file of ``lines``."""
    folder_path, file_system = _hadoop_path(spark, folder)
    # The rows keep trip_date, and only this date's folder is replaced: the other dates' output stays as it is.
    file_system.delete(folder_path, True)
    stream = file_system.create(spark.sparkContext._jvm.org.apache.hadoop.fs.Path(folder_path, KPI_FILE_NAME), True)
    try:
        stream.write("".join(f"{line}\n" for line in lines).encode("utf-8"))
    finally:
        stream.close()


# Settings the job needs whoever submits it; kpi/job-run.ts passes the same ones to EMR Serverless.
# ANSI mode makes an overflowing decimal cast or sum an error, as it is in DuckDB, instead of a silent NULL.
# The de-duplication's ROW_NUMBER() ... = 1 would otherwise get a partial group limit before its shuffle (Spark
# 3.5's WindowGroupLimit), which sorts every staged row once more to drop copies that a day barely has: nearly
# every trip_id is staged once, so the limit drops almost nothing and the extra sort roughly doubled the step
# (docs/capacity.md). -1 turns that rule off; the result is the same.
SESSION_SETTINGS = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "true",
    "spark.sql.optimizer.windowGroupLimitThreshold": "-1",
}


def spark_session():
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("tripstream-daily-kpis")
    for key, value in SESSION_SETTINGS.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def main(argv=None):
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    arguments = parse_arguments(sys.argv[1:] if argv is None else argv)

    spark = spark_session()
    try:
        run(spark, arguments)
    finally:
        spark.stop()


if __name__ == "__main__":
    main()
