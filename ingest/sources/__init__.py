"""The source parsers, by the name ``sage ingest --source`` takes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ingest.records import IngestContext, Landed, Landing, Rejected, Skipped
from ingest.sources import cloudfront, dynamodb, lambda_emf, otel, partner_telemetry, sentinel


@dataclass(frozen=True)
class Source:
    """One kind of input.

    ``parse`` is the reference parser: record by record, each record a
    :class:`Landed` or :class:`Rejected` item. ``land``, where a source has
    one, is its fast path for whole files: it writes Bronze lines straight into
    the landing for the records it can take whole, hands every other record to
    the reference parser, and must leave the landing exactly as feeding it
    ``parse``'s items would (the tests compare the two on every fixture and on
    samples full of defects).
    """

    name: str
    description: str
    sniff: Callable[[bytes], str | None]
    parse: Callable[[bytes, IngestContext], Iterator[Landed | Rejected | Skipped]]
    land: Callable[[bytes, IngestContext, Landing], None] | None = None
    # Which rejections are scrub violations to audit: (partner, month, rule) per record.
    violations: Callable[[Rejected, IngestContext], tuple[str, str, str] | None] | None = None
    # Whether quarantine keeps a copy of a file that cannot be read at all. Not for
    # input that may carry message content (OpenTelemetry spans): a record names it.
    copies_unreadable_files: bool = True
    # Reads the source's settings from the environment; ValueError says what is wrong
    # with them, before any file is read.
    check_settings: Callable[[], object] | None = None


SOURCES: dict[str, Source] = {
    source.name: source
    for source in (
        Source(
            lambda_emf.NAME,
            "LLM turn logs: CloudWatch Logs subscription payloads of EMF lines",
            lambda_emf.sniff,
            lambda_emf.parse,
            lambda_emf.land,
        ),
        Source(
            cloudfront.NAME,
            "CloudFront standard access logs (tab-separated, #Fields header)",
            cloudfront.sniff,
            cloudfront.parse,
            cloudfront.land,
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
            violations=partner_telemetry.scrub_violation,
        ),
        Source(
            otel.NAME,
            "OpenTelemetry GenAI spans: OTLP/JSON lines (file exporter) or OTLP/HTTP bodies",
            otel.sniff,
            otel.parse,
            copies_unreadable_files=False,
            check_settings=otel.IdAttributes.from_env,
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
