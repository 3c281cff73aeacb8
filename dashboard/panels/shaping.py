"""What the panels share in data: the model names people read, the period every panel
covers, the last complete day, and the thresholds the page applies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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
    summary = gold["cost_all_time"]
    newest = None if summary.missing else latest(summary.rows, "period_end_at")
    return cast(datetime | None, newest)  # period_end_at is a timestamp


@dataclass(frozen=True)
class Period:
    """The dates every panel of the page covers: the 30 days ending on the last complete
    day, as Gold's cost_rolling_30_days has them (and `sage summary` prints them)."""

    start: date
    end: date  # the last complete day
    data_from: date | None = None  # the first day with data, when it is inside the 30

    @property
    def first_day_shown(self) -> date:
        return max(self.start, self.data_from) if self.data_from else self.start

    def weeks(self) -> tuple[date, date]:
        """The Mondays of the first and the last week the 30 days fall in."""
        first = self.start - timedelta(days=self.start.weekday())
        return first, self.end - timedelta(days=self.end.weekday())

    def last_complete_month(self) -> date:
        """The first day of the latest calendar month over by the period's end."""
        following = self.end + timedelta(days=1)
        month = following.replace(day=1)
        return (month - timedelta(days=1)).replace(day=1)


def weeks_of(rows: list[dict[str, Any]], period: Period | None) -> list[dict[str, Any]]:
    """The rows of the weeks (``week_start``, a Monday) the page's 30 days fall in; every
    row when there is no period."""
    if period is None:
        return rows
    first, last = period.weeks()
    return [row for row in rows if first <= row["week_start"] <= last]


def page_period(gold: Gold) -> Period | None:
    """The page's period, from cost_rolling_30_days; None while it has no row."""
    if "cost_rolling_30_days" not in gold.tables:
        return None
    row = only_row(gold["cost_rolling_30_days"])
    if row is None or row.get("period_end_date") is None:
        return None
    all_time = only_row(gold["cost_all_time"]) if "cost_all_time" in gold.tables else None
    data_from = all_time["period_start_date"] if all_time else None
    inside = data_from if data_from and data_from > row["period_start_date"] else None
    return Period(row["period_start_date"], row["period_end_date"], inside)


def only_row(table: Table) -> dict[str, Any] | None:
    """The one row of a table of a single period (the rolling 30 days, all time)."""
    return table.rows[0] if not table.missing and table.rows else None


def days_from(start: date, end: date) -> list[date]:
    """Every day from ``start`` to ``end``, both included."""
    return [start + timedelta(days=offset) for offset in range((end - start).days + 1)]


def in_window(rows: list[dict[str, Any]], column: str, start: date, end: date) -> list[dict]:
    return [row for row in rows if start <= row[column] <= end]
