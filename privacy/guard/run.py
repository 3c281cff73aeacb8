"""The guard run: every Silver, private and Gold table of the warehouse (or the
frames of a partner bundle) checked, and the allow-list entries a new table needs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lakehouse.settings import Settings
from lakehouse.warehouse import WarehouseError, open_warehouse
from privacy.catalog import Table, layer_tables
from privacy.guard.bronze_ids import bronze_source_ids
from privacy.guard.loading import load_table
from privacy.guard.report import DEFAULT_MAX_ROWS, GuardError, GuardReport, TableResult
from privacy.guard.suite import gx_context, validate_table
from privacy.rules import LAYERS, RESTRICTED_LAYERS, Allowlist, allowlist


def run_guard(
    settings: Settings,
    *,
    max_rows: int = DEFAULT_MAX_ROWS,
    rules: Allowlist | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> GuardReport:
    """Check every Silver, private and Gold table of the warehouse; raises GuardError if there is
    nothing to check."""
    rules = rules or allowlist()
    if max_rows < 1:
        raise GuardError("--max-rows must be at least 1")
    report = GuardReport.start(
        rules,
        target=settings.target,
        warehouse=(
            f"Athena, schemas {settings.schema}_silver, _private and _gold"
            if settings.target == "athena"
            else settings.warehouse
        ),
        max_rows=max_rows,
    )
    try:
        with open_warehouse(settings) as warehouse:
            tables = {layer: layer_tables(warehouse, settings, layer) for layer in LAYERS}
            if not any(tables.values()):
                raise GuardError(
                    f"the warehouse ({report.warehouse}) has no Silver, private or Gold tables: "
                    "run `sage build` first"
                )
            source_ids, report.declarations = bronze_source_ids(warehouse, settings, rules)
            report.bronze_source_ids = len(source_ids)
            if not source_ids:
                report.notes.append(
                    "Bronze holds no source ids: pseudonyms were not compared with any"
                )
            context, source = gx_context()
            total_tables = sum(len(found) for found in tables.values())
            for layer in LAYERS:
                for name, table in tables[layer].items():
                    if progress:
                        progress(len(report.tables), total_tables, table.label)
                    frame, total, sampled = load_table(warehouse, settings, table, rules, max_rows)
                    result = TableResult(
                        layer,
                        name,
                        table.relation,
                        allowlisted=rules.table(layer, name) is not None,
                        rows_total=total,
                        rows_checked=len(frame),
                        sampled=sampled,
                    )
                    result.checks = validate_table(context, source, table, frame, rules, source_ids)
                    report.tables.append(result)
                for name in sorted(set(rules.tables.get(layer, {})) - set(tables[layer])):
                    report.notes.append(
                        f"{layer}.{name} is in the allow-list but not built in this warehouse"
                    )
    except WarehouseError as exc:
        raise GuardError(str(exc)) from None
    return report


def guard_frames(
    frames: list[tuple[Table, Any]], *, source: str, rules: Allowlist | None = None
) -> GuardReport:
    """The same checks over data that is not in the warehouse: each ``(table, frame)``
    is checked whole against the allow-list's entry for ``table``. The partner
    certificate runs it over exactly the Parquet files of a bundle (``source``
    names them in the report). Nothing is compared with Bronze's ids: the tables
    it is for hold no pseudonyms."""
    rules = rules or allowlist()
    report = GuardReport.start(
        rules,
        target="files",
        warehouse=source,
        max_rows=max((len(frame) for _, frame in frames), default=0),
    )
    context, data_source = gx_context()
    for table, frame in frames:
        result = TableResult(
            table.layer,
            table.name,
            table.relation,
            allowlisted=rules.table(table.layer, table.name) is not None,
            rows_total=len(frame),
            rows_checked=len(frame),
            sampled=False,
        )
        result.checks = validate_table(context, data_source, table, frame, rules, set())
        report.tables.append(result)
    return report


def proposal(settings: Settings, rules: Allowlist | None = None) -> str:
    """Allow-list entries (YAML) for every built table or column not yet listed, with a
    suggested kind, for a reviewer to check and paste into the allow-list."""
    rules = rules or allowlist()
    lines: list[str] = []
    try:
        with open_warehouse(settings) as warehouse:
            for layer in LAYERS:
                for name, table in layer_tables(warehouse, settings, layer).items():
                    declared = rules.table(layer, name)
                    missing = [
                        column
                        for column in table.columns
                        if declared is None or column.name not in declared.columns
                    ]
                    if not missing:
                        continue
                    lines.append(f"# {layer}.{name}" + ("" if declared else " (new table)"))
                    lines.append(f"    {name}:")
                    if declared is None and layer in RESTRICTED_LAYERS:
                        lines.append("      retention: <date column, or keep>")
                    lines.append("      columns:")
                    lines += [
                        f"        {column.name}: {rules.suggested_kind(column.name, column.type)}"
                        f"  # {column.type}"
                        for column in missing
                    ]
    except WarehouseError as exc:
        raise GuardError(str(exc)) from None
    return "\n".join(lines)
