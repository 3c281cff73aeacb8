"""CloudFront standard access logs: gzip files of tab-separated lines.

Each file starts with ``#Version`` and ``#Fields`` lines; the column order is
whatever ``#Fields`` declares (it differs between distributions, and older
files have fewer fields). ``-`` means empty; the user agent and other text
fields are URL-encoded.

Enriched once, here: browser, OS, device class and a bot flag from the user
agent, and the country of the edge location. The client IP lands as is and is
truncated to its /24 or /48 before Silver.

Fields that analytics never needs and that carry secrets or identifiers are
dropped here and never land: the query string and cookies (session tokens,
ids), ``x-forwarded-for`` (more addresses), the client port, field-level
encryption details and byte ranges. Fields this parser does not know are
reported by name and not landed.

A line over the record limit is quarantined as ``too_large``, a field over the
field limit as ``out_of_range`` (CloudFront itself refuses requests that long),
before any conversion or pattern runs on them.
"""

from __future__ import annotations

import functools
import ipaddress
import itertools
import operator
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any, cast
from urllib.parse import unquote, urlsplit

import msgspec

from ingest.enrich import UserAgentClass, UserAgentClassifier, country_of_edge
from ingest.limits import MAX_FIELD_CHARS, MAX_RECORD_BYTES
from ingest.records import (
    INVALID_FORMAT,
    INVALID_TYPE,
    MISSING_FIELD,
    OUT_OF_RANGE,
    SCHEMA_VERSION,
    TOO_LARGE,
    IngestContext,
    Landed,
    Landing,
    RecordError,
    Rejected,
    envelope,
    event_ids,
)
from ingest.validate import EARLIEST_EVENT, check_event_micros

NAME = "cloudfront"

