"""Compile a macro call with dbt itself, to run its SQL in DuckDB in a test."""

from __future__ import annotations

from functools import cache

from lakehouse.dbt import run_dbt
from lakehouse.settings import Settings


@cache
def compiled(expression: str, settings: Settings) -> str:
    """The SQL dbt renders for ``select <expression>`` (a macro call), without the select."""
    result = run_dbt(
        ["compile", "--inline", f"select {expression} as compiled_value", "--no-populate-cache"],
        settings,
        quiet=True,
    )
    sql = result.result.results[0].node.compiled_code
    return sql.split("select", 1)[1].rsplit("as compiled_value", 1)[0]
