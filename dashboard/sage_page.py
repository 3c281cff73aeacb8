"""The private /sage page: cost, usage, demographics, sentiment and crisis panels.

Each panel reads its Gold tables, says how many people it rests on and how
recent its data is, shows every estimate with its 95% interval, and says in
words when there is nothing to show (table not built, no data yet, every cell
hidden) instead of drawing an empty chart.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, datetime, timedelta
from statistics import median
from typing import Any

from dashboard import charts
from dashboard import formatting as fmt
from dashboard.gold import COST_WINDOW, Gold, Table, latest
from dashboard.html import Html, figure, hidden_cell, join, notice, table, tag
from dashboard.layout import page

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
MIN_COHORT = 50
MIN_LATENCY_TURNS = 30


# --- naming ----------------------------------------------------------------------


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


# --- shared pieces ---------------------------------------------------------------


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


def latest_turn_at(gold: Gold) -> datetime | None:
    summary = gold["cost_summary"]
    return None if summary.missing else latest(summary.rows, "period_end_at")


def last_full_day(gold: Gold, newest_day: date) -> date:
    """The latest day whose data is complete. The day of the latest turn counts as
    complete once the data reaches its last hour (23:00 UTC); before that it is still
    going on, and is left out of daily charts and of the latest-day figures."""
    newest_turn = latest_turn_at(gold)
    if newest_turn is None or newest_turn.date() < newest_day or newest_turn.hour == 23:
        return newest_day
    return newest_turn.date() - timedelta(days=1)


def partial_day_note(gold: Gold, shown_until: date) -> str:
    newest_turn = latest_turn_at(gold)
    if newest_turn is None or newest_turn.date() <= shown_until:
        return ""
    return (
        f" {fmt.day(newest_turn.date())} is left out: its data so far runs only to "
        f"{newest_turn:%H:%M} UTC."
    )


def hidden_reason(reason: str | None, unit_word: str = "people") -> str:
    """Gold's suppression reason in plain words, counting in the cell's own unit."""
    if not reason:
        return f"fewer than {MIN_COHORT} {unit_word}"
    if reason.startswith("protects"):
        return "hidden too, to protect a smaller group"
    return reason.replace("people", unit_word).replace("users", unit_word)


def window_row(table: Table, name: str) -> dict[str, Any] | None:
    return next((row for row in table.rows if row["window_name"] == name), None)


def in_window(rows: list[dict[str, Any]], column: str, start: date, end: date) -> list[dict]:
    return [row for row in rows if start <= row[column] <= end]


INTERVAL_NOTE = (
    "A range written after an estimate is its 95% interval: given how much the numbers vary, "
    "the true value is very likely inside it. A wide range means the data is not yet enough to "
    "be sure."
)


# --- cost --------------------------------------------------------------------------


def cost_panel(gold: Gold) -> Html:
    summary_table = gold["cost_summary"]
    lead = "What the language models cost, per person."
    problem = table_problem(summary_table, "Cost")
    summary = window_row(summary_table, COST_WINDOW) if not problem else None
    if not problem and (summary is None or not summary["users"]):
        problem = notice("empty", "Cost: no turns in the last 30 days of data.")
    if problem or summary is None:
        return panel("cost", "Cost", lead, None, None, [problem])
    start, end = summary["window_start_date"], summary["window_end_date"]
    if summary["period_start_at"] is not None:  # data younger than the window
        start = max(start, summary["period_start_at"].date())
    users = summary["users"]
    body: list[object] = [
        tiles(
            tile(
                "People who used the app", fmt.count(users), f"{fmt.day(start)} to {fmt.day(end)}"
            ),
            tile(
                "Total LLM cost",
                fmt.usd(summary["total_cost_usd"]),
                f"{fmt.count(summary['turns'])} turns (a turn is one message and its reply)",
            ),
            tile(
                "Average cost per person",
                fmt.usd(summary["avg_cost_per_user_usd"]),
                "95% interval "
                + fmt.interval(summary["avg_cost_ci_low_usd"], summary["avg_cost_ci_high_usd"]),
            ),
            tile(
                "Typical person (median)",
                fmt.usd(summary["p50_cost_per_user_usd"]),
                "half the people cost less than this",
            ),
            tile(
                "The costliest 10%",
                f"over {fmt.usd(summary['p90_cost_per_user_usd'])}",
                "each cost more than this (p90)",
            ),
            tile(
                "The costliest 1%",
                f"over {fmt.usd(summary['p99_cost_per_user_usd'])}",
                "each cost more than this (p99)",
            ),
            tile(
                "Most expensive person",
                fmt.usd(summary["max_cost_per_user_usd"]),
                "one person's actual total: measured, not estimated, so no interval",
            ),
        ),
        tag(
            "p",
            "The average is pulled up by a few heavy users; the median is what a typical person "
            "costs. " + INTERVAL_NOTE,
            class_="note",
        ),
    ]
    if summary.get("is_suppressed"):
        body.append(
            notice(
                "suppressed",
                f"Average, percentiles and maximum per person are hidden: fewer than {MIN_COHORT} "
                "people used the app in these 30 days, and over so few they would come close to "
                "describing one of them.",
            )
        )
    unpriced = summary["unpriced_turns"] or 0
    if unpriced:
        body.append(
            notice(
                "warning",
                f"{fmt.count(unpriced)} turns were on a model that has no price in "
                "seeds/pricing.csv; they are not included in any cost on this page.",
            )
        )
    body += [subheading("How cost is spread across people"), cost_distribution(gold, users)]
    body += [subheading("Cost per day, by model"), *cost_by_day(gold, start, end)]
    body += [subheading("Cost by reporting window"), cost_windows(summary_table)]
    body += [subheading("Cost by app route"), cost_by_route(gold, start, end)]
    body += [subheading("Savings from prompt caching"), cache_savings(gold, start, end)]
    body += [subheading("Past months at today's prices"), repricing(gold)]
    return panel(
        "cost",
        "Cost",
        f"What the language models cost, per person, over the last 30 days of data "
        f"({fmt.day(start)} to {fmt.day(end)}, UTC).",
        f"Based on {people_word(users)}",
        f"Data through {fmt.timestamp(summary['period_end_at'])}",
        body,
    )


def _bin_label(row: dict[str, Any]) -> str:
    low = fmt.number(row["cost_from_usd"]) or 0.0
    if row["cost_to_usd"] is None:
        return f"{fmt.usd(low)} or more"
    return f"{fmt.usd(low)} to {fmt.usd(fmt.number(row['cost_to_usd']))}"


def cost_distribution(gold: Gold, users: int) -> Html:
    distribution = gold["cost_distribution"]
    problem = table_problem(distribution, "Cost distribution")
    if problem:
        return problem
    rows = distribution.rows
    if all(row["is_suppressed"] for row in rows):
        return notice(
            "suppressed",
            f"Cost distribution: every range is hidden: fewer than {MIN_COHORT} people in the "
            "last 30 days, or each range would describe fewer.",
        )
    total = next((row["window_users"] for row in rows if row["window_users"]), None) or users
    estimates = [
        charts.Estimate(
            _bin_label(row), None, hidden_reason=hidden_reason(row["suppression_reason"])
        )
        if row["is_suppressed"]
        else charts.Estimate(
            _bin_label(row),
            float(row["users"]),
            detail=f"{fmt.percent(row['share_of_users'])} of people",
        )
        for row in rows
    ]
    chart = charts.estimate_bars(
        "cost-distribution",
        "People by their LLM cost over the last 30 days",
        estimates,
        fmt.count,
        value_text=lambda e: f"{people_word(e.value)} ({fmt.percent((e.value or 0) / total, 0)})",
    )
    return figure(
        chart,
        f"Each bar counts the people whose total cost over the 30 days fell in that range; "
        f"{people_word(total)} in all. The cheapest and the costliest ranges are merged until "
        f"each end holds at least {MIN_COHORT} people, and a range of fewer is hidden, so no "
        "bar points at a few people.",
    )


def cost_by_day(gold: Gold, start: date, end: date) -> list[object]:
    daily = gold["cost_daily_by_model"]
    problem = table_problem(daily, "Cost per day")
    if problem:
        return [problem]
    rows = in_window(daily.rows, "turn_date", start, end)
    shown_until = last_full_day(gold, end) if end > start else end
    days = [start + timedelta(days=offset) for offset in range((shown_until - start).days + 1)]
    models = sorted({row["model_id"] for row in rows})
    cost = {(row["turn_date"], row["model_id"]): fmt.number(row["cost_usd"]) or 0.0 for row in rows}
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in rows:
        totals[row["model_id"]]["turns"] += row["turns"]
        totals[row["model_id"]]["unpriced"] += row["unpriced_turns"] or 0
        totals[row["model_id"]]["cost"] += fmt.number(row["cost_usd"]) or 0.0
    models.sort(key=lambda model: -totals[model]["cost"])
    series = [
        charts.Series(
            model_name(model), [cost.get((d, model), 0.0) for d in days], charts.PALETTE[i % 6]
        )
        for i, model in enumerate(m for m in models if totals[m]["cost"] > 0)
    ]
    chart = charts.stacked_bars(
        "cost-by-day",
        "LLM cost per day, by model",
        [fmt.day_short(d) for d in days],
        series,
        fmt.usd_short,
        category_titles=[fmt.day(d) for d in days],
        y_title="USD per day",
    )
    grand = sum(t["cost"] for t in totals.values()) or 1.0
    by_model = table(
        ["Model", "Turns", "Cost", "Share of cost", "Turns not costed"],
        [
            [
                join(model_name(model), " ", tag("span", model, class_="model-id")),
                fmt.count(totals[model]["turns"]),
                *(
                    ["no price", fmt.MISSING]
                    if totals[model]["unpriced"] == totals[model]["turns"]
                    else [
                        fmt.usd(totals[model]["cost"]),
                        fmt.percent(totals[model]["cost"] / grand),
                    ]
                ),
                fmt.count(totals[model]["unpriced"]) if totals[model]["unpriced"] else "",
            ]
            for model in models
        ],
        numeric=[1, 2, 3, 4],
        kind="cost-by-model",
    )
    return [
        figure(
            chart,
            "Each bar is one UTC day, split by the model that answered. Hover a bar for its "
            "amount." + partial_day_note(gold, shown_until),
        ),
        by_model,
    ]


def cost_windows(summary_table: Table) -> Html:
    order = {"all time": 0, COST_WINDOW: 1}
    rows = sorted(
        summary_table.rows,
        key=lambda row: (order.get(row["window_name"], 2), row["window_start_date"]),
    )
    return table(
        ["Window", "People", "Total", "Average (95% interval)", "Median", "p90", "p99", "Highest"],
        [
            [
                _window_label(row),
                fmt.count(row["users"]),
                fmt.usd(row["total_cost_usd"]),
                f"{fmt.usd(row['avg_cost_per_user_usd'])} "
                f"({fmt.interval(row['avg_cost_ci_low_usd'], row['avg_cost_ci_high_usd'])})",
                fmt.usd(row["p50_cost_per_user_usd"]),
                fmt.usd(row["p90_cost_per_user_usd"]),
                fmt.usd(row["p99_cost_per_user_usd"]),
                fmt.usd(row["max_cost_per_user_usd"]),
            ]
            for row in rows
        ],
        numeric=[1, 2, 3, 4, 5, 6, 7],
        kind="cost-windows",
    )


def _window_label(row: dict[str, Any]) -> str:
    name = row["window_name"]
    first, last = row["window_start_date"], row["window_end_date"]
    # a month still going on, or one the data starts in, covers fewer days than its name
    if row["period_start_at"] is not None:
        first = max(first, row["period_start_at"].date())
    if row["period_end_at"] is not None:
        last = min(last, row["period_end_at"].date())
    label = (
        fmt.month(row["window_start_date"])
        if re.fullmatch(r"\d{4}-\d{2}", name)
        else name.capitalize()
    )
    return f"{label} ({fmt.day_short(first)} to {fmt.day_short(last)})"


def cost_by_route(gold: Gold, start: date, end: date) -> Html:
    routes = gold["cost_daily_by_route"]
    problem = table_problem(routes, "Cost by route")
    if problem:
        return problem
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in in_window(routes.rows, "turn_date", start, end):
        totals[row["route"] or "unknown"]["turns"] += row["turns"]
        totals[row["route"] or "unknown"]["cost"] += fmt.number(row["cost_usd"]) or 0.0
    grand = sum(t["cost"] for t in totals.values()) or 1.0
    return table(
        ["Route", "Turns", "Cost", "Share of cost"],
        [
            [route, fmt.count(t["turns"]), fmt.usd(t["cost"]), fmt.percent(t["cost"] / grand)]
            for route, t in sorted(totals.items(), key=lambda item: -item[1]["cost"])
        ],
        numeric=[1, 2, 3],
        kind="cost-by-route",
    )


def cache_savings(gold: Gold, start: date, end: date) -> Html:
    savings = gold["cache_savings_daily"]
    problem = table_problem(savings, "Cache savings")
    if problem:
        return problem
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in in_window(savings.rows, "turn_date", start, end):
        t = totals[row["model_id"]]
        t["turns"] += row["turns"]
        t["reading"] += row["turns_reading_cache"]
        t["paid"] += fmt.number(row["cost_usd"]) or 0.0
        t["without"] += fmt.number(row["cost_without_cache_usd"]) or 0.0
        t["saved"] += fmt.number(row["savings_usd"]) or 0.0
    paid = sum(t["paid"] for t in totals.values())
    without = sum(t["without"] for t in totals.values())
    saved = sum(t["saved"] for t in totals.values())
    verdict = (
        f"Prompt caching saved {fmt.usd(saved)} over the 30 days: the same turns would have cost "
        f"{fmt.usd(without)} without it, {fmt.usd(paid)} with it"
        + (f" ({fmt.percent(saved / without)} less)." if without else ".")
        if saved >= 0
        else f"Prompt caching cost {fmt.usd(-saved)} more than it saved over the 30 days: "
        "cache writes were not read back often enough."
    )
    rows = [
        [
            join(model_name(model), " ", tag("span", model, class_="model-id")),
            fmt.percent(t["reading"] / t["turns"]) if t["turns"] else fmt.MISSING,
            fmt.usd(t["without"]),
            fmt.usd(t["paid"]),
            fmt.usd(t["saved"]),
        ]
        for model, t in sorted(totals.items(), key=lambda item: -item[1]["saved"])
    ]
    return join(
        tag("p", verdict),
        table(
            ["Model", "Turns reading the cache", "Cost without cache", "Cost paid", "Saved"],
            rows,
            numeric=[1, 2, 3, 4],
            kind="cache-savings",
        ),
    )


def repricing(gold: Gold) -> Html:
    repriced = gold["cost_repricing"]
    problem = table_problem(repriced, "Repricing")
    if problem:
        return problem
    differences = [fmt.number(row["difference_usd"]) for row in repriced.rows]
    same = all(d == 0 for d in differences if d is not None)
    intro = (
        "Each month's turns costed at the prices in force at the time (what this page reports) "
        "and at today's price list. "
        + (
            "Today's prices are the same as those in force at the time for every month: "
            "no difference."
            if same
            else "A difference shows what a price change since then would have done."
        )
    )
    rows = [
        [
            f"{row['month_start']:%b %Y}",
            join(model_name(row["model_id"]), " ", tag("span", row["model_id"], class_="model-id")),
            fmt.count(row["turns"]),
            "no price"
            if row["unpriced_turns"] == row["turns"]
            else fmt.usd(row["cost_at_the_time_usd"]),
            fmt.usd(row["cost_at_current_prices_usd"])
            if row["current_price_id"]
            else "no price today",
            fmt.usd(row["difference_usd"]) if row["current_price_id"] else fmt.MISSING,
        ]
        for row in sorted(
            repriced.rows, key=lambda r: (r["month_start"], r["model_id"]), reverse=True
        )
    ]
    return join(
        tag("p", intro),
        table(
            ["Month", "Model", "Turns", "At the prices then", "At today's prices", "Difference"],
            rows,
            numeric=[2, 3, 4, 5],
            kind="repricing",
        ),
    )


# --- usage -------------------------------------------------------------------------


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
    latency_table = gold["latency_daily_by_model"]
    problem = table_problem(latency_table, "Reply time")
    if problem:
        return [problem]
    rows = in_window(latency_table.rows, "turn_date", start, end)
    if not rows:
        return [notice("empty", "Reply time: no turns in these 30 days.")]
    by_model: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_model[row["model_id"]].append(row)
    models = sorted(by_model, key=lambda model: -sum(r["turns"] for r in by_model[model]))
    days = [start + timedelta(days=offset) for offset in range((end - start).days + 1)]
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
                [(p95[d] / 1000 if p95.get(d) is not None else None) for d in days],
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


# --- demographics ------------------------------------------------------------------


def demographics_panel(gold: Gold) -> Html:
    cells = gold["demographics"]
    problem = table_problem(cells, "Demographics")
    lead = "Who uses the app. Groups smaller than 50 are hidden, never shown as zero."
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
                "\u201chidden\u201d marks a group of fewer than 50 people, or one hidden too so "
                "that a hidden group cannot be worked out from the total. Browser and operating "
                "system come from the web server's logs, which carry no user id: they count the "
                "networks the app was used from, not people.",
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


# --- sentiment ---------------------------------------------------------------------


def sentiment_panel(gold: Gold) -> Html:
    weekly = gold["sentiment_weekly"]
    problem = table_problem(weekly, "Sentiment")
    lead = (
        "How people seem to feel, as the chat observer rates each message from \u22121 (very "
        "negative) to +1 (very positive), averaged per person and then per week."
    )
    if problem:
        return panel("sentiment", "Sentiment", lead, None, None, [problem])
    rows = weekly.rows[-26:]
    newest_shown = next((row for row in reversed(rows) if not row["is_suppressed"]), None)
    body: list[object] = []
    if newest_shown is None:
        body.append(
            notice(
                "suppressed",
                f"Every week is hidden: each had fewer than {MIN_COHORT} people observed. "
                "Sentiment appears once a week has enough people.",
            )
        )
    else:
        estimates = [
            charts.Estimate(
                fmt.day_short(row["week_start"]),
                fmt.number(row["mean_sentiment"]),
                fmt.number(row["mean_sentiment_ci_low"]),
                fmt.number(row["mean_sentiment_ci_high"]),
                hidden_reason=hidden_reason(row["suppression_reason"]),
                detail=people_word(row["users"]) if row["users"] is not None else "",
            )
            for row in rows
        ]
        values = [v for e in estimates for v in (e.low, e.high, e.value) if v is not None]
        low = min(-0.25, min(values) - 0.1)
        high = max(0.25, max(values) + 0.1)
        chart = charts.estimates_over_time(
            "sentiment",
            "Mean sentiment per week with its 95% interval",
            estimates,
            fmt.signed,
            y_range=(max(low, -1.0), min(high, 1.0)),
            reference=0.0,
            reference_label="neutral",
            y_title="mean sentiment (\u22121 to +1)",
        )
        body.append(
            figure(
                chart,
                "Each dot is a week (labelled by its Monday, UTC); the bar through it is the 95% "
                "interval. Weeks whose bars overlap are not clearly different. The first and last "
                "week may be partial.",
            )
        )
        body += [subheading("Emotions the observer noted"), emotions(gold)]
    basis = (
        f"Based on {people_word(newest_shown['users'])} "
        f"in the {fmt.week(newest_shown['week_start'])}"
        if newest_shown
        else None
    )
    return panel(
        "sentiment",
        "Sentiment",
        lead,
        basis,
        week_fresh(gold, latest(weekly.rows, "week_start")),
        body,
    )


def week_fresh(gold: Gold, week_start: date | None) -> str | None:
    """``Latest week: 16 Nov to 22 Nov`` (to the latest turn when the week is not over)."""
    if week_start is None:
        return None
    week_end = week_start + timedelta(days=6)
    newest_turn = latest_turn_at(gold)
    if newest_turn is not None and newest_turn.date() == week_start:
        return f"Latest week: only {fmt.day(week_start)} so far"
    if newest_turn is not None and week_start < newest_turn.date() < week_end:
        return f"Latest week: {fmt.day_short(week_start)} to {fmt.day(newest_turn)} (week not over)"
    return f"Latest week: {fmt.day_short(week_start)} to {fmt.day(week_end)}"


def emotions(gold: Gold) -> Html:
    labels = gold["emotions_weekly"]
    problem = table_problem(labels, "Emotions")
    if problem:
        return problem
    weeks = sorted({row["week_start"] for row in labels.rows}, reverse=True)
    week = next(
        (
            w
            for w in weeks
            if any(not r["is_suppressed"] for r in labels.rows if r["week_start"] == w)
        ),
        None,
    )
    if week is None:
        return notice(
            "suppressed",
            "Every emotion label is hidden: each was seen in fewer than "
            f"{MIN_COHORT} people in a week.",
        )
    rows = [row for row in labels.rows if row["week_start"] == week]
    shown = sorted(
        (r for r in rows if not r["is_suppressed"]),
        key=lambda r: -(r["share_of_observations"] or 0),
    )
    hidden = [r for r in rows if r["is_suppressed"]]
    estimates = [
        charts.Estimate(
            row["emotion"],
            fmt.number(row["share_of_observations"]),
            fmt.number(row["share_ci_low"]),
            fmt.number(row["share_ci_high"]),
            detail=people_word(row["users_with_label"]),
        )
        for row in shown
    ]
    chart = charts.estimate_bars(
        "emotions",
        f"Share of observed messages with each emotion, {fmt.week(week)}",
        estimates,
        lambda value: fmt.percent(value, 0),
        value_text=lambda e: f"{fmt.percent(e.value)} ({e.detail})",
        colour=charts.PALETTE[3],
    )
    caption = (
        f"The {fmt.week(week)}, the latest week with a label to show. A message can carry several "
        "emotions, so the shares add up to more than 100%."
    )
    if hidden:
        caption += (
            f" {len(hidden)} label{'s' if len(hidden) > 1 else ''} seen in fewer than {MIN_COHORT} "
            "people are hidden."
        )
    return figure(chart, caption)


# --- crisis ------------------------------------------------------------------------


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
                row = by_week[week].get(level)
                if row is None:
                    cells.append("0")
                elif row["is_suppressed"]:
                    cells.append(hidden_cell(hidden_reason(row["suppression_reason"])))
                else:
                    cells.append(fmt.count(row["users"]))
            table_rows.append(cells)
        body += [
            subheading("People by the highest level flagged that week"),
            table(header, table_rows, numeric=[1, 2, 3, 4, 5], kind="crisis-weekly"),
            tag(
                "p",
                "Each person is counted once a week, at the highest level flagged for them. "
                "\u201chidden\u201d: fewer than 50 people, or hidden so that a smaller group "
                "cannot be worked out from the others. A level with no row was not flagged at all.",
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


# --- the page ----------------------------------------------------------------------

PANELS = [
    ("cost", "Cost", cost_panel),
    ("usage", "Usage", usage_panel),
    ("demographics", "Who", demographics_panel),
    ("sentiment", "Sentiment", sentiment_panel),
    ("crisis", "Crisis", crisis_panel),
]


def render(gold: Gold) -> str:
    summary = gold["cost_summary"]
    newest = latest(summary.rows, "period_end_at") if not summary.missing else None
    header = join(
        tag("h1", "SAGE dashboard"),
        tag(
            "p",
            join(
                "Latest data: ",
                tag("strong", fmt.timestamp(newest) if newest else "none yet"),
                f" · page built {fmt.timestamp(gold.read_at)} · all times UTC",
            ),
            class_="built",
        ),
        tag(
            "nav",
            join(*[tag("a", label, href=f"#{key}") for key, label, _ in PANELS]),
            aria_label="Panels",
        ),
    )
    missing = [
        table.relation for table in gold.missing if not table.name.startswith("transparency_")
    ]
    if missing:
        header = join(
            header,
            notice(
                "missing",
                f"{len(missing)} Gold table{'s are' if len(missing) > 1 else ' is'} not built yet "
                f"({', '.join(missing)}): the panels that need "
                f"{'them' if len(missing) > 1 else 'it'} say so below. Run `sage build`.",
            ),
        )
    panels = join(*[build(gold) for _, _, build in PANELS])
    footer = join(
        f"Numbers from {gold.source}. ",
        "Private: for the Innerverse team only. The public page is ",
        tag("a", "/safety/transparency", href="../safety/transparency/index.html"),
        ".",
    )
    return page(
        "SAGE dashboard · Innerverse",
        header,
        panels,
        footer,
        depth=1,
        private=True,
    )
