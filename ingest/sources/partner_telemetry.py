"""Partner telemetry: runtime metrics model providers get about their own models.

Events arrive in batches through API Gateway (REST v1 or HTTP v2 proxy
integrations, see :mod:`ingest.handler`) or as files holding one item, or one
item per line, where an item is an API Gateway event, a batch
``{"events": [...]}``, a list of events or one event.

An API Gateway event speaks for the partner its authorizer vouched for (the
``partner_id`` claim of the caller's JWT): one without that claim is refused
whole, and each event in it that names another partner is refused.

Nothing that identifies a person is accepted: the schema is closed (an
unknown field rejects the event), every text field has a narrow format, and
any value that looks like an email address, an IP address or a phone number
rejects the event with reason ``personal_data``. Messages name the field and
the rule, never the value.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from ingest import validate as v
from ingest.json_input import read_documents
from ingest.limits import MAX_DEPTH, MAX_FIELD_CHARS, MAX_RECORD_BYTES, deeper_than, json_text
from ingest.records import (
    INVALID_FORMAT,
    INVALID_TYPE,
    INVALID_VALUE,
    MALFORMED_JSON,
    MISSING_FIELD,
    NOT_A_RECORD,
    TOO_DEEP,
    TOO_LARGE,
    UNKNOWN_FIELD,
    IngestContext,
    Landed,
    RecordError,
    Rejected,
    envelope,
)
from privacy.patterns import find_personal_data

NAME = "partner_telemetry"
PERSONAL_DATA = "personal_data"
PARTNER_MISMATCH = "partner_mismatch"
NOT_AUTHENTICATED = "not_authenticated"  # an API request no authorizer vouched for
MAX_EVENTS_PER_BATCH = 500

EVENT_TYPES = frozenset({"request", "stream", "error"})
STATUSES = frozenset({"ok", "error"})
PARTNER_ID = re.compile(r"[a-z][a-z0-9-]{1,39}")
MODEL_ID = re.compile(r"[A-Za-z0-9._:/-]{1,200}")
ERROR_CODE = re.compile(r"[A-Za-z0-9_.-]{1,64}")
SDK_VERSION = re.compile(r"[0-9A-Za-z.+-]{1,32}")
EVENT_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
FIELDS = frozenset(
    {
        "event_id", "partner_id", "model_id", "event_type", "latency_ms", "ttft_ms",
        "tokens_in", "tokens_out", "status", "error_code", "sdk_version", "occurred_at",
    }
)  # fmt: skip


def sniff(data: bytes) -> str | None:
    head = data[:4096].lstrip()
    if not head.startswith((b"{", b"[")):
        first = head.split(b"\n", 1)[0][:60].decode("utf-8", "replace")
        return f"expected partner telemetry JSON, file starts with {first!r}"
    if b'"partner_id"' not in head and b'"body"' not in head and b'"events"' not in head:
        return "expected partner telemetry JSON (no 'partner_id', 'events' or 'body' keys)"
    return None


FREE_TEXT_WORDS = 5
FREE_TEXT_LENGTH = 120


def personal_data_in(record: dict) -> tuple[str, str] | None:
    """(field, rule) of the first key or text value that looks personal: an email
    address, an IP address, a phone number, or free text (five words or more, or
    over 120 characters, where the schema has only short codes)."""
    for key, value in record.items():
        for text in (key, value) if isinstance(value, str) else (key,):
            if len(text) > MAX_FIELD_CHARS:
                return key, "free_text"  # long text is free text: no pattern runs on it
            # Only text with one of these characters (or long text) can match; the
            # full rules are slower.
            if (
                "@" in text
                or ":" in text
                or "+" in text
                or " " in text
                or text.count(".") >= 3
                or len(text) > FREE_TEXT_LENGTH
            ):
                rule = find_personal_data(text)
                if rule is None and (
                    len(text.split()) >= FREE_TEXT_WORDS or len(text) > FREE_TEXT_LENGTH
                ):
                    rule = "free_text"
                if rule:
                    return key, rule
    return None


def _personal_data(record: dict) -> None:
    found = personal_data_in(record)
    if found:
        key, rule = found
        raise RecordError(PERSONAL_DATA, key, f"field {key!r} looks like {_RULE_WORDS[rule]}")


_RULE_WORDS = {
    "email": "an email address",
    "ipv4": "an IPv4 address",
    "ipv6": "an IPv6 address",
    "phone": "a phone number",
    "free_text": "free text",
}


def scrub_violation(item: Rejected, context: IngestContext) -> tuple[str, str, str] | None:
    """(partner, month, rule) when a rejected event was scrubbed for carrying
    something personal (a pattern, or a field outside the schema), else None. The
    partner is the event's own when it is a valid id, else ``unknown``; the month
    is the event's (``occurred_at``), else the month it was received."""
    if item.reason not in (PERSONAL_DATA, UNKNOWN_FIELD):
        return None
    try:
        record = orjson.loads(item.raw)
    except orjson.JSONDecodeError:
        record = None
    if not isinstance(record, dict):
        return None
    partner = record.get("partner_id")
    if not (isinstance(partner, str) and PARTNER_ID.fullmatch(partner)):
        partner = "unknown"
    occurred = record.get("occurred_at")
    month = (
        occurred[:7]
        if isinstance(occurred, str) and re.fullmatch(r"20\d\d-[01]\d", occurred[:7])
        else context.received_at[:7]
    )
    if item.reason == UNKNOWN_FIELD:
        return partner, month, "unknown_field"
    found = personal_data_in(record)
    return partner, month, found[1] if found else PERSONAL_DATA


