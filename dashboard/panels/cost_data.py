"""The cost panel's data: Gold's daily rows added up per model and per route, the
order the panel shows them in, and each day's cost per model. No markup here:
dashboard/panels/cost.py draws what these return."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from dashboard import formatting as fmt

Totals = dict[str, dict[str, float]]  # key (a model, a route) -> measure -> sum


def totals_by_model(rows: list[dict[str, Any]]) -> Totals:
    """Turns, turns not costed and cost per model over ``cost_daily_by_model`` rows."""
    totals: Totals = defaultdict(lambda: defaultdict(float))
    for row in rows:
        totals[row["model_id"]]["turns"] += row["turns"]
        totals[row["model_id"]]["unpriced"] += row["unpriced_turns"] or 0
        totals[row["model_id"]]["cost"] += fmt.number(row["cost_usd"]) or 0.0
    return totals


def costliest_first(totals: Totals) -> list[str]:
    """The keys of ``totals``, the highest cost first (ties in name order)."""
    return sorted(sorted(totals), key=lambda key: -totals[key]["cost"])


def cost_per_day(rows: list[dict[str, Any]]) -> dict[tuple[date, str], float]:
    """Each (day, model)'s cost."""
    return {(row["turn_date"], row["model_id"]): fmt.number(row["cost_usd"]) or 0.0 for row in rows}


def totals_by_route(rows: list[dict[str, Any]]) -> Totals:
    """Turns and cost per route over ``cost_daily_by_route`` rows (``unknown`` when none)."""
    totals: Totals = defaultdict(lambda: defaultdict(float))
    for row in rows:
        totals[row["route"] or "unknown"]["turns"] += row["turns"]
        totals[row["route"] or "unknown"]["cost"] += fmt.number(row["cost_usd"]) or 0.0
    return totals


def cache_totals(rows: list[dict[str, Any]]) -> Totals:
    """Per model over ``cache_savings_daily`` rows: turns, turns reading the cache, the
    cost paid, the cost without the cache and what the cache saved."""
    totals: Totals = defaultdict(lambda: defaultdict(float))
    for row in rows:
        t = totals[row["model_id"]]
        t["turns"] += row["turns"]
        t["reading"] += row["turns_reading_cache"]
        t["paid"] += fmt.number(row["cost_usd"]) or 0.0
        t["without"] += fmt.number(row["cost_without_cache_usd"]) or 0.0
        t["saved"] += fmt.number(row["savings_usd"]) or 0.0
    return totals


def total(totals: Totals, measure: str) -> float:
    return sum(t[measure] for t in totals.values())
