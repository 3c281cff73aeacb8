"""DynamoDB stream records of the app's users, conversations and feedback tables.

Accepted as a Lambda stream event (``{"Records": [...]}``, pretty-printed or
not, as a saved test event is), or as files of one record per line (Kinesis
Data Streams for DynamoDB → Firehose), or one event per line. Attributes are
DynamoDB JSON (``{"S": ...}``, ``{"N": ...}``, maps, lists, sets, booleans,
null); streams run with ``NEW_AND_OLD_IMAGES``. ``ApproximateCreationDateTime``
counts seconds in Lambda events and milliseconds or microseconds through
Kinesis: the unit is read from the magnitude.

Each table lands in its own Bronze table (``dynamodb_users`` ...). Raw ids are
replaced here by the app's own pseudonym, ``sha256(id)`` (what the turn logs
carry), so raw ids never reach the lake; Silver keys them with the pepper.
Personal and free-text attributes (email, names, conversation titles,
feedback comments) are dropped here and never land: the feedback comment
leaves only whether there was one and its length.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ingest import validate as v
from ingest.json_input import read_documents
from ingest.limits import MAX_ATTRIBUTE_DEPTH, MAX_DEPTH, deeper_than, json_text
from ingest.records import (
    INVALID_FORMAT,
    INVALID_TYPE,
    INVALID_VALUE,
    MISSING_FIELD,
    NOT_A_RECORD,
    OUT_OF_RANGE,
    TOO_DEEP,
    IngestContext,
    Landed,
    RecordError,
    Rejected,
    envelope,
)

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

# DynamoDB's numbers: up to 38 significant digits, magnitudes 1E-130 to 1E+126.
MAX_NUMBER_TEXT = 64
SMALLEST_EXPONENT, LARGEST_EXPONENT = -130, 125


def unmarshal(value: Any, path: str, depth: int = 1) -> Any:
    """A DynamoDB-JSON typed attribute as a plain value (numbers as Decimal)."""
    if not isinstance(value, dict) or len(value) != 1:
        raise RecordError(INVALID_TYPE, path, f"attribute {path!r} is not a DynamoDB typed value")
    ((kind, inner),) = value.items()
    if kind in ("M", "L") and depth > MAX_ATTRIBUTE_DEPTH:
        raise RecordError(
            TOO_DEEP, path, f"attribute {path!r} nests deeper than {MAX_ATTRIBUTE_DEPTH} levels"
        )
    try:
        if kind == "S" and isinstance(inner, str):
            return inner
        if kind == "N":
            return _number(inner, path)
        if kind == "BOOL" and isinstance(inner, bool):
            return inner
        if kind == "NULL" and inner is True:
            return None
        if kind == "M" and isinstance(inner, dict):
            return {key: unmarshal(item, f"{path}.{key}", depth + 1) for key, item in inner.items()}
        if kind == "L" and isinstance(inner, list):
            return [
                unmarshal(item, f"{path}[{index}]", depth + 1) for index, item in enumerate(inner)
            ]
        if kind == "SS" and isinstance(inner, list) and all(isinstance(x, str) for x in inner):
            return sorted(inner)
        if kind == "NS" and isinstance(inner, list):
            return sorted(_number(item, path) for item in inner)
        if kind == "B" and isinstance(inner, str):
            return base64.b64decode(inner, validate=True)
        if kind == "BS" and isinstance(inner, list):
            return [base64.b64decode(item, validate=True) for item in inner]
    except (binascii.Error, TypeError, ValueError) as exc:
        raise RecordError(
            INVALID_TYPE, path, f"attribute {path!r} is not a valid {kind}: {exc}"
        ) from None
    if kind in ("S", "N", "BOOL", "NULL", "M", "L", "SS", "NS", "B", "BS"):
        raise RecordError(INVALID_TYPE, path, f"attribute {path!r} is not a valid {kind}")
    raise RecordError(
        INVALID_TYPE, path, f"attribute {path!r} has unknown DynamoDB type {str(kind)[:20]!r}"
    )


def _number(text: Any, path: str) -> Decimal:
    """A DynamoDB number (sent as text) as a Decimal; never NaN or infinite."""
    if not isinstance(text, str) or len(text) > MAX_NUMBER_TEXT:
        raise RecordError(INVALID_TYPE, path, f"attribute {path!r} is not a DynamoDB number")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise RecordError(
            INVALID_TYPE, path, f"attribute {path!r} is not a DynamoDB number"
        ) from None
    if not number.is_finite():
        raise RecordError(INVALID_TYPE, path, f"attribute {path!r} is not a finite number")
    if number and not SMALLEST_EXPONENT <= number.adjusted() <= LARGEST_EXPONENT:
        raise RecordError(OUT_OF_RANGE, path, f"attribute {path!r} is outside DynamoDB's range")
    return number


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
    """An ISO-8601 string or epoch number (any unit) attribute as a lake timestamp."""
    value = item.get(name)
    if value is None:
        if required:
            raise RecordError(MISSING_FIELD, name, f"attribute {name!r} is missing")
        return None
    if isinstance(value, Decimal):
        number = int(value) if value == value.to_integral_value() else float(value)
        return context.utc.from_micros(v.epoch_micros(number, name, now=context.now))[0]
    problem = f"attribute {name!r} is not an ISO-8601 time or an epoch time"
    if not isinstance(value, str) or len(value) > 40:
        raise RecordError(INVALID_FORMAT, name, problem)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise RecordError(INVALID_FORMAT, name, problem) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    micros = v.instant_micros(moment, name)
    v.check_event_micros(micros, name, now=context.now)
    return context.utc.from_micros(micros)[0]


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


MAX_ARN = 2048  # AWS's own limit on an ARN


def table_of(record: dict) -> str:
    name = record.get("tableName")
    if name is not None and (not isinstance(name, str) or len(name) > 255):
        raise RecordError(INVALID_TYPE, "tableName", "tableName must be a table name (text)")
    if not name:
        arn = record.get("eventSourceARN")
        if arn is not None and (not isinstance(arn, str) or len(arn) > MAX_ARN):
            raise RecordError(
                INVALID_TYPE, "eventSourceARN", "eventSourceARN must be an ARN (text)"
            )
        match = TABLE_FROM_ARN.search(arn or "")
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
            f"table {name[:80]!r} is not one this warehouse ingests ({INGESTED})",
        )
    return short


def to_landed(record: Any, raw: str, context: IngestContext) -> Landed:
    if not isinstance(record, dict) or not isinstance(record.get("dynamodb"), dict):
        raise RecordError(
            NOT_A_RECORD, "dynamodb", "not a DynamoDB stream record (no 'dynamodb' object)"
        )
    # Only a record with that many brackets can nest that deep.
    if raw.count("{") + raw.count("[") > MAX_DEPTH and deeper_than(record, MAX_DEPTH):
        raise RecordError(TOO_DEEP, None, f"record nests deeper than {MAX_DEPTH} levels")
    table = TABLES[table_of(record)]
    event_name = record.get("eventName")
    if not isinstance(event_name, str) or event_name not in EVENT_NAMES:
        shown = event_name[:20] if isinstance(event_name, str) else type(event_name).__name__
        raise RecordError(
            INVALID_VALUE,
            "eventName",
            f"eventName is {shown!r}, expected INSERT, MODIFY or REMOVE",
        )
    stream = record["dynamodb"]
    created = stream.get("ApproximateCreationDateTime")
    if isinstance(created, bool) or not isinstance(created, int | float):
        raise RecordError(
            MISSING_FIELD,
            "dynamodb.ApproximateCreationDateTime",
            "record has no ApproximateCreationDateTime",
        )
    micros = v.epoch_micros(created, "dynamodb.ApproximateCreationDateTime", now=context.now)

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

    natural_key = _short_text(record, "eventID") or raw
    event_at, partition = context.utc.from_micros(micros)
    event = envelope(table.bronze, natural_key, event_at, context.received_at)
    event["event_name"] = event_name
    event["sequence_number"] = _short_text(stream, "SequenceNumber", "dynamodb.SequenceNumber")
    event.update(fields)
    unknown = tuple(
        sorted(name for name in item if name not in table.known and name not in table.dropped)
    )
    return Landed(event, partition, unknown, table.bronze)


def _short_text(record: dict, name: str, path: str | None = None) -> str | None:
    """An id AWS writes as text (a number is taken as its digits)."""
    value = record.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int) or len(str(value)) > 128:
        raise RecordError(INVALID_TYPE, path or name, f"{path or name} must be an id (text)")
    return str(value)


def iter_records(data: bytes) -> Iterator[tuple[str, Any, str] | Rejected]:
    """(locator, record, raw text) for each record of a file, Lambda stream events
    (``{"Records": [...]}``) and single records, as one document or one per line;
    a Rejected for each line that cannot be read."""
    whole, documents = read_documents(data)
    for document in documents:
        where = "" if whole else f"line {document.line}"
        value = document.value
        if document.problem is not None:
            yield Rejected(
                where, document.problem, None, f"line is {document.message}", document.text
            )
        elif isinstance(value, dict) and isinstance(value.get("Records"), list):
            for index, record in enumerate(value["Records"], start=1):
                locator = f"{where}, record {index}" if where else f"record {index}"
                yield locator, record, json_text(record)
        else:
            yield where or "record 1", value, document.text


def parse(data: bytes, context: IngestContext) -> Iterator[Landed | Rejected]:
    for item in iter_records(data):
        if isinstance(item, Rejected):
            yield item
            continue
        locator, record, raw = item
        try:
            yield to_landed(record, raw, context)
        except RecordError as err:
            yield Rejected(locator, err.reason, err.field, err.message, raw)
