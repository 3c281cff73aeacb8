"""The Lambda entry points, with real-shaped AWS events."""

from __future__ import annotations

import base64
import copy
import gzip
import json

import pytest

from ingest.handler import (
    dynamodb_stream_handler,
    otlp_http_handler,
    partner_telemetry_handler,
    s3_object_handler,
)
from lakehouse.lake import LocalLake
from tests.conftest import FIXTURES
from tests.lake_files import lines

TELEMETRY = FIXTURES / "partner_telemetry"


@pytest.fixture
def lake(tmp_path, monkeypatch) -> LocalLake:
    monkeypatch.setenv("SAGE_LAKE", str(tmp_path / "lake"))
    return LocalLake(tmp_path / "lake")


def landed(lake: LocalLake, table: str) -> list[dict]:
    return lines(lake, f"bronze/{table}/")


def test_http_api_v2_batch_with_bad_events_answers_202_naming_each_bad_field(lake):
    event = json.loads((TELEMETRY / "api_gateway_v2.json").read_text())
    response = partner_telemetry_handler(event)
    body = json.loads(response["body"])
    assert response["statusCode"] == 202
    assert response["headers"]["content-type"] == "application/json"
    assert (body["accepted"], body["rejected"]) == (3, 6)
    assert [(error["event"], error["field"], error["reason"]) for error in body["errors"]] == [
        (3, "sdk_version", "personal_data"),
        (4, "user_id", "unknown_field"),
        (5, "latency_ms", "out_of_range"),
        (6, "error_code", "missing_field"),
        (7, "error_code", "personal_data"),
        (8, "partner_id", "partner_mismatch"),
    ]
    assert "jane.doe" not in response["body"]
    assert len(landed(lake, "partner_telemetry")) == 3


def test_rest_api_v1_base64_body_is_accepted(lake):
    event = json.loads((TELEMETRY / "api_gateway_v1.json").read_text())
    response = partner_telemetry_handler(event)
    assert response["statusCode"] == 202
    assert json.loads(response["body"]) == {"accepted": 2, "rejected": 0, "errors": []}


def test_nothing_acceptable_is_a_400(lake):
    event = json.loads((TELEMETRY / "api_gateway_v2.json").read_text())
    batch = json.loads(event["body"])
    event["body"] = json.dumps({"events": batch["events"][3:6]})
    response = partner_telemetry_handler(event)
    assert response["statusCode"] == 400
    assert json.loads(response["body"])["accepted"] == 0
    assert landed(lake, "partner_telemetry") == []
    assert len(list(lake.list("quarantine/partner_telemetry/"))) == 1


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ("{not json", "body", "malformed_json"),
        (json.dumps({"events": []}), "events", "missing_field"),
        (None, "body", "missing_field"),
    ],
)
def test_an_unreadable_request_is_a_400(lake, body, field, reason):
    event = json.loads((TELEMETRY / "api_gateway_v2.json").read_text())
    event["body"] = body
    response = partner_telemetry_handler(event)
    assert response["statusCode"] == 400
    [error] = json.loads(response["body"])["errors"]
    assert (error["field"], error["reason"]) == (field, reason)


def test_only_post_is_allowed(lake):
    event = json.loads((TELEMETRY / "api_gateway_v2.json").read_text())
    event["requestContext"]["http"]["method"] = "GET"
    assert partner_telemetry_handler(event)["statusCode"] == 405


def test_too_many_events_in_one_batch(lake):
    event = json.loads((TELEMETRY / "api_gateway_v2.json").read_text())
    one = json.loads(event["body"])["events"][0]
    event["body"] = json.dumps({"events": [copy.deepcopy(one) for _ in range(501)]})
    response = partner_telemetry_handler(event)
    assert response["statusCode"] == 400
    assert "at most 500" in json.loads(response["body"])["errors"][0]["message"]


def test_dynamodb_stream_trigger(lake):
    event = json.loads((FIXTURES / "dynamodb" / "lambda_stream_event.json").read_text())
    result = dynamodb_stream_handler(event)
    assert result["landed_by_table"] == {"dynamodb_feedback": 1, "dynamodb_users": 3}


