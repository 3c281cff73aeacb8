"""Is Gold the same on two engines? Every Gold table, row by row, column by column.

The tables come from dbt's manifest (every model in the gold schema), each row
is matched by the table's grain (its ``unique_combination`` test; without one,
every column that is not a number), and each value is compared by what it is:

- counts and other integers, text, dates, timestamps, booleans: exactly;
- decimals (money): to the cent, ``|a - b| < 0.005`` USD;
- doubles: to 1e-9 relative (the same sum added in another order differs in
  its last bits);
- approximate percentiles (``percentile()`` columns, and ``p50_``/``median_``
  names): DuckDB's is exact (interpolated between ranks), Athena's and Trino's
  ``approx_percentile`` returns a value of the input near the rank. Both must
  lie within the group's exact values a few ranks below and above the
  percentile's (the bracket: macros/stats/percentile.sql, computed on DuckDB,
  ``RANK_MARGIN`` ranks plus ``RANK_SHARE`` of the group's size).

Every difference names the table, the column and the row (its key), with both
values.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

CENT = Decimal("0.005")  # half a cent: two amounts within it round to the same cent
DOUBLE_RELATIVE = 1e-9
# An approximate percentile's rank may be off by this many ranks plus this share of
# the group's size. Trino's t-digest interpolates between centroids: on the test
# sample with its late data, the median of 1,183 conversations' turns came out 5.71
# where the exact median is 6, the last 5 lying 28 ranks (2.4%) below it.
RANK_MARGIN = 2
RANK_SHARE = 0.05
# Written by the build itself, different on every build by design.
BOOKKEEPING = frozenset({"built_at"})
_PERCENTILE_ALIAS = re.compile(r"percentile\([^{}]*\)\s*\}\}\s*as\s+(\w+)", re.IGNORECASE)
_PERCENTILE_NAME = re.compile(r"^(p\d{1,2}|median)_")


@dataclass(frozen=True)
class GoldTable:
    name: str  # the relation's name in the gold schema
    model: str  # the dbt model
    key: tuple[str, ...]  # the declared grain; empty when none is declared
    approximate: frozenset[str] = frozenset()


@dataclass
class Rows:
    """A table as read from one engine: column names, and rows as tuples."""

    columns: list[str]
    rows: list[tuple]


@dataclass(frozen=True)
class Difference:
    table: str
    column: str | None
    row: dict
    left: object
    right: object
    note: str = ""

    def describe(self, left_name: str, right_name: str) -> str:
        where = ", ".join(f"{key}={_shown(value)}" for key, value in self.row.items())
        column = f"column {self.column}" if self.column else "the whole row"
        note = f" ({self.note})" if self.note else ""
        return (
            f"gold.{self.table}, {column}, row {where or '(no key)'}: "
            f"{left_name} {_shown(self.left)}, {right_name} {_shown(self.right)}{note}"
        )


def _shown(value: object) -> str:
    if isinstance(value, date | datetime | Decimal):
        return str(value)
    return repr(value)


@dataclass
class Comparison:
    tables: list[str] = field(default_factory=list)
    rows_compared: int = 0
    differences: list[Difference] = field(default_factory=list)


def gold_tables(manifest: dict) -> list[GoldTable]:
    """Every Gold model of the manifest, with its grain and approximate columns."""
    nodes = manifest["nodes"]
    grains: dict[str, tuple[str, ...]] = {}
    for node in nodes.values():
        metadata = node.get("test_metadata") or {}
        if node["resource_type"] == "test" and metadata.get("name") == "unique_combination":
            kwargs = metadata.get("kwargs", {})
            columns = kwargs.get("columns") or kwargs.get("arguments", {}).get("columns")
            if columns and node.get("attached_node"):
                grains[node["attached_node"]] = tuple(column.lower() for column in columns)
    tables = []
    for unique_id, node in sorted(nodes.items()):
        config = node.get("config", {})
        if (
            node["resource_type"] != "model"
            or config.get("schema") != "gold"
            or config.get("materialized") == "ephemeral"
        ):
            continue
        approximate = {name.lower() for name in _PERCENTILE_ALIAS.findall(node["raw_code"])}
        approximate |= {name.lower() for name in node.get("columns", {}) if _is_percentile(name)}
        tables.append(
            GoldTable(
                node["alias"], node["name"], grains.get(unique_id, ()), frozenset(approximate)
            )
        )
    return tables


def _is_percentile(name: str) -> bool:
    return bool(_PERCENTILE_NAME.match(name.lower()))


@dataclass(frozen=True)
class Bracket:
    """Each approximate column's exact bounds, per row, as two readings of the table."""

    lower: Rows
    upper: Rows


def compare_gold(
    tables: Sequence[GoldTable],
    left: dict[str, Rows],
    right: dict[str, Rows],
    brackets: dict[str, Bracket] | None = None,
) -> Comparison:
    """Gold from the exact engine (left) against Gold from another (right)."""
    brackets = brackets or {}
    comparison = Comparison()
    for table in tables:
        comparison.tables.append(table.name)
        if table.name not in left or table.name not in right:
            comparison.differences.append(
                Difference(
                    table.name,
                    None,
                    {},
                    _presence(table.name in left),
                    _presence(table.name in right),
                    "table on one engine only",
                )
            )
            continue
        differences, compared = compare_table(
            table, left[table.name], right[table.name], brackets.get(table.name)
        )
        comparison.rows_compared += compared
        comparison.differences += differences
    return comparison


