"""The lake on S3, over real HTTP (moto's server), read back by dbt through DuckDB's httpfs."""

from __future__ import annotations

import duckdb

from ingest.pipeline import ingest_paths
from ingest.sources import get_source
from lakehouse.dbt import run_dbt
from lakehouse.lake import LakeError, S3Lake, open_lake
from lakehouse.settings import Settings
from sage.cli import main
from tests.conftest import FIXTURES


def test_s3_lake_writes_lists_reads_and_deletes(s3):
    client, bucket = s3
    lake = open_lake(f"s3://{bucket}/prefix")
    assert isinstance(lake, S3Lake)
    lake.write_bytes("bronze/x/dt=2026-04-21/hour=10/a.ndjson.gz", b"one")
    lake.write_bytes("bronze/x/dt=2026-04-21/hour=11/b.ndjson.gz", b"two")
    assert [item.key for item in lake.list("bronze/x/")] == [
        "bronze/x/dt=2026-04-21/hour=10/a.ndjson.gz",
        "bronze/x/dt=2026-04-21/hour=11/b.ndjson.gz",
    ]
    assert (
        client.get_object(Bucket=bucket, Key="prefix/bronze/x/dt=2026-04-21/hour=10/a.ndjson.gz")[
            "Body"
        ].read()
        == b"one"
    )
    assert lake.read_bytes("bronze/x/dt=2026-04-21/hour=11/b.ndjson.gz") == b"two"
    assert lake.delete(["bronze/x/dt=2026-04-21/hour=10/a.ndjson.gz"]) == 1
    assert len(list(lake.list())) == 1


def test_s3_errors_name_the_object(s3):
    _, bucket = s3
    lake = open_lake(f"s3://{bucket}")
    try:
        lake.read_bytes("missing/key")
    except LakeError as exc:
        assert f"s3://{bucket}/missing/key" in str(exc)
    else:
        raise AssertionError("reading a missing object must fail")


def test_ingest_to_s3_and_dbt_reads_the_lake_back_through_httpfs(s3, tmp_path, capsys):
    _, bucket = s3
    lake_url = f"s3://{bucket}/lake"
    status = main(
        ["ingest", "--source", "lambda_emf", "--lake", lake_url, str(FIXTURES / "lambda_emf")]
    )
    assert status == 1  # the fixture folder holds a CloudFront file, refused whole
    out = capsys.readouterr().out
    assert f"ingest lambda_emf → {lake_url}" in out

    settings = Settings.from_env(
        lake=lake_url, warehouse=str(tmp_path / "w.duckdb"), target="local"
    )
    run_dbt(
        ["build", "--select", "+silver_turns", "--exclude", "test_type:singular"],
        settings,
        quiet=True,
    )
    connection = duckdb.connect(settings.warehouse, read_only=True)
    turns = connection.execute("select count(*) from innerverse_silver.turns").fetchone()[0]
    connection.close()
    report = ingest_paths(
        get_source("lambda_emf"), open_lake(tmp_path / "local"), [FIXTURES / "lambda_emf"]
    )
    assert turns == report.landed == 9
