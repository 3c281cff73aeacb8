"""DynamoDB stream records of the app's users, conversations and feedback tables.

Accepted as a Lambda stream event (``{"Records": [...]}``) or as files of one
record per line (Kinesis Data Streams for DynamoDB → Firehose). Attributes are
DynamoDB JSON (``{"S": ...}``, ``{"N": ...}``, maps, lists, sets, booleans,
null); streams run with ``NEW_AND_OLD_IMAGES``.

Each table lands in its own Bronze table (``dynamodb_users`` ...). Raw ids are
replaced here by the app's own pseudonym, ``sha256(id)`` (what the turn logs
carry), so raw ids never reach the lake; Silver keys them with the pepper.
Personal and free-text attributes (email, names, conversation titles,
feedback comments) are dropped here and never land: the feedback comment
leaves only whether there was one and its length.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson

from ingest.records import (
    INVALID_FORMAT,
    INVALID_TYPE,
    INVALID_VALUE,
    MALFORMED_JSON,
    MISSING_FIELD,
    NOT_A_RECORD,
    OUT_OF_RANGE,
    IngestContext,
    Landed,
    RecordError,
    Rejected,
    envelope,
)
from ingest.validate import check_event_time

NAME = "dynamodb"
EVENT_NAMES = frozenset({"INSERT", "MODIFY", "REMOVE"})
TABLE_FROM_ARN = re.compile(r":table/([^/]+)")


def sniff(data: bytes) -> str | None:
    head = data[:4096].lstrip()
    if not head.startswith(b"{"):
        first = head.split(b"\n", 1)[0][:60].decode("utf-8", "replace")
        return f"expected DynamoDB stream records (JSON), file starts with {first!r}"
    if b'"dynamodb"' not in head and b'"Records"' not in head:
        return "expected DynamoDB stream records (no 'dynamodb' or 'Records' key)"
    return None


# --- DynamoDB JSON ----------------------------------------------------------


def unmarshal(value: Any, path: str) -> Any:
    """A DynamoDB-JSON typed attribute as a plain value (numbers as Decimal)."""
    if not isinstance(value, dict) or len(value) != 1:
        raise RecordError(INVALID_TYPE, path, f"attribute {path!r} is not a DynamoDB typed value")
    ((kind, inner),) = value.items()
    try:
        if kind == "S":
            return str(inner)
        if kind == "N":
            return Decimal(inner)
        if kind == "BOOL":
            return bool(inner)
        if kind == "NULL":
            return None
        if kind == "M":
            return {key: unmarshal(item, f"{path}.{key}") for key, item in inner.items()}
        if kind == "L":
            return [unmarshal(item, f"{path}[{index}]") for index, item in enumerate(inner)]
        if kind == "SS":
            return sorted(str(item) for item in inner)
        if kind == "NS":
            return sorted(Decimal(item) for item in inner)
        if kind == "B":
            return base64.b64decode(inner)
        if kind == "BS":
            return [base64.b64decode(item) for item in inner]
    except (InvalidOperation, TypeError, ValueError, AttributeError) as exc:
        raise RecordError(
            INVALID_TYPE, path, f"attribute {path!r} is not a valid {kind}: {exc}"
        ) from None
    raise RecordError(INVALID_TYPE, path, f"attribute {path!r} has unknown DynamoDB type {kind!r}")


def unmarshal_item(image: Any, path: str) -> dict[str, Any]:
    if not isinstance(image, dict):
        raise RecordError(INVALID_TYPE, path, f"{path} is not a DynamoDB item")
    return {key: unmarshal(value, f"{path}.{key}") for key, value in image.items()}


# --- attribute readers --------------------------------------------------------


def _text(item: dict, name: str, *, required: bool = False, max_length: int = 200) -> str | None:
    value = item.get(name)
    if value is None:
        if required:
            raise RecordError(MISSING_FIELD, name, f"attribute {name!r} is missing")
        return None
    if not isinstance(value, str):
        raise RecordError(INVALID_TYPE, name, f"attribute {name!r} must be a string (S)")
    if not value or len(value) > max_length:
        raise RecordError(
            OUT_OF_RANGE, name, f"attribute {name!r} must be 1 to {max_length} characters"
        )
    return value


def _integer(item: dict, name: str, low: int, high: int) -> int | None:
    value = item.get(name)
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, Decimal)
        or value != value.to_integral_value()
    ):
        raise RecordError(INVALID_TYPE, name, f"attribute {name!r} must be a whole number (N)")
    if not low <= value <= high:
        raise RecordError(
            OUT_OF_RANGE, name, f"attribute {name!r} is {value}, outside {low}..{high}"
        )
    return int(value)


def _moment(item: dict, name: str, context: IngestContext, *, required: bool = False) -> str | None:
    """An ISO-8601 string or epoch seconds attribute as a lake timestamp."""
    value = item.get(name)
    if value is None:
        if required:
            raise RecordError(MISSING_FIELD, name, f"attribute {name!r} is missing")
        return None
    try:
        if isinstance(value, Decimal):
            moment = datetime.fromtimestamp(float(value), tz=UTC)
        elif isinstance(value, str):
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
        else:
            raise ValueError
    except (ValueError, OverflowError):
        raise RecordError(
            INVALID_FORMAT, name, f"attribute {name!r} is not an ISO-8601 time or epoch seconds"
        ) from None
    check_event_time(moment, name, now=context.now)
    return context.utc.from_datetime(moment)[0]


def _hash_id(item: dict, name: str, *, required: bool = True) -> str | None:
    """A raw id as the app's pseudonym, sha256 hex; the raw id goes no further."""
    raw = _text(item, name, required=required, max_length=128)
    return hashlib.sha256(raw.encode()).hexdigest() if raw is not None else None


