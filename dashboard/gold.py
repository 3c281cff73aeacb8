"""Reading the Gold tables behind the two pages.

Every query is plain SQL that DuckDB and Athena (Trino) both run unchanged: one
Gold table, named columns, simple filters, no engine-specific function. A
table that is not built yet is reported as missing (the page says so), not
raised; any other failure of the engine is an error of the whole build.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from lakehouse.settings import Settings
from lakehouse.warehouse import Warehouse, WarehouseError, open_warehouse

COST_WINDOW = "last 30 days"


# name -> (Gold model, SQL with {relation} for the table). The model names are
# the ones in models/gold; the relation's name drops the `gold_` prefix.
QUERIES: dict[str, tuple[str, str]] = {
    "cost_summary": (
        "gold_cost_summary",
        "select window_name, window_start_date, window_end_date, users, conversations, turns, "
        "unpriced_turns, total_cost_usd, avg_cost_per_user_usd, avg_cost_ci_low_usd, "
        "avg_cost_ci_high_usd, avg_cost_ci_method, max_cost_per_user_usd, "
        "p50_cost_per_user_usd, p90_cost_per_user_usd, p99_cost_per_user_usd, is_suppressed, "
        "period_start_at, period_end_at "
        "from {relation} order by window_start_date, window_name",
    ),
    # Gold holds no row per person: the bins are counted in the restricted layer and
    # published with every bin of at least the minimum cohort (or hidden).
    "cost_distribution": (
        "gold_cost_distribution",
        "select bin_index, cost_from_usd, cost_to_usd, users, share_of_users, window_users, "
        "is_suppressed, suppression_reason "
        f"from {{relation}} where window_name = '{COST_WINDOW}' order by bin_index",
    ),
    "cost_daily_by_model": (
        "gold_cost_daily_by_model",
        "select turn_date, model_id, users, turns, unpriced_turns, cost_usd "
        "from {relation} order by turn_date, model_id",
    ),
    "cost_daily_by_route": (
        "gold_cost_daily_by_route",
        "select turn_date, route, users, turns, unpriced_turns, cost_usd "
        "from {relation} order by turn_date, route",
    ),
    "cache_savings_daily": (
        "gold_cache_savings_daily",
        "select turn_date, model_id, turns, turns_reading_cache, cost_usd, "
        "cost_without_cache_usd, savings_usd from {relation} order by turn_date, model_id",
    ),
    "cost_repricing": (
        "gold_cost_repricing",
        "select month_start, model_id, current_price_id, turns, unpriced_turns, "
        "cost_at_the_time_usd, cost_at_current_prices_usd, difference_usd "
        "from {relation} order by month_start, model_id",
    ),
    "active_users_daily": (
        "gold_active_users_daily",
        "select activity_date, dau, wau, mau, dau_mau_ratio, new_users, returning_users "
        "from {relation} order by activity_date",
    ),
    "engagement": (
        "gold_engagement",
        "select window_name, window_start_date, window_end_date, users, conversations, turns, "
        "conversations_per_user, conversations_per_user_ci_low, conversations_per_user_ci_high, "
        "turns_per_conversation, turns_per_conversation_ci_low, "
        "turns_per_conversation_ci_high, median_turns_per_conversation, ci_method "
        "from {relation} order by window_start_date, window_name",
    ),
    "activity_heatmap": (
        "gold_activity_heatmap",
        "select day_of_week, hour_of_day, days_observed, turns, avg_turns, avg_active_users "
        "from {relation} order by day_of_week, hour_of_day",
    ),
    "latency_daily_by_model": (
        "gold_latency_daily_by_model",
        "select turn_date, model_id, turns, mean_latency_ms, p50_latency_ms, p95_latency_ms, "
        "p99_latency_ms from {relation} order by turn_date, model_id",
    ),
    "demographics": (
        "gold_demographics_monthly",
        "select month_start, dimension, value, unit, people, share_of_group, share_ci_low, "
        "share_ci_high, share_ci_method, group_people, is_suppressed, suppression_reason "
        "from {relation} "
        "where month_start = (select max(month_start) from {relation}) "
        "order by dimension, value",
    ),
    "sentiment_weekly": (
        "gold_sentiment_weekly",
        "select week_start, users, observations, mean_sentiment, mean_sentiment_ci_low, "
        "mean_sentiment_ci_high, ci_method, is_suppressed, suppression_reason "
        "from {relation} order by week_start",
    ),
    "emotions_weekly": (
        "gold_emotions_weekly",
        "select week_start, emotion, users_with_label, observations_with_label, "
        "share_of_observations, share_ci_low, share_ci_high, share_ci_method, is_suppressed, "
        "suppression_reason from {relation} order by week_start, emotion",
    ),
    "crisis_weekly": (
        "gold_crisis_weekly",
        "select week_start, crisis_level, users, turns, share_of_turns, share_ci_low, "
        "share_ci_high, share_ci_method, is_suppressed, suppression_reason "
        "from {relation} order by week_start, crisis_level",
    ),
    "transparency_quarterly": (
        "gold_transparency_quarterly",
        "select quarter_start, active_users, conversations, turns, users_flagged, turns_flagged, "
        "share_of_turns_flagged, share_ci_low, share_ci_high, share_ci_method, is_suppressed, "
        "flags_suppressed, suppression_reason from {relation} order by quarter_start",
    ),
    "transparency_crisis_levels": (
        "gold_transparency_crisis_levels",
        "select quarter_start, crisis_level, users, is_suppressed, suppression_reason "
        "from {relation} order by quarter_start, crisis_level",
    ),
}

# What each page may read. The public page reads only the two tables built for
# publication, whose every cell is already suppression-safe.
SAGE_TABLES = [name for name in QUERIES if not name.startswith("transparency_")]
TRANSPARENCY_TABLES = ["transparency_quarterly", "transparency_crisis_levels"]


class DashboardError(RuntimeError):
    """The engine failed for another reason than a table not built yet."""


@dataclass
class Table:
    """One query's result: its rows, or the fact that its table is not built yet."""

    name: str
    model: str
    relation: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    missing: bool = False

    @property
    def empty(self) -> bool:
        return not self.missing and not self.rows


