"""sage rollup: closed Bronze days become Parquet, on a copy of the session's lake and on S3."""

from __future__ import annotations

import gzip
import json
import shutil
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from ingest.pipeline import ingest_paths
from ingest.sources import get_source
from lakehouse.audit.log import AuditLog
from lakehouse.handler import rollup_handler
from lakehouse.lake import open_lake
from lakehouse.rollup import rollup
from lakehouse.tables import columnar_tables
from sage.cli import main
from tests.conftest import FIXTURES, SAMPLE_START, Built

TODAY = SAMPLE_START + timedelta(days=13)  # the sample's last day
CLOSED_BEFORE = TODAY - timedelta(days=3)  # the default window: days 1 to 10 close
PARQUET = {table.name: table for table in columnar_tables()}


def ndjson_ids(lake) -> Counter:
    """(table, day, event_id) of every NDJSON.gz line in Bronze, counted."""
    found: Counter = Counter()
    for item in lake.list("bronze/"):
        if item.key.endswith(".ndjson.gz"):
            table, day = item.key.split("/")[1], item.key.split("/")[2][3:]
            for line in gzip.decompress(lake.read_bytes(item.key)).splitlines():
                found[(table, day, json.loads(line)["event_id"])] += 1
    return found


def parquet_ids(lake, tmp_path: Path) -> Counter:
    found: Counter = Counter()
    connection = duckdb.connect()
    for item in lake.list("bronze/"):
        if item.key.endswith(".parquet"):
            copy = tmp_path / "read.parquet"
            copy.write_bytes(lake.read_bytes(item.key))
            table, day = item.key.split("/")[1], item.key.split("/")[2][3:]
            for (event_id,) in connection.execute(
                f"select event_id from read_parquet('{copy}')"
            ).fetchall():
                found[(table, day, event_id)] += 1
    return found


def lake_copy(built: Built, tmp_path: Path) -> str:
    shutil.copytree(built.settings.lake, tmp_path / "lake")
    return str(tmp_path / "lake")


def test_closed_days_become_one_checked_parquet_each(built: Built, tmp_path, capsys):
    lake_url = lake_copy(built, tmp_path)
    lake = open_lake(lake_url)
    before = ndjson_ids(lake)
    closed = Counter(
        {
            k: n
            for k, n in before.items()
            if k[0] in PARQUET and date.fromisoformat(k[1]) < CLOSED_BEFORE
        }
    )
    assert closed and len(closed) < len(before)

    assert main(["rollup", "--lake", lake_url, "--today", str(TODAY)]) == 0
    out = capsys.readouterr().out
    assert f"days before {CLOSED_BEFORE} are closed (3-day late-data window)" in out
    assert "rolled up: 70 table-days" in out and "28 table-days still open" in out

    # Every closed day's rows are in its Parquet, each as often as it was; nothing else moved.
    assert parquet_ids(lake, tmp_path) == closed
    assert ndjson_ids(lake) == before - closed
    keys = [item.key for item in lake.list("bronze/lambda_emf/")]
    assert "bronze/lambda_emf/dt=2026-09-01/parquet/lambda_emf-2026-09-01.parquet" in keys
    assert not [key for key in keys if "dt=2026-09-01/hour=" in key]

    # zstd, sorted so that one user's rows sit together, row groups of at most 122,880 rows.
    path = Path(lake_url) / "bronze/lambda_emf/dt=2026-09-03/parquet/lambda_emf-2026-09-03.parquet"
    connection = duckdb.connect()
    codecs = connection.execute(
        f"select distinct compression from parquet_metadata('{path}')"
    ).fetchall()
    assert codecs == [("ZSTD",)]
    uids = [row[0] for row in connection.execute(f"select uid from '{path}'").fetchall()]
    assert uids == sorted(uids, key=lambda uid: (uid is None, uid))
    columns = [
        row[0]
        for row in connection.execute(
            f"describe select * from read_parquet('{path}', hive_partitioning = false)"
        ).fetchall()
    ]
    assert columns == PARQUET["lambda_emf"].stored_columns  # the hour kept, dt in the path

    (record,) = AuditLog.in_lake(lake).records("BRONZE_ROLLED_UP")
    assert record.details["days_rolled"] == 70
    assert record.details["rows_added"] == sum(closed.values())
    assert record.details["tables"]["lambda_emf"]["days"] == 10

    # Again: nothing closed holds NDJSON, so nothing is rewritten and nothing recorded.
    stamp = path.stat().st_mtime_ns
    assert main(["rollup", "--lake", lake_url, "--today", str(TODAY)]) == 0
    assert "nothing to roll up" in capsys.readouterr().out
    assert path.stat().st_mtime_ns == stamp
    assert len(list(AuditLog.in_lake(lake).records("BRONZE_ROLLED_UP"))) == 1


