"""The cross-engine macros: each is tested, and where the engines differ the test
pins down the behaviour the project relies on.

Most macros are checked on known inputs (seeds/macro_cases.csv) by the singular
data test data-tests/macros/assert_macros_give_known_outputs.sql, which runs in every
`dbt build` (so on DuckDB in this suite's warehouse build, and on Athena in
`dbt build --target athena`); its Athena compilation is parsed as Athena SQL by
tests/athena/. The macros that decide configuration or DDL rather than SQL
expressions are tested where their effect shows.
"""

from __future__ import annotations

import json
import re

import duckdb
import sqlglot

from lakehouse.settings import PROJECT_ROOT
from tests.conftest import Built

MACRO_CASES = PROJECT_ROOT / "seeds" / "macro_cases.csv"
DISPATCH = re.compile(r"adapter\.dispatch\(\s*[\"'](\w+)[\"']")

# Macros whose result is configuration or DDL, and the test that checks their effect.
TESTED_BY_EFFECT = {
    "lake_column_type": "test_lake_views_have_the_declared_column_types",
    "create_lake_relations": "test_lake_views_have_the_declared_column_types",
    # the lake tables' DDL: Athena's parsed offline, Trino's run on Trino 476
    "lake_table_statements": "test_lake_tables_are_made_by_the_athena_macro_in_trino_ddl",
    "table_partitions": "test_tables_are_partitioned_on_athena_only",
    "day_partitioned": "test_incremental_tables_of_user_rows_are_iceberg",
    "partner_analytics": "test_partner_tables_are_parquet_in_the_lake_by_partner_and_month",
    # a FROM clause (Bronze's id columns, one row per id): the source-id rule's
    # planted leak is caught through it
    "privacy_ids_of": "test_dbt_privacy_tests_catch_every_planted_leak",
}


def dispatched_macros() -> set[str]:
    return {
        name
        for path in (PROJECT_ROOT / "macros").rglob("*.sql")
        for name in DISPATCH.findall(path.read_text())
    }


def test_every_dispatched_macro_is_tested():
    cases = MACRO_CASES.read_text()
    test_sources = "\n".join(path.read_text() for path in (PROJECT_ROOT / "tests").rglob("*.py"))
    macros = dispatched_macros()
    assert {"pseudonymise", "percentile", "regex_matches"} <= macros
    for name in macros:
        if name in TESTED_BY_EFFECT:
            assert f"def {TESTED_BY_EFFECT[name]}(" in test_sources, name
        else:
            assert re.search(rf"\b{name}\b", cases), f"{name} has no case in {MACRO_CASES.name}"


def test_macro_cases_ran_in_the_build(built: Built):
    """The case table passed inside the warehouse build (dbt build fails otherwise);
    here, it is also checked that it really ran and was not deselected."""
    statuses = [
        str(result.status)
        for result in built.build_result.result.results
        if result.node.name == "assert_macros_give_known_outputs"
    ]
    assert statuses == ["pass"]


LAKE_TYPES_ON_DUCKDB = {
    "varchar": "VARCHAR",
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
    "timestamp": "TIMESTAMP",
    "array<varchar>": "VARCHAR[]",
}


def test_lake_views_have_the_declared_column_types(built: Built, warehouse):
    """create_lake_relations() made a view per lake table, typed by lake_column_type()."""
    manifest = json.loads((PROJECT_ROOT / "target" / "manifest.json").read_text())
    sources = [s for s in manifest["sources"].values() if s["source_name"] == "lake"]
    assert sources
    for source in sources:
        partitions = source["meta"].get("partitioned_by", [])
        actual = dict(
            warehouse.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = ? and table_name = ?",
                [source["schema"], source["identifier"]],
            ).fetchall()
        )
        expected = {
            name: "VARCHAR" if name in partitions else LAKE_TYPES_ON_DUCKDB[column["data_type"]]
            for name, column in source["columns"].items()
        }
        assert actual == expected, source["name"]


def test_integer_division_differs_between_the_engines():
    """DuckDB's `/` on integers returns a double; Trino's (Athena's) truncates.
    sqlglot models the same difference: taking DuckDB's `7 / 2` to Athena, it must
    add a cast to keep 3.5. The project's ratios use divide(), which casts on both."""
    assert duckdb.sql("select 7 / 2").fetchone()[0] == 3.5
    assert duckdb.sql("select 7 // 2").fetchone()[0] == 3
    athena = sqlglot.transpile("select 7 / 2", read="duckdb", write="athena")[0]
    assert athena == "SELECT CAST(7 AS DOUBLE) / 2"
    assert sqlglot.transpile("select 7 / 2", read="athena", write="athena")[0] == "SELECT 7 / 2"
