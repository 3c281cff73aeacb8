"""Everything the project sends to Athena is Athena SQL.

The statements come from the real dbt Athena adapter and the real macros,
compiled offline: every model, data test and analysis as a first build and, for
incremental models, as an incremental run, plus every query the compile and
`dbt run-operation create_lake_tables` sent to the (stand-in) Athena API.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from lakehouse.dbt import DbtFailed, run_dbt
from lakehouse.settings import PROJECT_ROOT, Settings
from sage.checks.athena_offline import LAKE_URL, AthenaSql, offline_aws
from sage.checks.athena_sql import athena_problems, divisions_without_a_double


def test_every_statement_is_athena_sql(athena_sql: AthenaSql):
    problems = [
        f"{statement.origin}: {problem}"
        for statement in athena_sql.statements
        for problem in athena_problems(statement.sql, iceberg=statement.table_type == "iceberg")
    ]
    assert not problems, "\n".join(problems)


def test_no_division_truncates(athena_sql: AthenaSql):
    """Athena divides integers as integers (7 / 2 = 3) and decimals at the larger
    scale; DuckDB returns a double. Every `/` the project sends has a double
    operand (see macros/stats/divide.sql)."""
    offenders = [
        f"{statement.origin}: {division}"
        for statement in athena_sql.statements
        for division in divisions_without_a_double(statement.sql)
    ]
    assert not offenders, "\n".join(offenders)


@pytest.mark.parametrize(
    ("sql", "truncates"),
    [
        ("select sum(a) / count(*) from t", True),
        ("select 3.8416 / (2.0 * n) from t", True),
        ("select cast(sum(a) as double) / nullif(cast(count(*) as double), 0) from t", False),
        ("select (cast(a as double) + 1) / (1 + 3.8416 / cast(n as double)) from t", False),
        ("select case when n > 1 then 2.1 else 1.9 end * sd / sqrt(n) from t", False),
        ("select avg(a) / 2 from t", False),
    ],
)
def test_integer_and_decimal_divisions_are_found(sql, truncates):
    assert bool(divisions_without_a_double(sql)) is truncates


def test_every_model_and_lake_table_is_checked(athena_sql: AthenaSql):
    origins = {statement.origin for statement in athena_sql.statements}
    for model in athena_sql.models():
        assert f"model {model['name']} (first build)" in origins
        if model["config"]["materialized"] == "incremental":
            assert f"model {model['name']} (incremental run)" in origins
    ddl = [s.sql for s in athena_sql.statements if "create_lake_tables" in s.origin]
    for source in lake_sources(athena_sql):
        table = f"`{source['schema']}`.`{source['identifier']}`"
        assert any(f"create external table if not exists {table}" in sql for sql in ddl), table
        assert any(f"drop table if exists {table}" in sql for sql in ddl), table


def test_incremental_runs_read_less_than_a_first_build(athena_sql: AthenaSql):
    """An incremental model filters its input when it runs incrementally (here Silver
    turns reads only the look-back window of Bronze); one that did not would re-read
    everything on every run, and Athena bills every byte read."""
    sql = {s.origin: s.sql for s in athena_sql.statements}
    for model in athena_sql.models():
        if model["config"]["materialized"] != "incremental":
            continue
        first = sql[f"model {model['name']} (first build)"]
        incremental = sql[f"model {model['name']} (incremental run)"]
        assert first != incremental, f"{model['name']} has no is_incremental() filter"
    turns = sql["model silver_turns (incremental run)"]
    assert re.search(r"where partition_date >= '\d{4}-\d{2}-\d{2}'", turns)


def lake_sources(athena_sql: AthenaSql) -> list[dict]:
    return [s for s in athena_sql.manifest["sources"].values() if s["source_name"] == "lake"]


def test_lake_tables_use_json_serde_and_partition_projection(athena_sql: AthenaSql):
    ddl = {
        create.this.this.name: create
        for statement in athena_sql.statements
        if "create_lake_tables" in statement.origin
        for create in sqlglot.parse(statement.sql, read="athena")
        if isinstance(create, exp.Create) and create.kind == "TABLE"
    }
    for source in lake_sources(athena_sql):
        create = ddl[source["identifier"]]
        partitions = source["meta"]["partitioned_by"]
        properties = {
            prop.name: prop.text("value")
            for prop in create.find_all(exp.Property)
            if isinstance(prop.this, exp.Literal)
        }
        serde = create.find(exp.RowFormatSerdeProperty)
        location = f"{LAKE_URL}/{source['meta']['lake_prefix']}/"
        assert serde is not None and serde.text("this") == "org.apache.hive.hcatalog.data.JsonSerDe"
        assert create.find(exp.LocationProperty).text("this") == location
        if partitions:
            assert properties["projection.enabled"] == "true"
            template = properties["storage.location.template"]
            assert template == location + "".join(f"{key}=${{{key}}}/" for key in partitions)
            for key in partitions:
                assert f"projection.{key}.type" in properties
        else:  # the erasure ledger: a flat folder, nothing to project
            assert not any(name.startswith("projection.") for name in properties)
        file_columns = [column.name for column in create.this.expressions]
        declared = [name for name in source["columns"] if name not in partitions]
        assert file_columns == declared


def test_lake_tables_need_a_lake_on_s3(tmp_path):
    settings = Settings.from_env(lake=str(tmp_path / "lake"), target="athena")
    with offline_aws(), pytest.raises(DbtFailed):
        run_dbt(
            ["run-operation", "create_lake_tables", "--target-path", str(tmp_path / "target")],
            settings,
            quiet=True,
        )


def test_duckdb_sql_is_not_taken_for_athena_sql(built):
    """The check tells the engines apart on the project's own SQL, as DuckDB compiled it:
    Silver spells HMAC out with DuckDB's encode/xor/unhex, Gold uses quantile_cont."""
    compiled = Path(PROJECT_ROOT, "target", "compiled", "innerverse", "models")
    # the models' own compiled SQL, not a unit test's fixture of the same name
    silver = (compiled / "silver" / "cost" / "silver_turns.sql").read_text()
    gold = (compiled / "gold" / "cost" / "gold_cost_rolling_30_days.sql").read_text()
    assert athena_problems(silver)
    assert any("`quantile_cont` is not an Athena" in problem for problem in athena_problems(gold))


