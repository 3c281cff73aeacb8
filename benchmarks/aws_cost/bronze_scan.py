"""Bronze bytes an Athena nightly `sage build` scans, before and after the daily rollup.

Part of ``make aws-cost`` (benchmarks/aws_cost/), from the real files of its sample
lake: each Bronze table's NDJSON.gz bytes per day as ingested, then the same days
rolled up (lakehouse/rollup.py) and each Parquet column's compressed bytes per day
(``parquet_metadata``). A nightly build reads Bronze in three ways:

- each incremental Silver model reads the look-back window of its sources
  (``lookback_days`` + today). Those days are inside the late-data window, still
  NDJSON.gz, before and after: gzip JSON is read whole, every column;
- a data test over a Bronze views reads all of Bronze (90 days at steady state):
  the one there is, ``pseudonyms_are_not_source_ids``, reads their source-id
  columns (a test over a table without them is counted as reading every column);
- the PII guard's source-id rule (privacy/guard.py) reads the same id columns of
  every Bronze table that has them, all 90 days.

Before, all of it is NDJSON.gz read whole. After, the closed days are Parquet, and
Athena reads only the columns a query names: the guard's id columns (sorted by
user, so dictionary-encoded and small) and a test's columns; the open days stay
NDJSON.gz. The late-data window is the rollup's default.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from benchmarks.aws_cost.measure import Measurements
from lakehouse.settings import PROJECT_ROOT

BRONZE_DAYS = 90
_RENAMED = re.compile(r"^\s*(\w+) as (source_\w+_id),?\s*$", re.MULTILINE)


@dataclass
class BronzeSizes:
    days: int
    ndjson_per_day: dict[str, float] = field(default_factory=dict)  # table -> bytes
    parquet_per_day: dict[str, float] = field(default_factory=dict)  # table -> bytes, all columns
    column_per_day: dict[str, dict[str, float]] = field(default_factory=dict)  # table -> column


def measure_bronze(lake: Path, days: int, last_day: date) -> BronzeSizes:
    """NDJSON.gz bytes per table and day, then every day rolled up and measured as Parquet.
    Rolls the lake up: call it after everything else has read the lake."""
    import duckdb

    from lakehouse.lake import open_lake
    from lakehouse.rollup import rollup
    from lakehouse.tables import columnar_tables

    sizes = BronzeSizes(days)
    for table in columnar_tables():
        folder = lake / table.prefix
        ndjson = sum(path.stat().st_size for path in folder.rglob("*.ndjson.gz"))
        sizes.ndjson_per_day[table.name] = ndjson / days
    result = rollup(open_lake(lake), today=last_day + timedelta(days=2), late_days=1)
    if result.errors:
        raise RuntimeError("the sample's rollup failed: " + "; ".join(result.errors))
    connection = duckdb.connect()
    for table in columnar_tables():
        columns: dict[str, float] = defaultdict(float)
        total = 0.0
        for path in (lake / table.prefix).glob("*/parquet/*.parquet"):
            total += path.stat().st_size
            for column, size in connection.execute(
                "select path_in_schema, sum(total_compressed_size) "
                f"from parquet_metadata('{path}') group by 1"
            ).fetchall():
                columns[column.split(",")[0]] += size
        sizes.parquet_per_day[table.name] = total / days
        sizes.column_per_day[table.name] = {name: size / days for name, size in columns.items()}
    connection.close()
    return sizes


def guard_columns() -> dict[str, list[str]]:
    """The lake columns the guard's source-id rule reads, per lake table."""
    from privacy.rules import allowlist

    found: dict[str, list[str]] = {}
    for model, columns in allowlist().bronze_source_ids.items():
        path = PROJECT_ROOT / "models" / "bronze" / f"{model}.sql"
        renamed = {alias: column for column, alias in _RENAMED.findall(path.read_text())}
        found[model.removeprefix("bronze_")] = [renamed[alias] for alias in columns]
    return found


@dataclass
class Scan:
    incremental: float
    tests: float
    guard: float

    @property
    def total(self) -> float:
        return self.incremental + self.tests + self.guard


