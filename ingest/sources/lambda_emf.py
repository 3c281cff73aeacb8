"""LLM turn logs: Embedded Metric Format lines from the chat Lambda.

They arrive as CloudWatch Logs subscription payloads: JSON documents with a
``logEvents`` list whose ``message`` strings are the EMF JSON the handler
printed. Firehose concatenates many payloads in one object, with or without
newlines between them; a Lambda subscription gets one, gzip + base64 encoded
in a ``{"awslogs": {"data": ...}}`` event, which a file may hold too (a saved
test event).

One log event is one record. Its message is the EMF document, or the document
after the prefix the Lambda runtime writes before what the function prints
(Node.js: ``2023-10-25T17:38:05.273Z<TAB>request id<TAB>INFO<TAB>{...}``,
Python's logging: ``[INFO]<TAB>2023-10-25T17:38:05.273Z<TAB>request id<TAB>{...}``):
the EMF specification counts a valid document after such metadata as valid.
Fields the parser does not know are ignored and reported, never copied to
Bronze (a new field is reviewed before it lands).

This is the busiest parser, so each field is checked inline for the common
case and handed to :mod:`ingest.validate` only when that check fails; the
validator then either accepts the value (an integral float, say) or rejects
the record with the precise rule.
"""

from __future__ import annotations

import base64
import itertools
import re
from collections.abc import Iterator
from operator import attrgetter, itemgetter
from typing import Annotated, Any, Literal

import msgspec
import orjson
from msgspec import Meta, Struct

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
    SCHEMA_VERSION,
    TOO_DEEP,
    TOO_LARGE,
    UNREADABLE_FILE,
    FileRejected,
    IngestContext,
    Landed,
    Landing,
    RecordError,
    Rejected,
    envelope,
    event_ids,
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
    return _parse_payloads(unwrap(data), context)


def _parse_payloads(data: bytes, context: IngestContext) -> Iterator[Landed | Rejected]:
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


# --- The fast path ------------------------------------------------------------------
#
# The reference parser spends most of its time building Python objects: a dict
# per payload, per log event and per turn (with the EMF metric declarations
# inside it), then a Landed item per record. `land` decodes with msgspec into
# the typed structs below, which keep only what Bronze needs; then computes the
# event ids and builds the Bronze structs a column at a time, with maps in C;
# then lands the records in file order. It takes a record whole only where the
# reference would land it unchanged, and hands everything else to the reference:
#
# - The structs accept a subset of what orjson accepts, with the same values.
#   Every struct forbids unknown fields, so nothing is skipped unparsed (msgspec
#   and orjson reject the same malformed JSON, but a skipped value is not
#   checked); every integer is bounded, because past 64 bits orjson reads
#   integers as floats; no field is typed Any, because msgspec would read an
#   integer of 400 digits that orjson refuses.
# - Each field's constraint is at least as tight as the reference's rule for it;
#   the timestamp window and the id pattern are checked in `land`.
# - A payload the structs refuse is decoded by orjson and parsed by the reference
#   (parse_payload); if orjson refuses it too, the file is not one payload per
#   line, and the reference parses the whole file, as `parse` would.
# - A turn the structs or the checks refuse is parsed by the reference
#   (parse_message), which lands it or rejects it with the precise rule.
# - A turn taken whole becomes the event to_landed builds: the same values of the
#   same types under the same keys in the same order. msgspec writes strings,
#   integers and null exactly as orjson does, and floats too below 1e16 (from
#   there orjson writes "1e+16", msgspec "1e16"), hence the bound on cost_usd.

Int64 = Annotated[int, Meta(ge=-(2**63), le=2**63 - 1)]
Count = Annotated[int, Meta(ge=0, le=MAX_TOKENS)]
Sha256Hex = Annotated[str, Meta(min_length=64, max_length=64)]  # lowercase hex: in land()


def _nonempty_text(max_length: int) -> Any:
    return Annotated[str, Meta(min_length=1, max_length=max_length)]


class _LogEvent(Struct, forbid_unknown_fields=True, gc=False):
    message: Annotated[str, Meta(max_length=MAX_RECORD_BYTES)]
    id: str | None = None
    timestamp: Int64 | None = None


class _Payload(Struct, forbid_unknown_fields=True, gc=False):
    """A CloudWatch Logs subscription payload, with CloudWatch's key names."""

    logEvents: list[_LogEvent]
    messageType: str | None = None
    owner: str | None = None
    logGroup: str | None = None
    logStream: str | None = None
    subscriptionFilters: list[str] | None = None


class _Metric(Struct, forbid_unknown_fields=True, gc=False):
    Name: str
    Unit: str | None = None
    StorageResolution: Int64 | None = None


class _MetricDirective(Struct, forbid_unknown_fields=True, gc=False):
    Namespace: str
    Dimensions: list[list[str]]
    Metrics: list[_Metric]


class _Aws(Struct, forbid_unknown_fields=True, gc=False):
    """The EMF metadata block, as the EMF specification defines it."""

    Timestamp: Int64
    CloudWatchMetrics: list[_MetricDirective] | None = None
    LogGroupName: str | None = None
    LogStreamName: str | None = None


