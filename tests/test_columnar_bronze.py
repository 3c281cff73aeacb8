"""Bronze over a rolled-up lake: the closed days as Parquet, the open days as NDJSON.gz,
and one day as both (a rollup stopped before deleting its NDJSON). The build reads
them as one relation and gives what the NDJSON-only session build gives; the guard,
erasure and retention reach the Parquet."""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import shutil
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from lakehouse.audit.log import AuditLog
from lakehouse.dbt import run_dbt
from lakehouse.lake import open_lake
from lakehouse.rollup import rollup
from lakehouse.settings import Settings
from lakehouse.tables import columnar_tables
from lakehouse.warehouse import open_warehouse
from privacy.guard.bronze_ids import bronze_source_ids
from privacy.pseudonym import DEMO_PEPPER, pseudonymise_raw, source_hash
from privacy.rules import allowlist
from sage.checks.engine_parity import compare_gold, gold_tables, read_duckdb
from sage.cli import main
from tests.conftest import SAMPLE_START, Built
from tests.test_erasure import bronze_lines, raw_user_ids, their_lines, user_rows

TODAY = SAMPLE_START + timedelta(days=13)  # days 1 to 10 close (3-day window)
BOTH = "2026-09-02"  # the day left both as Parquet and as NDJSON
TABLES = [table.name for table in columnar_tables()]


@dataclass
class Rolled:
    settings: Settings
    days_rolled: int
    both_rows: int  # lambda_emf rows of BOTH, in its Parquet and its NDJSON
    manifest: dict  # dbt's


