"""The usage panel: how many people use the app, when, and how fast the replies come."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from statistics import median
from typing import Any

from dashboard import charts
from dashboard import formatting as fmt
from dashboard.gold import COST_WINDOW, Gold, Table
from dashboard.html import Html, figure, join, notice, table, tag
from dashboard.panels.markup import (
    INTERVAL_NOTE,
    daily_rows,
    panel,
    partial_day_note,
    people_word,
    subheading,
    table_problem,
    tile,
    tiles,
)
from dashboard.panels.shaping import (
    MIN_LATENCY_TURNS,
    WEEKDAYS,
    days_from,
    in_window,
    last_full_day,
    model_name,
    window_row,
)


def usage_panel(gold: Gold) -> Html:
    active = gold["active_users_daily"]
    problem = table_problem(active, "Usage")
    if problem:
        return panel(
            "usage", "Usage", "How many people use the app, and when.", None, None, [problem]
        )
    rows = active.rows
    end = last_full_day(gold, rows[-1]["activity_date"])
    complete = [row for row in rows if row["activity_date"] <= end] or rows
    end = complete[-1]["activity_date"]
    start = end - timedelta(days=29)
    shown = in_window(complete, "activity_date", start, end)
    first_day = rows[0]["activity_date"]
    newest = complete[-1]
    start = max(start, first_day)
    engagement = gold["engagement"]
    window_engagement = None if engagement.missing else window_row(engagement, COST_WINDOW)
    basis_users = window_engagement["users"] if window_engagement else newest["mau"]

    body: list[object] = [
        tiles(
            tile(
                "Daily active (DAU)",
                fmt.count(newest["dau"]),
                f"on {fmt.day(newest['activity_date'])}, the latest full day",
            ),
            tile("Weekly active (WAU)", fmt.count(newest["wau"]), "the 7 days up to then"),
            tile("Monthly active (MAU)", fmt.count(newest["mau"]), "the 30 days up to then"),
            tile(
                "Stickiness (DAU/MAU)",
                fmt.percent(newest["dau_mau_ratio"], 0),
                "share of the month's people who came that day",
            ),
            *engagement_tiles(engagement, window_engagement),
        )
    ]
    body.append(tag("p", INTERVAL_NOTE, class_="note"))
    labels = [fmt.day_short(row["activity_date"]) for row in shown]

    def partial(window_days: int) -> int:
        # days whose rolling window reaches back before the first day of data
        complete_from = first_day + timedelta(days=window_days - 1)
        return sum(1 for row in shown if row["activity_date"] < complete_from)

    lines = charts.line_chart(
        "active-users",
        "Daily, weekly and monthly active people",
        labels,
        [
            charts.Series("DAU", [row["dau"] for row in shown], charts.PALETTE[0]),
            charts.Series("WAU", [row["wau"] for row in shown], charts.PALETTE[1], partial(7)),
            charts.Series("MAU", [row["mau"] for row in shown], charts.PALETTE[2], partial(30)),
        ],
        fmt.count,
        y_title="people",
    )
    caption = (
        "Active people per UTC day: that day (DAU), the 7 days (WAU) and the 30 days (MAU) "
        "up to it." + partial_day_note(gold, end)
    )
    if partial(30):
        caption += (
            f" The data starts on {fmt.day(first_day)}: a dashed line counts a window that reaches "
            "back before it, so it undercounts."
        )
    body += [subheading("Active people"), figure(lines, caption)]
    new_returning = charts.stacked_bars(
        "new-returning",
        "New and returning people per day",
        labels,
        [
            charts.Series(
                "returning", [row["returning_users"] for row in shown], charts.PALETTE[0]
            ),
            charts.Series("new", [row["new_users"] for row in shown], charts.PALETTE[1]),
        ],
        fmt.count,
        category_titles=[fmt.day(row["activity_date"]) for row in shown],
        y_title="people per day",
    )
    new_caption = (
        "New: their first turn ever was that day. Returning: they had used the app before."
    )
    if start - timedelta(days=30) <= first_day:
        new_caption += (
            f" The data starts on {fmt.day(first_day)}: someone who used the app before then "
            "counts as new on their first day in the data, so the first weeks overstate new people."
        )
    body += [subheading("New and returning people"), figure(new_returning, new_caption)]
    body += [subheading("When people use the app"), activity_heatmap(gold)]
    body += [subheading("How long replies take"), *latency(gold, start, end)]
    return panel(
        "usage",
        "Usage",
        f"How many people use the app, and when, over the last 30 days of data "
        f"({fmt.day(start)} to {fmt.day(end)}, UTC).",
        f"Based on {people_word(basis_users)}",
        f"Latest full day: {fmt.day(end)}",
        body,
    )


def engagement_tiles(engagement: Table, row: dict[str, Any] | None) -> list[Html]:
    if row is None:
        problem = table_problem(engagement, "Conversations per person")
        return [tile("Conversations per person", fmt.MISSING, problem or "no data in the window")]
    return [
        tile(
            "Conversations per person",
            fmt.decimal1(row["conversations_per_user"]),
            "95% interval "
            + fmt.interval(
                row["conversations_per_user_ci_low"],
                row["conversations_per_user_ci_high"],
                fmt.decimal1,
            ),
        ),
        tile(
            "Turns per conversation",
            fmt.decimal1(row["turns_per_conversation"]),
            "95% interval "
            + fmt.interval(
                row["turns_per_conversation_ci_low"],
                row["turns_per_conversation_ci_high"],
                fmt.decimal1,
            )
            + f"; median {fmt.decimal1(row['median_turns_per_conversation'])}",
        ),
    ]


def activity_heatmap(gold: Gold) -> Html:
    grid_table = gold["activity_heatmap"]
    problem = table_problem(grid_table, "Activity by day and hour")
    if problem:
        return problem
    values: list[list[float | None]] = [[None] * 24 for _ in range(7)]
    days_observed: dict[int, int] = {}
    for row in grid_table.rows:
        values[row["day_of_week"] - 1][row["hour_of_day"]] = fmt.number(row["avg_turns"])
        days_observed[row["day_of_week"]] = row["days_observed"]
    chart = charts.heatmap(
        "activity-heatmap",
        "Average turns per hour, by day of the week and hour (UTC)",
        WEEKDAYS,
        [f"{hour:02d}h" for hour in range(24)],
        values,
        fmt.decimal1,
        legend_title="turns per hour",
    )
    fewest = min(days_observed.values(), default=0)
    return figure(
        chart,
        "Darker means busier: the average number of turns in that hour on that day of the week, "
        f"in UTC, over all the data (each weekday seen at least {fewest} times). "
        "Hover a cell for its number.",
    )


def latency(gold: Gold, start: date, end: date) -> list[object]:
    problem, rows = daily_rows(gold, "latency_daily_by_model", "Reply time", start, end)
    if problem:
        return [problem]
    if not rows:
        return [notice("empty", "Reply time: no turns in these 30 days.")]
    by_model: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_model[row["model_id"]].append(row)
    models = sorted(by_model, key=lambda model: -sum(r["turns"] for r in by_model[model]))
    days = days_from(start, end)
    series = []
    for index, model in enumerate(models):
        # a p95 over a handful of replies says little: such days are left out of the chart
        p95 = {
            row["turn_date"]: fmt.number(row["p95_latency_ms"])
            for row in by_model[model]
            if row["turns"] >= MIN_LATENCY_TURNS
        }
        if not p95:
            continue
        series.append(
            charts.Series(
                model_name(model),
                [(value / 1000 if (value := p95.get(d)) is not None else None) for d in days],
                charts.PALETTE[index % 6],
            )
        )
    if not series:
        return [
            notice(
                "empty",
                f"Reply time: no model answered {MIN_LATENCY_TURNS} turns on any one day, too "
                "few for a p95 to mean much.",
            ),
            latency_summary(by_model, models),
        ]
    chart = charts.line_chart(
        "latency",
        "Slowest 5% of replies per day (p95), by model, in seconds",
        [fmt.day_short(d) for d in days],
        series,
        lambda value: f"{value:g} s" if value < 10 else f"{value:,.0f} s",
        y_title="seconds (p95)",
    )
    return [
        figure(
            chart,
            "p95: on that day, 95% of replies from the model came faster than this. Days on "
            f"which a model answered fewer than {MIN_LATENCY_TURNS} turns are left out of the "
            "chart. In the table, a typical day is the median over the 30 days.",
        ),
        latency_summary(by_model, models),
    ]


def latency_summary(by_model: dict[str, list[dict]], models: list[str]) -> Html:
    return table(
        ["Model", "Turns", "Median reply, typical day", "p95, typical day", "p95, worst day"],
        [
            [
                join(model_name(model), " ", tag("span", model, class_="model-id")),
                fmt.count(sum(r["turns"] for r in by_model[model])),
                fmt.seconds(median(fmt.number(r["p50_latency_ms"]) or 0 for r in by_model[model])),
                fmt.seconds(median(fmt.number(r["p95_latency_ms"]) or 0 for r in by_model[model])),
                fmt.seconds(max(fmt.number(r["p95_latency_ms"]) or 0 for r in by_model[model])),
            ]
            for model in models
        ],
        numeric=[1, 2, 3, 4],
        kind="latency",
    )