def _pattern(
    record: dict, name: str, pattern: re.Pattern[str], rule: str, *, optional: bool = False
) -> str | None:
    return v.text(
        record,
        name,
        max_length=200,
        optional=optional,
        pattern=pattern,
        pattern_help=f"must be {rule}",
    )


def validate_event(record: Any, context: IngestContext, *, partner: str | None = None) -> Landed:
    """One telemetry event as a Bronze line, or RecordError naming the field and rule."""
    if not isinstance(record, dict):
        raise RecordError(NOT_A_RECORD, None, "event is not a JSON object")
    if deeper_than(record, MAX_DEPTH):
        raise RecordError(TOO_DEEP, None, f"event nests deeper than {MAX_DEPTH} levels")
    _personal_data(record)
    extra = sorted(key for key in record if key not in FIELDS)
    if extra:
        raise RecordError(
            UNKNOWN_FIELD, extra[0], f"field {extra[0]!r} is not part of the telemetry schema"
        )
    partner_id = _pattern(
        record, "partner_id", PARTNER_ID, "a partner id (lower-case letters, digits, '-')"
    )
    if partner is not None and partner_id != partner:
        raise RecordError(
            PARTNER_MISMATCH, "partner_id", "partner_id differs from the authenticated partner"
        )
    event_type = v.choice(record, "event_type", EVENT_TYPES)
    status = v.choice(record, "status", STATUSES)
    error_code = _pattern(
        record, "error_code", ERROR_CODE, "an error code (letters, digits, '_.-')", optional=True
    )
    if status == "error" and error_code is None:
        raise RecordError(
            MISSING_FIELD, "error_code", "field 'error_code' is required when status is 'error'"
        )
    ttft = v.integer(record, "ttft_ms", maximum=3_600_000, optional=event_type != "stream")
    micros = v.iso_instant(record, "occurred_at", now=context.now)
    event_at, partition = context.utc.from_micros(micros)
    client_id = _pattern(
        record, "event_id", EVENT_ID, "8 to 64 letters, digits, '_' or '-'", optional=True
    )
    natural_key = (
        f"{partner_id}/{client_id}"
        if client_id
        else orjson.dumps(record, option=orjson.OPT_SORT_KEYS)
    )
    event = envelope(NAME, natural_key, event_at, context.received_at)
    event.update(
        {
            "partner_id": partner_id,
            "model_id": _pattern(record, "model_id", MODEL_ID, "a model id"),
            "event_type": event_type,
            "status": status,
            "error_code": error_code,
            "latency_ms": v.integer(record, "latency_ms", maximum=3_600_000),
            "ttft_ms": ttft,
            "tokens_in": v.integer(record, "tokens_in", maximum=10_000_000),
            "tokens_out": v.integer(record, "tokens_out", maximum=10_000_000),
            "sdk_version": _pattern(
                record, "sdk_version", SDK_VERSION, "a version (letters, digits, '.+-')"
            ),
        }
    )
    return Landed(event, partition)


@dataclass
class Batch:
    """The events of one request, and who sent them when the gateway says so."""

    events: list[Any]
    partner: str | None = None