def compare_table(
    table: GoldTable, left: Rows, right: Rows, bracket: Bracket | None = None
) -> tuple[list[Difference], int]:
    left_columns = [column.lower() for column in left.columns]
    right_columns = [column.lower() for column in right.columns]
    differences = [
        Difference(
            table.name,
            column,
            {},
            _presence(column in left_columns),
            _presence(column in right_columns),
            "column on one engine only",
        )
        for column in sorted(set(left_columns) ^ set(right_columns))
        if column not in BOOKKEEPING
    ]
    columns = [c for c in left_columns if c in right_columns and c not in BOOKKEEPING]
    left_rows = [_pick(row, left_columns, columns) for row in left.rows]
    right_rows = [_pick(row, right_columns, columns) for row in right.rows]
    key = list(table.key) if table.key and set(table.key) <= set(columns) else None
    if key is None:
        sample = left_rows + right_rows
        key = [c for i, c in enumerate(columns) if not _is_number_column(sample, i)]
    positions = [columns.index(c) for c in key]
    left_by_key = _by_key(left_rows, positions)
    right_by_key = _by_key(right_rows, positions)
    if left_by_key is None or right_by_key is None:
        # no unique key: compare the rows as multisets, exact text and rounded numbers
        return differences + _compare_unkeyed(table, columns, left_rows, right_rows), len(left_rows)
    bounds = _bracket_by_key(bracket, columns, key) if table.approximate else None
    for row_key in sorted(set(left_by_key) | set(right_by_key), key=repr):
        described = dict(zip(key, row_key, strict=True))
        if row_key not in right_by_key or row_key not in left_by_key:
            differences.append(
                Difference(
                    table.name,
                    None,
                    described,
                    _presence(row_key in left_by_key),
                    _presence(row_key in right_by_key),
                    "row on one engine only",
                )
            )
            continue
        left_row, right_row = left_by_key[row_key], right_by_key[row_key]
        for index, column in enumerate(columns):
            if index in positions:
                continue
            if column in table.approximate:
                note = _outside_bracket(left_row[index], right_row[index], bounds, row_key, column)
            else:
                note = _differs(left_row[index], right_row[index])
            if note is not None:
                differences.append(
                    Difference(
                        table.name, column, described, left_row[index], right_row[index], note
                    )
                )
    return differences, len(left_by_key)


def _presence(present: bool) -> str:
    return "present" if present else "missing"


def _pick(row: tuple, names: list[str], wanted: list[str]) -> tuple:
    return tuple(_normal(row[names.index(name)]) for name in wanted)


def _normal(value: object) -> object:
    """One representation per value whatever the client: naive UTC timestamps."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _is_number_column(rows: list[tuple], index: int) -> bool:
    return any(
        isinstance(row[index], int | float | Decimal) and not isinstance(row[index], bool)
        for row in rows
    )


def _by_key(rows: Iterable[tuple], positions: list[int]) -> dict[tuple, tuple] | None:
    keyed: dict[tuple, tuple] = {}
    for row in rows:
        row_key = tuple(row[i] for i in positions)
        if row_key in keyed:
            return None
        keyed[row_key] = row
    return keyed


def _bracket_by_key(
    bracket: Bracket | None, columns: list[str], key: list[str]
) -> dict[str, dict[tuple, dict[str, Any]]] | None:
    if bracket is None:
        return None
    sides: dict[str, dict[tuple, dict[str, Any]]] = {}
    for side, rows in (("lower", bracket.lower), ("upper", bracket.upper)):
        names = [column.lower() for column in rows.columns]
        if not set(key) <= set(names):
            return None
        positions = [names.index(column) for column in key]
        sides[side] = {
            tuple(_normal(row[i]) for i in positions): dict(zip(names, row, strict=True))
            for row in rows.rows
        }
    return sides


def _outside_bracket(
    exact: Any, approximate: Any, bounds: dict | None, row_key: tuple, column: str
) -> str | None:
    """Why an approximate percentile is not accepted, or None when both values lie
    within the row's exact bracket."""
    if exact is None or approximate is None:
        return None if exact is None and approximate is None else "null on one engine only"
    if bounds is None or row_key not in bounds["lower"] or row_key not in bounds["upper"]:
        return "approximate percentile with no exact bracket to check it against"
    low, high = bounds["lower"][row_key].get(column), bounds["upper"][row_key].get(column)
    if low is None or high is None:
        return "approximate percentile with no exact bracket to check it against"
    slack = 1e-9 * max(abs(float(low)), abs(float(high)), 1.0)
    for value in (exact, approximate):
        if not float(low) - slack <= float(value) <= float(high) + slack:
            return (
                f"approximate percentile outside the exact values {RANK_MARGIN} ranks + "
                f"{RANK_SHARE:.0%} either side: [{float(low):.6g}, {float(high):.6g}]"
            )
    return None


