"""The cost panel: what the language models cost, per person, over the last 30 days."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from dashboard import charts
from dashboard import formatting as fmt
from dashboard.gold import COST_WINDOW, Gold, Table
from dashboard.html import Html, figure, join, notice, table, tag
from dashboard.panels.cost_data import (
    cache_totals,
    cost_per_day,
    costliest_first,
    total,
    totals_by_model,
    totals_by_route,
)
from dashboard.panels.markup import (
    INTERVAL_NOTE,
    daily_rows,
    hidden_reason,
    panel,
    partial_day_note,
    people_word,
    subheading,
    table_problem,
    tile,
    tiles,
)
from dashboard.panels.shaping import (
    MIN_COHORT,
    days_from,
    last_full_day,
    model_name,
    window_row,
)


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
    problem, rows = daily_rows(gold, "cost_daily_by_model", "Cost per day", start, end)
    if problem:
        return [problem]
    shown_until = last_full_day(gold, end) if end > start else end
    days = days_from(start, shown_until)
    cost = cost_per_day(rows)
    totals = totals_by_model(rows)
    models = costliest_first(totals)
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
    grand = total(totals, "cost") or 1.0
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
    problem, rows = daily_rows(gold, "cost_daily_by_route", "Cost by route", start, end)
    if problem:
        return problem
    totals = totals_by_route(rows)
    grand = total(totals, "cost") or 1.0
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
    problem, rows = daily_rows(gold, "cache_savings_daily", "Cache savings", start, end)
    if problem:
        return problem
    totals = cache_totals(rows)
    paid, without, saved = (total(totals, measure) for measure in ("paid", "without", "saved"))
    verdict = (
        f"Prompt caching saved {fmt.usd(saved)} over the 30 days: the same turns would have cost "
        f"{fmt.usd(without)} without it, {fmt.usd(paid)} with it"
        + (f" ({fmt.percent(saved / without)} less)." if without else ".")
        if saved >= 0
        else f"Prompt caching cost {fmt.usd(-saved)} more than it saved over the 30 days: "
        "cache writes were not read back often enough."
    )
    cells = [
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
            cells,
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