@pytest.mark.parametrize(
    ("sql", "problem"),
    [
        ("select a::int from t", "`::` casts"),
        ("select strftime(a, '%Y') from t", "`strftime` is not an Athena"),
        ("select percentile_cont(0.5) within group (order by a) from t", "within group"),
        ("select datediff(a, b) from t", "`datediff` is not an Athena"),
        ("select string_agg(a, ',') from t", "translated it from another dialect"),
        ("select * exclude (a) from t", "exclude"),
        ("select {'a': 1}", "struct/map literals"),
        ("select a from t where a ilike 'x%'", "ilike"),
        ("select cast(a as string) from t", "Hive DDL type"),
        ("select a from t qualify row_number() over (order by a) = 1", "does not parse"),
        ("create external table t a b c", "could not parse"),
    ],
)
def test_foreign_sql_is_rejected(sql, problem):
    assert any(problem in found for found in athena_problems(sql))


def test_a_query_over_athenas_length_limit_is_rejected():
    columns = ", ".join(f"a + {n} as c{n}" for n in range(20_000))
    sql = f"select {columns} from t"
    assert len(sql.encode()) > 262_144
    assert any("query string limit of 262,144 bytes" in found for found in athena_problems(sql))
    assert athena_problems("select a + 1 as c1 from t") == []


def test_iceberg_tables_get_microsecond_timestamps_and_unbounded_strings():
    sql = (
        "select cast(a as timestamp) as a, cast(b as varchar(8)) as b, cast(c as timestamp(6)) as c"
    )
    problems = athena_problems(sql, iceberg=True)
    assert len(problems) == 2
    assert athena_problems(sql) == []


