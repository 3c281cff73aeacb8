"""Planted leaks: the guard (Great Expectations) and the dbt privacy tests catch every one.

The leaks are planted in a copy of the session build, thinned to a tenth of its
rows so the checks run fast: an email inside a model id, an IP address inside a
route, a full IPv6 address where a /48 network belongs, a phone number in an
error code, the app's unkeyed sha256 of a user id as a pseudonym, a raw user id
(a UUID) as a pseudonym in the private per-person layer, a feedback comment in
the rating column (now text), a column nobody reviewed, and a pseudonym column
in a Gold table (Gold publishes no person).
"""

from __future__ import annotations

import gzip
import json

import duckdb
import pytest

from lakehouse.dbt import DbtFailed, run_dbt
from privacy.guard.run import run_guard
from sage.cli import main
from sage.commands.guard import describe
from tests.conftest import Built
from tests.copies import copy_build

EMAIL = "jane.doe@example.com"
IP = "203.0.113.7"
IPV6 = "2001:db8:85a3::8a2e:370:7334"
PHONE = "+1 415 555 0100"
RAW_USER_ID = "6f1c2b9e-8d4a-4c3e-9b7a-1f2e3d4c5b6a"
COMMENT = "It really helped me through a hard night, thank you"

# (table, column, rule): what each leak must be caught as, by both engines
CAUGHT = {
    ("silver.turns", "model_id", "email"),
    ("silver.turns", "route", "ipv4"),
    ("silver.requests", "client_network", "format"),
    ("silver.partner_telemetry", "error_code", "phone"),
    ("silver.users", "user_key", "source_id"),
    ("private.user_cost", "user_key", "format"),
    ("silver.feedback", "rating", "type"),
    ("silver.feedback", "rating", "free_text"),
    ("gold.cost_summary", "user_key", "person_key"),
}


@pytest.fixture(scope="module")
def leaky(built: Built, tmp_path_factory):
    settings = copy_build(built, tmp_path_factory.mktemp("leaky"), lake=False)
    connection = duckdb.connect(settings.warehouse)
    app_hash = connection.execute(
        "select min(source_user_id) from innerverse_bronze.dynamodb_users"
    ).fetchone()[0]
    statements = [
        # a tenth of the rows is plenty to hide a leak in
        *(
            f"delete from innerverse_silver.{table} where rowid % 10 <> 0"
            for table in ("turns", "requests", "observations", "partner_telemetry")
        ),
        "update innerverse_silver.turns set model_id = 'anthropic.claude-sonnet-4-6 "
        f"{EMAIL}' where event_id = (select min(event_id) from innerverse_silver.turns)",
        f"update innerverse_silver.turns set route = '/invoke/{IP}' "
        "where event_id = (select max(event_id) from innerverse_silver.turns)",
        f"update innerverse_silver.requests set client_network = '{IPV6}' "
        "where event_id = (select min(event_id) from innerverse_silver.requests)",
        f"update innerverse_silver.partner_telemetry set error_code = '{PHONE}' "
        "where event_id = (select min(event_id) from innerverse_silver.partner_telemetry)",
        f"update innerverse_silver.users set user_key = '{app_hash}' "
        "where user_key = (select min(user_key) from innerverse_silver.users)",
        f"update innerverse_private.user_cost set user_key = '{RAW_USER_ID}' "
        "where rowid = (select min(rowid) from innerverse_private.user_cost)",
        "alter table innerverse_silver.feedback alter rating type varchar",
        f"update innerverse_silver.feedback set rating = '{COMMENT}' "
        "where feedback_key = (select min(feedback_key) from innerverse_silver.feedback)",
        "alter table innerverse_private.user_cost add column contact_email varchar",
        "alter table innerverse_gold.cost_summary add column user_key varchar",
    ]
    for statement in statements:
        connection.execute(statement)
    connection.close()
    return settings


def test_sage_guard_catches_every_planted_leak(leaky, tmp_path, capsys):
    report_path = tmp_path / "guard.json"
    status = main(["guard", "--warehouse", leaky.warehouse, "--report", str(report_path)])
    out, err = capsys.readouterr()
    assert status == 1
    assert "the privacy guard failed" in err

    report = json.loads(report_path.read_text())
    assert report["success"] is False
    failures = report["failures"]
    found = {(f["table"], f["column"], f["rule"]) for f in failures}
    assert found >= CAUGHT, CAUGHT - found
    # one planted row each, counted exactly
    for failure in failures:
        if (failure["table"], failure["column"], failure["rule"]) in CAUGHT - {
            ("silver.feedback", "rating", "type"),
            ("gold.cost_summary", "user_key", "person_key"),
        }:
            assert failure["failing_rows"] == 1, failure
    unreviewed = next(
        f for f in failures if f["table"] == "private.user_cost" and f["rule"] == "allowlist"
    )
    assert unreviewed["detail"] == "not in the allow-list: contact_email"
    rating = next(f for f in failures if f["column"] == "rating" and f["rule"] == "type")
    assert rating["kind"] == "number" and "str" in rating["detail"]
    comment = next(f for f in failures if f["column"] == "rating" and f["rule"] == "free_text")
    assert comment["kind"] == "number"  # checked as a code, reported as what it was declared

    # the terminal names table, column and rule with a count and a masked example
    email = next(f for f in failures if f["rule"] == "email")
    assert email["example"] == "a***.c***-s***-*-* j***.d***@e***.com"
    line = next(line for line in out.splitlines() if "silver.turns" in line and "email" in line)
    assert line.split()[:5] == ["silver.turns", "model_id", "open_code", "email", "1"]
    assert email["example"] in line
    # and nothing it prints or writes holds a planted value
    for secret in (EMAIL, IP, IPV6, PHONE, RAW_USER_ID, COMMENT):
        assert secret not in out and secret not in report_path.read_text()


