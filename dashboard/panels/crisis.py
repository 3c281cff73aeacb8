"""The crisis panel: anonymous counts of crisis signals by level, week by week."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from dashboard import charts
from dashboard import formatting as fmt
from dashboard.gold import Gold
from dashboard.html import Html, figure, hidden_cell, notice, table, tag
from dashboard.panels.markup import (
    hidden_reason,
    panel,
    people_cell,
    people_word,
    subheading,
    table_problem,
)
from dashboard.panels.sentiment import week_fresh
from dashboard.panels.shaping import CRISIS_LEVELS, MIN_COHORT


def crisis_panel(gold: Gold) -> Html:
    weekly = gold["crisis_weekly"]
    problem = table_problem(weekly, "Crisis signals")
    lead = (
        "How often the chat observer flagged a message as a possible crisis, per week. Counts "
        "only: no name, no id, no message is ever linked to a flag."
    )
    if problem:
        return panel("crisis", "Crisis signals", lead, None, None, [problem])
    by_week: dict[date, dict[str, dict]] = defaultdict(dict)
    for row in weekly.rows:
        by_week[row["week_start"]][row["crisis_level"]] = row
    weeks = sorted(by_week)[-12:]
    observed = {
        row["week_start"]: row["users"]
        for row in ([] if gold["sentiment_weekly"].missing else gold["sentiment_weekly"].rows)
    }
    body: list[object] = []
    if all(row["is_suppressed"] for row in weekly.rows):
        body.append(
            notice(
                "suppressed",
                f"Every count is hidden: each level had fewer than {MIN_COHORT} people in a week, "
                "or was hidden so that a smaller one cannot be worked out.",
            )
        )
    else:
        estimates = []
        for week in weeks:
            none = by_week[week].get("none")
            if none is None or none["is_suppressed"] or none["share_of_turns"] is None:
                estimates.append(
                    charts.Estimate(
                        fmt.day_short(week),
                        None,
                        hidden_reason=hidden_reason((none or {}).get("suppression_reason"))
                        if none
                        else "no data",
                    )
                )
                continue
            # flagged at any level = 1 - share at "none"; the Wilson interval mirrors
            estimates.append(
                charts.Estimate(
                    fmt.day_short(week),
                    1 - none["share_of_turns"],
                    1 - none["share_ci_high"],
                    1 - none["share_ci_low"],
                )
            )
        shown_values = [e.high for e in estimates if e.high is not None]
        chart = charts.estimates_over_time(
            "crisis-share",
            "Share of observed messages flagged at any crisis level, per week",
            estimates,
            lambda value: fmt.percent(value, 1),
            y_range=(0.0, max(max(shown_values, default=0.05) * 1.25, 0.01)),
            y_title="share of messages flagged",
        )
        body.append(
            figure(
                chart,
                "Each dot is a week (its Monday, UTC) with its 95% interval. \u201chidden\u201d: "
                "too few people to publish.",
            )
        )
        header = ["Week (Monday)", "People observed", "Not flagged", "Low", "Medium", "High"]
        table_rows = []
        for week in reversed(weeks):
            cells: list[object] = [
                fmt.day(week),
                fmt.count(observed[week]) if observed.get(week) is not None else hidden_cell(None),
            ]
            for level in CRISIS_LEVELS:
                cells.append(people_cell(by_week[week].get(level), hidden_reason))
            table_rows.append(cells)
        body += [
            subheading("People by the highest level flagged that week"),
            table(header, table_rows, numeric=[1, 2, 3, 4, 5], kind="crisis-weekly"),
            tag(
                "p",
                "Each person is counted once a week, at the highest level flagged for them. "
                f"\u201chidden\u201d: fewer than {MIN_COHORT} people, or hidden so that a smaller "
                "group cannot be worked out from the others. A level with no row was not flagged "
                "at all.",
                class_="note",
            ),
        ]
    newest = weeks[-1] if weeks else None
    basis = (
        f"Based on {people_word(observed[newest])} observed in the {fmt.week(newest)}"
        if newest and observed.get(newest) is not None
        else None
    )
    return panel("crisis", "Crisis signals", lead, basis, week_fresh(gold, newest), body)
