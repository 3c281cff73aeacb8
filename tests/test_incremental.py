"""Incremental builds give what a full rebuild gives, late data included."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pytest

from ingest.pipeline import expand_paths, ingest_paths
from ingest.sources import SOURCES, get_source
from lakehouse.dbt import run_dbt
from lakehouse.lake import open_lake
from lakehouse.settings import Settings

START = date(2026, 9, 7)
MODELS_ONLY = ["build", "--exclude-resource-type", "test", "unit_test"]
LATE_DAY = START + timedelta(days=4)


def _comparable(value):
    # Floating-point sums depend on the order rows are added in, which storage
    # order changes: compare doubles to 12 significant digits.
    return float(f"{value:.12g}") if isinstance(value, float) else value


def snapshot(path: str) -> dict[str, list[tuple]]:
    """Every Silver and Gold table, rows sorted, keyed by table.

    `built_at` (which build last wrote a row) is left out: it is bookkeeping, and
    differs between two builds of the same rows by design.
    """
    connection = duckdb.connect(path, read_only=True)
    tables = connection.execute(
        "select table_schema, table_name from information_schema.tables where table_type = "
        "'BASE TABLE' and table_schema in ('innerverse_silver', 'innerverse_gold')"
    ).fetchall()
    result = {}
    for schema, table in tables:
        columns = [
            name
            for (name,) in connection.execute(
                "select column_name from information_schema.columns where table_schema = ? "
                "and table_name = ? and column_name <> 'built_at' order by ordinal_position",
                [schema, table],
            ).fetchall()
        ]
        select = f"select {', '.join(columns)} from {schema}.{table}"
        rows = [
            tuple(_comparable(value) for value in row)
            for row in connection.execute(select).fetchall()
        ]
        result[f"{schema}.{table}"] = sorted(rows, key=repr)
    connection.close()
    return result


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    from sample_data.generate import generate

    root = tmp_path_factory.mktemp("incremental")
    sample = root / "sample"
    generate(sample, users=90, days=6, start=START, seed=21)
    late_marker = f"{LATE_DAY:%Y/%m/%d}"
    lake = open_lake(root / "lake")

    def is_late(path) -> bool:
        return late_marker in path.as_posix() or f".{LATE_DAY:%Y-%m-%d}-" in path.name

    late_files = {}
    for name in SOURCES:
        files = expand_paths([sample / name])
        late_files[name] = [path for path in files if is_late(path)]
        ingest_paths(get_source(name), lake, [path for path in files if not is_late(path)])

    incremental = Settings.from_env(
        lake=str(root / "lake"), warehouse=str(root / "incremental.duckdb"), target="local"
    )
    run_dbt(MODELS_ONLY, incremental, quiet=True)
    before = snapshot(incremental.warehouse)

    assert sum(len(files) for files in late_files.values()) > 10  # the late day really is held back
    for name, files in late_files.items():
        ingest_paths(get_source(name), lake, files)
    run_dbt(MODELS_ONLY, incremental, quiet=True)

    full = Settings.from_env(
        lake=str(root / "lake"), warehouse=str(root / "full.duckdb"), target="local"
    )
    run_dbt([*MODELS_ONLY, "--full-refresh"], full, quiet=True)
    return before, snapshot(incremental.warehouse), snapshot(full.warehouse), incremental


def test_late_data_reaches_silver_and_gold(builds):
    before, after, _, _ = builds
    assert len(after["innerverse_silver.turns"]) > len(before["innerverse_silver.turns"])
    late_days = {row for row in after["innerverse_gold.cost_daily_by_model"] if LATE_DAY in row}
    assert late_days and not {
        row for row in before["innerverse_gold.cost_daily_by_model"] if LATE_DAY in row
    }


def test_incremental_runs_equal_a_full_rebuild(builds):
    _, incremental, full, _ = builds
    assert set(incremental) == set(full)
    different = [table for table in full if incremental[table] != full[table]]
    assert different == []


def test_full_refresh_keeps_silver_that_bronze_no_longer_has(builds):
    """Bronze expires after 90 days, Silver is kept 2 years: a --full-refresh must not
    rebuild Silver from what is left of Bronze unless asked in so many words."""
    import shutil
    from pathlib import Path

    _, after, _, settings = builds
    turns = len(after["innerverse_silver.turns"])
    first_day = Path(settings.lake) / "bronze" / "lambda_emf" / f"dt={START:%Y-%m-%d}"
    expired = sum(1 for _ in first_day.rglob("*.ndjson.gz"))
    assert expired
    shutil.rmtree(first_day)  # as retention does after 90 days

    def silver_turns() -> int:
        with duckdb.connect(settings.warehouse, read_only=True) as connection:
            return connection.execute("select count(*) from innerverse_silver.turns").fetchone()[0]

    only_turns = ["run", "--select", "silver_turns", "--full-refresh"]
    run_dbt(only_turns, settings, quiet=True)
    assert silver_turns() == turns
    run_dbt([*only_turns, "--vars", "{rebuild_silver_from_bronze: true}"], settings, quiet=True)
    assert silver_turns() < turns