def nightly_scan(
    sizes: BronzeSizes,
    scale_per_day: float,
    incremental_reads: dict[str, list[str]],
    test_sources: list[list[str]],
    lookback_days: int,
    late_days: int = 3,
) -> tuple[Scan, Scan]:
    """Bronze bytes one nightly build scans at steady state: (before, after the rollup)."""
    window = lookback_days + 1
    open_days = min(late_days + 1, BRONZE_DAYS)
    closed_days = BRONZE_DAYS - open_days

    def ndjson(table: str, days: float) -> float:
        return sizes.ndjson_per_day.get(table, 0.0) * scale_per_day * days

    def parquet(table: str, columns: list[str] | None, days: float) -> float:
        if table not in sizes.column_per_day:  # not rolled up: stays NDJSON
            return ndjson(table, days)
        per_column = sizes.column_per_day[table]
        chosen = per_column.values() if columns is None else [per_column[c] for c in columns]
        return sum(chosen) * scale_per_day * days

    # Rows of the window read before and after: all of it is inside the late-data window.
    incremental_before = sum(
        ndjson(table, window) for tables in incremental_reads.values() for table in tables
    )
    incremental_after = sum(
        ndjson(table, min(window, open_days)) + parquet(table, None, max(0, window - open_days))
        for tables in incremental_reads.values()
        for table in tables
    )
    guard = guard_columns()
    tests_before = sum(ndjson(table, BRONZE_DAYS) for tables in test_sources for table in tables)
    tests_after = sum(
        ndjson(table, open_days) + parquet(table, guard.get(table), closed_days)
        for tables in test_sources
        for table in tables
    )
    guard_before = sum(ndjson(table, BRONZE_DAYS) for table in guard)
    guard_after = sum(
        ndjson(table, open_days) + parquet(table, columns, closed_days)
        for table, columns in guard.items()
    )
    return (
        Scan(incremental_before, tests_before, guard_before),
        Scan(incremental_after, tests_after, guard_after),
    )


def report_lines(before: Scan, after: Scan, daily_users: int, month: float) -> list[str]:
    gb = 2**30

    def cell(value: float) -> str:
        return f"{value * month / gb:,.2f} GB"

    ratio = before.total / after.total if after.total else float("inf")
    return [
        "",
        f"## Bronze scanned by the nightly build on Athena, at {daily_users:,} daily users",
        "",
        "From the sample lake's real files: each table's NDJSON.gz as ingested, then rolled up "
        "to Parquet (`sage rollup`) and measured column by column. A month of nightly "
        "`sage build` runs at steady state (90 days of Bronze); the late-data window "
        "(3 days) and the look-back (`lookback_days` + today) as configured.",
        "",
        "| read | before (all NDJSON.gz) | after (closed days Parquet) |",
        "|---|---:|---:|",
        f"| incremental Silver models, look-back window | {cell(before.incremental)} "
        f"| {cell(after.incremental)} |",
        f"| data tests over Bronze views | {cell(before.tests)} | {cell(after.tests)} |",
        f"| PII guard, source ids of all Bronze | {cell(before.guard)} | {cell(after.guard)} |",
        f"| **total** | **{cell(before.total)}** | **{cell(after.total)}** |",
        "",
        f"{ratio:,.1f}x fewer Bronze bytes scanned a month after the rollup. The look-back "
        "window lies inside the late-data window, so what the incremental models read stays "
        "NDJSON.gz; the saving is in every read of the closed days, which reads only the "
        "columns it names. The Silver and Gold tables a build reads are in the table above.",
    ]


def bronze_section(
    lake: Path, measured: Measurements, days: int, first_day: date, daily_users: int
) -> str:
    """The section ``make aws-cost`` appends to its report (``measured``: its Measurements)."""
    sizes = measure_bronze(lake, days, first_day + timedelta(days=days - 1))
    before, after = nightly_scan(
        sizes,
        daily_users / measured.daily_users,
        measured.incremental_reads,
        [sources for _, sources in measured.test_reads if sources],
        measured.lookback_days,
    )
    return "\n".join(report_lines(before, after, daily_users, 30.44)) + "\n"
