"""AWS Lambda entry points: thin wrappers around :mod:`ingest.pipeline`.

Configuration comes from the function's environment:

``SAGE_LAKE``    where Bronze and quarantine go (``s3://bucket/prefix``)
``SAGE_SOURCE``  for :func:`s3_object_handler`, which source the raw bucket holds

Two triggers are supported: a CloudWatch Logs subscription straight to the
function (:func:`cloudwatch_logs_handler`), and S3 ``ObjectCreated``
notifications for objects Firehose delivered to a raw bucket
(:func:`s3_object_handler`). Both return the ingest counts, which Lambda logs.
"""

from __future__ import annotations

import base64
import os
from typing import Any
from urllib.parse import unquote_plus

from ingest.lake import S3Lake, open_lake
from ingest.pipeline import Ingestor, IngestReport
from ingest.sources import get_source


def _lake():
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


def cloudwatch_logs_handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """CloudWatch Logs subscription → Bronze ``lambda_emf``."""
    data = base64.b64decode(event["awslogs"]["data"])
    request = getattr(context, "aws_request_id", "local")
    ingestor = Ingestor(get_source("lambda_emf"), _lake())
    ingestor.ingest_bytes(data, f"cloudwatch-logs-subscription/{request}")
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
