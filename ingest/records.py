"""What every source parser produces, and the envelope every Bronze line carries.

A parser turns the text of one input file into a stream of :class:`Landed`
events and :class:`Rejected` records. It never raises for a bad record: the
record is rejected with a machine-readable ``reason``, the ``field`` at fault
and a sentence for people, and the batch goes on. A whole file that cannot be
read at all raises :class:`FileRejected` instead.

Those items are gathered, one input file at a time, in a :class:`Landing`. The
busiest sources also have a fast path that writes finished Bronze lines into
the landing directly, without an item per record (see ``land`` in
:mod:`ingest.sources`); it must leave the landing exactly as the items would.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

SCHEMA_VERSION = 1

# Machine-readable quarantine reasons, shared by every source.
MALFORMED_JSON = "malformed_json"
MISSING_FIELD = "missing_field"
INVALID_TYPE = "invalid_type"
INVALID_VALUE = "invalid_value"
OUT_OF_RANGE = "out_of_range"
INVALID_FORMAT = "invalid_format"
UNKNOWN_FIELD = "unknown_field"
NOT_A_RECORD = "not_a_record"
UNREADABLE_FILE = "unreadable_file"
TOO_LARGE = "too_large"  # a file or record over its limit (ingest.limits)
TOO_DEEP = "too_deep"  # JSON nested deeper than the limit


class FileRejected(Exception):
    """The file as a whole cannot be read (corrupt gzip, empty, wrong source, a
    JSON document that does not parse, over the size limit). A parser may raise
    it too, before or while it yields items: then nothing of the file lands and
    the file is quarantined whole."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(slots=True)
class Landed:
    event: dict[str, Any]  # envelope first, then the source's own fields
    partition: tuple[str, str]  # (dt, hour) from event_at
    unknown_fields: tuple[str, ...] = ()
    table: str | None = None  # Bronze table, when a source feeds several (default: the source)


@dataclass(slots=True)
class Skipped:
    """A record of the input that is not one of the source's records (an OpenTelemetry
    span that is not an LLM call): counted by ``kind`` in the ingest summary, neither
    landed nor quarantined, and not among the records read."""

    kind: str


@dataclass(slots=True)
class Rejected:
    locator: str  # where in the file: "line 12", "payload 3, log event 7"
    reason: str
    field: str | None
    message: str
    raw: str


class Landing:
    """What one input file lands, gathered before anything is written.

    The accounting rule lives here: every record read is counted once and ends
    landed, duplicate (its ``event_id`` was already landed in this run, so its
    event is in Bronze once) or rejected. Bronze lines are kept per (table, dt,
    hour) object, in the order the records were read.
    """

    __slots__ = (
        "added", "duplicates", "read", "rejected", "rows", "seen", "skipped", "table",
        "unknown_fields",
    )  # fmt: skip

    def __init__(self, table: str, seen: set[str]):
        self.table = table  # the Bronze table of items that do not name one
        self.seen = seen  # event ids landed earlier in the run, shared by its landings
        self.added: list[str] = []  # the event ids this landing added to ``seen``
        self.rows: dict[tuple[str, str, str], list[bytes]] = {}  # (table, dt, hour) -> lines
        self.rejected: list[Rejected] = []
        self.read = 0
        self.duplicates = 0
        self.unknown_fields: Counter[str] = Counter()
        self.skipped: Counter[str] = Counter()  # by kind; not among the records read

    def rows_for(self, table: str, partition: tuple[str, str]) -> list[bytes]:
        """The Bronze lines of one object, to append to."""
        key = (table, *partition)
        rows = self.rows.get(key)
        if rows is None:
            rows = self.rows[key] = []
        return rows

    def add(self, item: Landed | Rejected | Skipped) -> None:
        if isinstance(item, Skipped):
            self.skipped[item.kind] += 1
            return
        self.read += 1
        if isinstance(item, Landed):
            event_id = item.event["event_id"]
            if event_id in self.seen:
                self.duplicates += 1
                return
            self.seen.add(event_id)
            self.added.append(event_id)
            self.unknown_fields.update(item.unknown_fields)
            rows = self.rows_for(item.table or self.table, item.partition)
            rows.append(orjson.dumps(item.event))
        else:
            self.rejected.append(item)

    def add_lines(
        self, table: str, keys: list[str], partitions: list[tuple[str, str]], lines: list[bytes]
    ) -> int:
        """Land consecutive records a fast path took whole, as ``add`` would land their
        items: each its event id, (dt, hour) and Bronze line. Returns how many landed."""
        self.read += len(lines)
        if (
            partitions.count(partitions[0]) == len(partitions)
            and len(set(keys)) == len(keys)
            and self.seen.isdisjoint(keys)
        ):
            # The usual case: all in one hour, none a duplicate. They land in one go.
            self.seen.update(keys)
            self.added.extend(keys)
            self.rows_for(table, partitions[0]).extend(lines)
            return len(lines)
        current_partition, rows = None, []
        landed = 0
        for key, partition, line in zip(keys, partitions, lines, strict=True):
            if key in self.seen:
                self.duplicates += 1
                continue
            self.seen.add(key)
            self.added.append(key)
            if partition != current_partition:
                rows, current_partition = self.rows_for(table, partition), partition
            rows.append(line)
            landed += 1
        return landed

    @property
    def landed(self) -> int:
        return sum(len(rows) for rows in self.rows.values())


