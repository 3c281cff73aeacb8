"""The whole project built on a real Trino 476, the engine Athena is built on: the
lake's NDJSON read through the Hive JSON SerDe and partition projection, then
every model, data test and unit test."""

from __future__ import annotations

import re
from datetime import datetime

from tests.conftest import Built
from tests.trino.conftest import TrinoBuild

PASSED = {"success", "pass", "warn", "no-op"}  # no-op: the exposures


def test_every_node_of_the_duckdb_build_ran_and_passed_on_trino(
    trino_build: TrinoBuild, built: Built
):
    statuses = {
        result.node.unique_id: str(result.status) for result in trino_build.result.result.results
    }
    failed = {node: status for node, status in statuses.items() if status not in PASSED}
    assert failed == {}
    on_duckdb = {result.node.unique_id for result in built.build_result.result.results}
    assert set(statuses) == on_duckdb
    kinds = {node.split(".")[0] for node in statuses}
    assert {"model", "test", "unit_test", "seed"} <= kinds


def test_the_lake_reads_the_same_through_the_json_serde(trino_build: TrinoBuild, built: Built):
    """Each lake table on Trino (external table, Hive JSON SerDe, projected partitions)
    with, for a rolled-up table, its Parquet table (the closed days) holds what DuckDB's
    read_json view of the NDJSON-only lake holds: rows, ids, timestamps to the millisecond."""
    sources = [
        source
        for source in trino_build.manifest["sources"].values()
        if source["source_name"] == "lake"
    ]
    lake_tables = [source["identifier"] for source in sources]
    rolled = {source["identifier"] for source in sources if source["meta"].get("columnar_sort_by")}
    assert len(rolled) == 7
    assert len(lake_tables) >= 7
    trino = trino_build.connect().cursor()
    duckdb = built.connect()
    try:
        for table in lake_tables:
            summary = (
                "select count(*), count(distinct event_id), min(event_at), max(event_at), "
                "min(received_at), count(distinct dt) from {} where event_id is not null"
            )
            if table == "erasure_requests":
                summary = "select count(*), count(distinct user_key) from {}"
            relation = f"innerverse_lake.{table}"
            if table in rolled:
                columns = "event_id, event_at, received_at, dt"
                relation = (
                    f"(select {columns} from {relation} union all "
                    f"select {columns} from {relation}_parquet)"
                )
            trino.execute(summary.format(relation))
            on_trino = _naive(trino.fetchone())
            on_duckdb = duckdb.execute(summary.format(f"innerverse_lake.{table}")).fetchone()
            assert on_trino == tuple(on_duckdb), table
    finally:
        duckdb.close()


def test_lake_tables_are_made_by_the_athena_macro_in_trino_ddl(trino_build: TrinoBuild):
    trino = trino_build.connect().cursor()
    trino.execute("show create table hive.innerverse_lake.lambda_emf")
    ddl = trino.fetchone()[0]
    assert "format = 'JSON'" in ddl
    assert "partition_projection_enabled = true" in ddl
    assert re.search(r"partitioned_by = ARRAY\['dt','hour'\]", ddl)
    assert "external_location = 'local://" in ddl
    # the dbt target's catalog is Iceberg, and finds the lake's Hive tables by redirection
    trino.execute("select count(*) from iceberg.innerverse_lake.lambda_emf")
    assert trino.fetchone()[0] > 0
    # beside it, the rolled-up days: Parquet, projected on dt into each day's parquet/ folder
    trino.execute("show create table hive.innerverse_lake.lambda_emf_parquet")
    ddl = trino.fetchone()[0]
    assert "format = 'PARQUET'" in ddl and "partitioned_by = ARRAY['dt']" in ddl
    assert re.search(r"partition_projection_location_template = '[^']*/dt=\$\{dt\}/parquet'", ddl)
    trino.execute("select count(distinct dt) from iceberg.innerverse_lake.lambda_emf_parquet")
    assert trino.fetchone()[0] == 10


def _naive(row: tuple) -> tuple:
    return tuple(
        value.replace(tzinfo=None) if isinstance(value, datetime) else value for value in row
    )
