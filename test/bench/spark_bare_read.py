"""The kpi-job bench's baseline: Spark reading staged trips exactly as the daily job reads them, and counting them.

Every field the job reads is parsed and counted (non-null values per field): a bare ``count()`` of JSON lines may
skip parsing altogether, which no job that reads the trips can do.

    spark-submit --py-files trip_schema.py,daily_kpis_job.py spark_bare_read.py <folder>...
"""

import sys

from daily_kpis_job import read_staged_trips, spark_session


def main(paths):
    from pyspark.sql import functions

    spark = spark_session()
    try:
        staged = read_staged_trips(spark, paths)
        counts = staged.agg(functions.count(functions.lit(1)).alias("rows"), *[functions.count(column) for column in staged.columns]).first()
        print(f"staged_rows={counts['rows']}")
    finally:
        spark.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
