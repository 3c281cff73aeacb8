"""Terminal output: progress that rewrites one line on a terminal and prints a
few milestones when piped, and plain aligned tables."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from typing import TextIO


class Progress:
    """``label: 120/746 files · 19,233 records`` kept current on stderr."""

    def __init__(self, label: str, stream: TextIO | None = None):
        self.label = label
        self.stream = stream or sys.stderr
        self.interactive = self.stream.isatty()
        self.started = time.monotonic()
        self._last_draw = 0.0
        self._last_decile = -1

    def update(self, done: int, total: int, detail: str = "") -> None:
        now = time.monotonic()
        line = f"{self.label}: {done:,}/{total:,}" + (f" · {detail}" if detail else "")
        if self.interactive:
            if done == total or now - self._last_draw > 0.1:
                self.stream.write("\r\033[K" + line)
                self.stream.flush()
                self._last_draw = now
        else:
            decile = done * 10 // max(total, 1)
            if decile != self._last_decile and (decile % 5 == 0 or done == total):
                self.stream.write(line + "\n")
                self._last_decile = decile

    def done(self, summary: str = "") -> float:
        elapsed = time.monotonic() - self.started
        if self.interactive:
            self.stream.write("\r\033[K")
        if summary:
            self.stream.write(f"{self.label}: {summary} ({elapsed:.1f}s)\n")
        self.stream.flush()
        return elapsed


def table(
    headers: Sequence[str], rows: Sequence[Sequence[object]], *, right: set[int] | None = None
) -> str:
    """A plain text table; columns in ``right`` are right-aligned (numbers)."""
    right = (
        right
        if right is not None
        else {
            index
            for index in range(len(headers))
            if rows and all(_numeric(row[index]) for row in rows)
        }
    )
    cells = [[str(header) for header in headers]] + [
        [_text(value) for value in row] for row in rows
    ]
    widths = [max(len(row[index]) for row in cells) for index in range(len(headers))]

    def line(row: list[str]) -> str:
        return "  ".join(
            cell.rjust(width) if index in right else cell.ljust(width)
            for index, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])])


def _numeric(value: object) -> bool:
    return isinstance(value, int | float) or (
        isinstance(value, str)
        and value.replace(",", "").replace(".", "").replace("$", "").strip("-").isdigit()
    )


def _text(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.4f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
