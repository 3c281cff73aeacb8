"""How each Silver and Gold table is stored on Athena, from the Athena compile's manifest.

dbt-athena writes the DDL around a model from its config (`table_type`,
`format`, `partitioned_by`, `incremental_strategy`, `force_batch`), and that
SQL only exists on a live Athena. So the configs themselves are held to what
Athena and dbt-athena accept and to what the warehouse needs (erasure, the
100-partitions-per-query limit), for every model, present and future.
"""

from __future__ import annotations

import json

import pytest
import sqlglot
from sqlglot import exp

from lakehouse.settings import PROJECT_ROOT
from sage.checks.athena_offline import AthenaSql

# dbt-athena's incremental strategies per table type (see its validate_get_incremental_strategy).
STRATEGIES = {"iceberg": {"merge", "append"}, "hive": {"insert_overwrite", "append"}}


def stored(athena_sql: AthenaSql) -> list[dict]:
    """Models Athena stores as tables (views and ephemerals hold no data)."""
    kinds = ("table", "incremental")
    models = [m for m in athena_sql.models() if m["config"]["materialized"] in kinds]
    assert models
    return models


def test_tables_are_parquet_hive_or_iceberg(athena_sql: AthenaSql):
    for model in stored(athena_sql):
        assert model["config"].get("format") == "parquet", model["name"]
        assert model["config"].get("table_type") in STRATEGIES, model["name"]


def test_incremental_models_use_a_strategy_their_table_type_supports(athena_sql: AthenaSql):
    for model in stored(athena_sql):
        config = model["config"]
        if config["materialized"] != "incremental":
            continue
        strategy = config.get("incremental_strategy") or "insert_overwrite"
        assert strategy in STRATEGIES[config["table_type"]], model["name"]
        if config.get("unique_key"):
            assert strategy == "merge", f"{model['name']}: unique_key needs merge"


def test_incremental_tables_of_user_rows_are_iceberg(athena_sql: AthenaSql):
    """Erasure deletes a user's rows. A table rebuilt whole loses them at the next
    build; an incremental one keeps old rows, so it must allow DELETE: Iceberg."""
    for model in stored(athena_sql):
        if model["config"]["materialized"] == "incremental" and "user_key" in model["columns"]:
            assert model["config"]["table_type"] == "iceberg", model["name"]


def test_partitioned_tables_write_in_batches(athena_sql: AthenaSql):
    """Athena writes at most 100 partitions per query; a date partition passes that
    after 100 days, so dbt-athena must batch the writes (force_batch)."""
    for model in stored(athena_sql):
        if model["config"].get("partitioned_by"):
            assert model["config"].get("force_batch") is True, model["name"]


def test_partition_columns_exist_and_come_last_in_hive_tables(athena_sql: AthenaSql):
    compiled = {
        s.unique_id: s.sql for s in athena_sql.statements if s.origin.endswith("(first build)")
    }
    for model in stored(athena_sql):
        partitions = model["config"].get("partitioned_by") or []
        if not partitions:
            continue
        columns = output_columns(compiled[model["unique_id"]])
        assert set(partitions) <= set(columns), model["name"]
        if model["config"]["table_type"] == "hive":
            assert columns[-len(partitions) :] == partitions, model["name"]


def test_every_table_says_in_its_yaml_how_it_is_stored(athena_sql: AthenaSql):
    missing = [
        model["name"]
        for model in stored(athena_sql)
        if "**Materialisation.**" not in model["description"]
        or "Athena" not in model["description"]
    ]
    assert not missing, (
        f"add a **Materialisation.** paragraph to the YAML description of {', '.join(missing)}, "
        "saying how Athena stores the table (table type, partitions, strategy) and why"
    )


def test_tables_are_partitioned_on_athena_only(athena_sql: AthenaSql, built):
    """table_partitions(): a partition list on Athena, nothing on DuckDB."""
    local = json.loads((PROJECT_ROOT / "target" / "manifest.json").read_text())["nodes"]
    partitioned = 0
    for model in stored(athena_sql):
        assert local[model["unique_id"]]["config"].get("partitioned_by") is None
        partitioned += bool(model["config"].get("partitioned_by"))
    assert partitioned


def output_columns(sql: str) -> list[str]:
    """The columns a model's query returns, following `select *` through its CTEs."""
    statement = sqlglot.parse_one(sql, read="athena")
    ctes = {cte.alias: cte.this for cte in statement.find_all(exp.CTE)}

    def columns(select: exp.Expression) -> list[str]:
        names: list[str] = []
        for projection in select.expressions:
            if isinstance(projection, exp.Star):
                source = select.args["from_"].this.name
                if source not in ctes:
                    pytest.fail(f"cannot tell the columns of `select *` from {source}")
                names += columns(ctes[source])
            else:
                names.append(projection.alias_or_name)
        return names

    return columns(statement)


def test_hive_tables_are_built_in_a_workgroup_that_lets_dbt_place_them(athena_sql: AthenaSql):
    """Under a workgroup that enforces its result location, Athena refuses
    `external_location` in a CTAS and dbt-athena writes Hive tables under the query
    results, which expire (infra/athena.tf). dbt's workgroup must not enforce it
    while any table dbt creates with a CTAS (models and seeds) is Hive."""
    from tests.test_infra import declarations

    seeds = [
        node
        for node in athena_sql.manifest["nodes"].values()
        if node["resource_type"] == "seed" and node["package_name"] == "innerverse"
    ]
    hive = [
        node["name"]
        for node in stored(athena_sql) + seeds
        if node["config"].get("table_type", "hive") == "hive"
    ]
    workgroup = declarations()["resource"]["aws_athena_workgroup.dbt"]
    enforced = workgroup["configuration"][0]["enforce_workgroup_configuration"]
    assert not (hive and enforced), f"Hive tables {hive} under an enforcing workgroup"


def test_partner_tables_are_parquet_in_the_lake_by_partner_and_month(athena_sql: AthenaSql):
    """The bundle reads, and the cleanup deletes, one folder per partner and month."""
    partner = [m for m in stored(athena_sql) if "partner" in m["config"].get("tags", [])]
    assert {m["name"] for m in partner} == {"gold_partner_model_daily", "gold_partner_errors_daily"}
    for model in partner:
        config = model["config"]
        assert config["table_type"] == "hive" and config["format"] == "parquet"
        assert config["partitioned_by"] == ["partner_id", "month"]
        assert list(model["columns"])[-2:] == ["partner_id", "month"]  # Hive: partitions last
        location = config["external_location"]
        assert location.startswith("s3://") and location.endswith(
            f"/partner/analytics/{model['alias']}"
        )
