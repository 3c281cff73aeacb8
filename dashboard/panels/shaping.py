"""What the panels share in data: the model names people read, the reporting windows,
the last complete day, and the thresholds the page applies.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any, cast

from dashboard.gold import Gold, Table, latest
from lakehouse.project import min_cohort_size

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
CRISIS_LEVELS = ["none", "low", "medium", "high"]
DIMENSIONS = [
    ("country", "Country"),
    ("device class", "Device"),
    ("browser", "Browser"),
    ("operating system", "Operating system"),
    ("age band", "Age band"),
    ("plan", "Plan"),
]
MIN_COHORT = min_cohort_size()  # vars.min_cohort_size in dbt_project.yml
MIN_LATENCY_TURNS = 30


def model_name(model_id: str) -> str:
    """``anthropic.claude-haiku-4-5-20251001-v1:0`` -> ``Claude Haiku 4.5``."""
    name = model_id.split(".")[-1] if "." in model_id else model_id
    name = re.sub(r"-v\d+(:\d+)?$", "", name)
    name = re.sub(r"-\d{8}$", "", name)
    words: list[str] = []
    for part in name.split("-"):
        if part.isdigit() and words and re.fullmatch(r"[\d.]+", words[-1]):
            words[-1] += "." + part
        else:
            words.append(part if part.isdigit() else part.capitalize())
    return " ".join(words)


def latest_turn_at(gold: Gold) -> datetime | None:
    summary = gold["cost_summary"]
    newest = None if summary.missing else latest(summary.rows, "period_end_at")
    return cast(datetime | None, newest)  # period_end_at is a timestamp


def last_full_day(gold: Gold, newest_day: date) -> date:
    """The latest day whose data is complete. The day of the latest turn counts as
    complete once the data reaches its last hour (23:00 UTC); before that it is still
    going on, and is left out of daily charts and of the latest-day figures."""
    newest_turn = latest_turn_at(gold)
    if newest_turn is None or newest_turn.date() < newest_day or newest_turn.hour == 23:
        return newest_day
    return newest_turn.date() - timedelta(days=1)


def window_row(table: Table, name: str) -> dict[str, Any] | None:
    return next((row for row in table.rows if row["window_name"] == name), None)


def days_from(start: date, end: date) -> list[date]:
    """Every day from ``start`` to ``end``, both included."""
    return [start + timedelta(days=offset) for offset in range((end - start).days + 1)]


def in_window(rows: list[dict[str, Any]], column: str, start: date, end: date) -> list[dict]:
    return [row for row in rows if start <= row[column] <= end]