def late_line(lake, day: str, suffix: str) -> dict:
    """A real line of the day's turns with a new event id, as a late delivery would land."""
    connection = duckdb.connect()
    path = lake.uri(PARQUET["lambda_emf"].parquet_key(day))
    row = connection.execute(
        f"select * from read_parquet('{path}', hive_partitioning = false) limit 1"
    ).fetchone()
    names = [column[0] for column in connection.description]
    line = dict(zip(names, row, strict=True))
    line["event_id"] = line["event_id"][: -len(suffix)] + suffix
    for name in ("event_at", "received_at"):
        line[name] = line[name].strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return line


def test_late_lines_are_merged_and_an_interrupted_run_is_not_counted_twice(
    built: Built, tmp_path, capsys
):
    lake_url = lake_copy(built, tmp_path)
    lake = open_lake(lake_url)
    saved = tmp_path / "saved"
    shutil.copytree(Path(lake_url) / "bronze/lambda_emf/dt=2026-09-02", saved)
    assert main(["rollup", "--lake", lake_url, "--today", str(TODAY)]) == 0
    capsys.readouterr()
    rolled = parquet_ids(lake, tmp_path)

    # A late line for a rolled day, and the day's old objects put back as if the first
    # run had stopped after publishing the Parquet and before deleting them.
    line = late_line(lake, "2026-09-04", "feedfacefeedface")
    hour = line.pop("hour")
    late_key = f"bronze/lambda_emf/dt=2026-09-04/hour={hour}/late0001.ndjson.gz"
    lake.write_bytes(late_key, gzip.compress(json.dumps(line).encode() + b"\n"))
    shutil.copytree(saved, Path(lake_url) / "bronze/lambda_emf/dt=2026-09-02", dirs_exist_ok=True)

    assert main(["rollup", "--lake", lake_url, "--today", str(TODAY), "--json"]) == 0
    captured = capsys.readouterr()
    summary = json.loads(captured.out)  # the audit line goes to stderr with --json
    assert "(BRONZE_ROLLED_UP)" in captured.err
    assert summary["tables"]["lambda_emf"]["late_days_merged"] == 2
    assert summary["tables"]["lambda_emf"]["already_in"] == len(list(saved.rglob("*.ndjson.gz")))
    assert summary["rows_added"] == 1
    after = parquet_ids(lake, tmp_path)
    assert after - rolled == Counter({("lambda_emf", "2026-09-04", line["event_id"]): 1})
    assert rolled - after == Counter()
    assert not [
        item.key
        for item in lake.list("bronze/lambda_emf/dt=2026-09-0")
        if item.key.endswith(".ndjson.gz")
    ]


def test_an_unreadable_object_leaves_its_day_alone_and_the_run_goes_on(
    built: Built, tmp_path, capsys
):
    lake_url = lake_copy(built, tmp_path)
    lake = open_lake(lake_url)
    broken = "bronze/sentinel/dt=2026-09-05/hour=03/broken.ndjson.gz"
    lake.write_bytes(broken, b"\x1f\x8b not really gzip")
    day_objects = {item.key for item in lake.list("bronze/sentinel/dt=2026-09-05/")}

    assert main(["rollup", "--lake", lake_url, "--today", str(TODAY)]) == 1
    captured = capsys.readouterr()
    assert "error: sentinel 2026-09-05:" in captured.err and "left in place" in captured.err
    assert {item.key for item in lake.list("bronze/sentinel/dt=2026-09-05/")} == day_objects
    assert lake.exists(PARQUET["sentinel"].parquet_key("2026-09-06"))
    log = AuditLog.in_lake(lake)
    (error,) = log.records("ERROR")
    assert (
        error.details["operation"] == "rollup"
        and "sentinel 2026-09-05" in error.details["errors"][0]
    )
    assert next(log.records("BRONZE_ROLLED_UP")).details["tables"]["sentinel"]["failed_days"] == 1

    lake.delete([broken])
    assert main(["rollup", "--lake", lake_url, "--today", str(TODAY)]) == 0
    assert lake.exists(PARQUET["sentinel"].parquet_key("2026-09-05"))


