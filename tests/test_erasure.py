"""Erasure, on a copy of the session build: a user is gone from Silver, Gold and Bronze,
every aggregate changes by exactly their share, and it holds on every build after."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import orjson
import pytest
from isal import igzip

from lakehouse.audit.log import AuditLog
from lakehouse.dbt import run_dbt
from lakehouse.lake import open_lake
from lakehouse.settings import Settings
from lakehouse.warehouse import open_warehouse
from privacy.erasure.ledger import ErasureError, Receipt, now, read_ledger, record_request
from privacy.erasure.subject import Lookup, resolve
from privacy.pseudonym import DEMO_PEPPER, pseudonymise, pseudonymise_raw, source_hash
from sage.cli import main
from sample_data.world import World
from tests.conftest import Built
from tests.copies import copy_build
from tests.test_cost import price_list

USER_TABLES = ("turns", "observations", "conversations", "users", "feedback")


def raw_user_ids(built: Built) -> list[str]:
    """The raw ids of the sample's users, as the app's own tables hold them."""
    manifest = built.manifest
    world = World(
        users=manifest["users"],
        days=manifest["days"],
        start=date.fromisoformat(manifest["start"]),
        seed=manifest["seed"],
    )
    return [user.raw_id for user in world.users]


def bronze_lines(lake: Path) -> list[dict]:
    lines = []
    for path in sorted((lake / "bronze").rglob("*.ndjson.gz")):
        for line in igzip.decompress(path.read_bytes()).splitlines():
            if line.strip():
                lines.append(orjson.loads(line))
    return lines


def their_lines(lines: list[dict], app_hash: str) -> tuple[set[str], list[dict]]:
    """The user's conversations, and their Bronze lines: their uid, or no uid and one of
    their conversations."""
    conversations = {
        line["cid"] for line in lines if line.get("uid") == app_hash and line.get("cid")
    }
    theirs = [
        line
        for line in lines
        if line.get("uid") == app_hash
        or (line.get("uid") is None and line.get("cid") in conversations)
    ]
    return conversations, theirs


def gold_state(connection) -> dict:
    return {
        "summary": connection.execute(
            "select users, turns, conversations, unpriced_turns, total_cost_usd "
            "from innerverse_gold.cost_summary where window_name = 'all time'"
        ).fetchone(),
        **{
            f"daily_by_{dimension}": {
                (day, value): (users, turns, cost)
                for day, value, users, turns, cost in connection.execute(
                    f"select turn_date, {column}, users, turns, cost_usd "
                    f"from innerverse_gold.cost_daily_by_{dimension}"
                ).fetchall()
            }
            for dimension, column in (("model", "model_id"), ("route", "route"))
        },
        "user_cost": {
            row[0]: row[1:]
            for row in connection.execute(
                "select user_key, turns, conversations, cost_usd "
                "from innerverse_private.user_cost "
                "where window_name = 'all time'"
            ).fetchall()
        },
    }


def user_rows(settings: Settings, user_key: str) -> dict[str, int]:
    connection = duckdb.connect(settings.warehouse, read_only=True)
    try:
        return {
            f"{schema}.{table}": connection.execute(
                f"select count(*) from innerverse_{schema}.{table} where user_key = ?", [user_key]
            ).fetchone()[0]
            for schema, table in connection.execute(
                "select distinct replace(table_schema, 'innerverse_', ''), table_name "
                "from information_schema.columns where column_name = 'user_key' "
                "and table_schema in ('innerverse_silver', 'innerverse_private', 'innerverse_gold')"
            ).fetchall()
        }
    finally:
        connection.close()


@dataclass
class Erased:
    settings: Settings
    raw_id: str
    user_key: str
    app_hash: str
    before_gold: dict
    after_gold: dict
    own_turns: list[tuple]  # (turn_date, model_id, cost_usd, is_priced, conversation_key, route)
    before_rows: dict[str, int]
    before_lines: list[dict]
    output: str


@pytest.fixture(scope="module")
def erased(built: Built, tmp_path_factory) -> Erased:
    settings = copy_build(built, tmp_path_factory.mktemp("erasure"))
    connection = duckdb.connect(settings.warehouse, read_only=True)
    keys = {
        key
        for (key,) in connection.execute("select user_key from innerverse_silver.users").fetchall()
    }
    # a user with turns, observations and feedback in the sample
    candidates = connection.execute(
        "select user_key from innerverse_silver.feedback "
        "intersect select user_key from innerverse_silver.observations"
    ).fetchall()
    by_key = {pseudonymise_raw(raw, DEMO_PEPPER): raw for raw in raw_user_ids(built)}
    user_key = sorted(key for (key,) in candidates if key in keys and key in by_key)[0]
    raw_id = by_key[user_key]
    own_turns = connection.execute(
        "select turn_date, model_id, cost_usd, is_priced, conversation_key, route "
        "from innerverse_silver.turns where user_key = ?",
        [user_key],
    ).fetchall()
    before_gold = gold_state(connection)
    connection.close()
    before_rows = user_rows(settings, user_key)
    before_lines = bronze_lines(Path(settings.lake))

    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        status = main(
            ["erase", "--user", raw_id, "--lake", settings.lake, "--warehouse", settings.warehouse]
        )
    assert status == 0, buffer.getvalue()
    connection = duckdb.connect(settings.warehouse, read_only=True)
    after_gold = gold_state(connection)
    connection.close()
    return Erased(
        settings, raw_id, user_key, source_hash(raw_id), before_gold, after_gold,
        own_turns, before_rows, before_lines, buffer.getvalue(),
    )  # fmt: skip


def test_no_row_of_the_user_is_left_in_silver_or_gold(erased: Erased):
    assert erased.before_rows["silver.turns"] > 0 and erased.before_rows["private.user_cost"] > 0
    assert not [label for label in erased.before_rows if label.startswith("gold.")]
    assert erased.before_rows["silver.feedback"] > 0
    assert set(user_rows(erased.settings, erased.user_key).values()) == {0}


def test_every_aggregate_changes_by_exactly_the_users_share(erased: Erased):
    before, after = erased.before_gold, erased.after_gold
    turns = erased.own_turns
    cost = sum((Decimal(str(row[2])) for row in turns if row[2] is not None), Decimal(0))
    users, total_turns, conversations, unpriced, total_cost = before["summary"]
    assert after["summary"] == (
        users - 1,
        total_turns - len(turns),
        conversations - len({row[4] for row in turns}),
        unpriced - sum(1 for row in turns if not row[3]),
        total_cost - cost,
    )
    # per day and model, per day and route: one user fewer where they were active, their
    # turns and their cost less; a row only they made goes. Gold's model ids are closed
    # to the price list: any other is 'other'.
    priced_models = {row["model_id"] for row in price_list()}
    for dimension, column in (("model", 1), ("route", 5)):
        mine: dict[tuple, list] = {}
        for row in turns:
            value = row[column]
            if dimension == "model" and value not in priced_models:
                value = "other"
            entry = mine.setdefault((row[0], value), [0, Decimal(0)])
            entry[0] += 1
            entry[1] += Decimal(str(row[2])) if row[2] is not None else 0
        expected = {}
        for key, (users_then, turns_then, cost_then) in before[f"daily_by_{dimension}"].items():
            if key not in mine:
                expected[key] = (users_then, turns_then, cost_then)
            elif turns_then != mine[key][0]:
                expected[key] = (
                    users_then - 1,
                    turns_then - mine[key][0],
                    cost_then - mine[key][1],
                )
        assert mine and after[f"daily_by_{dimension}"] == expected, dimension
    # everyone else's per-user cost is untouched
    others = {k: v for k, v in before["user_cost"].items() if k != erased.user_key}
    assert after["user_cost"] == others


def test_bronze_holds_nothing_of_the_user_and_everything_else(erased: Erased):
    lake = Path(erased.settings.lake)
    conversations, theirs = their_lines(erased.before_lines, erased.app_hash)
    assert len(theirs) > 10 and conversations
    after = bronze_lines(lake)
    assert not [line for line in after if line.get("uid") == erased.app_hash]
    assert not [line for line in after if line.get("cid") in conversations and not line.get("uid")]
    assert len(after) == len(erased.before_lines) - len(theirs)
    for path in (lake / "quarantine").rglob("*.ndjson.gz"):
        text = igzip.decompress(path.read_bytes())
        assert erased.app_hash.encode() not in text and erased.raw_id.encode() not in text


def test_the_receipt_and_the_ledger(erased: Erased):
    lake = open_lake(erased.settings.lake)
    ledger = read_ledger(lake)
    assert [entry.user_key for entry in ledger] == [erased.user_key]
    ledger_object = next(lake.list("erasure/requests/"))
    line = igzip.decompress(lake.read_bytes(ledger_object.key)).strip()
    assert set(orjson.loads(line)) == {"user_key", "requested_at"}  # nothing else

    receipt = json.loads(lake.read_bytes(f"erasure/receipts/{ledger[0].request_id}.json"))
    assert receipt["status"] == "complete"
    assert receipt["requested_at"] <= receipt["completed_at"]
    assert receipt["user_key"] == erased.user_key and receipt["given_as"] == "raw"
    assert receipt["removed"]["silver_rows"] == {
        label: count for label, count in erased.before_rows.items() if label.startswith("silver.")
    }
    assert receipt["removed"]["private_rows"] == {
        label: count for label, count in erased.before_rows.items() if label.startswith("private.")
    }
    assert receipt["removed"]["private_rows"]["private.user_cost"] > 0
    assert receipt["removed"]["gold_rows"] == {}  # Gold holds no row of anyone
    expected: dict[str, int] = {}
    for line in their_lines(erased.before_lines, erased.app_hash)[1]:
        table = f"bronze/{line['source']}"
        expected[table] = expected.get(table, 0) + 1
    bronze = receipt["removed"]["bronze"]
    assert {k: v for k, v in bronze["lines_removed"].items() if k.startswith("bronze/")} == expected
    assert expected["bronze/lambda_emf"] >= len(erased.own_turns)
    assert any("by " in note and "CloudFront" in note for note in receipt["notes"])
    assert "erasure request" in erased.output and "(complete)" in erased.output
    assert "silver.turns" in erased.output and "bronze/lambda_emf" in erased.output

    log = AuditLog.in_lake(lake)
    events = [
        (record.event, record.details["request_id"])
        for record in log.records()
        if record.event.startswith("ERASURE_")
    ]
    request = ledger[0].request_id
    assert events == [("ERASURE_REQUESTED", request), ("ERASURE_COMPLETED", request)]
    assert erased.user_key not in json.dumps([r.details for r in log.records()])
    assert log.verify().ok


def test_erasing_again_says_it_is_done(erased: Erased, capsys):
    args = ["--lake", erased.settings.lake, "--warehouse", erased.settings.warehouse]
    assert main(["erase", "--user", erased.raw_id, *args]) == 0
    out = capsys.readouterr().out
    assert "already erased: request" in out and "Nothing more to do" in out
    # by the pseudonymous id too, now that no table holds it
    assert main(["erase", "--user", erased.user_key, *args]) == 0
    assert "already erased" in capsys.readouterr().out
    assert len(read_ledger(open_lake(erased.settings.lake))) == 1


def test_a_build_keeps_erased_users_out_and_an_interrupted_request_resumes(
    erased: Erased, built: Built, capsys
):
    settings = erased.settings
    lake = open_lake(settings.lake)
    connection = duckdb.connect(settings.warehouse, read_only=True)
    second = connection.execute(
        "select user_key from innerverse_private.user_cost where window_name = 'all time' "
        "order by turns desc limit 1"
    ).fetchone()[0]
    connection.close()
    assert sum(user_rows(settings, second).values()) > 0
    # A request recorded, then the process died: the ledger has it, the receipt says so.
    entry = record_request(lake, second, now())
    Receipt(
        entry.request_id, second, "pseudonym", entry.requested_at,
        steps={"ledger": {"done_at": entry.requested_at}},
    ).save(lake)  # fmt: skip

    # An incremental build already leaves both users out: the post-hook deletes the rows
    # the merge would keep, the filter keeps new ones out.
    run_dbt(["run", "--select", "tag:silver", "tag:private", "tag:gold"], settings, quiet=True)
    assert set(user_rows(settings, second).values()) == {0}
    assert set(user_rows(settings, erased.user_key).values()) == {0}

    # Running the request again finishes it, by the pseudonymous id.
    args = ["--lake", settings.lake, "--warehouse", settings.warehouse]
    assert main(["erase", "--user", second, *args]) == 0
    out = capsys.readouterr().out
    assert f"resuming request {entry.request_id}" in out and "(complete)" in out
    # its ERASURE_REQUESTED record, lost with the process, is written on resuming, so the
    # log holds every request of the ledger and verifies against it
    records = [(r.event, r.details.get("request_id")) for r in AuditLog.in_lake(lake).records()]
    assert records.count(("ERASURE_REQUESTED", entry.request_id)) == 1
    assert records.count(("ERASURE_COMPLETED", entry.request_id)) == 1
    assert main(["audit", "--verify", "--lake", settings.lake]) == 0
    app_hash = next(
        found
        for found in {line.get("uid") for line in erased.before_lines}
        if found and pseudonymise(found, DEMO_PEPPER) == second
    )
    assert not [line for line in bronze_lines(Path(settings.lake)) if line.get("uid") == app_hash]
    assert [e.user_key for e in read_ledger(lake)] == [erased.user_key, second]

    # Silver rebuilt from Bronze (a backfill), and Gold from Silver: neither user comes back.
    run_dbt(
        [
            "run", "--full-refresh", "--vars", "{rebuild_silver_from_bronze: true}",
            "--select", "tag:silver", "tag:private", "tag:gold",
        ],
        settings,
        quiet=True,
    )  # fmt: skip
    assert set(user_rows(settings, erased.user_key).values()) == {0}
    assert set(user_rows(settings, second).values()) == {0}
    connection = duckdb.connect(settings.warehouse, read_only=True)
    assert connection.execute("select count(*) from innerverse_silver.users").fetchone()[0] > 100
    connection.close()


def test_ids_are_resolved_and_an_unknown_user_is_refused(built: Built):
    raw = raw_user_ids(built)[0]
    app_hash, key = source_hash(raw), pseudonymise_raw(raw, DEMO_PEPPER)
    with open_warehouse(built.settings) as warehouse:
        lookup = Lookup(warehouse, built.settings)
        assert sum(lookup.rows(key).values()) > 0

        def resolved(value, id_type=None):
            return resolve(value, id_type=id_type, pepper=DEMO_PEPPER, lookup=lookup, erased=set())

        by_raw = resolved(raw)
        assert (by_raw.user_key, by_raw.app_hash, by_raw.given_as) == (key, app_hash, "raw")
        by_hash = resolved(app_hash)
        assert (by_hash.user_key, by_hash.given_as) == (key, "app-hash")
        assert "found as the app's sha256" in by_hash.explanation
        by_key = resolved(key)
        assert (by_key.user_key, by_key.app_hash, by_key.given_as) == (key, app_hash, "pseudonym")
        assert "found as a pseudonymous id" in by_key.explanation
        with pytest.raises(ErasureError, match="no user with this id") as unknown:
            resolved("0" * 64)
        assert unknown.value.status == 1
        with pytest.raises(ErasureError, match="expects 64 lower-case hex") as bad:
            resolved("user-42", "pseudonym")
        assert bad.value.status == 2


def test_bad_requests_change_nothing(built: Built, tmp_path, monkeypatch, capsys):
    settings = copy_build(built, tmp_path)
    args = ["--lake", settings.lake, "--warehouse", settings.warehouse]
    raw = raw_user_ids(built)[1]

    assert main(["erase", "--user", "no-such-user", *args]) == 1
    assert "no data for this user" in capsys.readouterr().err

    # a 64-hex id that is one user's key and, keyed again, another's: ask which
    key = pseudonymise_raw(raw, DEMO_PEPPER)
    connection = duckdb.connect(settings.warehouse)
    connection.execute(
        "insert into innerverse_silver.users (user_key) values (?)",
        [pseudonymise(key, DEMO_PEPPER)],
    )
    connection.close()
    assert main(["erase", "--user", key, *args]) == 2
    assert "--id-type pseudonym or --id-type app-hash" in capsys.readouterr().err

    # another process holds the warehouse: refused before anything is recorded
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({settings.warehouse!r}); "
         "print('ready', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "ready"
        assert main(["erase", "--user", raw, *args]) == 2
        assert "cannot open the warehouse" in capsys.readouterr().err
    finally:
        holder.kill()
        holder.wait()

    monkeypatch.delenv("SAGE_DEMO")
    assert main(["erase", "--user", raw, *args]) == 2
    assert "SAGE_PEPPER is not set" in capsys.readouterr().err

    lake = open_lake(settings.lake)
    assert (
        read_ledger(lake) == []
        and not list(lake.list("erasure/"))
        and not [r for r in AuditLog.in_lake(lake).records() if r.event.startswith("ERASURE_")]
    )
    assert sum(user_rows(settings, key).values()) > 0
