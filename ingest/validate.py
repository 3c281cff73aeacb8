"""Small field validators shared by the source parsers.

Each takes the record (a dict) and a field name and returns the typed value,
or raises :class:`~ingest.records.RecordError` naming the field and the rule.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from ingest.records import (
    INVALID_FORMAT,
    INVALID_TYPE,
    INVALID_VALUE,
    MISSING_FIELD,
    OUT_OF_RANGE,
    RecordError,
)

SHA256_HEX = re.compile(r"[0-9a-f]{64}")

# Events outside this window are clock or parsing errors, not late data.
EARLIEST_EVENT = datetime(2020, 1, 1, tzinfo=UTC)
EARLIEST_EVENT_MICROS = int(EARLIEST_EVENT.timestamp()) * 1_000_000


def _missing(record: dict[str, Any], name: str) -> RecordError:
    return RecordError(MISSING_FIELD, name, f"required field {name!r} is missing")


def required(record: dict[str, Any], name: str) -> Any:
    value = record.get(name)
    if value is None:
        raise _missing(record, name)
    return value


def integer(
    record: dict[str, Any],
    name: str,
    *,
    minimum: int | None = 0,
    maximum: int | None = None,
    optional: bool = False,
    default: int | None = None,
) -> int | None:
    value = record.get(name)
    if value is None:
        if optional:
            return default
        raise _missing(record, name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RecordError(
            INVALID_TYPE, name, f"field {name!r} must be a number, got {type(value).__name__}"
        )
    if isinstance(value, float):
        if not math.isfinite(value) or value != int(value):
            raise RecordError(INVALID_TYPE, name, f"field {name!r} must be a whole number")
        value = int(value)
    if minimum is not None and value < minimum:
        raise RecordError(OUT_OF_RANGE, name, f"field {name!r} is {value}, below {minimum}")
    if maximum is not None and value > maximum:
        raise RecordError(OUT_OF_RANGE, name, f"field {name!r} is {value}, above {maximum}")
    return value


def number(
    record: dict[str, Any],
    name: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    optional: bool = False,
) -> float | None:
    value = record.get(name)
    if value is None:
        if optional:
            return None
        raise _missing(record, name)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise RecordError(INVALID_TYPE, name, f"field {name!r} must be a finite number")
    if minimum is not None and value < minimum:
        raise RecordError(OUT_OF_RANGE, name, f"field {name!r} is {value}, below {minimum}")
    if maximum is not None and value > maximum:
        raise RecordError(OUT_OF_RANGE, name, f"field {name!r} is {value}, above {maximum}")
    return float(value)


def text(
    record: dict[str, Any],
    name: str,
    *,
    max_length: int = 256,
    optional: bool = False,
    pattern: re.Pattern[str] | None = None,
    pattern_help: str = "",
) -> str | None:
    value = record.get(name)
    if value is None or value == "":
        if optional:
            return None
        raise _missing(record, name)
    if not isinstance(value, str):
        raise RecordError(
            INVALID_TYPE, name, f"field {name!r} must be a string, got {type(value).__name__}"
        )
    if len(value) > max_length:
        raise RecordError(
            OUT_OF_RANGE, name, f"field {name!r} is {len(value)} characters, over {max_length}"
        )
    if pattern is not None and not pattern.fullmatch(value):
        raise RecordError(INVALID_FORMAT, name, f"field {name!r} {pattern_help}")
    return value


def choice(
    record: dict[str, Any], name: str, allowed: frozenset[str], *, optional: bool = False
) -> str | None:
    value = text(record, name, optional=optional)
    if value is not None and value not in allowed:
        raise RecordError(
            INVALID_VALUE,
            name,
            f"field {name!r} is {value[:40]!r}, expected one of {', '.join(sorted(allowed))}",
        )
    return value


def sha256_id(record: dict[str, Any], name: str, *, optional: bool = False) -> str | None:
    return text(
        record,
        name,
        max_length=64,
        optional=optional,
        pattern=SHA256_HEX,
        pattern_help="must be the app's SHA-256 pseudonym (64 lowercase hex characters)",
    )


# Epoch timestamps arrive in seconds, milliseconds, microseconds or nanoseconds
# (DynamoDB streams count seconds, or microseconds when they go through Kinesis;
# EMF counts milliseconds). The unit is read from the magnitude: from 1973 to 5138,
# each unit's numbers lie in their own thousandfold band, and every event this
# warehouse accepts lies in that span.
_UNITS = ((1e11, 1_000_000), (1e14, 1_000), (1e17, 1), (1e20, None))  # (below, µs per unit)


def epoch_micros(value: Any, name: str, *, now: datetime) -> int:
    """Microseconds since the epoch from an epoch number in any of the four units,
    inside the accepted window (``check_event_micros``)."""
    if value is None:
        raise RecordError(MISSING_FIELD, name, f"required field {name!r} is missing")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise RecordError(INVALID_TYPE, name, f"field {name!r} must be an epoch time (a number)")
    unit = next((scale for below, scale in _UNITS if abs(value) < below), 0)
    if unit == 0:
        raise RecordError(OUT_OF_RANGE, name, f"field {name!r} is {value}, not an epoch time")
    if unit is None:  # nanoseconds
        micros = value // 1000 if isinstance(value, int) else round(value / 1000)
    else:
        micros = value * unit if isinstance(value, int) else round(value * unit)
    check_event_micros(micros, name, now=now)
    return micros


def check_event_micros(micros: int, name: str, *, now: datetime) -> None:
    """Events outside 2020-01-01 .. now + 1 day are clock or parsing errors."""
    latest = (now - _EPOCH) // _MICROSECOND + 86_400_000_000  # IngestContext.latest_event_micros
    if not EARLIEST_EVENT_MICROS <= micros <= latest:
        raise RecordError(OUT_OF_RANGE, name, f"field {name!r} is {_describe(micros)}, {_WINDOW}")


def check_event_time(moment: datetime, name: str, *, now: datetime) -> None:
    check_event_micros(instant_micros(moment, name), name, now=now)


def instant_micros(moment: datetime, name: str) -> int:
    """Microseconds since the epoch of an aware datetime, even one that lies where
    converting it to UTC would overflow (``0001-01-01T00:00:00+01:00``): then it is
    out of range."""
    try:
        return (moment - _EPOCH) // _MICROSECOND
    except OverflowError:
        raise RecordError(OUT_OF_RANGE, name, f"field {name!r} is {_WINDOW}") from None


def _describe(micros: int) -> str:
    try:
        return f"{_EPOCH + micros * _MICROSECOND:%Y-%m-%d %H:%M:%S}Z"
    except OverflowError:
        return "beyond the calendar"


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_WINDOW = "outside 2020-01-01 .. now + 1 day"


def iso_instant(record: dict[str, Any], name: str, *, now: datetime) -> int:
    """An ISO-8601 time with a zone (``2026-04-21T10:00:03.120Z``) as microseconds
    since the epoch, inside the accepted window."""
    value = text(record, name, max_length=40)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))  # type: ignore[union-attr]
    except ValueError:
        raise RecordError(INVALID_FORMAT, name, f"field {name!r} is not an ISO-8601 time") from None
    if moment.tzinfo is None:
        raise RecordError(INVALID_FORMAT, name, f"field {name!r} has no time zone (use Z for UTC)")
    micros = instant_micros(moment, name)
    check_event_micros(micros, name, now=now)
    return micros
