"""Pure helpers of the PySpark job: python3 -m unittest discover -s spark/tests"""

import contextlib
import io
import os
import re
import sys
import unittest

SPARK_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, SPARK_DIR)

import daily_kpis_job as job  # noqa: E402


def parse(*argv):
    base = [
        "--input", "s3://b/completed-trips/",
        "--output", "s3://b/daily-kpis/",
        "--groups-sql", "s3://b/spark/daily_trip_groups.sql",
        "--sql", "s3://b/spark/daily_kpis.sql",
        "--dimension-output", "s3://b/daily-kpis-by-dimension/",
        "--dimension-sql", "s3://b/spark/daily_kpis_by_dimension.sql",
    ]
    return job.parse_arguments(base + list(argv))


def parse_error(*argv):
    """The message argparse prints when it rejects the arguments."""
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr):
            parse(*argv)
    except SystemExit:
        return stderr.getvalue()
    raise AssertionError(f"arguments were accepted: {argv}")


class ParseArgumentsTest(unittest.TestCase):
    def test_dates_list_is_sorted_and_deduplicated(self):
        # Act
        arguments = parse("--dates", "2024-05-25,2024-05-24,2024-05-25")
        # Assess
        self.assertEqual(arguments.dates, ["2024-05-24", "2024-05-25"])
        self.assertEqual(arguments.input, "s3://b/completed-trips/")
        self.assertEqual(arguments.groups_sql, "s3://b/spark/daily_trip_groups.sql")
        self.assertEqual(arguments.sql, "s3://b/spark/daily_kpis.sql")
        self.assertEqual(arguments.dimension_output, "s3://b/daily-kpis-by-dimension/")
        self.assertEqual(arguments.dimension_sql, "s3://b/spark/daily_kpis_by_dimension.sql")

    def test_range_expands_to_every_date(self):
        # Act
        arguments = parse("--from", "2024-02-28", "--to", "2024-03-01")
        # Assess
        self.assertEqual(arguments.dates, ["2024-02-28", "2024-02-29", "2024-03-01"])

    def test_dates_and_range_combine(self):
        # Act
        arguments = parse("--dates", "2024-01-10", "--from", "2024-01-01", "--to", "2024-01-02")
        # Assess
        self.assertEqual(arguments.dates, ["2024-01-01", "2024-01-02", "2024-01-10"])

    def test_no_dates_is_rejected(self):
        # Act
        message = parse_error()
        # Assess
        self.assertIn("no dates given", message)

    def test_impossible_date_is_rejected(self):
        # Act
        message = parse_error("--dates", "2024-02-30")
        # Assess
        self.assertIn("not a calendar date: '2024-02-30'", message)

    def test_malformed_date_is_rejected(self):
        # Act
        message = parse_error("--dates", "20240525")
        # Assess
        self.assertIn("not a date in YYYY-MM-DD form", message)

    def test_from_without_to_is_rejected(self):
        # Act
        message = parse_error("--from", "2024-05-24")
        # Assess
        self.assertIn("--from and --to go together", message)

    def test_reversed_range_is_rejected(self):
        # Act
        message = parse_error("--from", "2024-05-25", "--to", "2024-05-24")
        # Assess
        self.assertIn("reversed", message)

    def test_missing_output_is_rejected(self):
        # Prepare
        stderr = io.StringIO()
        # Act
        with contextlib.redirect_stderr(stderr), self.assertRaises(SystemExit):
            job.parse_arguments(["--input", "s3://b/completed-trips/", "--sql", "s3://b/x.sql", "--dates", "2024-05-24"])
        # Assess
        self.assertIn("--output", stderr.getvalue())


class DateRangeTest(unittest.TestCase):
    def test_single_day(self):
        self.assertEqual(job.date_range("2024-05-25", "2024-05-25"), ["2024-05-25"])

    def test_longest_allowed_range(self):
        # Act
        dates = job.date_range("2024-01-01", "2024-12-31")
        # Assess: 2024 is a leap year, 366 days
        self.assertEqual(len(dates), job.MAX_RANGE_DAYS)
        self.assertEqual(dates[59], "2024-02-29")

    def test_range_one_day_too_long(self):
        with self.assertRaisesRegex(ValueError, "covers 367 days"):
            job.date_range("2024-01-01", "2025-01-01")


class PartitionPathTest(unittest.TestCase):
    def test_with_and_without_trailing_slash(self):
        # Act
        paths = {job.partition_path(base, "2024-05-25") for base in ("s3://b/daily-kpis/", "s3://b/daily-kpis")}
        # Assess
        self.assertEqual(paths, {"s3://b/daily-kpis/trip_date=2024-05-25/"})


class ViewContractTest(unittest.TestCase):
    def test_spark_view_exposes_the_columns_the_shared_sql_declares(self):
        # Prepare: the columns the shared SQL that reads completed_trips declares in its header
        declared = []
        for sql_name in ("daily_trip_groups.sql",):
            with open(os.path.join(SPARK_DIR, sql_name), encoding="utf-8") as sql_file:
                header = sql_file.read().split("-- Input:", 1)[1].split("-- Output:", 1)[0]
            declared += re.findall(r"\b([a-z_]+)(?:,)? (?:STRING|DOUBLE)\b", header)
        # Act
        selected = re.findall(r"\b([a-z_]+)\b(?=,|\s*$|\s+AS\b)", job.COMPLETED_TRIPS_VIEW_SQL.split("FROM")[0], re.M)
        # Assess
        self.assertEqual(set(declared), set(job.COMPLETED_TRIPS_COLUMNS))
        self.assertTrue(set(job.COMPLETED_TRIPS_COLUMNS) <= set(selected))


class LinesByFileTest(unittest.TestCase):
    def test_each_set_and_date_gets_its_own_file_with_rows_in_order(self):
        # Prepare: collected (kpi_set, trip_date, line) rows, the two sets and two dates interleaved
        collected = [
            (0, "2024-05-25", '{"trip_date":"2024-05-25","trip_count":2}'),
            (0, "2024-05-24", '{"trip_date":"2024-05-24","trip_count":1}'),
            (1, "2024-05-24", '{"dimension":"vendor","value":"2"}'),
            (1, "2024-05-24", '{"dimension":"vendor","value":"1"}'),
        ]
        # Act
        files = job.lines_by_file(collected)
        # Assess
        self.assertEqual(
            files,
            {
                (0, "2024-05-25"): ['{"trip_date":"2024-05-25","trip_count":2}'],
                (0, "2024-05-24"): ['{"trip_date":"2024-05-24","trip_count":1}'],
                (1, "2024-05-24"): ['{"dimension":"vendor","value":"2"}', '{"dimension":"vendor","value":"1"}'],
            },
        )

    def test_no_rows_no_files(self):
        # Act / Assess
        self.assertEqual(job.lines_by_file([]), {})


class SessionZoneTest(unittest.TestCase):
    def test_a_session_not_in_utc_is_refused_before_anything_is_read(self):
        # Prepare: a session whose only answer is its time zone; reading anything else would fail differently
        class Conf:
            def get(self, key):
                return {"spark.sql.session.timeZone": "Europe/Tallinn"}[key]

        class Session:
            conf = Conf()

        # Act
        with self.assertRaises(ValueError) as refused:
            job.run(Session(), parse("--dates", "2024-05-24"))
        # Assess
        self.assertIn("Europe/Tallinn", str(refused.exception))
        self.assertIn("needs UTC", str(refused.exception))


if __name__ == "__main__":
    unittest.main()
