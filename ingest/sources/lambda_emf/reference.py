"""The reference parser: payload by payload, log event by log event, each turn
landed or rejected with the precise rule it breaks.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from typing import Any

import orjson

from ingest import validate as v
from ingest.json_input import Document, read_documents
from ingest.limits import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_RECORD_BYTES,
    deeper_than,
    gunzip,
    json_text,
)
from ingest.records import (
    MALFORMED_JSON,
    NOT_A_RECORD,
    TOO_DEEP,
    TOO_LARGE,
    UNREADABLE_FILE,
    FileRejected,
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
    if (
        b'"logEvents"' not in head
        and b'"messageType"' not in head
        and not AWSLOGS_EVENT.match(head)
    ):
        return (
            "expected CloudWatch Logs subscription JSON (no 'messageType'/'logEvents' keys, "
            "not an {'awslogs': ...} event)"
        )
    return None


# A Lambda subscription event, {"awslogs": {"data": "<base64 of gzip>"}}: its one key first.
AWSLOGS_EVENT = re.compile(rb'\s*\{\s*"awslogs"\s*:')


def unwrap(data: bytes) -> bytes:
    """The CloudWatch payloads of a file: itself, or, when it holds Lambda
    subscription events (one, pretty-printed or not, or one per line), their
    decoded payloads one per line. FileRejected when such events cannot be
    decoded: there is no record to tell apart in them."""
    if not AWSLOGS_EVENT.match(data):
        return data
    _, documents = read_documents(data, max_piece_bytes=None)
    payloads = []
    size = 0
    for document in documents:
        payloads.append(_awslogs_payload(document))
        size += len(payloads[-1])
        if size > MAX_FILE_BYTES:
            raise FileRejected(
                TOO_LARGE, f"awslogs data: over the limit of {MAX_FILE_BYTES:,} bytes uncompressed"
            )
    return b"\n".join(payloads)


def _awslogs_payload(document: Document) -> bytes:
    where = f"line {document.line}: " if document.line > 1 else ""
    awslogs = document.value.get("awslogs") if isinstance(document.value, dict) else None
    data = awslogs.get("data") if isinstance(awslogs, dict) else None
    if not isinstance(data, str):
        raise FileRejected(
            UNREADABLE_FILE, f"{where}not a CloudWatch Logs event (no awslogs.data text)"
        )
    try:
        packed = base64.b64decode(data, validate=True)
    except ValueError as exc:  # binascii.Error, or text that is not ASCII
        raise FileRejected(UNREADABLE_FILE, f"{where}awslogs.data is not base64 ({exc})") from None
    return gunzip(packed, f"{where}awslogs.data")


def split_documents(data: bytes) -> list[bytes]:
    """The file cut where one payload ends and the next begins (blank pieces dropped)."""
    return [
        piece
        for piece in data.replace(BACK_TO_BACK, b'}\n{"messageType"').split(b"\n")
        if piece.strip()
    ]


def iter_documents(data: bytes) -> list[Document]:
    """The file's payloads: one per line or piece, one pretty-printed document, or
    documents back to back (see ingest.json_input); ``line`` is the payload's number."""
    pieces = list(enumerate(split_documents(data), start=1))
    _, documents = read_documents(data, pieces, back_to_back=True, max_piece_bytes=None)
    for number, document in enumerate(documents, start=1):
        document.line = number
    return documents


def parse(data: bytes, context: IngestContext) -> Iterator[Landed | Rejected]:
    """The reference parser: every payload, every log event, one item each."""
    return parse_payloads(unwrap(data), context)


def parse_payloads(data: bytes, context: IngestContext) -> Iterator[Landed | Rejected]:
    for document in iter_documents(data):
        yield from parse_payload(document.line, document.value, document.raw, context)