@dataclass
class RecordError(Exception):
    """Raised inside a parser's validation of one record; turned into Rejected."""

    reason: str
    field: str | None
    message: str
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __str__(self) -> str:
        return self.message


def event_id(source: str, natural_key: str | bytes) -> str:
    """A deterministic id: a redelivered record gets the same id and de-duplicates."""
    key = natural_key.encode() if isinstance(natural_key, str) else natural_key
    return hashlib.sha256(source.encode() + b"\x1f" + key).hexdigest()[:32]


def event_ids(source: str, natural_keys: Iterable[str]) -> list[str]:
    """``event_id(source, key)`` of many keys.

    Creating a SHA-256 object (an OpenSSL context, set up from scratch) costs
    more than hashing a short key; copying one is cheaper. So each key's hash
    starts as a copy of one that has already taken the prefix.
    """
    start = hashlib.sha256(source.encode() + b"\x1f").copy
    ids = []
    for key in natural_keys:
        hashed = start()
        hashed.update(key.encode())
        ids.append(hashed.hexdigest()[:32])
    return ids


def iso_utc(moment: datetime) -> str:
    """``2026-04-21T10:00:00.123Z``: the one timestamp format of the lake.

    Milliseconds, because that is what the sources carry and what Athena's
    Hive JSON SerDe keeps; DuckDB reads the same text to the same instant.
    """
    at = moment.astimezone(UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


# The end of a lake timestamp, looked up rather than formatted: formatting numbers
# with a width ("{second:02d}") costs more than the rest of from_millis together.
_SECONDS = [f"{second:02d}." for second in range(60)]  # "00." .. "59."
_MILLIS = [f"{milli:03d}Z" for milli in range(1000)]  # "000Z" .. "999Z"


class UtcFormatter:
    """Formats instants as lake timestamps and (dt, hour) partitions, fast.

    ``strftime`` costs more than everything else done to a record, so the text
    up to the hour is computed once per hour seen and the rest by arithmetic.
    The busiest parsers go through ``from_millis`` and ``from_seconds``, which
    keep the text up to the minute, so only the seconds are formatted per event.
    """

    def __init__(self) -> None:
        self._hours: dict[int, tuple[str, tuple[str, str]]] = {}
        self._minutes: dict[int, tuple[str, tuple[str, str]]] = {}

    def _hour(self, hour_index: int) -> tuple[str, tuple[str, str]]:
        at = datetime.fromtimestamp(hour_index * 3600, tz=UTC)
        parts = (at.strftime("%Y-%m-%dT%H:"), (at.strftime("%Y-%m-%d"), at.strftime("%H")))
        self._hours[hour_index] = parts
        return parts

    def _minute(self, minute_index: int) -> tuple[str, tuple[str, str]]:
        hour_index, minute = divmod(minute_index, 60)
        prefix, partition = self._hours.get(hour_index) or self._hour(hour_index)
        parts = self._minutes[minute_index] = (f"{prefix}{minute:02d}:", partition)
        return parts

    def from_millis(self, millis: int) -> tuple[str, tuple[str, str]]:
        """The same as ``from_micros(millis * 1000)``."""
        minute_index, rest = divmod(millis, 60_000)
        prefix, partition = self._minutes.get(minute_index) or self._minute(minute_index)
        second, milli = divmod(rest, 1000)
        return f"{prefix}{_SECONDS[second]}{_MILLIS[milli]}", partition

    def from_seconds(self, seconds: int) -> tuple[str, tuple[str, str]]:
        """The same as ``from_micros(seconds * 1_000_000)``."""
        minute_index, second = divmod(seconds, 60)
        prefix, partition = self._minutes.get(minute_index) or self._minute(minute_index)
        return f"{prefix}{_SECONDS[second]}000Z", partition

    def from_micros(self, micros: int) -> tuple[str, tuple[str, str]]:
        hour_index, rest = divmod(micros, 3_600_000_000)
        minute, rest = divmod(rest, 60_000_000)
        second, rest = divmod(rest, 1_000_000)
        prefix, partition = self._hours.get(hour_index) or self._hour(hour_index)
        return f"{prefix}{minute:02d}:{second:02d}.{rest // 1000:03d}Z", partition

    def from_datetime(self, moment: datetime) -> tuple[str, tuple[str, str]]:
        delta = moment.astimezone(UTC) - _EPOCH
        return self.from_micros(
            (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        )


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def envelope(
    source: str, natural_key: str | bytes, event_at: str, received_at: str
) -> dict[str, Any]:
    """The Bronze envelope of one event; source fields are added after it."""
    return {
        "event_id": event_id(source, natural_key),
        "source": source,
        "event_at": event_at,
        "received_at": received_at,
        "schema_version": SCHEMA_VERSION,
    }


@dataclass
class IngestContext:
    """What a parser needs besides the file: the ingest time and a formatter."""

    received_at: str
    now: datetime
    utc: UtcFormatter = field(default_factory=UtcFormatter)

    @classmethod
    def at(cls, now: datetime) -> IngestContext:
        return cls(received_at=iso_utc(now), now=now)

    @property
    def latest_event_micros(self) -> int:
        """Events more than a day in the future are clock errors."""
        return (self.now - _EPOCH) // timedelta(microseconds=1) + 86_400_000_000
