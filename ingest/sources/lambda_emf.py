"""LLM turn logs: Embedded Metric Format lines from the chat Lambda.

They arrive as CloudWatch Logs subscription payloads: JSON documents with a
``logEvents`` list whose ``message`` strings are the EMF JSON the handler
printed. Firehose concatenates many payloads in one object, with or without
newlines between them; a Lambda subscription gets one, gzip + base64 encoded.

One log event is one record. Fields the parser does not know are ignored and
reported, never copied to Bronze (a new field is reviewed before it lands).

This is the busiest parser, so each field is checked inline for the common
case and handed to :mod:`ingest.validate` only when that check fails; the
validator then either accepts the value (an integral float, say) or rejects
the record with the precise rule.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import orjson

from ingest import validate as v
from ingest.records import (
    MALFORMED_JSON,
    NOT_A_RECORD,
    IngestContext,
    Landed,
    RecordError,
    Rejected,
    envelope,
)

NAME = "lambda_emf"
CRISIS_LEVELS = frozenset({"none", "low", "medium", "high"})
MAX_TOKENS = 10_000_000
MAX_RAW = 65_536  # a quarantined payload keeps at most this many characters

# Fields of the turn message that Bronze keeps (the EMF "_aws" block aside).
KNOWN_FIELDS = frozenset(
    {
        "_aws", "model_id", "route", "uid", "cid", "turn_index", "latency_ms",
        "tokens_in", "tokens_out", "tokens_cache_read", "tokens_cache_write",
        "cost_usd", "region", "device", "crisis_flag", "request_id",
    }
)  # fmt: skip

# CloudWatch writes each payload as one line of JSON (newlines inside strings are
# escaped), so payloads written back to back can be cut where a new one starts.
BACK_TO_BACK = b'}{"messageType"'


def sniff(data: bytes) -> str | None:
    """Why this input is not CloudWatch Logs payloads, or None if it looks right."""
    head = data[:4096].lstrip()
    if not head.startswith(b"{"):
        first = head.split(b"\n", 1)[0][:60].decode("utf-8", "replace")
        return f"expected CloudWatch Logs subscription JSON, file starts with {first!r}"
    if b'"logEvents"' not in head and b'"messageType"' not in head:
        return "expected CloudWatch Logs subscription JSON (no 'messageType'/'logEvents' keys)"
    return None


def iter_documents(data: bytes) -> Iterator[tuple[int, Any | None, bytes]]:
    """Consecutive JSON documents: (number, value or None if unparseable, raw bytes)."""
    pieces = [
        piece
        for piece in data.replace(BACK_TO_BACK, b'}\n{"messageType"').split(b"\n")
        if piece.strip()
    ]
    documents = []
    for piece in pieces:
        try:
            documents.append(orjson.loads(piece))
        except orjson.JSONDecodeError:
            break
    if len(documents) == len(pieces):
        yield from (
            (n, doc, piece) for n, (doc, piece) in enumerate(zip(documents, pieces, strict=True), 1)
        )
        return
    # Not one document per line: pretty-printed, re-serialised in another key
    # order, or damaged. Walk it with the standard decoder, resyncing at newlines.
    yield from _walk(data.decode("utf-8", "replace"))


def _walk(text: str) -> Iterator[tuple[int, Any | None, bytes]]:
    decoder = json.JSONDecoder()
    position, number = 0, 0
    while True:
        while position < len(text) and text[position] in " \t\r\n":
            position += 1
        if position >= len(text):
            return
        number += 1
        try:
            value, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError:
            newline = text.find("\n", position + 1)
            end = newline if newline >= 0 else len(text)
            yield number, None, text[position:end].encode()
        else:
            yield number, value, text[position:end].encode()
        position = end


def parse(data: bytes, context: IngestContext) -> Iterator[Landed | Rejected]:
    for number, payload, raw in iter_documents(data):
        where = f"payload {number}"
        if payload is None:
            text = raw[:MAX_RAW].decode("utf-8", "replace")
            yield Rejected(where, MALFORMED_JSON, None, "payload is not valid JSON", text)
            continue
        if not isinstance(payload, dict) or not isinstance(payload.get("logEvents"), list):
            text = raw[:MAX_RAW].decode("utf-8", "replace")
            yield Rejected(where, NOT_A_RECORD, "logEvents", "not a CloudWatch Logs payload", text)
            continue
        if payload.get("messageType") == "CONTROL_MESSAGE":
            continue  # CloudWatch's reachability probe: carries no log events to keep
        for index, log_event in enumerate(payload["logEvents"], start=1):
            yield parse_log_event(log_event, where, index, context)


def parse_log_event(
    log_event: Any, where: str, index: int, context: IngestContext
) -> Landed | Rejected:
    message = log_event.get("message") if type(log_event) is dict else None
    if type(message) is not str:
        raw = json.dumps(log_event)[:MAX_RAW]
        locator = f"{where}, log event {index}"
        return Rejected(locator, NOT_A_RECORD, "message", "log event has no message text", raw)
    try:
        turn = orjson.loads(message)
    except orjson.JSONDecodeError as exc:
        locator = f"{where}, log event {index}"
        return Rejected(
            locator, MALFORMED_JSON, None, f"EMF message is not valid JSON: {exc}", message
        )
    try:
        return to_landed(turn, message, context)
    except RecordError as err:
        return Rejected(f"{where}, log event {index}", err.reason, err.field, err.message, message)


def _int(turn: dict, name: str, maximum: int, *, optional: bool = False) -> int:
    value = turn.get(name)
    if type(value) is int and 0 <= value <= maximum:
        return value
    if value is None and optional:
        return 0
    return v.integer(turn, name, maximum=maximum, optional=optional, default=0)  # type: ignore[return-value]


def _str(turn: dict, name: str, max_length: int, *, optional: bool = False) -> str | None:
    value = turn.get(name)
    if type(value) is str and 0 < len(value) <= max_length:
        return value
    if value is None and optional:
        return None
    return v.text(turn, name, max_length=max_length, optional=optional)


def _sha(turn: dict, name: str) -> str:
    value = turn.get(name)
    if type(value) is str and len(value) == 64 and v.SHA256_HEX.fullmatch(value):
        return value
    return v.sha256_id(turn, name)  # type: ignore[return-value]


def to_landed(turn: Any, message: str, context: IngestContext) -> Landed:
    if type(turn) is not dict:
        raise RecordError(NOT_A_RECORD, None, "EMF message is not a JSON object")
    aws = turn.get("_aws")
    if type(aws) is not dict:
        raise RecordError(NOT_A_RECORD, "_aws", "not an Embedded Metric Format line (no '_aws')")
    millis = aws.get("Timestamp")
    micros = millis * 1000 if type(millis) is int else None
    if micros is None or not v.EARLIEST_EVENT_MICROS <= micros <= context.latest_event_micros:
        moment = v.epoch_millis(millis, "_aws.Timestamp", now=context.now)
        micros = int(moment.timestamp() * 1_000_000)
    event_at, partition = context.utc.from_micros(micros)

    crisis = turn.get("crisis_flag")
    if crisis is not None and crisis not in CRISIS_LEVELS:
        crisis = v.choice(turn, "crisis_flag", CRISIS_LEVELS, optional=True)
    cost = turn.get("cost_usd")
    if cost is not None and not (type(cost) is float and cost >= 0):
        cost = v.number(turn, "cost_usd", minimum=0, optional=True)

    event = envelope(NAME, message, event_at, context.received_at)
    event["model_id"] = _str(turn, "model_id", 200)
    event["route"] = _str(turn, "route", 200)
    event["uid"] = _sha(turn, "uid")
    event["cid"] = _sha(turn, "cid")
    event["turn_index"] = _int(turn, "turn_index", 100_000)
    event["latency_ms"] = _int(turn, "latency_ms", 3_600_000)
    event["tokens_in"] = _int(turn, "tokens_in", MAX_TOKENS)
    event["tokens_out"] = _int(turn, "tokens_out", MAX_TOKENS)
    event["tokens_cache_read"] = _int(turn, "tokens_cache_read", MAX_TOKENS, optional=True)
    event["tokens_cache_write"] = _int(turn, "tokens_cache_write", MAX_TOKENS, optional=True)
    event["app_cost_usd"] = cost
    event["region"] = _str(turn, "region", 64, optional=True)
    event["device"] = _str(turn, "device", 64, optional=True)
    event["crisis_flag"] = crisis
    event["request_id"] = _str(turn, "request_id", 128, optional=True)
    unknown = (
        ()
        if len(turn) <= len(KNOWN_FIELDS) and turn.keys() <= KNOWN_FIELDS
        else tuple(sorted(key for key in turn if key not in KNOWN_FIELDS))
    )
    return Landed(event, partition, unknown)
