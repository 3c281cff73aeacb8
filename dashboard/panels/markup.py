"""What the panels share in markup: the panel frame, tiles, and the sentences that
stand in for a chart that has nothing to show.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from dashboard import formatting as fmt
from dashboard.gold import Gold, Table
from dashboard.html import Html, hidden_cell, join, notice, tag
from dashboard.panels.shaping import MIN_COHORT, in_window, latest_turn_at


def table_problem(table: Table, what: str) -> Html | None:
    """The sentence that replaces a chart when its table cannot feed it."""
    if table.missing:
        return notice(
            "missing",
            f"{what}: the Gold table {table.relation} is not built yet. "
            "Run `sage build`, then `sage dashboard` again.",
        )
    if table.empty:
        return notice(
            "empty",
            f"{what}: no data yet. Once app activity has been ingested and `sage build` has run, "
            "it appears here.",
        )
    return None


def daily_rows(
    gold: Gold, name: str, what: str, start: date, end: date
) -> tuple[Html | None, list[dict[str, Any]]]:
    """The rows of the daily Gold table ``name`` from ``start`` to ``end``, or the
    sentence that stands in for ``what`` when the table cannot feed it."""
    daily = gold[name]
    problem = table_problem(daily, what)
    return problem, [] if problem else in_window(daily.rows, "turn_date", start, end)


def panel(
    key: str, title: str, lead: str, basis: str | None, fresh: str | None, body: list[object]
) -> Html:
    """A panel: title, one-line lead, how many people it rests on and how recent it is."""
    facts = []
    if basis:
        facts.append(tag("span", basis, class_="basis"))
    facts.append(tag("span", fresh or "No data yet"))
    return tag(
        "section",
        join(
            tag("h2", title),
            tag("p", lead, class_="lead"),
            tag("p", join(*[join(fact, " · ") for fact in facts[:-1]], facts[-1]), class_="facts"),
            *body,
        ),
        id=key,
        class_="panel",
        data_panel=key,
    )


def tile(label: str, value: str, note: object = "") -> Html:
    return tag(
        "div",
        join(
            tag("div", label, class_="tile-label"),
            tag("div", value, class_="tile-value"),
            tag("div", note, class_="tile-note") if note else "",
        ),
        class_="tile",
    )


def tiles(*items: Html) -> Html:
    return tag("div", join(*items), class_="tiles")


def subheading(text: str) -> Html:
    return tag("h3", text)


def people_word(value: object, one: str = "person", many: str = "people") -> str:
    return f"{fmt.count(value)} {one if fmt.number(value) == 1 else many}"


def partial_day_note(gold: Gold, shown_until: date) -> str:
    newest_turn = latest_turn_at(gold)
    if newest_turn is None or newest_turn.date() <= shown_until:
        return ""
    return (
        f" {fmt.day(newest_turn.date())} is left out: its data so far runs only to "
        f"{newest_turn:%H:%M} UTC."
    )


def people_cell(row: dict[str, Any] | None, reason: Callable[[str | None], str]) -> object:
    """A table cell counting the people of one level: 0 where Gold has no row for it
    (nobody was flagged at that level), ``hidden`` with ``reason`` where it is suppressed."""
    if row is None:
        return "0"
    if row["is_suppressed"]:
        return hidden_cell(reason(row["suppression_reason"]))
    return fmt.count(row["users"])


def hidden_reason(reason: str | None, unit_word: str = "people") -> str:
    """Gold's suppression reason in plain words, counting in the cell's own unit."""
    if not reason:
        return f"fewer than {MIN_COHORT} {unit_word}"
    if reason.startswith("protects"):
        return "hidden too, to protect a smaller group"
    return reason.replace("people", unit_word).replace("users", unit_word)


INTERVAL_NOTE = (
    "A range written after an estimate is its 95% interval: given how much the numbers vary, "
    "the true value is very likely inside it. A wide range means the data is not yet enough to "
    "be sure."
)
