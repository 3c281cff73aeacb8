"""sage retention on a copy of the session build's lake and warehouse, and on S3."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from lakehouse.audit.log import AuditLog
from lakehouse.dbt import run_dbt
from lakehouse.lake import S3Lake, open_lake
from privacy.retention import Horizons, delete_statements, years_before
from sage.cli import main
from tests.conftest import SAMPLE_START, Built
from tests.copies import copy_build

PARTITION = re.compile(r"^(bronze|quarantine)/[^/]+/dt=(\d{4}-\d{2}-\d{2})/")


def lake_keys(lake) -> set[str]:
    return {item.key for item in lake.list("bronze/")} | {
        item.key for item in lake.list("quarantine/")
    }


def expired(keys: set[str], horizons: Horizons) -> set[str]:
    found = set()
    for key in keys:
        match = PARTITION.match(key)
        if match:
            horizon = horizons.bronze if match.group(1) == "bronze" else horizons.quarantine
            if date.fromisoformat(match.group(2)) < horizon:
                found.add(key)
    return found


def test_horizons_count_from_the_day_given():
    horizons = Horizons.on(date(2026, 12, 7))
    assert horizons.bronze == date(2026, 9, 8)  # 90 days: a partition of 2026-09-08 is kept
    assert horizons.quarantine == date(2026, 11, 7)
    assert horizons.silver == date(2024, 12, 7)
    assert years_before(date(2028, 2, 29), 2) == date(2026, 2, 28)


def test_dry_run_then_retention_on_a_local_lake(built: Built, tmp_path, capsys):
    settings = copy_build(built, tmp_path)
    lake = open_lake(settings.lake)
    today = SAMPLE_START + timedelta(days=7 + 90)  # Bronze before the sample's 8th day expires
    horizons = Horizons.on(today)
    before = lake_keys(lake)
    gone = expired(before, horizons)
    assert gone and before - gone  # some partitions expire, some stay
    args = ["--lake", settings.lake, "--warehouse", settings.warehouse, "--today", str(today)]

    assert main(["retention", "--dry-run", *args]) == 0
    out = capsys.readouterr().out
    assert f"retention on {today} (UTC)" in out
    assert "Bronze      before 2026-09-08  (90 days)" in out
    assert re.search(r"bronze\s+lambda_emf\s+7\s+\d+\s+.+2026-09-01 \.\. 2026-09-07", out)
    assert f"would remove: {len(gone):,} objects" in out and "nothing was deleted" in out
    assert lake_keys(lake) == before
    assert not list(AuditLog.in_lake(lake).records("RETENTION_APPLIED"))

    assert main(["retention", *args]) == 0
    out = capsys.readouterr().out
    assert f"removed: {len(gone):,} objects" in out and "0 Silver rows" in out
    assert lake_keys(lake) == before - gone
    dates = {PARTITION.match(key).group(2) for key in lake_keys(lake) if key.startswith("bronze/")}
    assert min(dates) == "2026-09-08"
    (record,) = AuditLog.in_lake(lake).records("RETENTION_APPLIED")
    assert record.event == "RETENTION_APPLIED" and record.details["objects_deleted"] == len(gone)
    assert record.details["horizons"]["bronze"] == "2026-09-08"
    assert record.details["objects"]["bronze/lambda_emf"]["partitions"] == 7
    assert f"audit: record {record.seq} (RETENTION_APPLIED)" in out

    # run again: nothing is past its horizon any more
    assert main(["retention", *args]) == 0
    assert "nothing is past its horizon" in capsys.readouterr().out
    assert len(list(AuditLog.in_lake(lake).records("RETENTION_APPLIED"))) == 1


def test_silver_rows_older_than_two_years_are_deleted_and_stay_deleted(
    built: Built, tmp_path, capsys
):
    settings = copy_build(built, tmp_path)
    today = date(2028, 9, 5)  # Silver before 2026-09-05 expires, and all of the sample's Bronze
    connection = duckdb.connect(settings.warehouse, read_only=True)
    old_turns, all_turns = connection.execute(
        "select count(*) filter (where turn_date < date '2026-09-05'), count(*) "
        "from innerverse_silver.turns"
    ).fetchone()
    old_requests = connection.execute(
        "select count(*) from innerverse_silver.requests where request_date < date '2026-09-05'"
    ).fetchone()[0]
    prices = connection.execute("select count(*) from innerverse_silver.prices").fetchone()[0]
    # the private per-person days have Silver's retention too
    old_user_days = connection.execute(
        "select count(*) from innerverse_private.user_daily_activity "
        "where activity_date < date '2026-09-05'"
    ).fetchone()[0]
    connection.close()
    assert 0 < old_turns < all_turns and old_requests > 0 and old_user_days > 0

    args = ["--lake", settings.lake, "--warehouse", settings.warehouse, "--today", str(today)]
    assert main(["retention", *args]) == 0
    out = capsys.readouterr().out
    assert re.search(rf"silver\.turns\s+{old_turns:,}\s+turn_date < 2026-09-05", out)
    assert "kept: silver.prices (declared `retention: keep`)" in out
    assert re.search(
        rf"private\.user_daily_activity\s+{old_user_days:,}\s+activity_date < 2026-09-05", out
    )

    connection = duckdb.connect(settings.warehouse, read_only=True)
    remaining = connection.execute(
        "select count(*), min(turn_date) from innerverse_silver.turns"
    ).fetchone()
    assert remaining[0] == all_turns - old_turns and str(remaining[1]) == "2026-09-05"
    assert (
        connection.execute("select count(*) from innerverse_silver.prices").fetchone()[0] == prices
    )
    connection.close()
    connection = duckdb.connect(settings.warehouse, read_only=True)
    assert connection.execute(
        "select count(*) from innerverse_private.user_daily_activity "
        "where activity_date < date '2026-09-05'"
    ).fetchone() == (0,)
    connection.close()
    (record,) = AuditLog.in_lake(open_lake(settings.lake)).records("RETENTION_APPLIED")
    assert record.details["silver_rows"]["silver.turns"] == old_turns
    assert record.details["silver_rows"]["private.user_daily_activity"] == old_user_days

    # an incremental build afterwards reads the look-back window only: nothing comes back
    run_dbt(["run", "--select", "silver_turns", "silver_requests"], settings, quiet=True)
    connection = duckdb.connect(settings.warehouse, read_only=True)
    assert connection.execute(
        "select count(*) from innerverse_silver.turns where turn_date < date '2026-09-05'"
    ).fetchone() == (0,)
    connection.close()


def test_retention_on_s3(built: Built, s3, capsys):
    client, bucket = s3
    lake = S3Lake(f"s3://{bucket}/lake", client=client)
    local = Path(built.settings.lake)
    # a few days of two tables, and the quarantine: enough to expire some and keep some
    days = ("2026-09-01", "2026-09-02", "2026-09-05", "2026-09-06")
    for table in ("lambda_emf",):
        for day in days:
            for path in sorted((local / "bronze" / table / f"dt={day}").rglob("*.ndjson.gz")):
                lake.write_bytes(path.relative_to(local).as_posix(), path.read_bytes())
    for path in sorted((local / "quarantine" / "lambda_emf").rglob("*"))[:20]:
        if path.is_file():
            lake.write_bytes(path.relative_to(local).as_posix(), path.read_bytes())
    before = lake_keys(lake)
    today = SAMPLE_START + timedelta(days=3 + 90)
    gone = expired(before, Horizons.on(today))
    assert gone and before - gone
    args = [
        "--lake",
        lake.url,
        "--warehouse",
        "/nonexistent/warehouse.duckdb",
        "--today",
        str(today),
    ]

    assert main(["retention", "--dry-run", *args]) == 0
    out = capsys.readouterr().out
    assert f"would remove: {len(gone):,} objects" in out
    assert "no warehouse at /nonexistent/warehouse.duckdb: Silver was not checked" in out
    assert lake_keys(lake) == before

    assert main(["retention", *args]) == 0
    assert f"removed: {len(gone):,} objects" in capsys.readouterr().out
    assert lake_keys(open_lake(lake.url)) == before - gone
    log = AuditLog.in_lake(lake)
    assert [record.event for record in log.records()] == ["RETENTION_APPLIED"]
    assert log.verify().ok


def test_an_empty_or_missing_lake_is_refused(tmp_path, s3, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["retention", "--lake", str(tmp_path / "empty")]) == 2
    assert "holds no Bronze or quarantine objects: nothing to expire" in capsys.readouterr().err
    assert main(["retention", "--lake", str(tmp_path / "missing")]) == 2
    assert "no lake at" in capsys.readouterr().err
    _, bucket = s3
    assert main(["retention", "--lake", f"s3://{bucket}/nothing-here", "--dry-run"]) == 2
    assert "holds no Bronze or quarantine objects" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main(["retention", "--lake", str(tmp_path / "empty"), "--today", "yesterday"])
    assert usage.value.code == 2
    assert "not a date (YYYY-MM-DD): 'yesterday'" in capsys.readouterr().err


def test_athena_statements_parse_as_athena_sql():
    import sqlglot

    statements = delete_statements(
        "athena", "innerverse_silver.turns", "turn_date < date '2024-12-07'"
    )
    assert (
        statements[0] == "delete from innerverse_silver.turns where turn_date < date '2024-12-07'"
    )
    parsed = sqlglot.parse_one(statements[0], read="athena")
    assert isinstance(parsed, sqlglot.exp.Delete)
    assert [s.split()[0] for s in statements[1:]] == ["optimize", "vacuum"]
    assert delete_statements("local", "t", "x = 1") == ["delete from t where x = 1"]
