"""The same Gold on DuckDB and on Trino: every Gold table of the manifest, row by
row (sage/checks/engine_parity.py says how each kind of value is compared).

Three times, as production lives through them: after the session's full build;
after late data for days already built and an incremental run on each engine;
after a user's erasure (`sage erase` on DuckDB; on Trino what it does to a
warehouse: Silver drops the user on the next run, from the erasure ledger, and
Gold is rebuilt from Silver).
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import duckdb
import pytest

from ingest.pipeline import ingest_paths
from ingest.sources import SOURCES, get_source
from lakehouse.dbt import run_dbt
from lakehouse.lake import open_lake
from lakehouse.settings import Settings
from privacy.pseudonym import DEMO_PEPPER, pseudonymise_raw
from sage.checks.engine_parity import (
    RANK_MARGIN,
    RANK_SHARE,
    Comparison,
    GoldTable,
    Rows,
    bracket_queries,
    compare_gold,
    gold_tables,
    read_brackets,
    read_duckdb,
    read_trino,
)
from sage.cli import main
from sample_data.world import World
from tests.conftest import SAMPLE_START, Built
from tests.trino.conftest import TrinoBuild

GOLD = "innerverse_gold"
MODELS_ONLY = ["build", "--exclude-resource-type", "test", "unit_test"]
# Late data: a second, smaller sample for two days the first build already holds,
# inside the incremental look-back (the sample's last day is SAMPLE_START + 13).
LATE_START = SAMPLE_START + timedelta(days=11)


@dataclass
class Parity:
    tables: list[GoldTable]
    comparison: Comparison
    duckdb: dict[str, Rows]
    trino: dict[str, Rows]


@dataclass
class Scenario:
    """The Trino build, and what every comparison needs."""

    build: TrinoBuild
    duckdb: Settings  # the DuckDB warehouse the scenario changes (a copy of the session's)
    tables: list[GoldTable]
    brackets: dict[str, dict]  # bracket_queries()

    def compare(self, warehouse: str) -> Parity:
        names = [table.name for table in self.tables]
        connection = duckdb.connect(warehouse, read_only=True)
        try:
            on_duckdb = read_duckdb(connection, GOLD, names)
            brackets = read_brackets(connection, self.brackets)
        finally:
            connection.close()
        on_trino = read_trino(self.build.connect(), GOLD, names)
        comparison = compare_gold(self.tables, on_duckdb, on_trino, brackets)
        return Parity(self.tables, comparison, on_duckdb, on_trino)


def report(comparison: Comparison) -> str:
    lines = [d.describe("DuckDB", "Trino") for d in comparison.differences[:25]]
    more = len(comparison.differences) - len(lines)
    return "\n".join(lines + ([f"... and {more} more"] if more > 0 else []))


@pytest.fixture(scope="module")
def scenario(trino_build: TrinoBuild, tmp_path_factory) -> Scenario:
    settings = trino_build.settings
    duckdb_settings = Settings.from_env(lake=settings.lake, warehouse=settings.warehouse,
                                        target="local")  # fmt: skip
    tables = gold_tables(trino_build.manifest)
    queries = bracket_queries(duckdb_settings, tables, tmp_path_factory.mktemp("brackets"))
    return Scenario(trino_build, duckdb_settings, tables, queries)


@pytest.fixture(scope="module")
def first_build(scenario: Scenario, built: Built) -> Parity:
    return scenario.compare(built.settings.warehouse)


@dataclass
class LateData:
    parity: Parity
    late_turns: int  # Silver turns of the late days that the incremental run added


@pytest.fixture(scope="module")
def after_late_data(first_build, scenario: Scenario, tmp_path_factory) -> LateData:
    from sample_data.generate import generate

    root = tmp_path_factory.mktemp("late")
    lake = open_lake(scenario.duckdb.lake)
    late_days = (
        f"select count(*) from innerverse_silver.turns where turn_date >= date '{LATE_START}'"
    )
    before = _count(scenario.build, late_days)
    late = generate(root / "sample", users=40, days=2, start=LATE_START, seed=12)
    for name in late["sources"]:
        if name in SOURCES:
            ingest_paths(get_source(name), lake, [root / "sample" / name])
    run_dbt([*MODELS_ONLY, "--target-path", str(root / "target")], scenario.duckdb, quiet=True)
    scenario.build.dbt(MODELS_ONLY, label="incremental run")
    parity = scenario.compare(scenario.duckdb.warehouse)
    return LateData(parity, _count(scenario.build, late_days) - before)


@dataclass
class Erased:
    parity: Parity
    user_key: str


@pytest.fixture(scope="module")
def after_erasure(after_late_data, scenario: Scenario, built: Built) -> Erased:
    raw_id, user_key = _a_user_with_turns(built)
    with contextlib.redirect_stdout(io.StringIO()) as output:
        status = main(["erase", "--user", raw_id, "--lake", scenario.duckdb.lake,
                       "--warehouse", scenario.duckdb.warehouse])  # fmt: skip
    assert status == 0, output.getvalue()
    # Silver stays incremental (it ignores --full-refresh) and drops the user; Gold is
    # rebuilt whole, as `sage erase` rebuilds it
    scenario.build.dbt([*MODELS_ONLY, "--full-refresh"], label="run after an erasure")
    return Erased(scenario.compare(scenario.duckdb.warehouse), user_key)


def _a_user_with_turns(built: Built) -> tuple[str, str]:
    manifest = built.manifest
    world = World(users=manifest["users"], days=manifest["days"],
                  start=date.fromisoformat(manifest["start"]), seed=manifest["seed"])  # fmt: skip
    by_key = {pseudonymise_raw(user.raw_id, DEMO_PEPPER): user.raw_id for user in world.users}
    connection = built.connect()
    try:
        keys = [key for (key,) in connection.execute(
            "select user_key from innerverse_silver.turns group by user_key "
            "having count(*) > 20 order by user_key").fetchall()]  # fmt: skip
    finally:
        connection.close()
    user_key = next(key for key in keys if key in by_key)
    return by_key[user_key], user_key


def _count(build: TrinoBuild, sql: str) -> int:
    cursor = build.connect().cursor()
    cursor.execute(sql)
    return cursor.fetchone()[0]


def test_gold_is_the_same_on_duckdb_and_trino(first_build: Parity):
    comparison = first_build.comparison
    assert len(comparison.tables) >= 15 and comparison.rows_compared > 500
    assert comparison.differences == [], report(comparison)


def test_every_gold_table_is_compared_and_has_rows(first_build: Parity):
    assert set(first_build.duckdb) == set(first_build.trino) == set(first_build.comparison.tables)
    empty = [name for name, rows in first_build.trino.items() if not rows.rows]
    assert empty == []


def test_suppressed_cells_are_among_the_compared_rows(first_build: Parity):
    """Small cells are hidden the same way on both engines: the comparison covers
    suppressed rows (their nulls and reasons), not only shown ones."""
    suppressed = 0
    for rows in first_build.trino.values():
        columns = [column.lower() for column in rows.columns]
        if "is_suppressed" in columns:
            index = columns.index("is_suppressed")
            suppressed += sum(1 for row in rows.rows if row[index])
    assert suppressed > 0


def test_approximate_percentiles_are_checked_against_exact_brackets(scenario: Scenario):
    approximate = {t.name: t.approximate for t in scenario.tables if t.approximate}
    assert {"cost_summary", "latency_daily_by_model"} <= set(approximate)
    assert {"p50_cost_per_user_usd", "p99_cost_per_user_usd"} <= approximate["cost_summary"]
    assert set(scenario.brackets) == set(approximate)
    # the brackets hold the engines to a few ranks, not to equal values
    assert RANK_MARGIN <= 3 and RANK_SHARE <= 0.05


def test_after_late_data_and_an_incremental_run_gold_is_the_same(after_late_data: LateData):
    comparison = after_late_data.parity.comparison
    assert after_late_data.late_turns > 0  # the late files really reached Silver
    assert comparison.differences == [], report(comparison)


def test_after_an_erasure_gold_is_the_same(after_erasure: Erased):
    comparison = after_erasure.parity.comparison
    assert comparison.differences == [], report(comparison)


def test_the_erased_user_is_gone_on_both_engines(after_erasure: Erased, scenario: Scenario):
    """In every table of the build that has a user_key (Silver, the restricted layer,
    whatever else), found from each engine's own catalog."""
    key = after_erasure.user_key
    cursor = scenario.build.connect().cursor()
    built_tables = (
        "from information_schema.columns as c "
        "inner join information_schema.tables as t "
        "on c.table_schema = t.table_schema and c.table_name = t.table_name "
        "where c.column_name = 'user_key' and t.table_type = 'BASE TABLE' "
        "and c.table_schema like 'innerverse_%' and c.table_schema <> 'innerverse_lake'"
    )  # the lake's erasure ledger keeps the key, by design
    cursor.execute(f"select c.table_schema || '.' || c.table_name {built_tables}")
    on_trino = sorted(name for (name,) in cursor.fetchall())
    connection = duckdb.connect(scenario.duckdb.warehouse, read_only=True)
    try:
        on_duckdb = sorted(
            f"{schema}.{table}"
            for schema, table in connection.execute(
                f"select c.table_schema, c.table_name {built_tables}"
            ).fetchall()
        )
        assert "innerverse_silver.turns" in on_trino and on_trino == on_duckdb
        for table in on_trino:
            sql = f"select count(*) from {table} where user_key = '{key}'"
            assert _count(scenario.build, sql) == 0, table
            assert connection.execute(sql).fetchone()[0] == 0, table
    finally:
        connection.close()


