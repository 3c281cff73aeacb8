"""The source parsers, by the name ``sage ingest --source`` takes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ingest.records import IngestContext, Landed, Rejected
from ingest.sources import cloudfront, dynamodb, lambda_emf, partner_telemetry, sentinel


@dataclass(frozen=True)
class Source:
    name: str
    description: str
    sniff: Callable[[bytes], str | None]
    parse: Callable[[bytes, IngestContext], Iterator[Landed | Rejected]]


SOURCES: dict[str, Source] = {
    source.name: source
    for source in (
        Source(
            lambda_emf.NAME,
            "LLM turn logs: CloudWatch Logs subscription payloads of EMF lines",
            lambda_emf.sniff,
            lambda_emf.parse,
        ),
        Source(
            cloudfront.NAME,
            "CloudFront standard access logs (tab-separated, #Fields header)",
            cloudfront.sniff,
            cloudfront.parse,
        ),
        Source(
            dynamodb.NAME,
            "DynamoDB stream records of the users, conversations and feedback tables",
            dynamodb.sniff,
            dynamodb.parse,
        ),
        Source(
            sentinel.NAME,
            "Chat Sentinel observations, one JSON object per line",
            sentinel.sniff,
            sentinel.parse,
        ),
        Source(
            partner_telemetry.NAME,
            "partner telemetry batches (API Gateway events, batches or events, one per line)",
            partner_telemetry.sniff,
            partner_telemetry.parse,
        ),
    )
}


def get_source(name: str) -> Source:
    try:
        return SOURCES[name]
    except KeyError:
        known = ", ".join(sorted(SOURCES))
        raise KeyError(f"unknown source {name!r}; known sources: {known}") from None


__all__ = ["SOURCES", "Source", "get_source"]
