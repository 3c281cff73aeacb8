"""Loading a table into pandas for the checks: whole, or a reservoir sample of
``max_rows`` (a Bernoulli sample on Athena, with its values converted to what
DuckDB's conversion gives).
"""

from __future__ import annotations

import json

from lakehouse.settings import Settings
from lakehouse.warehouse import Warehouse
from privacy.catalog import Table, identifier
from privacy.rules import Allowlist

SAMPLE_SEED = 7


def load_table(
    warehouse: Warehouse, settings: Settings, table: Table, rules: Allowlist, max_rows: int
):
    """(frame, rows in the table, sampled?) for one table."""
    total = int(warehouse.query(f"select count(*) as n from {table.relation}")[0]["n"])
    sampled = total > max_rows
    if settings.target == "athena":
        # PyAthena hands back Python objects: arrays as text, decimals as Decimal, dates
        # as date; turn them into what DuckDB's pandas conversion gives.
        selects = []
        for column in table.columns:
            family, name = rules.type_family(column.type), identifier(column.name)
            if family == "list":
                selects.append(f"json_format(cast({name} as json)) as {name}")
            elif family == "number":
                selects.append(f"cast({name} as double) as {name}")
            elif family in ("date", "timestamp"):
                selects.append(f"cast({name} as timestamp) as {name}")
            else:
                selects.append(name)
        sql = f"select {', '.join(selects)} from {table.relation}"
        if sampled:
            percent = min(100.0, 110.0 * max_rows / total)
            sql += f" tablesample bernoulli ({percent:.6f}) limit {max_rows}"
        frame = warehouse.dataframe(sql)
        import pandas as pd

        for column in table.columns:
            family = rules.type_family(column.type)
            if family == "list":
                frame[column.name] = frame[column.name].map(
                    lambda text: json.loads(text) if isinstance(text, str) else text
                )
            elif family in ("date", "timestamp"):
                frame[column.name] = pd.to_datetime(frame[column.name])
    else:
        sql = f"select * from {table.relation}"
        if sampled:
            sql += f" using sample reservoir({max_rows} rows) repeatable ({SAMPLE_SEED})"
        frame = warehouse.dataframe(sql)
    return frame, total, sampled