def _differs(left: object, right: object) -> str | None:
    """Why two values differ, or None when they count as equal."""
    if left is None or right is None:
        return None if left is None and right is None else "null on one engine only"
    numbers = (int, float, Decimal)
    if (
        isinstance(left, bool)
        or isinstance(right, bool)
        or not (isinstance(left, numbers) and isinstance(right, numbers))
    ):
        return None if left == right else "not equal"
    if isinstance(left, int) and isinstance(right, int):
        return None if left == right else "counts differ"
    if isinstance(left, Decimal) or isinstance(right, Decimal):
        if not (math.isfinite(float(left)) and math.isfinite(float(right))):
            return None if float(left) == float(right) else "not equal"
        difference = abs(Decimal(str(left)) - Decimal(str(right)))
        return None if difference < CENT else "differ by a cent or more"
    if math.isclose(float(left), float(right), rel_tol=DOUBLE_RELATIVE, abs_tol=1e-12):
        return None
    return f"doubles differ beyond {DOUBLE_RELATIVE:g} relative"


def _compare_unkeyed(
    table: GoldTable, columns: list[str], left: list[tuple], right: list[tuple]
) -> list[Difference]:
    def rounded(row: tuple) -> tuple:
        return tuple(
            round(float(value), 2) if isinstance(value, float | Decimal) else value for value in row
        )

    left_sorted = sorted(map(rounded, left), key=repr)
    right_sorted = sorted(map(rounded, right), key=repr)
    differences = []
    for row in left_sorted:
        if row in right_sorted:
            right_sorted.remove(row)
        else:
            differences.append(
                Difference(
                    table.name,
                    None,
                    dict(zip(columns, row, strict=True)),
                    "present",
                    "missing",
                    "row on one engine only",
                )
            )
    differences += [
        Difference(
            table.name,
            None,
            dict(zip(columns, row, strict=True)),
            "missing",
            "present",
            "row on one engine only",
        )
        for row in right_sorted
    ]
    return differences


def read_duckdb(connection, schema: str, names: Iterable[str]) -> dict[str, Rows]:
    """The named tables of a DuckDB schema; a table that does not exist is left out."""
    existing = {
        name
        for (name,) in connection.execute(
            "select table_name from information_schema.tables where table_schema = ?", [schema]
        ).fetchall()
    }
    tables = {}
    for name in names:
        if name in existing:
            cursor = connection.execute(f'select * from "{schema}"."{name}"')
            columns = [column[0] for column in cursor.description]
            tables[name] = Rows(columns, cursor.fetchall())
    return tables


def read_trino(connection, schema: str, names: Iterable[str]) -> dict[str, Rows]:
    """The named tables of a schema of the connection's catalog (a trino DB-API connection)."""
    cursor = connection.cursor()
    cursor.execute(
        "select table_name from information_schema.tables where table_schema = ?", [schema]
    )
    existing = {name for (name,) in cursor.fetchall()}
    tables = {}
    for name in names:
        if name in existing:
            cursor.execute(f'select * from "{schema}"."{name}"')
            rows = cursor.fetchall()
            columns = [column[0] for column in cursor.description]
            tables[name] = Rows(columns, [tuple(row) for row in rows])
    return tables


def bracket_queries(settings, tables: Sequence[GoldTable], target_path) -> dict[str, dict]:
    """The SQL of each approximate column's exact bracket, per table and side, on DuckDB.

    The Gold models are compiled twice with the var
    ``percentile_bracket`` (macros/stats/percentile.sql), as for a first build:
    SELECTs over the tables they read, which read_brackets() runs against a
    warehouse, writing nothing. Compiled once, they serve every later state of the warehouse.
    """
    import json

    from lakehouse.dbt import run_dbt

    approximate = [table for table in tables if table.approximate]
    queries: dict[str, dict] = {table.name: {} for table in approximate}
    for side in ("lower", "upper") if approximate else ():
        bracket = {"side": side, "ranks": RANK_MARGIN, "share": RANK_SHARE}
        result = run_dbt(
            # by a selector, not by names: dbt prints the SQL of a model selected by name
            ["compile", "--full-refresh", "--select", "config.schema:gold",
             "--vars", json.dumps({"percentile_bracket": bracket}),
             "--target-path", str(target_path)],
            settings,
            quiet=True,
        )  # fmt: skip
        compiled = {run.node.name: run.node.compiled_code for run in result.result.results}
        for table in approximate:
            queries[table.name][side] = compiled[table.model]
    return queries


def read_brackets(connection, queries: dict[str, dict]) -> dict[str, Bracket]:
    """Run bracket_queries() on a DuckDB connection."""
    brackets = {}
    for name, sides in queries.items():
        rows = {}
        for side, sql in sides.items():
            cursor = connection.execute(sql)
            rows[side] = Rows([column[0] for column in cursor.description], cursor.fetchall())
        brackets[name] = Bracket(rows["lower"], rows["upper"])
    return brackets