def _bool(item: dict, name: str) -> bool | None:
    value = item.get(name)
    if value is None or isinstance(value, bool):
        return value
    raise RecordError(INVALID_TYPE, name, f"attribute {name!r} must be a boolean (BOOL)")


# --- tables -------------------------------------------------------------------

PLANS = frozenset({"free", "plus", "pro"})
STATUSES = frozenset({"active", "archived"})


def _users(item: dict, context: IngestContext) -> dict[str, Any]:
    country = _text(item, "country", max_length=2)
    if country is not None and not (len(country) == 2 and country.isalpha()):
        raise RecordError(
            INVALID_FORMAT, "country", "attribute 'country' must be an ISO 3166 alpha-2 code"
        )
    plan = _text(item, "plan", max_length=16)
    if plan is not None and plan not in PLANS:
        raise RecordError(
            INVALID_VALUE,
            "plan",
            f"attribute 'plan' is {plan!r}, expected one of {', '.join(sorted(PLANS))}",
        )
    return {
        "uid": _hash_id(item, "user_id"),
        "signed_up_at": _moment(item, "created_at", context),
        "last_active_at": _moment(item, "last_active_at", context),
        "country_code": country.upper() if country else None,
        "birth_year": _integer(item, "birth_year", 1900, context.now.year),
        "plan": plan,
        "locale": _text(item, "locale", max_length=16),
        "marketing_opt_in": _bool(item, "marketing_opt_in"),
    }


def _conversations(item: dict, context: IngestContext) -> dict[str, Any]:
    status = _text(item, "status", max_length=16)
    if status is not None and status not in STATUSES:
        raise RecordError(
            INVALID_VALUE,
            "status",
            f"attribute 'status' is {status!r}, expected active or archived",
        )
    return {
        "cid": _hash_id(item, "conversation_id"),
        "uid": _hash_id(item, "user_id", required=False),
        "started_at": _moment(item, "created_at", context),
        "updated_at": _moment(item, "updated_at", context),
        "turn_count": _integer(item, "turn_count", 0, 100_000),
        "status": status,
        "model_id": _text(item, "model_id"),
    }


def _feedback(item: dict, context: IngestContext) -> dict[str, Any]:
    comment = item.get("comment")
    if comment is not None and not isinstance(comment, str):
        raise RecordError(INVALID_TYPE, "comment", "attribute 'comment' must be a string (S)")
    return {
        "feedback_hash": _hash_id(item, "feedback_id"),
        "uid": _hash_id(item, "user_id", required=False),
        "cid": _hash_id(item, "conversation_id", required=False),
        "turn_index": _integer(item, "turn_index", 0, 100_000),
        "rating": _integer(item, "rating", 1, 5),
        "has_comment": bool(comment and comment.strip()),
        "comment_length": len(comment) if comment else 0,
        "created_at": _moment(item, "created_at", context),
    }


@dataclass(frozen=True)
class Table:
    """How one app table lands: its Bronze table, key, reader and attribute lists."""

    bronze: str
    key: str
    read: Callable[[dict, IngestContext], dict[str, Any]]
    known: frozenset[str]  # attributes the reader uses
    dropped: frozenset[str]  # personal or free-text attributes deliberately not landed