def test_bad_settings_change_nothing(built: Built, tmp_path, capsys, monkeypatch):
    lake_url = lake_copy(built, tmp_path)
    before = sorted(item.key for item in open_lake(lake_url).list("bronze/"))
    assert main(["rollup", "--lake", lake_url, "--late-days", "0"]) == 2
    assert "at least 1 day" in capsys.readouterr().err
    assert main(["rollup", "--lake", lake_url, "--table", "nope"]) == 2
    assert "no rolled-up lake table named nope" in capsys.readouterr().err
    monkeypatch.setenv("SAGE_ROLLUP_LATE_DAYS", "three")
    assert main(["rollup", "--lake", lake_url]) == 2
    assert "SAGE_ROLLUP_LATE_DAYS='three'" in capsys.readouterr().err
    assert main(["rollup", "--lake", str(tmp_path / "none")]) == 2
    assert sorted(item.key for item in open_lake(lake_url).list("bronze/")) == before


def test_dry_run_lists_the_days_and_changes_nothing(built: Built, tmp_path, capsys):
    lake_url = lake_copy(built, tmp_path)
    before = sorted(item.key for item in open_lake(lake_url).list(""))
    args = ["rollup", "--lake", lake_url, "--today", str(TODAY), "--table", "lambda_emf"]
    assert main([*args, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would roll up: 10 table-days" in out and "nothing was changed" in out
    assert sorted(item.key for item in open_lake(lake_url).list("")) == before


def test_rollup_on_s3_and_from_the_scheduled_function(s3, tmp_path, monkeypatch):
    client, bucket = s3
    lake_url = f"s3://{bucket}/lake"
    lake = open_lake(lake_url)
    ingest_paths(get_source("sentinel"), lake, [FIXTURES / "sentinel"])
    before = ndjson_ids(lake)
    days = sorted({day for _, day, _ in before})
    assert days
    today = date.fromisoformat(days[-1]) + timedelta(days=5)  # every day closed

    result = rollup(lake, today=today, late_days=3)
    assert not result.errors and len(result.days) == len(days)
    assert parquet_ids(lake, tmp_path) == before
    assert ndjson_ids(lake) == Counter()
    listed = client.list_objects_v2(Bucket=bucket, Prefix="lake/bronze/")["Contents"]
    assert all(item["Key"].endswith(".parquet") for item in listed)

    # The scheduled function: the same code, the audit record, nothing left to do.
    monkeypatch.setenv("SAGE_LAKE", lake_url)
    extra = late_line_s3(lake, tmp_path, days[0])
    summary = rollup_handler({"today": today.isoformat()}, None)
    assert summary["rows_added"] == 1 and summary["tables"]["sentinel"]["late_days_merged"] == 1
    assert parquet_ids(lake, tmp_path) == before + Counter({("sentinel", days[0], extra): 1})
    (record,) = AuditLog.in_lake(lake).records("BRONZE_ROLLED_UP")
    assert record.details["rows_added"] == 1
    assert rollup_handler({"today": today.isoformat()}, None)["days_rolled"] == 0


def late_line_s3(lake, tmp_path: Path, day: str) -> str:
    copy = tmp_path / "day.parquet"
    copy.write_bytes(lake.read_bytes(PARQUET["sentinel"].parquet_key(day)))
    connection = duckdb.connect()
    row = connection.execute(f"select * from '{copy}' limit 1").fetchone()
    line = dict(zip([column[0] for column in connection.description], row, strict=True))
    line["event_id"] = "late" + line["event_id"][4:]
    for name in ("event_at", "received_at"):
        line[name] = line[name].strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    hour = line.pop("hour")
    key = f"bronze/sentinel/dt={day}/hour={hour}/late.ndjson.gz"
    lake.write_bytes(key, gzip.compress(json.dumps(line).encode() + b"\n"))
    return line["event_id"]


@pytest.mark.parametrize("late_days", [1, 12])
def test_the_window_decides_which_days_close(built: Built, tmp_path, late_days):
    lake = open_lake(lake_copy(built, tmp_path))
    result = rollup(lake, today=TODAY, late_days=late_days, tables=["lambda_emf"])
    assert {day.day for day in result.days} == {
        str(TODAY - timedelta(days=n)) for n in range(late_days + 1, 14)
    }
