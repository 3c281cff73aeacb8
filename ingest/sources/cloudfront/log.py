"""Reading a log file: its ``#Fields`` layouts, the runs of lines under each, the
date and time of a line, and the user-agent classifier both parsers share.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterator, Sequence
from datetime import datetime

from ingest.enrich import UserAgentClassifier
from ingest.records import INVALID_FORMAT, MISSING_FIELD, IngestContext, RecordError, Rejected
from ingest.sources.cloudfront.fields import DATE, DROPPED, KEPT, LANDED_AS, REQUIRED, TIME
from ingest.validate import EARLIEST_EVENT, check_event_micros


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


def log_blocks(data: bytes) -> Iterator[Rejected | Run]:
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
    """log_blocks of the lines of ``text``, none of them blank or with a carriage
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


def _log_blocks_line_by_line(lines: Sequence[str | bytes]) -> Iterator[Rejected | Run]:
    """log_blocks of any lines: blank ones (carriage returns at most) skipped, each
    decoded if it is bytes."""
    layout: Layout | None = None
    numbers: list[int] = []
    run: list[str] = []
    for number, raw_line in enumerate(lines, start=1):
        if isinstance(raw_line, str):
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


class Clock:
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

_AGENTS: UserAgentClassifier | None = None


def default_agents() -> UserAgentClassifier:
    global _AGENTS
    if _AGENTS is None:
        _AGENTS = UserAgentClassifier()
    return _AGENTS
