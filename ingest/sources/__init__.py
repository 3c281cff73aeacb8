"""The source parsers, by the name ``sage ingest --source`` takes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ingest.records import IngestContext, Landed, Rejected
from ingest.sources import lambda_emf


@dataclass(frozen=True)
class Source:
    name: str
    description: str
    sniff: Callable[[bytes], str | None]
    parse: Callable[[bytes, IngestContext], Iterator[Landed | Rejected]]


SOURCES: dict[str, Source] = {
    lambda_emf.NAME: Source(
        lambda_emf.NAME,
        "LLM turn logs: CloudWatch Logs subscription payloads of EMF lines",
        lambda_emf.sniff,
        lambda_emf.parse,
    ),
}


def get_source(name: str) -> Source:
    try:
        return SOURCES[name]
    except KeyError:
        known = ", ".join(sorted(SOURCES))
        raise KeyError(f"unknown source {name!r}; known sources: {known}") from None


__all__ = ["SOURCES", "Source", "get_source"]