def test_s3_notification_reads_the_raw_object(s3, lake, monkeypatch):
    client, bucket = s3
    key = "AWSLogs/cloudfront/E2M8T6S9SM3OQY.2026-04-21-10.a1b2c3d4.gz"
    body = (FIXTURES / "cloudfront" / "E2M8T6S9SM3OQY.2026-04-21-10.a1b2c3d4.gz").read_bytes()
    client.put_object(Bucket=bucket, Key=key, Body=body)
    monkeypatch.setenv("SAGE_SOURCE", "cloudfront")
    notification = {
        "Records": [
            {"s3": {"bucket": {"name": bucket}, "object": {"key": key.replace("/", "%2F", 0)}}}
        ]
    }
    result = s3_object_handler(notification)
    assert (result["records_read"], result["landed"], result["quarantined"]) == (9, 4, 4)


# --- OTLP/HTTP exports of OpenTelemetry spans -------------------------------------------

OTLP_EVENT = FIXTURES / "otel" / "function_url_event.json"


def otlp_event() -> dict:
    return json.loads(OTLP_EVENT.read_text())


def test_an_otlp_json_export_lands_its_llm_spans_and_answers_200(lake):
    response = otlp_http_handler(otlp_event())
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {}  # an ExportTraceServiceResponse: all taken
    assert response["headers"]["x-sage-ingest"] == (
        "read=1;landed=1;duplicates=0;quarantined=0;skipped=1;files_rejected=0"
    )
    [turn] = landed(lake, "otel")
    assert (turn["model_id"], turn["tokens_in"], turn["tokens_out"], turn["latency_ms"]) == (
        "anthropic.claude-haiku-4-5-20251001-v1:0",
        500,
        80,
        640,
    )
    assert b"user-4711" not in b"".join(p.read_bytes() for p in lake.root.rglob("*.gz"))


def test_a_gzip_export_through_api_gateway_rest_is_read(lake):
    event = otlp_event()
    body = gzip.compress(event["body"].encode())
    rest = {
        "resource": "/v1/traces",
        "path": "/v1/traces",
        "httpMethod": "POST",
        "headers": {"Content-Type": "application/json", "Content-Encoding": "gzip"},
        "requestContext": {"requestId": "abc", "httpMethod": "POST"},
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
    }
    response = otlp_http_handler(rest)
    assert response["statusCode"] == 200
    assert len(landed(lake, "otel")) == 1


def test_spans_quarantined_are_a_partial_success(lake):
    event = otlp_event()
    export = json.loads(event["body"])
    spans = export["resourceSpans"][0]["scopeSpans"][0]["spans"]
    spans[0]["attributes"] = [a for a in spans[0]["attributes"] if a["key"] != "user.id"]
    event["body"] = json.dumps(export)
    response = otlp_http_handler(event)
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {
        "partialSuccess": {"rejectedSpans": 1, "errorMessage": "spans quarantined: missing_field 1"}
    }
    assert landed(lake, "otel") == []
    [record] = lines(lake, "quarantine/otel/")
    assert (record["reason"], record["field"]) == ("missing_field", "user.id")


@pytest.mark.parametrize(
    ("change", "status", "in_quarantine"),
    [
        ({"requestContext": {"http": {"method": "GET"}}}, 405, 0),
        ({"headers": {"content-type": "application/x-protobuf"}}, 415, 0),
        (
            {
                "body": "H4sIAAAA",
                "isBase64Encoded": True,
                "headers": {"content-type": "application/json", "content-encoding": "gzip"},
            },
            400,
            1,
        ),
        ({"body": '{"resourceSpans": [', "isBase64Encoded": False}, 400, 1),
        ({"body": "not base64!", "isBase64Encoded": True}, 400, 1),
        ({"body": None}, 400, 1),
    ],
)
def test_a_request_that_cannot_be_read_is_answered_with_a_status(
    lake, change, status, in_quarantine
):
    event = {**otlp_event(), **change}
    response = otlp_http_handler(event)
    assert response["statusCode"] == status
    assert json.loads(response["body"])["code"] == 3
    assert landed(lake, "otel") == []
    assert len(lines(lake, "quarantine/otel/")) == in_quarantine
    assert [path for path in lake.root.rglob("*") if path.is_file() and "file-" in path.name] == []