# #Fields name → Bronze column. Kept as delivered (URL-decoded where noted).
KEPT = {
    "x-edge-location": "edge_location",
    "sc-bytes": "bytes_sent",
    "c-ip": "client_ip",
    "cs-method": "method",
    "cs(Host)": "host",
    "cs-uri-stem": "uri_path",
    "sc-status": "status",
    "cs(Referer)": "referer",
    "cs(User-Agent)": "user_agent",
    "x-edge-result-type": "edge_result_type",
    "x-edge-request-id": "request_id",
    "x-host-header": "host_header",
    "cs-protocol": "protocol",
    "cs-bytes": "bytes_received",
    "time-taken": "time_taken",
    "ssl-protocol": "ssl_protocol",
    "x-edge-response-result-type": "response_result_type",
    "cs-protocol-version": "http_version",
    "time-to-first-byte": "time_to_first_byte",
    "x-edge-detailed-result-type": "detailed_result_type",
    "sc-content-type": "content_type",
    "sc-content-len": "content_length",
}
LOG_FIELD = {column: name for name, column in KEPT.items()}  # for messages in CloudFront's terms
DROPPED = frozenset(
    {
        "cs-uri-query", "cs(Cookie)", "x-forwarded-for", "c-port", "ssl-cipher",
        "fle-status", "fle-encrypted-fields", "sc-range-start", "sc-range-end",
    }
)  # fmt: skip
REQUIRED = ("date", "time", "x-edge-location", "c-ip", "cs-method", "cs-uri-stem", "sc-status")
INTEGER_COLUMNS = frozenset({"bytes_sent", "bytes_received", "status", "content_length"})
MAX_BIGINT = 2**63 - 1  # Bronze's type for them
SECONDS_COLUMNS = {"time_taken": "time_taken_ms", "time_to_first_byte": "time_to_first_byte_ms"}
LANDED_AS = {**SECONDS_COLUMNS, "referer": "referer_host"}  # columns transformed on the way in
IPV4 = re.compile(r"(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
TIME = re.compile(r"\d{2}:\d{2}:\d{2}")
# A column of times, one per line, each a plain time of day: 00:00:00 .. 23:59:59.
PLAIN_TIMES = re.compile(r"(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\n)*")


def sniff(data: bytes) -> str | None:
    head = data[:2048]
    if head.startswith(b"#Version:") or head.startswith(b"#Fields:"):
        return None
    first = head.split(b"\n", 1)[0][:60].decode("utf-8", "replace")
    return f"expected a CloudFront access log starting with '#Version' or '#Fields', got {first!r}"


class Layout:
    """Where each wanted field is in the lines under one ``#Fields`` header."""

    def __init__(self, names: list[str]):
        self.names = names
        self.width = len(names)
        index = {name: position for position, name in enumerate(names)}
        missing = [name for name in REQUIRED if name not in index]
        if missing:
            raise RecordError(
                MISSING_FIELD, missing[0], f"#Fields does not declare {', '.join(missing)}"
            )
        kept = [(KEPT[name], position) for name, position in index.items() if name in KEPT]
        self.columns = tuple(column for column, _ in kept)
        self.positions = tuple(position for _, position in kept)
        # Older layouts lack some fields: every Bronze line still has every column.
        self.absent = tuple(
            LANDED_AS.get(column, column) for column in KEPT.values() if column not in self.columns
        )
        self.pick = operator.itemgetter(*(position for _, position in kept))
        self.unknown = tuple(
            name
            for name in names
            if name not in KEPT and name not in DROPPED and name not in ("date", "time")
        )
        self.date_at, self.time_at = index["date"], index["time"]


@functools.lru_cache(maxsize=256)
def _layout(fields: str) -> Layout:
    """Distributions keep their #Fields line: one Layout serves all their files."""
    return Layout(fields.split())


# A run of log lines under one #Fields header: (layout, their line numbers, their text).
Run = tuple[Layout, Sequence[int], list[str]]


def _log_blocks(data: bytes) -> Iterator[Rejected | Run]:
    """The file in order: each run of log lines under one #Fields header, and a
    Rejected for each line that is not UTF-8, each bad #Fields line and each line
    before any usable one."""
    try:
        text = data.decode("utf-8")  # the usual case: decode it all at once
    except UnicodeDecodeError:
        # Some line is not UTF-8: decode line by line to find it.
        yield from _log_blocks_line_by_line(data.split(b"\n"))
        return
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()  # the end of the last line
    if "\r" in text or "" in lines:
        yield from _log_blocks_line_by_line(lines)
    else:
        yield from _log_blocks_of_plain_lines(text, lines)


def _log_blocks_of_plain_lines(text: str, lines: list[str]) -> Iterator[Rejected | Run]:
    """_log_blocks of the lines of ``text``, none of them blank or with a carriage
    return: the lines between two comment lines form a run, taken as one slice."""
    # The indexes of the comment lines, found with str.find (a search for one
    # character is fast) rather than by looking at every line.
    comments = []
    index, counted_to = 0, 0  # text[counted_to] starts line `index`
    at = text.find("#")
    while at >= 0:
        if at == 0 or text[at - 1] == "\n":
            index += text.count("\n", counted_to, at)
            counted_to = at
            comments.append(index)
        at = text.find("#", at + 1)
    layout: Layout | None = None
    start = 0
    for end in [*comments, len(lines)]:
        if start < end:
            yield from _run(layout, range(start + 1, end + 1), lines[start:end])
        if end < len(lines):
            layout, rejected = _comment(lines[end], end + 1, layout)
            if rejected is not None:
                yield rejected
        start = end + 1


def _log_blocks_line_by_line(lines: list[str] | list[bytes]) -> Iterator[Rejected | Run]:
    """_log_blocks of any lines: blank ones (carriage returns at most) skipped, each
    decoded if it is bytes."""
    layout: Layout | None = None
    numbers: list[int] = []
    run: list[str] = []
    for number, raw_line in enumerate(lines, start=1):
        if type(raw_line) is str:
            line = raw_line.rstrip("\r")
        else:
            try:
                line = raw_line.decode("utf-8").rstrip("\r")
            except UnicodeDecodeError as exc:
                yield from _run(layout, numbers, run)
                numbers, run = [], []
                text = raw_line.decode("utf-8", "replace")
                yield Rejected(
                    f"line {number}", INVALID_FORMAT, None, f"not UTF-8 text ({exc.reason})", text
                )
                continue
        if not line:
            continue
        if line[0] == "#":
            yield from _run(layout, numbers, run)
            numbers, run = [], []
            layout, rejected = _comment(line, number, layout)
            if rejected is not None:
                yield rejected
            continue
        numbers.append(number)
        run.append(line)
    yield from _run(layout, numbers, run)


def _comment(
    line: str, number: int, layout: Layout | None
) -> tuple[Layout | None, Rejected | None]:
    """The layout after a comment line, and the Rejected of a bad #Fields line."""
    if not line.startswith("#Fields:"):
        return layout, None
    try:
        return _layout(line[len("#Fields:") :]), None
    except RecordError as err:
        return None, Rejected(f"line {number}", err.reason, err.field, err.message, line)


def _run(
    layout: Layout | None, numbers: Sequence[int], lines: list[str]
) -> Iterator[Rejected | Run]:
    """The run of these lines, or a Rejected for each if there is no usable #Fields yet."""
    if not lines:
        return
    if layout is not None:
        yield layout, numbers, lines
        return
    message = "log line before any usable #Fields header"
    for number, line in zip(numbers, lines, strict=True):
        yield Rejected(f"line {number}", MISSING_FIELD, "#Fields", message, line)


def parse(
    data: bytes, context: IngestContext, *, agents: UserAgentClassifier | None = None
) -> Iterator[Landed | Rejected]:
    """The reference parser: one item per log line."""
    agents = agents or _default_agents()
    clock = _Clock(context)
    for block in _log_blocks(data):
        if isinstance(block, Rejected):
            yield block
            continue
        layout, numbers, lines = block
        for number, line in zip(numbers, lines, strict=True):
            yield _reference(number, line, layout, agents, clock, context)


def _reference(
    number: int,
    line: str,
    layout: Layout,
    agents: UserAgentClassifier,
    clock: _Clock,
    context: IngestContext,
) -> Landed | Rejected:
    try:
        return _landed(line, layout, agents, clock, context)
    except RecordError as err:
        return Rejected(f"line {number}", err.reason, err.field, err.message, line)


class _Clock:
    """date + time fields → (lake timestamp, partition), with each day parsed once."""

    def __init__(self, context: IngestContext):
        self.context = context
        self.latest = int(context.now.timestamp()) + 86_400
        self.days: dict[str, int] = {}

    def midnight(self, day: str) -> int:
        midnight = self.days.get(day)
        if midnight is None:
            if not DATE.fullmatch(day):
                raise RecordError(INVALID_FORMAT, "date", f"date {day[:20]!r} is not YYYY-MM-DD")
            try:
                moment = datetime.fromisoformat(f"{day}T00:00:00+00:00")
            except ValueError:
                raise RecordError(INVALID_FORMAT, "date", f"date {day} does not exist") from None
            midnight = self.days[day] = int(moment.timestamp())
        return midnight

    def holds_whole_day(self, day: str) -> bool:
        """Whether ``day`` is plain ASCII YYYY-MM-DD and every second of it is a valid
        event time: then its times need no check but their own format."""
        try:
            midnight = self.midnight(day)
        except RecordError:
            return False
        return day.isascii() and midnight >= EARLIEST_SECONDS and midnight + 86_399 <= self.latest

    def __call__(self, day: str, clock: str) -> tuple[str, tuple[str, str]]:
        midnight = self.midnight(day)
        if not TIME.fullmatch(clock) or clock[0:2] > "23" or clock[3:5] > "59" or clock[6:8] > "60":
            raise RecordError(INVALID_FORMAT, "time", f"time {clock[:20]!r} is not HH:MM:SS")
        seconds = midnight + int(clock[0:2]) * 3600 + int(clock[3:5]) * 60 + int(clock[6:8])
        if seconds > self.latest or seconds < EARLIEST_SECONDS:
            check_event_micros(seconds * 1_000_000, "date", now=self.context.now)
        return self.context.utc.from_seconds(seconds)


EARLIEST_SECONDS = int(EARLIEST_EVENT.timestamp())


def _landed(
    line: str, layout: Layout, agents: UserAgentClassifier, clock: _Clock, context: IngestContext
) -> Landed:
    if len(line) > MAX_RECORD_BYTES:
        message = f"line is {len(line):,} characters, over the limit of {MAX_RECORD_BYTES:,}"
        raise RecordError(TOO_LARGE, None, message)
    values = line.split("\t")
    if len(values) != layout.width:
        message = f"line has {len(values)} fields, #Fields declares {layout.width}"
        raise RecordError(INVALID_FORMAT, None, message)
    if len(line) > MAX_FIELD_CHARS:
        for name, value in zip(layout.names, values, strict=True):
            if len(value) > MAX_FIELD_CHARS:
                message = f"field {name!r} is {len(value):,} characters, over {MAX_FIELD_CHARS:,}"
                raise RecordError(OUT_OF_RANGE, name, message)
    event_at, partition = clock(values[layout.date_at], values[layout.time_at])
    fields = dict(zip(layout.columns, layout.pick(values), strict=True))
    for column, value in fields.items():
        if value == "-" or not value:
            fields[column] = None
    for column in INTEGER_COLUMNS:
        value = fields.get(column)
        if value is not None:
            if not value.isdecimal():  # what int() reads (isdigit() takes "²" too)
                name = LOG_FIELD[column]
                message = f"field {name!r} must be a whole number, got {value[:40]!r}"
                raise RecordError(INVALID_TYPE, name, message)
            fields[column] = int(value)
            if fields[column] > MAX_BIGINT:
                name = LOG_FIELD[column]
                message = f"field {name!r} is {len(value)} digits long, over a bigint"
                raise RecordError(OUT_OF_RANGE, name, message)
    for seconds, millis in SECONDS_COLUMNS.items():
        if seconds in fields:
            value = fields.pop(seconds)
            fields[millis] = _milliseconds(value, LOG_FIELD[seconds]) if value is not None else None

    ip = fields.get("client_ip")
    if ip is None:
        raise RecordError(MISSING_FIELD, "c-ip", "field 'c-ip' is empty")
    if not (IPV4.fullmatch(ip) or (":" in ip and _is_ipv6(ip))):
        raise RecordError(INVALID_FORMAT, "c-ip", f"field 'c-ip' is not an IP address: {ip[:45]!r}")
    if fields.get("status") is None:
        raise RecordError(MISSING_FIELD, "sc-status", "field 'sc-status' is empty")
    path = fields.get("uri_path")
    if path is not None and "%" in path:
        fields["uri_path"] = unquote(path)
    referer = fields.pop("referer", None)
    fields["referer_host"] = _host(referer) if referer is not None else None

    agent = agents.classify(fields.get("user_agent") or "")
    edge = fields.get("edge_location")
    event = envelope(NAME, fields.get("request_id") or line, event_at, context.received_at)
    event.update(fields)
    for column in layout.absent:
        event[column] = None
    event["user_agent"] = agent.text
    event["browser_family"] = agent.browser_family
    event["os_family"] = agent.os_family
    event["device_class"] = agent.device_class
    event["is_bot"] = agent.is_bot
    event["country_code"] = country_of_edge(edge) if edge is not None else None
    return Landed(event, partition, layout.unknown)


def _milliseconds(value: str, column: str) -> int:
    try:
        millis = round(float(value) * 1000)
    except (ValueError, OverflowError):  # OverflowError: "inf", "1e999"
        raise RecordError(
            INVALID_TYPE, column, f"field {column!r} must be seconds, got {value[:40]!r}"
        ) from None
    if abs(millis) > MAX_BIGINT:  # "1e300" seconds: a number, but not a bigint of ms
        raise RecordError(OUT_OF_RANGE, column, f"field {column!r} is {value[:40]!r}, too large")
    return millis


def _is_ipv6(text: str) -> bool:
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


@functools.lru_cache(maxsize=10_000)
def _host(referer: str) -> str | None:
    """Only the referring site is kept: a full referer URL can carry ids and tokens."""
    text = unquote(referer)
    try:
        host = urlsplit(text).hostname
    except ValueError:
        return None
    return host[:255] if host else None


_AGENTS: UserAgentClassifier | None = None


def _default_agents() -> UserAgentClassifier:
    global _AGENTS
    if _AGENTS is None:
        _AGENTS = UserAgentClassifier()
    return _AGENTS


# --- The fast path ------------------------------------------------------------------
#
# The reference works line by line: a dict of the line's fields, three walks over
# it, the event dict, a Landed item. `land` works a run of lines under one #Fields
# header column by column: each column's distinct values are converted and checked
# once (a log file repeats the same addresses, user agents, edges, statuses and
# referers on line after line) and mapped back onto the lines by dict lookups in
# C. Columns that are all plain numbers or plain times of day, the usual case, are
# recognised in one pass over the joined column and converted whole. Per line
# there remains only the duplicate check and the encoding.
#
# A line is taken whole only when every rule the reference applies to it passes.
# A value that breaks a rule, or that makes a conversion fail in any way, marks
# its lines for the reference (`_reference`), which lands or rejects each with
# the precise rule, in its own order of checks. A line taken whole gets the
# reference's event: the same values, computed by the same functions, under the
# same keys in the same order; msgspec writes strings, integers, booleans and
# null exactly as orjson does.

ENVELOPE = ("event_id", "source", "event_at", "received_at", "schema_version")
ENRICHED = ("browser_family", "os_family", "device_class", "is_bot", "country_code")
MOVED = ("time_taken", "time_to_first_byte", "referer")  # land under other names, at the end
_encode = msgspec.json.Encoder().encode


class _Broken:
    """Marks a value that breaks a rule: its lines go to the reference."""


BROKEN = _Broken()


@functools.lru_cache(maxsize=256)
def _plan(layout: Layout) -> _Plan:
    """One plan per Layout, and so per #Fields line (see _layout)."""
    return _Plan(layout)


class _Plan:
    """Where `land` finds each Bronze column in the lines under one #Fields header."""

    def __init__(self, layout: Layout):
        position = dict(zip(layout.columns, layout.positions, strict=True))
        self.copied = [
            (column, position[column]) for column in layout.columns if column not in MOVED
        ]
        self.edge_location = [column for column, _ in self.copied].index("edge_location")
        self.width, self.date_at, self.time_at = layout.width, layout.date_at, layout.time_at
        self.placeholder = ["-"] * layout.width  # a line when no line has the right width
        self.request_id = position.get("request_id")
        self.referer = position.get("referer")
        self.user_agent = position.get("user_agent")
        self.seconds = [
            (position[column], LOG_FIELD[column])
            for column in SECONDS_COLUMNS
            if column in position
        ]
        moved = [SECONDS_COLUMNS[column] for column in SECONDS_COLUMNS if column in position]
        moved.append("referer_host")
        absent = [column for column in layout.absent if column not in moved]
        self.absent = len(absent)  # all None (a missing user agent is classified None too)
        self.unknown = layout.unknown
        self.line = msgspec.defstruct(
            "CloudFrontLine",
            [*ENVELOPE, *(column for column, _ in self.copied), *moved, *absent, *ENRICHED],
            gc=False,
        )


def land(
    data: bytes,
    context: IngestContext,
    landing: Landing,
    *,
    agents: UserAgentClassifier | None = None,
) -> None:
    """Land a file as ``parse`` would, converting each distinct value once."""
    agents = agents or _default_agents()
    clock = _Clock(context)
    agent_of: dict[str | None, UserAgentClass] = {}  # the file's distinct user agents
    for block in _log_blocks(data):
        if isinstance(block, Rejected):
            landing.add(block)
        else:
            layout, numbers, lines = block
            _land_run(layout, numbers, lines, agents, agent_of, clock, context, landing)


def _land_run(
    layout: Layout,
    numbers: Sequence[int],
    lines: list[str],
    agents: UserAgentClassifier,
    agent_of: dict[str | None, UserAgentClass],
    clock: _Clock,
    context: IngestContext,
    landing: Landing,
) -> None:
    """Land the lines under one #Fields header, column by column."""
    plan = _plan(layout)
    count = len(lines)
    rows = list(map(str.split, lines, itertools.repeat("\t")))
    refer: set[int] = set()  # the lines to hand to the reference
    if set(map(len, rows)) != {plan.width}:
        refer.update(at for at, row in enumerate(rows) if len(row) != plan.width)
    if max(map(len, lines)) > MAX_FIELD_CHARS:  # a field may be over its limit
        refer.update(at for at, line in enumerate(lines) if len(line) > MAX_FIELD_CHARS)
    if refer:
        # In the columns, a copy of a line the fast path takes stands in for each line
        # it hands on (of the wrong width, or too long), so that the columns line up.
        stand_in = next((row for at, row in enumerate(rows) if at not in refer), plan.placeholder)
        for at in refer:
            rows[at] = stand_in
    columns = list(zip(*rows, strict=True))

    def by_value(column: Sequence[Any], convert: Callable[[Any], Any]) -> list[Any]:
        """convert() of each value, computed once per distinct value."""
        results = {}
        for value in set(column):
            try:
                results[value] = convert(value)
            except Exception:  # whatever goes wrong, the reference decides what it means
                results[value] = BROKEN
        converted = list(map(results.__getitem__, column))
        if BROKEN in results.values():
            refer.update(at for at, result in enumerate(converted) if result is BROKEN)
        return converted

    # The event time: the clock's, or straight from the text where that is the same.
    days, times = columns[plan.date_at], columns[plan.time_at]
    day = days[0]
    if (
        days.count(day) == count
        and clock.holds_whole_day(day)
        and PLAIN_TIMES.fullmatch("\n".join(times) + "\n")
    ):
        event_ats = [f"{day}T{time}.000Z" for time in times]
        hours = {hour: (day, hour) for hour in {time[:2] for time in times}}
        partitions = [hours[time[:2]] for time in times]
    else:
        stamps = by_value(list(zip(days, times, strict=True)), lambda stamp: clock(*stamp))
        event_ats = [None if stamp is BROKEN else stamp[0] for stamp in stamps]
        partitions = [None if stamp is BROKEN else stamp[1] for stamp in stamps]

    # The Bronze columns after the envelope, in the reference's order, checked as it does.
    out: list[list[Any]] = []
    classes: list[UserAgentClass] = []
    for column, position in plan.copied:
        values = columns[position]
        if column in INTEGER_COLUMNS:
            out.append(_whole_numbers(values, by_value))
            if column == "status" and None in out[-1]:
                refer.update(at for at, status in enumerate(out[-1]) if status is None)
        elif column == "client_ip":
            out.append(by_value(values, _ip_address))
        elif column == "uri_path":
            out.append(by_value(values, _path))
        elif column == "user_agent":
            raw_agents = _text(values)
            classes = _classes(raw_agents, agents, agent_of)
            out.append(list(map(operator.attrgetter("text"), classes)))
        else:
            out.append(_text(values))
    for position, name in plan.seconds:
        out.append(_milliseconds_of(columns[position], name, by_value))
    if plan.referer is not None:
        out.append(by_value(_text(columns[plan.referer]), _referer_host))
    else:
        out.append([None] * count)
    out.extend([None] * count for _ in range(plan.absent))
    if plan.user_agent is None:  # classified as no user agent at all
        classes = _classes([None] * count, agents, agent_of)
    for name in ("browser_family", "os_family", "device_class", "is_bot"):
        out.append(list(map(operator.attrgetter(name), classes)))
    out.append(by_value(out[plan.edge_location], _country))

    # Every line's event id, and the Bronze line of each the reference would land.
    if plan.request_id is not None:
        request_ids = _text(columns[plan.request_id])
        natural_keys: Sequence[str]
        if None in request_ids:  # a line without a request id is known by its text
            natural_keys = [
                request_id or line for request_id, line in zip(request_ids, lines, strict=True)
            ]
        else:
            natural_keys = cast("Sequence[str]", request_ids)
    else:
        natural_keys = lines
    keys = event_ids(NAME, natural_keys)
    events = list(
        itertools.starmap(
            plan.line,
            zip(  # repeat() is endless; every other column has a value for each line
                keys,
                itertools.repeat(NAME),
                event_ats,
                itertools.repeat(context.received_at),
                itertools.repeat(SCHEMA_VERSION),
                *out,
                strict=False,
            ),
        )
    )
    # Land them in file order: the lines taken whole a stretch at a time, and between
    # two stretches a line the reference decides.
    landed = 0
    start = 0
    for at in [*sorted(refer), count]:
        if start < at:
            span = slice(start, at)
            bronze_lines = list(map(_encode, events[span]))
            landed += landing.add_lines(NAME, keys[span], partitions[span], bronze_lines)
        if at < count:
            landing.add(_reference(numbers[at], lines[at], layout, agents, clock, context))
        start = at + 1
    if landed:  # the reference counts an unknown field once per line it lands
        for name in plan.unknown:
            landing.unknown_fields[name] += landed


def _text(column: Sequence[str]) -> Sequence[str | None]:
    """ "-" and empty mean no value."""
    if "-" in column or "" in column:
        return [None if value == "-" or not value else value for value in column]
    return column


def _whole_numbers(column: Sequence[str], by_value: Callable) -> list[Any]:
    joined = "".join(column)
    # All plain whole numbers of at most 18 digits: all below a bigint's limit.
    if joined.isdigit() and joined.isascii() and all(column) and max(map(len, column)) <= 18:
        return list(map(int, column))
    return by_value(column, _whole_number)


def _whole_number(value: str) -> int | _Broken | None:
    if value == "-" or not value:
        return None
    if value.isdigit() and value.isascii() and int(value) <= MAX_BIGINT:
        return int(value)
    return BROKEN


def _milliseconds_of(column: Sequence[str], name: str, by_value: Callable) -> list[Any]:
    joined = "".join(column)
    # Plain decimals: float() reads each to a finite number, or refuses it ("1.2.3").
    if joined.replace(".", "").isdigit() and joined.isascii() and max(map(len, column)) <= 15:
        try:
            return [round(number * 1000) for number in map(float, column)]
        except ValueError:
            pass
    return by_value(column, functools.partial(_millis, name=name))


def _millis(value: str, name: str) -> int | None:
    return None if value == "-" or not value else _milliseconds(value, name)


def _ip_address(value: str) -> str | _Broken:
    if IPV4.fullmatch(value) or (":" in value and _is_ipv6(value)):
        return value
    return BROKEN  # "-" too: the address is required


def _path(value: str) -> str | None:
    if value == "-" or not value:
        return None
    return unquote(value) if "%" in value else value


def _referer_host(value: str | None) -> str | None:
    return _host(value) if value is not None else None


def _country(edge: str | None) -> str | None:
    return country_of_edge(edge) if edge is not None else None


def _classes(
    raw_agents: list[str | None],
    agents: UserAgentClassifier,
    agent_of: dict[str | None, UserAgentClass],
) -> list[UserAgentClass]:
    """Each line's user agent class; each distinct user agent is classified once a file."""
    for raw in set(raw_agents):
        if raw not in agent_of:
            agent_of[raw] = agents.classify(raw or "")
    return list(map(agent_of.__getitem__, raw_agents))
