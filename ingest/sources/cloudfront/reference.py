"""The reference parser: line by line, each line landed or rejected with the
precise rule it breaks.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ingest.enrich import UserAgentClassifier
from ingest.limits import MAX_FIELD_CHARS, MAX_RECORD_BYTES
from ingest.records import (
    INVALID_FORMAT,
    INVALID_TYPE,
    MISSING_FIELD,
    OUT_OF_RANGE,
    TOO_LARGE,
    IngestContext,
    Landed,
    RecordError,
    Rejected,
    envelope,
)
from ingest.sources.cloudfront.fields import (
    INTEGER_COLUMNS,
    LOG_FIELD,
    MAX_BIGINT,
    NAME,
    SECONDS_COLUMNS,
    country_of,
    decoded_path,
    is_ip_address,
    milliseconds,
    referer_host,
    whole_number,
)
from ingest.sources.cloudfront.log import Clock, Layout, default_agents, log_blocks


def parse(
    data: bytes, context: IngestContext, *, agents: UserAgentClassifier | None = None
) -> Iterator[Landed | Rejected]:
    """The reference parser: one item per log line."""
    agents = agents or default_agents()
    clock = Clock(context)
    for block in log_blocks(data):
        if isinstance(block, Rejected):
            yield block
            continue
        layout, numbers, lines = block
        for number, line in zip(numbers, lines, strict=True):
            yield parse_line(number, line, layout, agents, clock, context)


def parse_line(
    number: int,
    line: str,
    layout: Layout,
    agents: UserAgentClassifier,
    clock: Clock,
    context: IngestContext,
) -> Landed | Rejected:
    try:
        return _landed(line, layout, agents, clock, context)
    except RecordError as err:
        return Rejected(f"line {number}", err.reason, err.field, err.message, line)


def _landed(
    line: str, layout: Layout, agents: UserAgentClassifier, clock: Clock, context: IngestContext
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
    fields: dict[str, Any] = dict(zip(layout.columns, layout.pick(values), strict=True))
    for column, value in fields.items():
        if value == "-" or not value:
            fields[column] = None
    for column in INTEGER_COLUMNS:
        digits = fields.get(column)
        if digits is not None:
            number = whole_number(digits)
            if number is None:
                name = LOG_FIELD[column]
                message = f"field {name!r} must be a whole number, got {digits[:40]!r}"
                raise RecordError(INVALID_TYPE, name, message)
            if number > MAX_BIGINT:
                name = LOG_FIELD[column]
                message = f"field {name!r} is {len(digits)} digits long, over a bigint"
                raise RecordError(OUT_OF_RANGE, name, message)
            fields[column] = number
    for seconds, millis in SECONDS_COLUMNS.items():
        if seconds in fields:
            value = fields.pop(seconds)
            fields[millis] = milliseconds(value, LOG_FIELD[seconds]) if value is not None else None

    ip = fields.get("client_ip")
    if ip is None:
        raise RecordError(MISSING_FIELD, "c-ip", "field 'c-ip' is empty")
    if not is_ip_address(ip):
        raise RecordError(INVALID_FORMAT, "c-ip", f"field 'c-ip' is not an IP address: {ip[:45]!r}")
    if fields.get("status") is None:
        raise RecordError(MISSING_FIELD, "sc-status", "field 'sc-status' is empty")
    path = fields.get("uri_path")
    if path is not None:
        fields["uri_path"] = decoded_path(path)
    fields["referer_host"] = referer_host(fields.pop("referer", None))

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
    event["country_code"] = country_of(edge)
    return Landed(event, partition, layout.unknown)