def parquet_rows(lake: Path) -> list[dict]:
    connection = duckdb.connect()
    rows: list[dict] = []
    for path in sorted((lake / "bronze").rglob("*.parquet")):
        cursor = connection.execute(
            f"select * from read_parquet('{path}', hive_partitioning = false)"
        )
        names = [column[0] for column in cursor.description]
        rows += [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return rows


def counts(warehouse: str, layer: str) -> dict[str, int]:
    connection = duckdb.connect(warehouse, read_only=True)
    try:
        return {
            name: connection.execute(f"select count(*) from innerverse_{layer}.{name}").fetchone()[
                0
            ]
            for (name,) in connection.execute(
                "select table_name from information_schema.tables where table_schema = ?",
                [f"innerverse_{layer}"],
            ).fetchall()
        }
    finally:
        connection.close()


@pytest.fixture(scope="module")
def rolled(built: Built, tmp_path_factory) -> Rolled:
    root = tmp_path_factory.mktemp("columnar")
    lake_path = root / "lake"
    shutil.copytree(built.settings.lake, lake_path)
    day = lake_path / f"bronze/lambda_emf/dt={BOTH}"
    shutil.copytree(day, root / "saved")
    result = rollup(open_lake(lake_path), today=TODAY, late_days=3)
    assert not result.errors
    shutil.copytree(root / "saved", day, dirs_exist_ok=True)
    both_rows = sum(
        len(gzip.decompress(path.read_bytes()).splitlines())
        for path in (root / "saved").rglob("*.ndjson.gz")
    )
    settings = Settings.from_env(
        lake=str(lake_path), warehouse=str(root / "warehouse.duckdb"), target="local"
    )
    target = root / "target"
    run_dbt(["build", "--full-refresh", "--target-path", str(target)], settings, quiet=True)
    manifest = json.loads((target / "manifest.json").read_text())
    return Rolled(settings, len(result.days), both_rows, manifest)


def test_the_lake_is_rolled_up_as_the_scenario_says(rolled: Rolled):
    lake = Path(rolled.settings.lake)
    assert rolled.days_rolled == 10 * len(TABLES)
    for table in TABLES:
        parquet = sorted(
            path.parent.parent.name for path in lake.glob(f"bronze/{table}/*/parquet/*")
        )
        assert parquet == [f"dt={SAMPLE_START + timedelta(days=n)}" for n in range(10)], table
        assert list(lake.glob(f"bronze/{table}/dt=2026-09-12/hour=*/*.ndjson.gz")), table
    assert rolled.both_rows and list(lake.glob(f"bronze/lambda_emf/dt={BOTH}/hour=*/*.ndjson.gz"))


def test_bronze_reads_the_parquet_days_and_the_open_days_as_one(rolled: Rolled, built: Built):
    ndjson_only = counts(built.settings.warehouse, "bronze")
    both = counts(rolled.settings.warehouse, "bronze")
    assert set(both) == set(ndjson_only)
    assert both == ndjson_only  # the day left both ways is read once, from its Parquet
    connection = duckdb.connect(rolled.settings.warehouse, read_only=True)
    days = connection.execute(
        "select count(distinct partition_date), min(partition_date), max(partition_date), "
        "count(distinct event_id) from innerverse_bronze.lambda_emf"
    ).fetchone()
    session = duckdb.connect(built.settings.warehouse, read_only=True)
    assert (
        days
        == session.execute(
            "select count(distinct partition_date), min(partition_date), max(partition_date), "
            "count(distinct event_id) from innerverse_bronze.lambda_emf"
        ).fetchone()
    )
    # The two lake relations behind it: each closed day from the Parquet only.
    parquet_days = connection.execute(
        "select count(distinct dt) from innerverse_lake.lambda_emf_parquet"
    ).fetchone()[0]
    json_days = connection.execute(
        "select list(distinct dt order by dt) from innerverse_lake.lambda_emf"
    ).fetchone()[0]
    assert parquet_days == 10 and json_days[0] == BOTH and json_days[1] == "2026-09-11"
    bronze_days = connection.execute(
        f"select count(*) from innerverse_bronze.lambda_emf where partition_date = '{BOTH}'"
    ).fetchone()[0]
    assert bronze_days == rolled.both_rows


def test_silver_and_gold_are_what_the_ndjson_lake_gives(rolled: Rolled, built: Built):
    """De-duplication unchanged: the day read twice is kept once, every count the same."""
    assert counts(rolled.settings.warehouse, "silver") == counts(built.settings.warehouse, "silver")
    assert counts(rolled.settings.warehouse, "private") == counts(
        built.settings.warehouse, "private"
    )
    tables = gold_tables(rolled.manifest)
    names = [table.name for table in tables]
    readings = []
    for warehouse in (built.settings.warehouse, rolled.settings.warehouse):
        connection = duckdb.connect(warehouse, read_only=True)
        readings.append(read_duckdb(connection, "innerverse_gold", names))
        connection.close()
    comparison = compare_gold(tables, *readings)
    assert comparison.rows_compared > 100 and len(comparison.tables) == len(tables)
    # One engine on both sides: approximate percentiles too must come out the same.
    differences = [d for d in comparison.differences if d.left != d.right]
    assert not differences, [d.describe("NDJSON", "Parquet") for d in differences[:5]]


def test_the_guard_compares_pseudonyms_with_the_ids_of_the_parquet_days(
    rolled: Rolled, built: Built
):
    with open_warehouse(rolled.settings) as warehouse:
        found, checks = bronze_source_ids(warehouse, rolled.settings, allowlist())
    with open_warehouse(built.settings) as warehouse:
        expected, _ = bronze_source_ids(warehouse, built.settings, allowlist())
    assert found == expected and not [check for check in checks if not check.passed]
    # Users seen only on the closed days are among them: they come from the Parquet.
    lake = Path(rolled.settings.lake)
    closed = {row["uid"] for row in parquet_rows(lake) if row.get("uid")}
    open_days = {line["uid"] for line in bronze_lines(lake) if line.get("uid")}
    assert closed - open_days and closed - open_days <= found


def test_erasure_rewrites_the_parquet_days_without_the_user(rolled: Rolled, built: Built, tmp_path):
    shutil.copytree(rolled.settings.lake, tmp_path / "lake")
    shutil.copyfile(rolled.settings.warehouse, tmp_path / "warehouse.duckdb")
    settings = Settings.from_env(
        lake=str(tmp_path / "lake"), warehouse=str(tmp_path / "warehouse.duckdb"), target="local"
    )
    lake = Path(settings.lake)
    raw_ids = raw_user_ids(built)
    before = parquet_rows(lake) + bronze_lines(lake)
    # the user with the most rows in the Parquet days
    uid_counts: dict[str, int] = {}
    for row in parquet_rows(lake):
        if row.get("uid"):
            uid_counts[row["uid"]] = uid_counts.get(row["uid"], 0) + 1
    raw_id = max(raw_ids, key=lambda raw: uid_counts.get(source_hash(raw), 0))
    app_hash = source_hash(raw_id)
    conversations, theirs = their_lines(before, app_hash)
    in_parquet = [row for row in parquet_rows(lake) if row in theirs]
    assert len(in_parquet) > 10

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        status = main(
            ["erase", "--user", raw_id, "--lake", settings.lake, "--warehouse", settings.warehouse]
        )
    assert status == 0, buffer.getvalue()
    after = parquet_rows(lake) + bronze_lines(lake)
    assert not [row for row in after if row.get("uid") == app_hash]
    assert not [row for row in after if row.get("cid") in conversations and not row.get("uid")]
    assert len(after) == len(before) - len(theirs)
    assert not any(user_rows(settings, pseudonymise_raw(raw_id, DEMO_PEPPER)).values())
    # Every rewritten day is still one zstd Parquet file, sorted as the rollup wrote it.
    connection = duckdb.connect()
    for path in lake.glob("bronze/*/*/parquet/*.parquet"):
        assert connection.execute(
            f"select distinct compression from parquet_metadata('{path}')"
        ).fetchall() == [("ZSTD",)]


def test_retention_expires_the_parquet_days(rolled: Rolled, tmp_path, capsys):
    shutil.copytree(rolled.settings.lake, tmp_path / "lake")
    lake = tmp_path / "lake"
    today = SAMPLE_START + timedelta(days=4 + 90)  # Bronze before the 5th day expires
    args = ["--lake", str(lake), "--warehouse", str(tmp_path / "none.duckdb")]
    assert main(["retention", *args, "--today", str(today)]) == 0
    assert "removed:" in capsys.readouterr().out
    for table in TABLES:
        left = sorted(path.parent.parent.name for path in lake.glob(f"bronze/{table}/*/parquet/*"))
        assert left == [f"dt={SAMPLE_START + timedelta(days=n)}" for n in range(4, 10)], table
    assert not list(lake.glob(f"bronze/lambda_emf/dt={BOTH}"))
    (record,) = AuditLog.in_lake(open_lake(lake)).records("RETENTION_APPLIED")
    assert record.details["objects"]["bronze/lambda_emf"]["first_date"] == str(SAMPLE_START)
