"""The turn-log ingest, on real-shaped CloudWatch Logs payloads."""

from __future__ import annotations

import base64
import gzip
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingest.handler import cloudwatch_logs_handler
from ingest.pipeline import Ingestor, ingest_paths
from ingest.sources import get_source
from lakehouse.lake import LocalLake
from tests.conftest import FIXTURES
from tests.lake_files import lines

EMF = FIXTURES / "lambda_emf"
SOURCE = get_source("lambda_emf")
NOW = datetime(2026, 4, 22, tzinfo=UTC)


def ingest(lake: LocalLake, *paths: Path):
    return ingest_paths(SOURCE, lake, list(paths), now=NOW)


def test_valid_payload_lands_every_turn_with_the_envelope(tmp_path):
    lake = LocalLake(tmp_path)
    report = ingest(lake, EMF / "cloudwatch_subscription.json")

    assert (report.records_read, report.landed, report.quarantined_total) == (3, 3, 0)
    keys = sorted(item.key for item in lake.list("bronze/"))
    assert [key.rsplit("/", 1)[0] for key in keys] == [
        "bronze/lambda_emf/dt=2026-04-21/hour=10",
        "bronze/lambda_emf/dt=2026-04-21/hour=11",
    ]
    rows = sorted(lines(lake, "bronze/"), key=lambda row: row["event_at"])
    first = rows[0]
    assert list(first)[:5] == ["event_id", "source", "event_at", "received_at", "schema_version"]
    assert first["source"] == "lambda_emf"
    assert first["event_at"] == "2026-04-21T10:00:00.000Z"
    assert first["received_at"] == "2026-04-22T00:00:00.000Z"
    assert (first["tokens_in"], first["tokens_out"], first["tokens_cache_write"]) == (
        120,
        287,
        1800,
    )
    assert first["tokens_cache_read"] == 0  # absent in the source: zero, not null
    assert rows[1]["crisis_flag"] == "low"
    assert len({row["event_id"] for row in rows}) == 3


def test_unknown_fields_land_without_the_field_and_are_reported(tmp_path):
    lake = LocalLake(tmp_path)
    report = ingest(lake, EMF / "cloudwatch_subscription.json")
    assert dict(report.unknown_fields) == {"experiment_arm": 1}
    assert all("experiment_arm" not in row for row in lines(lake, "bronze/"))


def test_each_malformed_record_is_quarantined_with_its_reason_and_field(tmp_path):
    lake = LocalLake(tmp_path)
    report = ingest(lake, EMF / "malformed_events.json")

    assert report.records_read == 10
    assert report.landed == 1
    assert report.quarantined_total == 9
    assert report.balanced
    rejected = {row["record"]: row for row in lines(lake, "quarantine/")}
    by_event = {int(record.rsplit(" ", 1)[1]): row for record, row in rejected.items()}
    expected = {
        1: ("malformed_json", None),
        2: ("missing_field", "tokens_out"),
        3: ("invalid_type", "tokens_in"),
        4: ("out_of_range", "latency_ms"),
        5: ("invalid_format", "uid"),
        6: ("out_of_range", "_aws.Timestamp"),
        7: ("invalid_value", "crisis_flag"),
        8: ("not_a_record", "_aws"),
        9: ("malformed_json", None),
    }
    assert {index: (row["reason"], row["field"]) for index, row in by_event.items()} == expected
    # The raw record is kept verbatim so it can be fixed and replayed.
    assert "jane.doe@example.com" in by_event[5]["raw"]
    assert by_event[3]["message"] == "field 'tokens_in' must be a number, got str"
    assert all(row["file"].endswith("malformed_events.json") for row in rejected.values())


def test_firehose_concatenation_control_message_and_redelivery(tmp_path):
    lake = LocalLake(tmp_path)
    report = ingest(lake, EMF / "firehose_concatenated.json")
    # Control message: no records. Event 21 is delivered in both payloads.
    assert (report.records_read, report.landed, report.duplicates) == (4, 3, 1)
    assert report.balanced


def test_reingesting_the_same_file_rewrites_the_same_objects(tmp_path):
    lake = LocalLake(tmp_path)
    ingest(lake, EMF / "cloudwatch_subscription.json")
    first = {item.key: lake.read_bytes(item.key) for item in lake.list("bronze/")}
    ingest(lake, EMF / "cloudwatch_subscription.json")
    second = {item.key: lake.read_bytes(item.key) for item in lake.list("bronze/")}
    assert first == second


def test_gzip_and_plain_files_give_the_same_events(tmp_path):
    plain = EMF / "cloudwatch_subscription.json"
    packed = tmp_path / "input" / "cloudwatch_subscription.json.gz"
    packed.parent.mkdir()
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    lake_a, lake_b = LocalLake(tmp_path / "a"), LocalLake(tmp_path / "b")
    ingest(lake_a, plain)
    ingest(lake_b, packed)
    ids = lambda lake: sorted(row["event_id"] for row in lines(lake, "bronze/"))  # noqa: E731
    assert ids(lake_a) == ids(lake_b)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            lambda: gzip.compress((EMF / "cloudwatch_subscription.json").read_bytes())[:-40],
            "truncated or corrupt gzip",
        ),
        (lambda: b"", "file is empty"),
        (lambda: (EMF / "cloudfront_access_log.txt").read_bytes(), "not lambda_emf input"),
    ],
    ids=["truncated-gzip", "empty", "wrong-source"],
)
def test_unreadable_file_is_quarantined_whole_and_nothing_lands(tmp_path, content, expected):
    bad = tmp_path / "input" / "bad.gz"
    bad.parent.mkdir()
    bad.write_bytes(content())
    lake = LocalLake(tmp_path / "lake")
    report = ingest(lake, bad)

    [problem] = report.rejected_files
    assert problem.message.startswith(str(bad))
    assert expected in problem.message
    assert list(lake.list("bronze/")) == []
    kept = [item.key for item in lake.list("quarantine/") if ".file-" in item.key]
    assert len(kept) == 1 and lake.read_bytes(kept[0]) == bad.read_bytes()
    [reason] = lines(lake, "quarantine/")
    assert reason["reason"] == "unreadable_file" and reason["record"] == "whole file"


def test_lambda_handler_lands_a_cloudwatch_subscription_event(tmp_path, monkeypatch):
    monkeypatch.setenv("SAGE_LAKE", str(tmp_path))
    payload = (EMF / "cloudwatch_subscription.json").read_bytes()
    event = {"awslogs": {"data": base64.b64encode(gzip.compress(payload)).decode()}}
    result = cloudwatch_logs_handler(event)
    assert (result["records_read"], result["landed"], result["files_rejected"]) == (3, 3, 0)
    assert len(lines(LocalLake(tmp_path), "bronze/")) == 3


def test_duplicates_across_files_in_one_run_land_once(tmp_path):
    lake = LocalLake(tmp_path / "lake")
    ingestor = Ingestor(SOURCE, lake, now=NOW)
    data = (EMF / "cloudwatch_subscription.json").read_bytes()
    ingestor.ingest_bytes(data, "first")
    ingestor.ingest_bytes(
        data.replace(b'"owner": "123456789012"', b'"owner": "210987654321"'), "second"
    )
    assert (ingestor.report.landed, ingestor.report.duplicates) == (3, 3)
