"""The ids Bronze holds in the app's unkeyed form: no pseudonym may equal one."""

from __future__ import annotations

from lakehouse.settings import Settings
from lakehouse.warehouse import Warehouse
from privacy.catalog import identifier, layer_tables
from privacy.guard.report import Check
from privacy.rules import Allowlist


def _relation_of_model(model: str) -> str:
    """``bronze_lambda_emf`` → ``lambda_emf``, as macros/naming/generate_alias_name.sql
    names a model's relation."""
    return model.partition("_")[2]


def bronze_source_ids(
    warehouse: Warehouse, settings: Settings, rules: Allowlist
) -> tuple[set[str], list[Check]]:
    """Every id Bronze holds in the app's unkeyed form, and checks that the allow-list
    names every Bronze column that holds such ids (``source_*_id``)."""
    bronze = layer_tables(warehouse, settings, "bronze")
    checks: list[Check] = []
    selects: list[str] = []
    declared: set[tuple[str, str]] = set()
    for model, columns in sorted(rules.bronze_source_ids.items()):
        name = _relation_of_model(model)
        table = bronze.get(name)
        for column in columns:
            declared.add((name, column))
            if table is None or table.column(column) is None:
                checks.append(
                    Check(
                        f"bronze.{name}",
                        column,
                        None,
                        "source_ids_declared",
                        False,
                        detail=f"the allow-list's bronze_source_ids names {model}.{column}, "
                        "which the warehouse does not have",
                    )
                )
                continue
            selects.append(f"select {identifier(column)} as source_id from {table.relation}")
    for table in bronze.values():
        for found in table.columns:
            if (
                found.name.startswith("source_")
                and found.name.endswith("_id")
                and (table.name, found.name) not in declared
            ):
                checks.append(
                    Check(
                        f"bronze.{table.name}",
                        found.name,
                        None,
                        "source_ids_declared",
                        False,
                        detail=f"bronze.{table.name}.{found.name} holds source ids but is not in "
                        "the allow-list's bronze_source_ids: pseudonyms are not compared with it",
                    )
                )
    if not selects:
        return set(), checks
    rows = warehouse.query(
        "select distinct source_id from ("
        + " union all ".join(selects)
        + ") as ids where source_id is not null"
    )
    return {str(row["source_id"]) for row in rows}, checks
