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
"""

from __future__ import annotations

import functools
import ipaddress
import operator
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import unquote, urlsplit

from ingest.enrich import UserAgentClassifier, country_of_edge
from ingest.records import (
    INVALID_FORMAT,
    INVALID_TYPE,
    MISSING_FIELD,
    IngestContext,
    Landed,
    RecordError,
    Rejected,
    envelope,
)
from ingest.validate import EARLIEST_EVENT, check_event_time

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
SECONDS_COLUMNS = {"time_taken": "time_taken_ms", "time_to_first_byte": "time_to_first_byte_ms"}
LANDED_AS = {**SECONDS_COLUMNS, "referer": "referer_host"}  # columns transformed on the way in
IPV4 = re.compile(r"(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
TIME = re.compile(r"\d{2}:\d{2}:\d{2}")


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


def parse(
    data: bytes, context: IngestContext, *, agents: UserAgentClassifier | None = None
) -> Iterator[Landed | Rejected]:
    agents = agents or _default_agents()
    clock = _Clock(context)
    layout: Layout | None = None
    for number, raw_line in enumerate(data.split(b"\n"), start=1):
        if not raw_line or raw_line == b"\r":
            continue
        try:
            line = raw_line.decode("utf-8").rstrip("\r")
        except UnicodeDecodeError as exc:
            text = raw_line.decode("utf-8", "replace")
            yield Rejected(
                f"line {number}", INVALID_FORMAT, None, f"not UTF-8 text ({exc.reason})", text
            )
            continue
        if line[0] == "#":
            if line.startswith("#Fields:"):
                try:
                    layout = Layout(line[len("#Fields:") :].split())
                except RecordError as err:
                    layout = None
                    yield Rejected(f"line {number}", err.reason, err.field, err.message, line)
            continue
        if layout is None:
            message = "log line before any usable #Fields header"
            yield Rejected(f"line {number}", MISSING_FIELD, "#Fields", message, line)
            continue
        try:
            yield _landed(line, layout, agents, clock, context)
        except RecordError as err:
            yield Rejected(f"line {number}", err.reason, err.field, err.message, line)


class _Clock:
    """date + time fields → (lake timestamp, partition), with each day parsed once."""

    def __init__(self, context: IngestContext):
        self.context = context
        self.latest = int(context.now.timestamp()) + 86_400
        self.days: dict[str, int] = {}

    def __call__(self, day: str, clock: str) -> tuple[str, tuple[str, str]]:
        midnight = self.days.get(day)
        if midnight is None:
            if not DATE.fullmatch(day):
                raise RecordError(INVALID_FORMAT, "date", f"date {day[:20]!r} is not YYYY-MM-DD")
            try:
                moment = datetime.fromisoformat(f"{day}T00:00:00+00:00")
            except ValueError:
                raise RecordError(INVALID_FORMAT, "date", f"date {day} does not exist") from None
            midnight = self.days[day] = int(moment.timestamp())
        if not TIME.fullmatch(clock) or clock[0:2] > "23" or clock[3:5] > "59" or clock[6:8] > "60":
            raise RecordError(INVALID_FORMAT, "time", f"time {clock[:20]!r} is not HH:MM:SS")
        seconds = midnight + int(clock[0:2]) * 3600 + int(clock[3:5]) * 60 + int(clock[6:8])
        if seconds > self.latest or seconds < EARLIEST_SECONDS:
            check_event_time(datetime.fromtimestamp(seconds, UTC), "date", now=self.context.now)
        return self.context.utc.from_micros(seconds * 1_000_000)


EARLIEST_SECONDS = int(EARLIEST_EVENT.timestamp())


def _landed(
    line: str, layout: Layout, agents: UserAgentClassifier, clock: _Clock, context: IngestContext
) -> Landed:
    values = line.split("\t")
    if len(values) != layout.width:
        message = f"line has {len(values)} fields, #Fields declares {layout.width}"
        raise RecordError(INVALID_FORMAT, None, message)
    event_at, partition = clock(values[layout.date_at], values[layout.time_at])
    fields = dict(zip(layout.columns, layout.pick(values), strict=True))
    for column, value in fields.items():
        if value == "-" or not value:
            fields[column] = None
    for column in INTEGER_COLUMNS:
        value = fields.get(column)
        if value is not None:
            if not value.isdigit():
                name = LOG_FIELD[column]
                message = f"field {name!r} must be a whole number, got {value[:40]!r}"
                raise RecordError(INVALID_TYPE, name, message)
            fields[column] = int(value)
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
        return round(float(value) * 1000)
    except ValueError:
        raise RecordError(
            INVALID_TYPE, column, f"field {column!r} must be seconds, got {value[:40]!r}"
        ) from None


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
