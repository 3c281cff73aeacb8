"""The demographics panel: who uses the app, by dimension, cohorts of at least the
minimum size only.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from dashboard import charts
from dashboard import formatting as fmt
from dashboard.gold import Gold
from dashboard.html import Html, figure, notice, tag
from dashboard.panels.markup import hidden_reason, panel, people_word, subheading, table_problem
from dashboard.panels.shaping import DIMENSIONS, MIN_COHORT, latest_turn_at


def demographics_panel(gold: Gold) -> Html:
    cells = gold["demographics"]
    problem = table_problem(cells, "Demographics")
    lead = f"Who uses the app. Groups smaller than {MIN_COHORT} are hidden, never shown as zero."
    if problem:
        return panel("demographics", "Who uses the app", lead, None, None, [problem])
    month_start = cells.rows[0]["month_start"]
    by_dimension: dict[str, list[dict]] = defaultdict(list)
    for row in cells.rows:
        by_dimension[row["dimension"]].append(row)
    active = next(
        (
            row["group_people"]
            for row in by_dimension.get("country", [])
            if row["group_people"] is not None
        ),
        None,
    )
    body: list[object] = []
    if all(row["is_suppressed"] for row in cells.rows):
        body.append(
            notice(
                "suppressed",
                f"Every group in {fmt.month(month_start)} is hidden: each describes fewer than "
                f"{MIN_COHORT} people, or would let a hidden one be worked out. Numbers appear "
                "once the groups are large enough.",
            )
        )
    else:
        body.append(
            tag(
                "p",
                "Each bar is a group's share of the month's people, with its 95% interval. "
                f"\u201chidden\u201d marks a group of fewer than {MIN_COHORT} people, or one "
                "hidden too so that a hidden group cannot be worked out from the total. Browser "
                "and operating system come from the web server's logs, which carry no user id: "
                "they count the networks the app was used from, not people.",
                class_="note",
            )
        )
        for dimension, title in DIMENSIONS:
            rows = by_dimension.get(dimension)
            if not rows:
                continue
            body += [subheading(title), dimension_chart(dimension, title, rows)]
    basis = f"Based on {people_word(active)} active in {fmt.month(month_start)}" if active else None
    newest_turn = latest_turn_at(gold)
    so_far = (
        f", data to {fmt.day(newest_turn)}"
        if newest_turn and newest_turn.date() < _next_month(month_start)
        else ""
    )
    return panel(
        "demographics",
        "Who uses the app",
        f"{lead} Month shown: {fmt.month(month_start)} (UTC), the latest in the data.",
        basis,
        f"Month: {fmt.month(month_start)}{so_far}",
        body,
    )


def _next_month(month_start: date) -> date:
    return (month_start.replace(day=28) + timedelta(days=4)).replace(day=1)


def dimension_chart(dimension: str, title: str, rows: list[dict]) -> Html:
    unit = rows[0]["unit"] or "users"
    unit_word = "people" if unit == "users" else unit
    total = next((row["group_people"] for row in rows if row["group_people"] is not None), None)
    if all(row["is_suppressed"] for row in rows):
        return notice(
            "suppressed",
            f"{title}: every group is hidden (fewer than {MIN_COHORT} {unit_word} in it, "
            "or hidden to protect one that is).",
        )
    shown = sorted(
        (row for row in rows if not row["is_suppressed"]),
        key=lambda row: (row["value"] == "unknown", -(row["people"] or 0)),
    )
    hidden = sorted((row for row in rows if row["is_suppressed"]), key=lambda row: row["value"])
    estimates = [
        charts.Estimate(
            row["value"],
            fmt.number(row["share_of_group"]),
            fmt.number(row["share_ci_low"]),
            fmt.number(row["share_ci_high"]),
            detail=f"{fmt.count(row['people'])} {unit_word}"
            if unit != "users"
            else people_word(row["people"]),
        )
        for row in shown
    ] + [
        charts.Estimate(
            row["value"], None, hidden_reason=hidden_reason(row["suppression_reason"], unit_word)
        )
        for row in hidden
    ]
    chart = charts.estimate_bars(
        f"demographics-{dimension.replace(' ', '-')}",
        f"{title}: share of {unit_word}",
        estimates,
        lambda value: fmt.percent(value, 0),
        value_text=lambda e: f"{fmt.percent(e.value)} ({e.detail})",
    )
    caption = f"Out of {fmt.count(total)} {unit_word}." if total else ""
    if hidden:
        caption += f" {len(hidden)} hidden group{'s' if len(hidden) > 1 else ''}."
    return figure(chart, caption.strip())
