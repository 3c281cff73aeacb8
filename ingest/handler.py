"""AWS Lambda entry points: thin wrappers around :mod:`ingest.pipeline`.

Configuration comes from the function's environment:

``SAGE_LAKE``    where Bronze and quarantine go (``s3://bucket/prefix``)
``SAGE_SOURCE``  for :func:`s3_object_handler`, which source the raw bucket holds

Triggers:

- :func:`cloudwatch_logs_handler`: a CloudWatch Logs subscription (turn logs)
- :func:`s3_object_handler`: S3 ``ObjectCreated`` notifications for raw objects
  (CloudFront logs, Firehose deliveries)
- :func:`dynamodb_stream_handler`: a DynamoDB stream event source mapping
- :func:`partner_telemetry_handler`: API Gateway (REST v1 or HTTP v2 proxy)
- :func:`otlp_http_handler`: OTLP/HTTP JSON exports of OpenTelemetry spans, through
  API Gateway or a Lambda function URL (``POST /v1/traces``)

Each returns what it did (the ingest counts, or the HTTP response), which
Lambda logs; a record that fails validation is quarantined with its reason and
never fails the batch. An event that is not what its trigger sends (a damaged
subscription event, a notification without an object key) is quarantined whole
like an unreadable file; only an object store out of reach (or refusing) raises,
so that Lambda retries the event.
"""

from __future__ import annotations

import os
import re
from typing import Any
from urllib.parse import unquote_plus

import orjson

from ingest import otlp
from ingest.limits import json_bytes
from ingest.pipeline import Ingestor, IngestReport
from ingest.records import TOO_LARGE, UNREADABLE_FILE, FileRejected, Landed, RecordError
from ingest.sources import get_source, otel
from ingest.sources import partner_telemetry as telemetry
from lakehouse.lake import Lake, LakeError, S3Lake, open_lake


def _lake() -> Lake:
    try:
        return open_lake(os.environ["SAGE_LAKE"])
    except KeyError:
        raise RuntimeError(
            "SAGE_LAKE is not set: the function does not know where to land data"
        ) from None


def _result(report: IngestReport) -> dict[str, Any]:
    result = report.as_dict()
    result["rejected_files"] = [problem.message for problem in report.rejected_files]
    return result


def _request_id(context: Any) -> str:
    request_id = getattr(context, "aws_request_id", "local")
    return request_id if isinstance(request_id, str) else "local"


def cloudwatch_logs_handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """CloudWatch Logs subscription → Bronze ``lambda_emf``. The event is read as
    ``sage ingest`` reads a file holding it: its payload decoded, or, if it cannot
    be, the event quarantined whole."""
    ingestor = Ingestor(get_source("lambda_emf"), _lake())
    ingestor.ingest_bytes(json_bytes(event), f"cloudwatch-logs-subscription/{_request_id(context)}")
    return _result(ingestor.report)


def s3_object_handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """S3 ObjectCreated notifications for raw objects → Bronze of ``SAGE_SOURCE``.
    A notification record that names no object is quarantined whole; an object
    that cannot be read raises (Lambda retries the event)."""
    source = get_source(os.environ["SAGE_SOURCE"])
    ingestor = Ingestor(source, _lake())
    records = event.get("Records") if isinstance(event, dict) else None
    for number, record in enumerate(records if isinstance(records, list) else [], start=1):
        location = _s3_object(record)
        if location is None:
            name = f"s3-notification/{_request_id(context)}/record-{number}"
            problem = FileRejected(UNREADABLE_FILE, f"{name}: names no S3 bucket and object key")
            ingestor.reject_file(json_bytes(record), name, problem)
            continue
        bucket, key = location
        name = f"s3://{bucket}/{key}"
        try:
            data = S3Lake(f"s3://{bucket}").read_bytes(key)
        except LakeError as exc:
            if not _no_such_object(exc):
                raise  # throttled, denied, unreachable: Lambda retries the event
            problem = FileRejected(UNREADABLE_FILE, f"{name}: no such object")
            ingestor.reject_file(json_bytes(record), name, problem)
            continue
        ingestor.ingest_bytes(data, name)
    return _result(ingestor.report)


def _s3_object(record: Any) -> tuple[str, str] | None:
    """(bucket, key) of an S3 notification record, or None if it names none."""
    s3 = record.get("s3") if isinstance(record, dict) else None
    bucket = s3.get("bucket") if isinstance(s3, dict) else None
    target = s3.get("object") if isinstance(s3, dict) else None
    name = bucket.get("name") if isinstance(bucket, dict) else None
    key = target.get("key") if isinstance(target, dict) else None
    if not isinstance(name, str) or not BUCKET_NAME.fullmatch(name):
        return None
    if not isinstance(key, str) or not 0 < len(key.encode("utf-8", "replace")) <= 1024:
        return None
    return name, unquote_plus(key)


BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")  # S3's naming rules


def _no_such_object(error: LakeError) -> bool:
    """Whether S3 said the object (or its bucket) does not exist: deleted before it
    was read, or a notification that never named a real object."""
    response = getattr(error.__cause__, "response", None)
    code = response.get("Error", {}).get("Code") if isinstance(response, dict) else None
    return code in ("NoSuchKey", "NoSuchBucket", "404")