@dataclass
class Gold:
    tables: dict[str, Table]
    source: str  # where the numbers come from, for the page's footer
    read_at: datetime

    def __getitem__(self, name: str) -> Table:
        return self.tables[name]

    @property
    def missing(self) -> list[Table]:
        return [table for table in self.tables.values() if table.missing]


def _is_missing_table(exc: Exception) -> bool:
    if isinstance(exc, WarehouseError):
        return "no such table" in str(exc)
    # PyAthena: the query fails with Trino's TABLE_NOT_FOUND (or Glue's "does not exist").
    text = str(exc)
    return "TABLE_NOT_FOUND" in text or ("Table" in text and "does not exist" in text)


def sql_for(name: str, settings: Settings) -> str:
    model, template = QUERIES[name]
    return template.format(relation=settings.relation("gold", model.removeprefix("gold_")))


def read_table(warehouse: Warehouse, settings: Settings, name: str) -> Table:
    model, _ = QUERIES[name]
    relation = settings.relation("gold", model.removeprefix("gold_"))
    try:
        rows = warehouse.query(sql_for(name, settings))
    except Exception as exc:
        if _is_missing_table(exc):
            return Table(name, model, relation, missing=True)
        raise DashboardError(f"could not read {relation}: {_first_line(exc)}") from None
    return Table(name, model, relation, rows=rows)


def describe_source(settings: Settings) -> str:
    if settings.target == "athena":
        return f"Amazon Athena, schema {settings.schema}_gold"
    return f"DuckDB warehouse {settings.warehouse}, schema {settings.schema}_gold"


def load(settings: Settings, names: list[str] | None = None) -> Gold:
    """Read the Gold tables the pages need (all of them by default)."""
    wanted = names or list(QUERIES)
    opened = open_warehouse(settings)
    try:
        warehouse = opened.__enter__()
    except WarehouseError as exc:  # no warehouse at all
        raise DashboardError(str(exc)) from None
    except Exception as exc:  # locked by a running build, unreadable file, no AWS access...
        raise DashboardError(f"cannot open the warehouse: {_first_line(exc)}") from None
    try:
        tables = {name: read_table(warehouse, settings, name) for name in wanted}
    finally:
        opened.__exit__(None, None, None)
    return Gold(tables, describe_source(settings), datetime.now(UTC).replace(tzinfo=None))


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def latest(rows: list[dict[str, Any]], column: str) -> date | datetime | None:
    values = [row[column] for row in rows if row.get(column) is not None]
    return max(values) if values else None
