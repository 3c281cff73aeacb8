"""OpenTelemetry GenAI spans (``sage ingest --source otel``): the fixture is an OTLP
JSON lines file written by hand from the semantic conventions, as the Collector's
file exporter writes them, and every assertion reads what landed in the lake."""

from __future__ import annotations

import gzip
import hashlib
import json
from datetime import UTC, datetime

import pytest

from ingest.pipeline import ingest_paths
from ingest.sources import get_source
from ingest.sources.otel import IdAttributes
from lakehouse.lake import LocalLake
from sage.cli import main
from tests.conftest import FIXTURES
from tests.lake_files import lines

TRACES = FIXTURES / "otel" / "file_exporter_traces.jsonl"
PLANTED = b"PLANTED-CONTENT-7f3a"
NOW = datetime(2026, 4, 22, tzinfo=UTC)


def app_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def every_byte(lake: LocalLake) -> bytes:
    """Everything in the lake, gzip opened."""
    found = []
    for path in sorted(lake.root.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            found.append(gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data)
    return b"\n".join(found)


@pytest.fixture
def landed(tmp_path):
    lake = LocalLake(tmp_path / "lake")
    report = ingest_paths(get_source("otel"), lake, [TRACES], now=NOW)
    return lake, report


def test_llm_spans_land_as_turns_and_every_other_span_is_counted_and_skipped(landed):
    lake, report = landed
    summary = report.as_dict()
    assert (summary["records_read"], summary["landed"], summary["duplicates"]) == (8, 3, 1)
    assert summary["quarantined_by_reason"] == {
        "invalid_value": 1,
        "malformed_json": 1,
        "missing_field": 1,
        "out_of_range": 1,
    }
    assert summary["skipped_by_kind"] == {"embeddings": 1, "execute_tool": 1, "not_genai": 1}
    assert report.balanced

    turns = {row["span_id"]: row for row in lines(lake, "bronze/otel/")}
    assert sorted(turns) == ["00f067aa0ba902b7", "051581bf3cb55c13", "b7ad6b7169203331"]
    chat = turns["051581bf3cb55c13"]
    assert chat["event_at"] == "2026-04-21T10:00:00.000Z"
    assert (chat["operation_name"], chat["provider"]) == ("chat", "aws.bedrock")
    assert chat["model_id"] == "us.anthropic.claude-sonnet-4-6"
    assert chat["latency_ms"] == 1834
    # The convention counts cached tokens inside input tokens: 1,200 in, of which 800
    # read from the cache and 100 written to it, leaves 300 uncached.
    assert chat["tokens_input_total"] == 1200
    assert (chat["tokens_in"], chat["tokens_cache_read"], chat["tokens_cache_write"]) == (
        300,
        800,
        100,
    )
    assert chat["tokens_out"] == 250
    assert (chat["uid"], chat["cid"]) == (app_hash("user-4711"), app_hash("conv-0001"))
    assert chat["is_conversation_from_trace"] is False


def test_deprecated_names_and_ids_on_the_resource_are_read(landed):
    lake, _ = landed
    turns = {row["span_id"]: row for row in lines(lake, "bronze/otel/")}
    completion = turns["b7ad6b7169203331"]
    assert completion["provider"] == "aws.bedrock"  # gen_ai.system
    assert (completion["tokens_in"], completion["tokens_out"]) == (400, 120)  # prompt/completion
    assert completion["latency_ms"] == 912  # times written as numbers, not strings
    assert completion["uid"] == app_hash("982451653")  # enduser.id, an intValue, on the resource
    assert completion["cid"] == app_hash("a1c9e0d2-session")  # session.id on the resource
    generated = turns["00f067aa0ba902b7"]
    assert (generated["tokens_in"], generated["tokens_cache_write"]) == (1000, 2000)
    assert generated["cid"] == app_hash("conv-0002")  # the span's own id before the resource's


def test_bad_spans_are_quarantined_with_the_field_and_rule(landed):
    lake, _ = landed
    rejected = {row["record"]: row for row in lines(lake, "quarantine/otel/")}
    span = "line 4, resourceSpans[0], scopeSpans[0], span"
    assert {record: (row["reason"], row["field"]) for record, row in rejected.items()} == {
        f"{span} 0": ("missing_field", "user.id"),
        f"{span} 1": ("invalid_value", "gen_ai.usage.input_tokens"),
        f"{span} 2": ("out_of_range", "endTimeUnixNano"),
        "line 5": ("malformed_json", None),
    }
    assert "fewer than the cached tokens" in rejected[f"{span} 1"]["message"]
    # what quarantine keeps of a span: its skeleton and the attributes the parser reads
    kept = json.loads(rejected[f"{span} 1"]["raw"])
    assert kept["spanId"] == "6e0c63257de34c92"
    assert "gen_ai.output.messages" in kept["attributes_not_kept"]
    assert {attribute["key"] for attribute in kept["attributes"]} >= {
        "gen_ai.usage.input_tokens",
        "gen_ai.usage.cache_read.input_tokens",
    }


def test_no_message_content_and_no_raw_id_lands_anywhere_in_the_lake(landed):
    lake, _ = landed
    everything = every_byte(lake)
    assert b"bronze/otel" in b"\n".join(str(p).encode() for p in lake.root.rglob("*"))
    assert PLANTED not in everything
    for raw in (b"lonely", b"user-4711", b"conv-0001", b"982451653", b"a1c9e0d2-session"):
        assert raw not in everything, raw


def test_gzip_files_and_protobuf_field_names_are_read(tmp_path):
    gzipped = tmp_path / "in" / "traces.jsonl.gz"
    gzipped.parent.mkdir()
    gzipped.write_bytes(gzip.compress(TRACES.read_bytes()))
    snake = tmp_path / "in" / "snake.json"
    text = TRACES.read_text().splitlines()[0]
    for camel, name in [
        ("resourceSpans", "resource_spans"),
        ("scopeSpans", "scope_spans"),
        ("traceId", "trace_id"),
        ("spanId", "span_id"),
        ("startTimeUnixNano", "start_time_unix_nano"),
        ("endTimeUnixNano", "end_time_unix_nano"),
        ("stringValue", "string_value"),
        ("intValue", "int_value"),
    ]:
        text = text.replace(f'"{camel}"', f'"{name}"')
    snake.write_text(json.dumps(json.loads(text), indent=2))  # one pretty-printed document
    lake = LocalLake(tmp_path / "lake")
    report = ingest_paths(get_source("otel"), lake, [gzipped, snake], now=NOW)
    # the snake-case copy is the first line again: the same span, a duplicate
    assert (report.landed, report.duplicates, report.quarantined_total) == (3, 2, 4)
    assert report.skipped["not_genai"] == 2


def test_the_id_attributes_are_configurable(tmp_path, monkeypatch):
    monkeypatch.setenv("SAGE_OTEL_USER_ATTRIBUTES", "service.name")
    monkeypatch.setenv("SAGE_OTEL_CONVERSATION_ATTRIBUTES", "no.such.attribute")
    lake = LocalLake(tmp_path / "lake")
    ingest_paths(get_source("otel"), lake, [TRACES], now=NOW)
    turns = {row["span_id"]: row for row in lines(lake, "bronze/otel/")}
    chat = turns["051581bf3cb55c13"]
    assert chat["uid"] == app_hash("chat-api")
    # no conversation attribute: the trace stands for the conversation
    assert chat["cid"] == app_hash("5b8efff798038103d269b633813fc60c")
    assert chat["is_conversation_from_trace"] is True


def test_badly_named_id_attributes_stop_the_command_before_anything_is_read(
    tmp_path, capsys, monkeypatch
):
    with pytest.raises(ValueError, match="SAGE_OTEL_USER_ATTRIBUTES"):
        IdAttributes.from_env({"SAGE_OTEL_USER_ATTRIBUTES": "user id; drop table"})
    argv = ["ingest", "--source", "otel", "--lake", str(tmp_path / "lake"), str(TRACES)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "skipped               3   (not records of this source: " in out
    assert "embeddings 1" in out
    monkeypatch.setenv("SAGE_OTEL_CONVERSATION_ATTRIBUTES", "session id")
    assert main(argv) == 2
    assert "SAGE_OTEL_CONVERSATION_ATTRIBUTES must be attribute names" in capsys.readouterr().err


def test_a_file_that_cannot_be_read_is_recorded_without_a_copy(tmp_path):
    broken = tmp_path / "traces.jsonl.gz"
    broken.write_bytes(gzip.compress(TRACES.read_bytes())[:-40])
    lake = LocalLake(tmp_path / "lake")
    report = ingest_paths(get_source("otel"), lake, [broken], now=NOW)
    [problem] = report.rejected_files
    assert problem.reason == "unreadable_file" and not problem.copied
    assert "not copied to quarantine" in problem.message
    [record] = lines(lake, "quarantine/otel/")
    assert record["raw"] == ""
    assert [path.name for path in lake.root.rglob("*") if path.is_file()] == [
        next(lake.root.rglob("*.ndjson.gz")).name
    ]


def test_a_saved_otlp_http_event_is_read_as_its_body(tmp_path):
    lake = LocalLake(tmp_path / "lake")
    event = FIXTURES / "otel" / "function_url_event.json"
    report = ingest_paths(get_source("otel"), lake, [event], now=NOW)
    assert (report.landed, report.quarantined_total, dict(report.skipped)) == (
        1,
        0,
        {"execute_tool": 1},
    )
    [turn] = lines(lake, "bronze/otel/")
    assert turn["cid"] == app_hash("conv-0003")
