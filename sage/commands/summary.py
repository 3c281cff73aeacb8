"""sage summary: the cost answer, from Gold, in the terminal.

The headline is the one the dashboard shows: the 30 days ending on the last
complete day (gold_cost_rolling_30_days), with the same dates and numbers.
"""

from __future__ import annotations

import argparse

from dashboard import formatting as fmt
from lakehouse.settings import Settings
from lakehouse.warehouse import WarehouseError, open_warehouse
from sage.commands.common import EXIT_OK, CommandError, add_location_flags, say, settings_from


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "summary",
        help="print people, turns and cost per person over the last 30 complete days, from Gold",
    )
    add_location_flags(parser, lake=False)
    parser.set_defaults(handler=run)


def cost_summary(settings: Settings) -> dict:
    """The headline row and, for the first day with data, the all-time row's start."""
    try:
        with open_warehouse(settings) as warehouse:
            rows = warehouse.query(
                f"select * from {settings.relation('gold', 'cost_rolling_30_days')}"
            )
            first = warehouse.query(
                f"select period_start_date from {settings.relation('gold', 'cost_all_time')}"
            )
    except WarehouseError as exc:
        raise CommandError(str(exc)) from None
    if not rows:
        return {}
    return {**rows[0], "data_from": first[0]["period_start_date"] if first else None}


def describe(summary: dict) -> str:
    """The dashboard's cost tiles in words: the same period, dates and amounts, formatted
    by the same functions (dashboard/formatting.py)."""
    if not summary:
        return (
            "no turns in the 30 days ending on the last complete day: ingest some turn logs "
            "and run `sage build`"
        )
    period = f"{fmt.day(summary['period_start_date'])} to {fmt.day(summary['period_end_date'])}"
    data_from = summary.get("data_from")
    if data_from and data_from > summary["period_start_date"]:
        period += f"; the data starts on {fmt.day(data_from)}"
    unpriced = summary["unpriced_turns"] or 0
    interval = fmt.interval(summary["avg_cost_ci_low_usd"], summary["avg_cost_ci_high_usd"])
    lines = [
        f"LLM cost per person, the 30 days ending on the last complete day ({period}; UTC)",
        f"  people            {fmt.count(summary['users']):>12}",
        f"  conversations     {fmt.count(summary['conversations']):>12}",
        f"  turns             {fmt.count(summary['turns']):>12}"
        + (
            f"   ({fmt.count(unpriced)} on models missing from seeds/pricing.csv: not costed)"
            if unpriced
            else ""
        ),
        f"  total cost        {fmt.usd(summary['total_cost_usd']):>12}",
        f"  average per person{fmt.usd(summary['avg_cost_per_user_usd']):>12}"
        f"   (95% interval {interval})",
        f"  median            {fmt.usd(summary['p50_cost_per_user_usd']):>12}",
        f"  p90 / p99         {fmt.usd(summary['p90_cost_per_user_usd'])} / "
        f"{fmt.usd(summary['p99_cost_per_user_usd'])}",
        f"  highest           {fmt.usd(summary['max_cost_per_user_usd']):>12}",
    ]
    if summary.get("is_suppressed"):
        lines.append(
            "  the average, interval, percentiles and highest are hidden: "
            f"{summary['suppression_reason']} used the app in these 30 days"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    say(describe(cost_summary(settings_from(args))))
    return EXIT_OK
