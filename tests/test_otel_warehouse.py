"""Done when: an OTLP JSON lines file written by hand from the GenAI semantic
conventions (tests/fixtures/otel, not made by the project's generator) ingests,
and its turns are costed in Silver and counted in Gold, on a real DuckDB build.

Beside it lands the chat Lambda's EMF line for the first span's LLM call, written
by hand too: the same call reported both ways costs the same, so no cached token
is priced twice. And no message content planted in the spans reaches the lake or
the warehouse."""

from __future__ import annotations

import gzip
import hashlib
import json
from decimal import Decimal

import duckdb
import pytest

from ingest.pipeline import ingest_paths
from ingest.sources import get_source
from lakehouse.dbt import run_dbt
from lakehouse.lake import open_lake
from lakehouse.settings import Settings
from privacy.pseudonym import DEMO_PEPPER, pseudonymise_raw
from tests.conftest import FIXTURES

TRACES = FIXTURES / "otel" / "file_exporter_traces.jsonl"
PLANTED = "PLANTED-CONTENT-7f3a"


def emf_payload() -> dict:
    """A CloudWatch Logs subscription payload with the EMF line of the first span's
    call: 300 uncached input tokens, 800 read from the cache, 100 written to it."""
    turn = {
        "_aws": {
            "Timestamp": 1776765600000,
            "CloudWatchMetrics": [
                {
                    "Namespace": "Innerverse/Chat",
                    "Dimensions": [["model_id"]],
                    "Metrics": [{"Name": "latency_ms", "Unit": "Milliseconds"}],
                }
            ],
        },
        "model_id": "us.anthropic.claude-sonnet-4-6",
        "route": "/v1/chat",
        "uid": hashlib.sha256(b"user-4711").hexdigest(),
        "cid": hashlib.sha256(b"conv-0001").hexdigest(),
        "turn_index": 0,
        "latency_ms": 1834,
        "tokens_in": 300,
        "tokens_out": 250,
        "tokens_cache_read": 800,
        "tokens_cache_write": 100,
    }
    return {
        "messageType": "DATA_MESSAGE",
        "owner": "123456789012",
        "logGroup": "/aws/lambda/innerverse-chat",
        "logStream": "2026/04/21/[$LATEST]0123456789abcdef",
        "subscriptionFilters": ["turn-logs"],
        "logEvents": [{"id": "1", "timestamp": 1776765601834, "message": json.dumps(turn)}],
    }


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("otel-build")
    settings = Settings.from_env(
        lake=str(root / "lake"), warehouse=str(root / "warehouse.duckdb"), target="local"
    )
    lake = open_lake(settings.lake)
    emf = root / "emf" / "turns.json"
    emf.parent.mkdir()
    emf.write_text(json.dumps(emf_payload()))
    spans = ingest_paths(get_source("otel"), lake, [TRACES])
    turns = ingest_paths(get_source("lambda_emf"), lake, [emf])
    assert (spans.landed, turns.landed) == (3, 1)
    run_dbt(["build", "--full-refresh"], settings, quiet=True)
    connection = duckdb.connect(settings.warehouse, read_only=True)
    yield root, connection
    connection.close()


def test_the_spans_turns_are_costed_in_silver(warehouse):
    _, connection = warehouse
    rows = connection.execute(
        "select model_id, tokens_in, tokens_out, tokens_cache_read, tokens_cache_write, "
        "latency_ms, price_id, cost_usd, user_key from innerverse_silver.turns "
        "where source = 'otel' order by turn_at"
    ).fetchall()
    user = pseudonymise_raw("user-4711", DEMO_PEPPER)
    assert rows == [
        # 300 x 3 + 250 x 15 + 800 x 0.30 + 100 x 3.75 per million
        (
            "us.anthropic.claude-sonnet-4-6", 300, 250, 800, 100, 1834,
            "sonnet-4-6@2026-01-01", Decimal("0.0052650000"), user,
        ),
        # gen_ai.usage.prompt_tokens / completion_tokens: 400 x 0.80 + 120 x 4
        (
            "anthropic.claude-haiku-4-5-20251001-v1:0", 400, 120, 0, 0, 912,
            "haiku-4-5@2026-01-01", Decimal("0.0008000000"),
            pseudonymise_raw("982451653", DEMO_PEPPER),
        ),
        # 3,000 input of which 2,000 written to the cache: 1,000 x 18 + 600 x 90 + 2,000 x 22.5
        (
            "anthropic.claude-opus-4-7", 1000, 600, 0, 2000, 2500,
            "opus-4-7@2026-01-01", Decimal("0.1170000000"),
            pseudonymise_raw("982451653", DEMO_PEPPER),
        ),
    ]  # fmt: skip


def test_no_token_is_costed_twice_the_span_costs_what_the_emf_line_costs(warehouse):
    _, connection = warehouse
    costs = dict(
        connection.execute(
            "select source, cost_usd from innerverse_silver.turns "
            "where turn_at = timestamp '2026-04-21 10:00:00'"
        ).fetchall()
    )
    assert costs == {"lambda_emf": Decimal("0.0052650000"), "otel": Decimal("0.0052650000")}
    # the same call with its 900 cached tokens priced as input too would cost 0.007965
    assert costs["otel"] != Decimal("0.007965")


def test_the_spans_turns_are_counted_in_gold(warehouse):
    _, connection = warehouse
    rows = connection.execute(
        "select model_id, turns, otel_turns, cost_usd from innerverse_gold.cost_daily_by_model "
        "where turn_date = date '2026-04-21' order by model_id"
    ).fetchall()
    assert rows == [
        ("anthropic.claude-haiku-4-5-20251001-v1:0", 1, 1, Decimal("0.0008000000")),
        ("anthropic.claude-opus-4-7", 1, 1, Decimal("0.1170000000")),
        ("us.anthropic.claude-sonnet-4-6", 2, 1, Decimal("0.0105300000")),
    ]
    summary = connection.execute(
        "select turns, total_cost_usd from innerverse_gold.cost_all_time"
    ).fetchall()
    assert summary == [(4, Decimal("0.1283300000"))]


def test_no_message_content_lands_in_the_lake_or_the_warehouse(warehouse):
    root, connection = warehouse
    for path in (root / "lake").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            data = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
            assert PLANTED.encode() not in data, path
    assert PLANTED.encode() not in (root / "warehouse.duckdb").read_bytes()
    columns = connection.execute(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where data_type = 'VARCHAR' and table_schema like 'innerverse%'"
    ).fetchall()
    assert len(columns) > 50
    for schema, table, column in columns:
        found = connection.execute(
            f'select count(*) from "{schema}"."{table}" where "{column}" like ?',
            [f"%{PLANTED}%"],
        ).fetchone()[0]
        assert found == 0, f"{schema}.{table}.{column}"