def batch_from_api_event(api_event: dict) -> Batch:
    """The events in an API Gateway proxy event (v1 or v2) and the partner its
    authorizer vouched for (None if none did). Raises RecordError."""
    body = api_event.get("body")
    if body is None:
        raise RecordError(MISSING_FIELD, "body", "request has no body")
    if not isinstance(body, str):
        raise RecordError(INVALID_TYPE, "body", "request body must be text")
    if len(body) > MAX_RECORD_BYTES:
        problem = f"request body is {len(body):,} characters, over {MAX_RECORD_BYTES:,}"
        raise RecordError(TOO_LARGE, "body", problem)
    if api_event.get("isBase64Encoded") is True:
        try:
            body = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise RecordError(MALFORMED_JSON, "body", "body is not valid base64") from None
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise RecordError(MALFORMED_JSON, "body", "body is not valid JSON") from None
    batch = batch_from_payload(payload)
    batch.partner = authenticated_partner(api_event)
    return batch


def batch_from_payload(payload: Any) -> Batch:
    if isinstance(payload, list):
        events = payload
    elif isinstance(payload, dict) and "events" in payload:
        events = payload["events"]
        if not isinstance(events, list):
            raise RecordError(INVALID_FORMAT, "events", "'events' must be a list")
    elif isinstance(payload, dict):
        events = [payload]
    else:
        raise RecordError(
            NOT_A_RECORD, None, "body is neither an event, a list of events nor {'events': [...]}"
        )
    if not events:
        raise RecordError(MISSING_FIELD, "events", "the batch has no events")
    if len(events) > MAX_EVENTS_PER_BATCH:
        raise RecordError(
            INVALID_VALUE,
            "events",
            f"the batch has {len(events)} events, at most {MAX_EVENTS_PER_BATCH}",
        )
    return Batch(events)


def authenticated_partner(api_event: dict) -> str | None:
    """The partner id the API Gateway authorizer vouched for, or None.

    HTTP APIs (v2) put a JWT authorizer's claims in
    ``requestContext.authorizer.jwt.claims`` (what infra/partner_api.tf sets up)
    and a Lambda authorizer's context in ``requestContext.authorizer.lambda``;
    REST APIs (v1) put a Cognito authorizer's claims in
    ``requestContext.authorizer.claims`` and a Lambda authorizer's context in
    ``requestContext.authorizer``. The client cannot write any of these: API
    Gateway does. A claim that is not a valid partner id vouches for no one.
    """
    context = api_event.get("requestContext")
    authorizer = context.get("authorizer") if isinstance(context, dict) else None
    if not isinstance(authorizer, dict):
        return None
    jwt = authorizer.get("jwt")
    for scope in (
        jwt.get("claims") if isinstance(jwt, dict) else None,
        authorizer.get("lambda"),
        authorizer.get("claims"),
        authorizer,
    ):
        partner = scope.get("partner_id") if isinstance(scope, dict) else None
        if partner is not None:
            return partner if isinstance(partner, str) and PARTNER_ID.fullmatch(partner) else None
    return None


def is_api_event(item: Any) -> bool:
    return isinstance(item, dict) and "body" in item and "requestContext" in item


def parse(data: bytes, context: IngestContext) -> Iterator[Landed | Rejected]:
    whole, documents = read_documents(data)
    for document in documents:
        where = "document" if whole else f"line {document.line}"
        if document.problem is not None:
            message = f"line is {document.message}"
            yield Rejected(where, document.problem, None, message, document.text)
            continue
        item = document.value
        try:
            if not is_api_event(item):
                batch = batch_from_payload(item)
            elif authenticated_partner(item) is None:  # as the handler answers 401
                raise RecordError(
                    NOT_AUTHENTICATED,
                    "requestContext.authorizer",
                    "request carries no partner_id claim from the API's authorizer",
                )
            else:
                batch = batch_from_api_event(item)
        except RecordError as err:
            yield Rejected(where, err.reason, err.field, err.message, document.text)
            continue
        yield from validate_batch(batch, context, where=where)


def validate_batch(
    batch: Batch, context: IngestContext, *, where: str
) -> Iterator[Landed | Rejected]:
    for index, record in enumerate(batch.events):
        try:
            yield validate_event(record, context, partner=batch.partner)
        except RecordError as err:
            raw = record if isinstance(record, str) else json_text(record)
            yield Rejected(f"{where}, event {index}", err.reason, err.field, err.message, raw)


def body_digest(body: bytes | str) -> str:
    return hashlib.sha256(body.encode() if isinstance(body, str) else body).hexdigest()[:20]