def test_a_difference_names_the_table_column_and_row(after_erasure, scenario: Scenario):
    """A cent more in one Trino Gold cell: the comparison fails on that cell alone."""
    cursor = scenario.build.connect().cursor()
    cursor.execute(
        "select turn_date, model_id from innerverse_gold.cost_daily_by_model "
        "order by turn_date, model_id limit 1"
    )
    turn_date, model_id = cursor.fetchone()
    where = f"turn_date = date '{turn_date}' and model_id = '{model_id}'"
    change = "update innerverse_gold.cost_daily_by_model set cost_usd = cost_usd {} 0.01 where "
    cursor.execute(change.format("+") + where)
    cursor.fetchall()
    try:
        differences = scenario.compare(scenario.duckdb.warehouse).comparison.differences
    finally:
        cursor.execute(change.format("-") + where)
        cursor.fetchall()
    assert len(differences) == 1
    difference = differences[0]
    assert (difference.table, difference.column) == ("cost_daily_by_model", "cost_usd")
    assert difference.row == {"turn_date": turn_date, "model_id": model_id}
    assert difference.right - difference.left == Decimal("0.01")
    message = difference.describe("DuckDB", "Trino")
    assert "gold.cost_daily_by_model" in message and "cost_usd" in message
    assert model_id in message