class _Turn(Struct, forbid_unknown_fields=True, gc=False):
    aws: _Aws = msgspec.field(name="_aws")
    model_id: _nonempty_text(200)
    route: _nonempty_text(200)
    uid: Sha256Hex
    cid: Sha256Hex
    turn_index: Annotated[int, Meta(ge=0, le=100_000)]
    latency_ms: Annotated[int, Meta(ge=0, le=3_600_000)]
    tokens_in: Count
    tokens_out: Count
    tokens_cache_read: Count = 0
    tokens_cache_write: Count = 0
    cost_usd: Annotated[float, Meta(ge=0, lt=1e16)] | None = None
    region: _nonempty_text(64) | None = None
    device: _nonempty_text(64) | None = None
    crisis_flag: Literal["none", "low", "medium", "high"] | None = None
    request_id: _nonempty_text(128) | None = None


class _BronzeTurn(Struct, gc=False):
    """A Bronze line: the envelope, then the fields in the order to_landed writes them."""

    event_id: str
    source: str
    event_at: str
    received_at: str
    schema_version: int
    model_id: str
    route: str
    uid: str
    cid: str
    turn_index: int
    latency_ms: int
    tokens_in: int
    tokens_out: int
    tokens_cache_read: int
    tokens_cache_write: int
    app_cost_usd: float | None
    region: str | None
    device: str | None
    crisis_flag: str | None
    request_id: str | None


# _Turn's fields that follow the envelope in _BronzeTurn, in its order.
_TURN_FIELDS = (
    "model_id", "route", "uid", "cid", "turn_index", "latency_ms", "tokens_in", "tokens_out",
    "tokens_cache_read", "tokens_cache_write", "cost_usd", "region", "device", "crisis_flag",
    "request_id",
)  # fmt: skip
_TIMESTAMP = attrgetter("aws.Timestamp")
_decode_payload = msgspec.json.Decoder(_Payload).decode
_decode_turn = msgspec.json.Decoder(_Turn).decode
_encode = msgspec.json.Encoder().encode


def land(data: bytes, context: IngestContext, landing: Landing) -> None:
    """Land a file as ``parse`` would, with typed structs instead of dicts and items."""
    data = unwrap(data)
    pieces = split_documents(data)
    payloads: list[_Payload | Any] = []
    for piece in pieces:
        try:
            payloads.append(_decode_payload(piece))
        except ValueError:  # msgspec.DecodeError, or UnicodeDecodeError for bad UTF-8
            try:
                payloads.append(orjson.loads(piece))
            except orjson.JSONDecodeError:
                for item in _parse_payloads(data, context):
                    landing.add(item)
                return

    # First the turns taken whole, in file order, and the reference's item for each
    # other record with the number of turns taken before it.
    earliest, latest = -(-v.EARLIEST_EVENT_MICROS // 1000), context.latest_event_micros // 1000
    valid_ids, is_hex_id = set(), v.SHA256_HEX.fullmatch
    turns: list[_Turn] = []
    messages: list[str] = []
    others: list[tuple[int, Landed | Rejected]] = []
    for number, (payload, piece) in enumerate(zip(payloads, pieces, strict=True), start=1):
        if type(payload) is not _Payload:
            before = len(turns)
            others.extend((before, item) for item in parse_payload(number, payload, piece, context))
            continue
        if payload.messageType == "CONTROL_MESSAGE":
            continue
        for index, log_event in enumerate(payload.logEvents, start=1):
            message = log_event.message
            try:
                turn = _decode_turn(message if message[:1] == "{" else emf_document(message))
            except ValueError:  # msgspec.DecodeError, or UnicodeEncodeError
                turn = None
            if turn is not None and earliest <= turn.aws.Timestamp <= latest:
                uid, cid = turn.uid, turn.cid
                if (uid in valid_ids and cid in valid_ids) or (is_hex_id(uid) and is_hex_id(cid)):
                    valid_ids.add(uid)
                    valid_ids.add(cid)
                    turns.append(turn)
                    messages.append(message)
                    continue
            item = parse_message(message, f"payload {number}", index, context)
            others.append((len(turns), item))

    # Then the Bronze line of every turn taken whole, a column at a time.
    keys = event_ids(NAME, messages)
    stamps = list(map(context.utc.from_millis, map(_TIMESTAMP, turns)))
    events = list(
        itertools.starmap(
            _BronzeTurn,
            zip(  # repeat() is endless; every other column has a value for each turn
                keys,
                itertools.repeat(NAME),
                map(itemgetter(0), stamps),
                itertools.repeat(context.received_at),
                itertools.repeat(SCHEMA_VERSION),
                *(map(attrgetter(name), turns) for name in _TURN_FIELDS),
                strict=False,
            ),
        )
    )
    lines = list(map(_encode, events))
    partitions = list(map(itemgetter(1), stamps))

    # Last, land them in file order: the same duplicates, the same lines in each object.
    taken = 0
    for before, item in others:
        if taken < before:
            span = slice(taken, before)
            landing.add_lines(NAME, keys[span], partitions[span], lines[span])
            taken = before
        landing.add(item)
    if taken < len(turns):
        landing.add_lines(NAME, keys[taken:], partitions[taken:], lines[taken:])
