"""sage summary: the cost answer, from Gold, in the terminal."""

from __future__ import annotations

import argparse

from lakehouse.settings import Settings
from lakehouse.warehouse import WarehouseError, open_warehouse
from sage.commands.common import EXIT_OK, CommandError, add_location_flags, say, settings_from


def register(subparsers) -> None:
    parser = subparsers.add_parser("summary", help="print users, turns and cost per user from Gold")
    add_location_flags(parser, lake=False)
    parser.set_defaults(handler=run)


def cost_summary(settings: Settings) -> dict:
    try:
        with open_warehouse(settings) as warehouse:
            rows = warehouse.query(
                f"select * from {settings.relation('gold', 'cost_summary')} "
                "where window_name = 'all time'"
            )
    except WarehouseError as exc:
        raise CommandError(str(exc)) from None
    return rows[0] if rows else {}


def describe(summary: dict) -> str:
    if not summary or not summary.get("users"):
        return "no turns in Gold yet: ingest some turn logs and run `sage build`"

    def usd(value) -> str:
        return f"${float(value):,.2f}" if value is not None else "-"

    unpriced = summary["unpriced_turns"] or 0
    interval = f"{usd(summary['avg_cost_ci_low_usd'])} .. {usd(summary['avg_cost_ci_high_usd'])}"
    return "\n".join(
        [
            f"LLM cost per user, {summary['period_start_at']:%Y-%m-%d} .. "
            f"{summary['period_end_at']:%Y-%m-%d} (UTC)",
            f"  users             {summary['users']:>12,}",
            f"  conversations     {summary['conversations']:>12,}",
            f"  turns             {summary['turns']:>12,}"
            + (
                f"   ({unpriced:,} on models missing from seeds/pricing.csv: not costed)"
                if unpriced
                else ""
            ),
            f"  total cost        {usd(summary['total_cost_usd']):>12}",
            f"  average per user  {usd(summary['avg_cost_per_user_usd']):>12}"
            f"   (95% interval {interval})",
            f"  maximum per user  {usd(summary['max_cost_per_user_usd']):>12}",
            f"  p50 / p90 / p99   {usd(summary['p50_cost_per_user_usd'])} / "
            f"{usd(summary['p90_cost_per_user_usd'])} / {usd(summary['p99_cost_per_user_usd'])}",
        ]
    )


def run(args: argparse.Namespace) -> int:
    say(describe(cost_summary(settings_from(args))))
    return EXIT_OK