# By table name after the `innerverse-` prefix.
TABLES = {
    "users": Table(
        "dynamodb_users",
        "user_id",
        _users,
        frozenset(
            {"user_id", "created_at", "last_active_at", "country", "birth_year", "plan", "locale"}
            | {"marketing_opt_in"}
        ),
        frozenset(
            {"email", "display_name", "phone", "full_name", "avatar_url", "password_hash"}
            | {"push_token", "consent"}
        ),
    ),
    "conversations": Table(
        "dynamodb_conversations",
        "conversation_id",
        _conversations,
        frozenset(
            {"conversation_id", "user_id", "created_at", "updated_at", "turn_count", "status"}
            | {"model_id"}
        ),
        frozenset({"title", "summary", "last_message", "messages"}),
    ),
    "feedback": Table(
        "dynamodb_feedback",
        "feedback_id",
        _feedback,
        frozenset(
            {"feedback_id", "user_id", "conversation_id", "turn_index", "rating", "comment"}
            | {"created_at"}
        ),
        frozenset(),
    ),
}
INGESTED = ", ".join(f"innerverse-{name}" for name in TABLES)


def table_of(record: dict) -> str:
    name = record.get("tableName")
    if not name:
        match = TABLE_FROM_ARN.search(record.get("eventSourceARN") or "")
        name = match.group(1) if match else None
    if not name:
        raise RecordError(
            MISSING_FIELD,
            "eventSourceARN",
            "record names no table (no eventSourceARN or tableName)",
        )
    short = name.removeprefix("innerverse-")
    if short not in TABLES:
        raise RecordError(
            INVALID_VALUE,
            "eventSourceARN",
            f"table {name!r} is not one this warehouse ingests ({INGESTED})",
        )
    return short


def to_landed(record: Any, raw: str, context: IngestContext) -> Landed:
    if not isinstance(record, dict) or not isinstance(record.get("dynamodb"), dict):
        raise RecordError(
            NOT_A_RECORD, "dynamodb", "not a DynamoDB stream record (no 'dynamodb' object)"
        )
    table = TABLES[table_of(record)]
    event_name = record.get("eventName")
    if event_name not in EVENT_NAMES:
        raise RecordError(
            INVALID_VALUE,
            "eventName",
            f"eventName is {event_name!r}, expected INSERT, MODIFY or REMOVE",
        )
    stream = record["dynamodb"]
    created = stream.get("ApproximateCreationDateTime")
    if isinstance(created, bool) or not isinstance(created, int | float):
        raise RecordError(
            MISSING_FIELD,
            "dynamodb.ApproximateCreationDateTime",
            "record has no ApproximateCreationDateTime",
        )
    # Lambda's stream events count seconds, Kinesis Data Streams records milliseconds.
    moment = datetime.fromtimestamp(created / 1000 if created > 1e11 else created, tz=UTC)
    check_event_time(moment, "dynamodb.ApproximateCreationDateTime", now=context.now)

    image_name = "OldImage" if event_name == "REMOVE" else "NewImage"
    image = stream.get(image_name) or stream.get("Keys")
    if image is None:
        raise RecordError(
            MISSING_FIELD, f"dynamodb.{image_name}", f"record has neither {image_name} nor Keys"
        )
    item = unmarshal_item(image, f"dynamodb.{image_name}")
    if table.key not in item and isinstance(stream.get("Keys"), dict):
        item.update(unmarshal_item(stream["Keys"], "dynamodb.Keys"))
    fields = table.read(item, context)

    natural_key = str(record.get("eventID") or raw)
    event_at, partition = context.utc.from_datetime(moment)
    event = envelope(table.bronze, natural_key, event_at, context.received_at)
    event["event_name"] = event_name
    event["sequence_number"] = str(stream.get("SequenceNumber") or "") or None
    event.update(fields)
    unknown = tuple(
        sorted(name for name in item if name not in table.known and name not in table.dropped)
    )
    return Landed(event, partition, unknown, table.bronze)


def iter_records(data: bytes) -> Iterator[tuple[str, Any | None, str]]:
    """(locator, record or None, raw text) for a Lambda event or one record per line."""
    try:
        whole = orjson.loads(data)
    except orjson.JSONDecodeError:
        whole = None
    if isinstance(whole, dict) and isinstance(whole.get("Records"), list):
        for index, record in enumerate(whole["Records"], start=1):
            yield f"record {index}", record, orjson.dumps(record).decode()
        return
    if isinstance(whole, dict):
        yield "record 1", whole, data.decode("utf-8", "replace")
        return
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            yield f"line {number}", orjson.loads(line), line.decode("utf-8", "replace")
        except orjson.JSONDecodeError:
            yield f"line {number}", None, line.decode("utf-8", "replace")


def parse(data: bytes, context: IngestContext) -> Iterator[Landed | Rejected]:
    for locator, record, raw in iter_records(data):
        if record is None:
            yield Rejected(locator, MALFORMED_JSON, None, "line is not valid JSON", raw)
            continue
        try:
            yield to_landed(record, raw, context)
        except RecordError as err:
            yield Rejected(locator, err.reason, err.field, err.message, raw)
