"""What the warehouse says the models were used for: token totals per day and model
as the app logged them, and the models that turns used without a price. The same
SQL on DuckDB and Athena, from the restricted ``private.model_usage_daily``."""

from __future__ import annotations

from typing import Any

from lakehouse.settings import Settings
from lakehouse.warehouse import open_warehouse
from pricing.impact import DailyUsage


def daily_usage(settings: Settings) -> list[DailyUsage]:
    """Token totals per UTC day and model id as the app logged it (the restricted
    ``private.model_usage_daily``: Gold closes model ids to the price list, and a model
    missing from it must still be seen here): the same SQL on DuckDB and Athena."""
    sql = f"""
        select turn_date, model_id, turns, tokens_in, tokens_out, tokens_cache_read,
               tokens_cache_write
        from {settings.relation("private", "model_usage_daily")}
    """
    with open_warehouse(settings) as warehouse:
        rows = warehouse.query(sql)
    return [
        DailyUsage(
            turn_date=row["turn_date"],
            model_id=row["model_id"],
            turns=int(row["turns"] or 0),
            tokens_in=int(row["tokens_in"] or 0),
            tokens_out=int(row["tokens_out"] or 0),
            tokens_cache_read=int(row["tokens_cache_read"] or 0),
            tokens_cache_write=int(row["tokens_cache_write"] or 0),
        )
        for row in rows
    ]


def unpriced_model_usage(settings: Settings) -> list[dict[str, Any]]:
    """Each model with turns the price list does not price: how many, first and last day,
    and how many turns there are in all (`all_turns`, the same on every row)."""
    sql = f"""
        select model_id, sum(unpriced_turns) as unpriced_turns,
               min(case when unpriced_turns > 0 then turn_date end) as first_day,
               max(case when unpriced_turns > 0 then turn_date end) as last_day,
               sum(sum(turns)) over () as all_turns
        from {settings.relation("private", "model_usage_daily")}
        group by 1
        order by 2 desc, 1
    """
    with open_warehouse(settings) as warehouse:
        return [row for row in warehouse.query(sql) if row["unpriced_turns"]]