def test_dbt_privacy_tests_catch_every_planted_leak(leaky):
    with pytest.raises(DbtFailed):
        run_dbt(["test", "--select", "tag:privacy", "--store-failures"], leaky, quiet=True)
    connection = duckdb.connect(leaky.warehouse, read_only=True)
    rows = connection.execute(
        "select table_name, column_name, rule, failing_rows, detail "
        "from innerverse_dbt_test__audit.silver_holds_no_personal_data union all "
        "select table_name, column_name, rule, failing_rows, detail "
        "from innerverse_dbt_test__audit.gold_holds_no_personal_data union all "
        "select table_name, column_name, rule, failing_rows, detail "
        "from innerverse_dbt_test__audit.private_holds_no_personal_data union all "
        "select table_name, column_name, rule, failing_rows, detail "
        "from innerverse_dbt_test__audit.pseudonyms_are_not_source_ids"
    ).fetchall()
    connection.close()
    found = {(table, column, rule) for table, column, rule, _, _ in rows}
    assert found >= CAUGHT, CAUGHT - found
    assert ("private.user_cost", "contact_email", "allowlist") in found
    counts = {(table, column, rule): count for table, column, rule, count, _ in rows}
    assert counts[("silver.turns", "model_id", "email")] == 1
    assert counts[("silver.users", "user_key", "source_id")] == 1
    # the stored failures show a masked example, never the value
    for _, _, _, _, detail in rows:
        for secret in (EMAIL, IP, IPV6, PHONE, RAW_USER_ID, COMMENT):
            assert secret not in (detail or "")


def test_the_guard_says_when_it_checked_a_sample(leaky):
    report = run_guard(leaky, max_rows=40)
    sampled = {table.label: table for table in report.tables if table.sampled}
    assert "silver.turns" in sampled and "gold.cost_summary" not in sampled
    turns = sampled["silver.turns"]
    assert turns.rows_checked == 40 < turns.rows_total
    data = report.to_dict()
    entry = next(t for t in data["tables"] if t["table"] == "turns")
    assert entry["sample"] == f"reservoir sample of 40 of {turns.rows_total:,} rows"
    assert data["summary"]["tables_sampled"] == len(sampled)
    text = describe(report, None)
    assert "sample of 40" in text
    assert "are from a sample; `dbt build` runs the same rules over every row" in text


def test_a_build_checks_the_rows_it_wrote_and_dbt_test_checks_every_row(built, tmp_path):
    """`dbt build` reads the rows it wrote (`built_at`); `dbt test` reads them all.

    A leak planted in an old row, outside the look-back window, is left to `dbt test`;
    a leaking line landed in Bronze is caught by the build that carries it into Silver.
    """
    settings = copy_build(built, tmp_path)
    connection = duckdb.connect(settings.warehouse)
    old_day, last_day = connection.execute(
        "select min(turn_date), max(turn_date) from innerverse_silver.turns"
    ).fetchone()
    connection.execute(
        f"update innerverse_silver.turns set model_id = 'claude {EMAIL}' where event_id = "
        f"(select min(event_id) from innerverse_silver.turns where turn_date = '{old_day}')"
    )
    connection.close()
    # a redelivered line of the last day, with an address in its model id
    lake_day = next((tmp_path / "lake" / "bronze" / "lambda_emf").glob(f"dt={last_day}"))
    source = sorted(lake_day.rglob("*.ndjson.gz"))[0]
    line = json.loads(gzip.decompress(source.read_bytes()).splitlines()[0])
    line.update(event_id="f" * 32, model_id=f"claude {EMAIL}")
    (source.parent / "planted.ndjson.gz").write_bytes(gzip.compress(json.dumps(line).encode()))

    def email_rows(command: list[str]) -> int:
        with pytest.raises(DbtFailed):
            run_dbt([*command, "--store-failures"], settings, quiet=True)
        connection = duckdb.connect(settings.warehouse, read_only=True)
        (count,) = connection.execute(
            "select sum(failing_rows) "
            "from innerverse_dbt_test__audit.silver_holds_no_personal_data "
            "where table_name = 'silver.turns' and column_name = 'model_id' and rule = 'email'"
        ).fetchone()
        connection.close()
        return count

    build = ["build", "--select", "silver_turns", "--exclude-resource-type", "unit_test"]
    assert email_rows(build) == 1  # the landed line; the old row was not read again
    assert email_rows(["test", "--select", "silver_holds_no_personal_data"]) == 2
