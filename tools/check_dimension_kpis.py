#!/usr/bin/env python3
"""Independent check of a local run's per-dimension KPIs (docs/contracts.md §4b), for checking a run by hand.

Recomputes every per-dimension row straight from the input CSVs with Python's csv and Decimal modules (no
SQL, no code shared with the pipeline) and compares it, to the cent, with ``<out>/daily-kpis-by-dimension/``:
a trip counts once when it has a start and an end with dropoff not before pickup (the first row of each
trip_id in each file), amounts are taken to six decimals as the shared SQL's DECIMAL(18, 6). Also checks that
the 5-minute windows in ``<out>/report.html`` add up to the trips and fares of the daily KPIs. Meant for
inputs without malformed rows (it does not re-implement the producer's validation).

    python3 tools/check_dimension_kpis.py <trip_start.csv> <trip_end.csv> <out>

Exits 0 when everything matches, 1 with the differences otherwise. Standard library only.
"""

import collections
import csv
import datetime
import decimal
import glob
import json
import os
import re
import sys

CENT = decimal.Decimal("0.01")


def rounded(value):
    return float(value.quantize(CENT, rounding=decimal.ROUND_HALF_UP))


MICRO = decimal.Decimal("0.000001")
TIMESTAMP_FORMATS = ("%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")


def instant(text):
    text = text.strip()
    for pattern in TIMESTAMP_FORMATS:
        try:
            return datetime.datetime.strptime(text, pattern).replace(tzinfo=datetime.timezone.utc)
        except ValueError:
            pass
    parsed = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=datetime.timezone.utc)


def amount(text):
    """A CSV amount at the SQL's six decimals; blank is None."""
    text = (text or "").strip()
    return None if text == "" else decimal.Decimal(text).quantize(MICRO, rounding=decimal.ROUND_HALF_UP)


def first_rows(path):
    rows = {}
    with open(path, encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            rows.setdefault(row["trip_id"], row)
    return rows


def read_lines(pattern):
    for path in sorted(glob.glob(pattern)):
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)


def unique_trips(start_csv, end_csv):
    starts, ends = first_rows(start_csv), first_rows(end_csv)
    trips = []
    for trip_id, start in starts.items():
        end = ends.get(trip_id)
        if end is None:
            continue
        pickup, dropoff = instant(start["pickup_datetime"]), instant(end["dropoff_datetime"])
        if dropoff < pickup:
            continue
        trips.append(
            {
                "trip_date": pickup.date().isoformat(),
                "pickup": pickup,
                "dropoff": dropoff,
                "vendor_id": start.get("vendor_id"),
                "pickup_location_id": start.get("pickup_location_id"),
                "payment_type": end.get("payment_type"),
                "fare": amount(end["fare_amount"]),
                "tip": amount(end.get("tip_amount")) or decimal.Decimal(0),
                "distance": amount(end.get("trip_distance")) or decimal.Decimal(0),
            }
        )
    return trips


def code(text):
    text = (text or "").strip()
    return None if text == "" else str(int(decimal.Decimal(text)))


def expected_rows(trips):
    groups = collections.defaultdict(list)
    for trip in trips:
        values = {
            "vendor_id": code(trip["vendor_id"]),
            "pickup_location_id": code(trip["pickup_location_id"]),
            "payment_type": code(trip["payment_type"]),
            "pickup_hour": f"{trip['pickup'].hour:02d}",
        }
        for dimension, value in values.items():
            groups[(trip["trip_date"], dimension, value)].append(trip)
    rows = {}
    for (date, dimension, value), members in groups.items():
        count = len(members)
        fare = sum(t["fare"] for t in members)
        tips = sum(t["tip"] for t in members)
        distance = sum(t["distance"] for t in members)
        seconds = sum(decimal.Decimal(int((t["dropoff"] - t["pickup"]).total_seconds())) for t in members)
        rows[(date, dimension, value)] = {
            "trip_count": count,
            "total_fare": rounded(fare),
            "average_fare": rounded(fare / count),
            "total_tips": rounded(tips),
            "total_distance": rounded(distance),
            "average_trip_duration_minutes": rounded(seconds / (count * 60)),
        }
    return rows


def main(start_csv, end_csv, out):
    problems = []
    trips = unique_trips(start_csv, end_csv)
    expected = expected_rows(trips)
    written = {
        (row["trip_date"], row["dimension"], row["dimension_value"]): {k: row[k] for k in next(iter(expected.values()))}
        for row in read_lines(os.path.join(out, "daily-kpis-by-dimension", "trip_date=*", "*.json"))
    }
    for key in sorted(set(expected) | set(written), key=str):
        if expected.get(key) != written.get(key):
            problems.append(f"{key}: expected {expected.get(key)}, written {written.get(key)}")
    print(f"per-dimension rows: {len(expected)} expected, {len(written)} written, {len(trips)} unique trips")

    daily = list(read_lines(os.path.join(out, "daily-kpis", "trip_date=*", "*.json")))
    with open(os.path.join(out, "report.html"), encoding="utf-8") as handle:
        match = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', handle.read(), re.S)
    windows = json.loads(match.group(1))["windows"] if match else []
    window_trips = sum(w["trip_count"] for w in windows)
    # Window fares are exact to six decimals; their sum is rounded to cents once, like the daily total.
    window_fare = sum(decimal.Decimal(repr(w["total_fare"])) for w in windows).quantize(CENT, rounding=decimal.ROUND_HALF_UP)
    daily_trips = sum(d["trip_count"] for d in daily)
    daily_fare = sum(decimal.Decimal(repr(d["total_fare"])) for d in daily)
    print(f"windows: {len(windows)} windows, {window_trips} trips, fare {window_fare}; daily KPIs: {daily_trips} trips, fare {daily_fare}")
    if window_trips != daily_trips or window_fare != daily_fare:
        problems.append(f"windows sum to {window_trips} trips / {window_fare}, daily KPIs to {daily_trips} / {daily_fare}")
    for problem in problems:
        print(problem)
    print("OK" if not problems else f"{len(problems)} differences")
    return 0 if not problems else 1


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