def parse_payload(
    number: int, payload: Any | None, raw: bytes, context: IngestContext
) -> Iterator[Landed | Rejected]:
    where = f"payload {number}"
    if payload is None:
        text = raw[:MAX_RAW].decode("utf-8", "replace")
        yield Rejected(where, MALFORMED_JSON, None, "payload is not valid JSON", text)
        return
    if not isinstance(payload, dict) or not isinstance(payload.get("logEvents"), list):
        text = raw[:MAX_RAW].decode("utf-8", "replace")
        yield Rejected(where, NOT_A_RECORD, "logEvents", "not a CloudWatch Logs payload", text)
        return
    if payload.get("messageType") == "CONTROL_MESSAGE":
        return  # CloudWatch's reachability probe: carries no log events to keep
    for index, log_event in enumerate(payload["logEvents"], start=1):
        yield parse_log_event(log_event, where, index, context)


def parse_log_event(
    log_event: Any, where: str, index: int, context: IngestContext
) -> Landed | Rejected:
    message = log_event.get("message") if type(log_event) is dict else None
    if type(message) is not str:
        raw = json_text(log_event)[:MAX_RAW]
        locator = f"{where}, log event {index}"
        return Rejected(locator, NOT_A_RECORD, "message", "log event has no message text", raw)
    return parse_message(message, where, index, context)


# What the Lambda runtimes write before a line the function prints: Node.js
# "<time>\t<request id>\t<LEVEL>\t", Python's logging "[<LEVEL>]\t<time>\t<request id>\t".
LAMBDA_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?Z")
NODE_LEVELS = frozenset({"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"})
PYTHON_LEVELS = frozenset({"[DEBUG]", "[INFO]", "[WARNING]", "[ERROR]", "[CRITICAL]"})


def emf_document(message: str) -> str:
    """The EMF document in a log message: the message itself, or what follows a
    Lambda runtime's prefix. A message that is neither is returned as it is (and
    then fails to parse as the EMF document it is not)."""
    if message[:1] == "{":
        return message
    parts = message.split("\t", 3)
    if len(parts) == 4:
        first, second, third, rest = parts
        if third in NODE_LEVELS and _request_id(second) and LAMBDA_TIME.fullmatch(first):
            return rest
        if first in PYTHON_LEVELS and _request_id(third) and LAMBDA_TIME.fullmatch(second):
            return rest
    return message


def _request_id(text: str) -> bool:
    return 0 < len(text) <= 128  # a UUID; "undefined" or "None" outside an invocation


def parse_message(
    message: str, where: str, index: int, context: IngestContext
) -> Landed | Rejected:
    locator = f"{where}, log event {index}"
    if len(message) > MAX_RECORD_BYTES:
        problem = f"log message is {len(message):,} characters, over {MAX_RECORD_BYTES:,}"
        return Rejected(locator, TOO_LARGE, "message", problem, message)
    document = emf_document(message)
    try:
        turn = orjson.loads(document)
    except orjson.JSONDecodeError as exc:
        return Rejected(
            locator, MALFORMED_JSON, None, f"EMF message is not valid JSON: {exc}", message
        )
    # Only a document with that many brackets can nest that deep.
    if document.count("{") + document.count("[") > MAX_DEPTH and deeper_than(turn, MAX_DEPTH):
        problem = f"EMF message nests deeper than {MAX_DEPTH} levels"
        return Rejected(locator, TOO_DEEP, None, problem, message)
    try:
        return to_landed(turn, message, context)
    except RecordError as err:
        return Rejected(locator, err.reason, err.field, err.message, message)


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
    millis = aws.get("Timestamp")  # milliseconds, says the EMF specification
    micros = millis * 1000 if type(millis) is int else None
    if micros is None or not v.EARLIEST_EVENT_MICROS <= micros <= context.latest_event_micros:
        micros = v.epoch_micros(millis, "_aws.Timestamp", now=context.now)
    event_at, partition = context.utc.from_micros(micros)

    crisis = turn.get("crisis_flag")
    if crisis is not None and (type(crisis) is not str or crisis not in CRISIS_LEVELS):
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
