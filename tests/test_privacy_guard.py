"""The PII guard on the session build: every Silver and Gold table checked, all clean."""

from __future__ import annotations

import json

import duckdb
import pytest

from lakehouse.settings import Settings
from privacy.guard.report import GuardError
from privacy.guard.run import proposal, run_guard
from privacy.rules import allowlist
from sage.cli import main
from sage.commands.guard import describe
from tests.conftest import Built
from tests.copies import copy_build


@pytest.fixture(scope="module")
def demo_report(built: Built):
    return run_guard(built.settings)


def test_guard_passes_on_the_demo_data_and_covers_every_table(built: Built, demo_report, warehouse):
    failures = [(c.table, c.column, c.rule, c.detail) for c in demo_report.failures]
    assert demo_report.success, failures
    built_tables = {
        f"{schema.removeprefix('innerverse_')}.{name}"
        for schema, name in warehouse.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('innerverse_silver', 'innerverse_private', 'innerverse_gold')"
        ).fetchall()
    }
    assert {table.label for table in demo_report.tables} == built_tables
    assert "silver.turns" in built_tables and "private.user_cost" in built_tables
    assert not [label for label in built_tables if label == "gold.user_cost"]
    for table in demo_report.tables:
        rows = warehouse.execute(f"select count(*) from {table.relation}").fetchone()[0]
        assert table.allowlisted and not table.sampled
        assert table.rows_checked == table.rows_total == rows
        assert any(check.rule == "allowlist" for check in table.checks)
    turns = next(table for table in demo_report.tables if table.label == "silver.turns")
    rules = {(check.column, check.rule) for check in turns.checks}
    assert {("user_key", "format"), ("user_key", "source_id"), ("event_id", "format")} <= rules
    assert {("model_id", "patterns"), ("route", "patterns"), ("tokens_in", "type")} <= rules
    observations = next(t for t in demo_report.tables if t.label == "silver.observations")
    assert ("emotions", "patterns") in {(c.column, c.rule) for c in observations.checks}
    # every pseudonym was compared with the ids Bronze holds (users and conversations)
    assert demo_report.bronze_source_ids > 1000


def test_the_report_is_machine_readable(demo_report, tmp_path):
    path = tmp_path / "reports" / "privacy-guard.json"
    demo_report.write(path)
    report = json.loads(path.read_text())
    assert report["report"] == "privacy-guard" and report["success"] is True
    assert report["allowlist"] == {
        "file": "macros/privacy/allowlist.sql",
        "sha256": allowlist().sha256,
    }
    assert report["summary"]["checks_failed"] == 0
    assert report["summary"]["tables"] == len(report["tables"]) >= 11
    assert report["summary"]["rows_checked"] == report["summary"]["rows_total"] > 0
    assert set(report["rules"]) == {
        "email", "phone", "ipv4", "ipv6", "uuid", "hex_id", "free_text",
    }  # fmt: skip
    table = next(t for t in report["tables"] if t["table"] == "turns")
    assert table["sampled"] is False and table["sample"] is None
    check = next(c for c in table["checks"] if c["column"] == "user_key" and c["rule"] == "format")
    assert check == {
        "column": "user_key",
        "kind": "pseudonym",
        "rule": "format",
        "success": True,
        "failing_rows": 0,
        "example": None,
        "detail": None,
        "expectation": "expect_column_values_to_match_regex",
        "table": "silver.turns",
    }


def test_describe_lists_every_table(demo_report):
    text = describe(demo_report, "/tmp/report.json")
    assert "silver.turns" in text and "gold.cost_summary" in text
    assert "no personal data found; every column is in the allow-list" in text
    assert "FAILED" not in text


def test_dbt_privacy_tests_ran_in_the_session_build_and_passed(built: Built):
    statuses = {item.node.name: str(item.status) for item in built.build_result.result.results}
    assert statuses["silver_holds_no_personal_data"] == "pass"
    assert statuses["gold_holds_no_personal_data"] == "pass"
    assert statuses["pseudonyms_are_not_source_ids"] == "pass"


def test_guard_on_a_warehouse_without_silver_or_gold(tmp_path, capsys):
    empty = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(empty)).close()
    assert main(["guard", "--warehouse", str(empty), "--report", str(tmp_path / "r.json")]) == 2
    assert (
        "has no Silver, private or Gold tables: run `sage build` first" in capsys.readouterr().err
    )
    assert not (tmp_path / "r.json").exists()
    with pytest.raises(GuardError, match="no warehouse at"):
        run_guard(Settings.from_env(warehouse=str(tmp_path / "missing.duckdb"), target="local"))


def test_propose_drafts_entries_for_what_is_not_listed(built: Built, tmp_path):
    settings = copy_build(built, tmp_path, lake=False)
    connection = duckdb.connect(settings.warehouse)
    connection.execute(
        "alter table innerverse_private.user_cost add column favourite_colour varchar"
    )
    connection.execute(
        "create table innerverse_gold.mood_by_week (week_date date, user_key varchar, users bigint)"
    )
    connection.close()
    text = proposal(settings)
    assert "# private.user_cost" in text and "favourite_colour: code  # VARCHAR" in text
    assert "# gold.mood_by_week (new table)" in text
    assert "user_key: pseudonym" in text and "week_date: date" in text and "users: number" in text
    assert "turns" not in text  # listed columns are not proposed again
