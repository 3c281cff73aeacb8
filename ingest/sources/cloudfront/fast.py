"""The fast path: a run of lines under one ``#Fields`` header landed column by
column, every line that breaks a rule handed to the reference parser.
"""

from __future__ import annotations

import functools
import itertools
import operator
from collections.abc import Callable, Sequence
from typing import Any, cast

import msgspec

from ingest.enrich import UserAgentClass, UserAgentClassifier
from ingest.limits import MAX_FIELD_CHARS
from ingest.records import SCHEMA_VERSION, IngestContext, Landing, Rejected, event_ids
from ingest.sources.cloudfront.fields import (
    INTEGER_COLUMNS,
    LOG_FIELD,
    MAX_BIGINT,
    NAME,
    PLAIN_TIMES,
    SECONDS_COLUMNS,
    country_of,
    decoded_path,
    is_ip_address,
    milliseconds,
    referer_host,
    whole_number,
)
from ingest.sources.cloudfront.log import Clock, Layout, default_agents, log_blocks
from ingest.sources.cloudfront.reference import parse_line

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
# its lines for the reference (`parse_line`), which lands or rejects each with
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
    agents = agents or default_agents()
    clock = Clock(context)
    agent_of: dict[str | None, UserAgentClass] = {}  # the file's distinct user agents
    for block in log_blocks(data):
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
    clock: Clock,
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
        event_ats: list[Any] = [f"{day}T{time}.000Z" for time in times]
        hours = {hour: (day, hour) for hour in {time[:2] for time in times}}
        partitions: list[Any] = [hours[time[:2]] for time in times]
    else:
        stamps = by_value(list(zip(days, times, strict=True)), lambda stamp: clock(*stamp))
        event_ats = [None if stamp is BROKEN else stamp[0] for stamp in stamps]
        partitions = [None if stamp is BROKEN else stamp[1] for stamp in stamps]

    # The Bronze columns after the envelope, in the reference's order, checked as it does.
    out: list[Sequence[Any]] = []
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
        out.append(by_value(_text(columns[plan.referer]), referer_host))
    else:
        out.append([None] * count)
    out.extend([None] * count for _ in range(plan.absent))
    if plan.user_agent is None:  # classified as no user agent at all
        classes = _classes([None] * count, agents, agent_of)
    for name in ("browser_family", "os_family", "device_class", "is_bot"):
        out.append(list(map(operator.attrgetter(name), classes)))
    out.append(by_value(out[plan.edge_location], country_of))

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
            landing.add(parse_line(numbers[at], lines[at], layout, agents, clock, context))
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
    number = whole_number(value)
    return number if number is not None and number <= MAX_BIGINT else BROKEN


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
    return None if value == "-" or not value else milliseconds(value, name)


def _ip_address(value: str) -> str | _Broken:
    return value if is_ip_address(value) else BROKEN  # "-" too: the address is required


def _path(value: str) -> str | None:
    return None if value == "-" or not value else decoded_path(value)


def _classes(
    raw_agents: Sequence[str | None],
    agents: UserAgentClassifier,
    agent_of: dict[str | None, UserAgentClass],
) -> list[UserAgentClass]:
    """Each line's user agent class; each distinct user agent is classified once a file."""
    for raw in set(raw_agents):
        if raw not in agent_of:
            agent_of[raw] = agents.classify(raw or "")
    return list(map(agent_of.__getitem__, raw_agents))
