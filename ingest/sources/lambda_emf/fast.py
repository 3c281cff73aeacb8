"""The fast path: payloads decoded with msgspec into typed structs, turns taken
whole where the reference would land them unchanged, everything else handed to
the reference parser.
"""

from __future__ import annotations

import itertools
from operator import attrgetter, itemgetter
from typing import Annotated, Any, Literal

import msgspec
import orjson
from msgspec import Meta, Struct

from ingest import validate as v
from ingest.limits import MAX_RECORD_BYTES
from ingest.records import SCHEMA_VERSION, IngestContext, Landed, Landing, Rejected, event_ids
from ingest.sources.lambda_emf.reference import (
    MAX_TOKENS,
    NAME,
    emf_document,
    parse_message,
    parse_payload,
    parse_payloads,
    split_documents,
    unwrap,
)

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


Text64 = Annotated[str, Meta(min_length=1, max_length=64)]  # non-empty, at most 64 characters
Text128 = Annotated[str, Meta(min_length=1, max_length=128)]
Text200 = Annotated[str, Meta(min_length=1, max_length=200)]


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
    model_id: Text200
    route: Text200
    uid: Sha256Hex
    cid: Sha256Hex
    turn_index: Annotated[int, Meta(ge=0, le=100_000)]
    latency_ms: Annotated[int, Meta(ge=0, le=3_600_000)]
    tokens_in: Count
    tokens_out: Count
    tokens_cache_read: Count = 0
    tokens_cache_write: Count = 0
    cost_usd: Annotated[float, Meta(ge=0, lt=1e16)] | None = None
    region: Text64 | None = None
    device: Text64 | None = None
    crisis_flag: Literal["none", "low", "medium", "high"] | None = None
    request_id: Text128 | None = None


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
                for item in parse_payloads(data, context):
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
