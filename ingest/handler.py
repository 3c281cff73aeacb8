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

Each returns what it did (the ingest counts, or the HTTP response), which
Lambda logs; a record that fails validation is quarantined with its reason and
never fails the batch.
"""

from __future__ import annotations

import base64
import os
from typing import Any
from urllib.parse import unquote_plus

import orjson

from ingest.lake import Lake, S3Lake, open_lake
from ingest.pipeline import Ingestor, IngestReport
from ingest.records import Landed, RecordError
from ingest.sources import get_source
from ingest.sources import partner_telemetry as telemetry


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
    return getattr(context, "aws_request_id", "local")


def cloudwatch_logs_handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """CloudWatch Logs subscription → Bronze ``lambda_emf``."""
    data = base64.b64decode(event["awslogs"]["data"])
    ingestor = Ingestor(get_source("lambda_emf"), _lake())
    ingestor.ingest_bytes(data, f"cloudwatch-logs-subscription/{_request_id(context)}")
    return _result(ingestor.report)


def s3_object_handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """S3 ObjectCreated notifications for raw objects → Bronze of ``SAGE_SOURCE``."""
    source = get_source(os.environ["SAGE_SOURCE"])
    ingestor = Ingestor(source, _lake())
    for record in event.get("Records", []):
        bucket = record["s3"]["bucket"]["name"]
        key = unquote_plus(record["s3"]["object"]["key"])
        raw = S3Lake(f"s3://{bucket}")
        ingestor.ingest_bytes(raw.read_bytes(key), f"s3://{bucket}/{key}")
    return _result(ingestor.report)


def dynamodb_stream_handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """DynamoDB stream batch (users, conversations, feedback) → Bronze ``dynamodb_*``."""
    ingestor = Ingestor(get_source("dynamodb"), _lake())
    ingestor.ingest_bytes(orjson.dumps(event), f"dynamodb-stream/{_request_id(context)}")
    return _result(ingestor.report)


JSON_HEADERS = {
    "content-type": "application/json",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
}


def _response(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "headers": JSON_HEADERS, "body": orjson.dumps(body).decode()}


def partner_telemetry_handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """POST a batch of telemetry events: 202 with counts, or 400 naming each bad field.

    Valid events land even when others in the batch do not (they are
    quarantined with their reason); the answer is 400 only when nothing could
    be accepted.
    """
    http = (event.get("requestContext") or {}).get("http") or {}
    method = http.get("method") or event.get("httpMethod")
    if method != "POST":
        return _response(405, {"error": "use POST with a JSON batch of events"})
    request = _request_id(context)
    try:
        batch = telemetry.batch_from_api_event(event)
    except RecordError as err:
        problem = {"event": None, "field": err.field, "reason": err.reason, "message": err.message}
        return _response(400, {"accepted": 0, "rejected": 0, "errors": [problem]})

    ingestor = Ingestor(get_source(telemetry.NAME), _lake())
    items = list(telemetry.validate_batch(batch, ingestor.context, where=f"request {request}"))
    ingestor.ingest_items(items, f"api/{request}", telemetry.body_digest(event.get("body") or ""))
    ingestor.record_violations()
    errors = [
        {"event": index, "field": item.field, "reason": item.reason, "message": item.message}
        for index, item in enumerate(items)
        if not isinstance(item, Landed)
    ]
    accepted = len(items) - len(errors)
    status = 202 if accepted else 400
    return _response(status, {"accepted": accepted, "rejected": len(errors), "errors": errors})
