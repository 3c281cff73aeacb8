"""Chat Sentinel observations: one JSON object per user turn, one per line (or a
file holding one observation, or a list of them, as one JSON document).

The observer model reads each user turn and records a sentiment score in
[-1, 1], emotion labels from a fixed vocabulary, a crisis level and its own
token counts. Ids arrive as the app's pseudonyms (sha256 hex). The schema is
kept tight on purpose (the analytics memo: constrain the observer's schema):
an unknown emotion label or an unknown field rejects the observation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ingest import validate as v
from ingest.json_input import read_documents
from ingest.limits import MAX_DEPTH, deeper_than, json_text
from ingest.records import (
    INVALID_TYPE,
    INVALID_VALUE,
    NOT_A_RECORD,
    TOO_DEEP,
    UNKNOWN_FIELD,
    IngestContext,
    Landed,
    RecordError,
    Rejected,
    envelope,
)

NAME = "sentinel"
CRISIS_LEVELS = frozenset({"none", "low", "medium", "high"})
EMOTIONS = frozenset(
    {
        "joy", "gratitude", "hope", "calm", "relief", "neutral", "curiosity",
        "sadness", "loneliness", "anxiety", "fear", "anger", "frustration", "shame", "grief",
    }
)  # fmt: skip
FIELDS = frozenset(
    {
        "observation_id", "uid", "cid", "turn_index", "observed_at", "sentiment", "emotions",
        "crisis_level", "observer_model_id", "observer_tokens_in", "observer_tokens_out",
    }
)  # fmt: skip


def sniff(data: bytes) -> str | None:
    head = data[:4096].lstrip()
    if not head.startswith(b"{"):
        first = head.split(b"\n", 1)[0][:60].decode("utf-8", "replace")
        return (
            f"expected Sentinel observations (one JSON object per line), file starts with {first!r}"
        )
    if b'"sentiment"' not in head and b'"observed_at"' not in head:
        return "expected Sentinel observations (no 'sentiment' or 'observed_at' keys)"
    return None


def _emotions(record: dict) -> list[str]:
    value = record.get("emotions", [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise RecordError(INVALID_TYPE, "emotions", "field 'emotions' must be a list of labels")
    if len(value) > 5:
        raise RecordError(
            INVALID_VALUE, "emotions", f"field 'emotions' has {len(value)} labels, at most 5"
        )
    unknown = [label for label in value if label not in EMOTIONS]
    if unknown:
        raise RecordError(
            INVALID_VALUE,
            "emotions",
            f"emotion label {unknown[0][:40]!r} is not in the observer's vocabulary",
        )
    return sorted(set(value))


def to_landed(record: Any, raw: str, context: IngestContext) -> Landed:
    if not isinstance(record, dict):
        raise RecordError(NOT_A_RECORD, None, "line is not a JSON object")
    # Only a record with that many brackets can nest that deep.
    if raw.count("{") + raw.count("[") > MAX_DEPTH and deeper_than(record, MAX_DEPTH):
        raise RecordError(TOO_DEEP, None, f"observation nests deeper than {MAX_DEPTH} levels")
    extra = sorted(key for key in record if key not in FIELDS)
    if extra:
        raise RecordError(
            UNKNOWN_FIELD, extra[0], f"field {extra[0]!r} is not part of the observation schema"
        )
    micros = v.iso_instant(record, "observed_at", now=context.now)
    event_at, partition = context.utc.from_micros(micros)
    natural_key = v.text(record, "observation_id", max_length=64, optional=True) or raw
    event = envelope(NAME, natural_key, event_at, context.received_at)
    event.update(
        {
            "uid": v.sha256_id(record, "uid"),
            "cid": v.sha256_id(record, "cid"),
            "turn_index": v.integer(record, "turn_index", maximum=100_000),
            "sentiment": v.number(record, "sentiment", minimum=-1.0, maximum=1.0),
            "emotions": _emotions(record),
            "crisis_level": v.choice(record, "crisis_level", CRISIS_LEVELS),
            "observer_model_id": v.text(record, "observer_model_id", max_length=200),
            "observer_tokens_in": v.integer(record, "observer_tokens_in", maximum=1_000_000),
            "observer_tokens_out": v.integer(record, "observer_tokens_out", maximum=1_000_000),
        }
    )
    return Landed(event, partition)


def parse(data: bytes, context: IngestContext) -> Iterator[Landed | Rejected]:
    whole, documents = read_documents(data)
    for document in documents:
        where = f"line {document.line}"
        if document.problem is not None:
            message = f"line is {document.message}"
            yield Rejected(where, document.problem, None, message, document.text)
        elif whole and isinstance(document.value, list):
            for index, record in enumerate(document.value, start=1):
                yield _item(f"observation {index}", record, json_text(record), context)
        else:
            yield _item(where, document.value, document.text, context)


def _item(where: str, record: Any, raw: str, context: IngestContext) -> Landed | Rejected:
    try:
        return to_landed(record, raw, context)
    except RecordError as err:
        return Rejected(where, err.reason, err.field, err.message, raw)