def dynamodb_stream_handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """DynamoDB stream batch (users, conversations, feedback) → Bronze ``dynamodb_*``."""
    ingestor = Ingestor(get_source("dynamodb"), _lake())
    ingestor.ingest_bytes(json_bytes(event), f"dynamodb-stream/{_request_id(context)}")
    return _result(ingestor.report)


JSON_HEADERS = {
    "content-type": "application/json",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
}


def _response(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "headers": JSON_HEADERS, "body": orjson.dumps(body).decode()}


# How a request that cannot be taken at all is answered.
STATUS_OF_REFUSAL = {telemetry.NOT_AUTHENTICATED: 401, TOO_LARGE: 413}


def partner_telemetry_handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """POST a batch of telemetry events: 202 with counts, or 400 naming each bad field.

    Only for the partner the API's JWT authorizer vouched for (the token's
    ``partner_id`` claim): without that claim, 401; an event naming another
    partner is refused (quarantined with ``partner_mismatch``), never landed.
    Valid events land even when others in the batch do not (they are
    quarantined with their reason); the answer is 400 only when nothing could
    be accepted, 413 when the body is over the record limit.
    """
    if not isinstance(event, dict):
        return _response(400, {"error": "not an API Gateway proxy event"})
    partner = telemetry.authenticated_partner(event)
    if partner is None:
        return _response(401, {"error": "the token carries no valid partner_id claim"})
    context_of_request = event.get("requestContext")
    http = context_of_request.get("http") if isinstance(context_of_request, dict) else None
    method = http.get("method") if isinstance(http, dict) else event.get("httpMethod")
    if method != "POST":
        return _response(405, {"error": "use POST with a JSON batch of events"})
    request = _request_id(context)
    try:
        batch = telemetry.batch_from_api_event(event)
    except RecordError as err:
        problem = {"event": None, "field": err.field, "reason": err.reason, "message": err.message}
        status = STATUS_OF_REFUSAL.get(err.reason, 400)
        return _response(status, {"accepted": 0, "rejected": 0, "errors": [problem]})

    ingestor = Ingestor(get_source(telemetry.NAME), _lake())
    items = list(telemetry.validate_batch(batch, ingestor.context, where=f"request {request}"))
    ingestor.ingest_items(items, f"api/{request}", telemetry.body_digest(event["body"]))
    ingestor.record_violations()
    errors = [
        {"event": index, "field": item.field, "reason": item.reason, "message": item.message}
        for index, item in enumerate(items)
        if not isinstance(item, Landed)
    ]
    accepted = len(items) - len(errors)
    status = 202 if accepted else 400
    return _response(status, {"accepted": accepted, "rejected": len(errors), "errors": errors})


def otlp_http_handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """An OTLP/HTTP JSON export (``POST /v1/traces``) → Bronze ``otel``.

    Answered as the OTLP specification says: 200 with an empty
    ``ExportTraceServiceResponse`` when every span was taken, or with
    ``partialSuccess`` counting the spans quarantined (each with its reason);
    400 with a ``Status`` when the body cannot be read at all (recorded in
    quarantine, without its bytes: spans may carry message content), 413 when
    it is too large, 405 for a method other than POST and 415 for a body that is
    not JSON (protobuf: the exporter is told to send http/json). The counts are
    in the ``x-sage-ingest`` header, for whoever looks at the exchange.

    The function is to sit behind IAM authorization (function URL ``AWS_IAM``)
    or an API Gateway authorizer: the app's exporter signs its requests.
    """
    name = f"otlp-http/{_request_id(context)}"
    ingestor = Ingestor(get_source(otel.NAME), _lake())
    try:
        body = otlp.request_body(event)
    except otlp.Refused as refused:
        return _otlp_response(refused.status, {"code": 3, "message": refused.message})
    except FileRejected as problem:
        ingestor.reject_file(
            json_bytes(event), name, FileRejected(problem.reason, f"{name}: {problem.message}")
        )
        status = 413 if problem.reason == TOO_LARGE else 400
        return _otlp_response(status, {"code": 3, "message": problem.message}, ingestor.report)
    ingestor.ingest_bytes(body, name)
    report = ingestor.report
    if report.rejected_files:
        unread = report.rejected_files[0]
        status = 413 if unread.reason == TOO_LARGE else 400
        return _otlp_response(status, {"code": 3, "message": unread.message}, report)
    answer: dict[str, Any] = {}
    if report.quarantined_total:
        reasons = ", ".join(
            f"{reason} {count}" for reason, count in sorted(report.quarantined.items())
        )
        answer["partialSuccess"] = {
            "rejectedSpans": report.quarantined_total,
            "errorMessage": f"spans quarantined: {reasons}",
        }
    return _otlp_response(200, answer, report)


def _otlp_response(
    status: int, body: dict[str, Any], report: IngestReport | None = None
) -> dict[str, Any]:
    response = _response(status, body)
    if report is not None:
        counts = (
            f"read={report.records_read};landed={report.landed};duplicates={report.duplicates};"
            f"quarantined={report.quarantined_total};skipped={sum(report.skipped.values())};"
            f"files_rejected={len(report.rejected_files)}"
        )
        response["headers"] = {**JSON_HEADERS, "x-sage-ingest": counts}
    return response