@pytest.mark.parametrize(
    "sql",
    [
        "select date_add('day', -3, current_date), date_diff('day', a, b) from t",
        "select a || b, regexp_extract(a, '([0-9]+)', 1), json_extract_scalar(a, '$.x') from t",
        "select x from t cross join unnest(xs) as u (x) where regexp_like(x, '^a')",
        "select approx_percentile(a, 0.5), count_if(a > 1), max_by(a, b) from t",
        "select lower(to_hex(hmac_sha256(to_utf8(a), to_utf8('k')))) from t",
        "select case when a then 1 else 0 end, cast(a as ipaddress) from t",
        "select a, b from t1 inner join t2 on t1.a = t2.b left join t3 on t3.c = t1.a",
    ],
)
def test_athena_sql_is_accepted(sql):
    assert athena_problems(sql) == []


def test_no_model_branches_on_the_target():
    """Engine differences live in macros/ (adapter.dispatch), never in a model."""
    offenders = [
        str(path.relative_to(PROJECT_ROOT))
        for path in (PROJECT_ROOT / "models").rglob("*.sql")
        if re.search(r"\btarget\s*\.\s*(name|type)\b|adapter\.type\(\)", path.read_text())
    ]
    assert not offenders


def test_trino_ddl_is_not_taken_for_athena_ddl(tmp_path):
    """The lake tables' Trino variant (what the tests run on Trino 476) is Trino DDL,
    which Athena refuses: the offline check rejects every one of its create tables,
    and would if it ever reached the Athena target. Compiled offline: no Trino needed."""
    settings = Settings.from_env(lake=str(tmp_path / "lake"), target="trino")
    result = run_dbt(
        ["compile", "--no-populate-cache", "--target-path", str(tmp_path / "target"),
         "--inline", "{{ trino__lake_table_statements(false) | join(';\n') }}"],
        settings,
        quiet=True,
    )  # fmt: skip
    statements = result.result.results[0].node.compiled_code.split(";\n")
    creates = [sql for sql in statements if sql.lstrip().startswith("create table")]
    assert len(creates) >= 8
    for sql in creates:
        assert any("Trino DDL" in problem for problem in athena_problems(sql)), sql[:80]


def test_rolled_up_tables_get_a_parquet_table_beside_the_json_one(athena_sql: AthenaSql):
    """Each table the rollup turns into Parquet has `<table>_parquet`: Parquet, projected
    on dt into each day's own parquet/ folder (which the JSON table's dt=/hour= template
    never reaches), the file columns in the declared order and the hour kept."""
    ddl = {
        create.this.this.name: create
        for statement in athena_sql.statements
        if "create_lake_tables" in statement.origin
        for create in sqlglot.parse(statement.sql, read="athena")
        if isinstance(create, exp.Create) and create.kind == "TABLE"
    }
    rolled = [s for s in lake_sources(athena_sql) if s["meta"].get("columnar_sort_by")]
    assert len(rolled) == 7
    for source in rolled:
        create = ddl[source["identifier"] + "_parquet"]
        properties = {
            prop.name: prop.text("value")
            for prop in create.find_all(exp.Property)
            if isinstance(prop.this, exp.Literal)
        }
        location = f"{LAKE_URL}/{source['meta']['lake_prefix']}/"
        assert "stored as parquet" in create.sql(dialect="athena").lower()
        assert create.find(exp.LocationProperty).text("this") == location
        assert properties["projection.enabled"] == "true"
        assert properties["projection.dt.type"] == "date"
        assert properties["storage.location.template"] == location + "dt=${dt}/parquet/"
        partitions = source["meta"]["partitioned_by"]
        file_columns = [column.name for column in create.this.expressions]
        declared = [name for name in source["columns"] if name not in partitions]
        assert file_columns == [*declared, "hour"]
    # Each Bronze view reads both, a day from exactly one of them.
    sql = {s.origin: s.sql for s in athena_sql.statements}
    view = sql["model bronze_lambda_emf (first build)"]
    assert "lambda_emf_parquet" in view and "union all" in view
    assert re.search(r"where dt not in \(select distinct dt from .*lambda_emf_parquet", view)
