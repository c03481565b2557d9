"""The kpi-job bench's baseline: Spark reading staged trips exactly as the daily job reads them, and counting them.

    spark-submit --py-files trip_schema.py,daily_kpis_job.py spark_bare_read.py <folder>...
"""

import sys

from daily_kpis_job import read_staged_trips, spark_session


def main(paths):
    spark = spark_session()
    try:
        print(f"staged_rows={read_staged_trips(spark, paths).count()}")
    finally:
        spark.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
