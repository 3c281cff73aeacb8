"""What the warehouse holds, from its own catalog: the tables of a layer and their
columns, on DuckDB or Athena. Privacy operations iterate over this, never over a
hard-coded list, so a table added tomorrow is guarded, expired and erased too."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lakehouse.settings import Settings
from lakehouse.warehouse import Warehouse

_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


@dataclass(frozen=True)
class Column:
    name: str
    type: str


@dataclass(frozen=True)
class Table:
    layer: str
    name: str
    relation: str  # schema.table, as SQL names it
    columns: tuple[Column, ...]

    @property
    def label(self) -> str:
        return f"{self.layer}.{self.name}"

    def column(self, name: str) -> Column | None:
        return next((column for column in self.columns if column.name == name), None)


def identifier(name: str) -> str:
    """A catalog name checked before it goes into SQL text."""
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"unexpected name in the warehouse catalog: {name!r}")
    return name


def layer_tables(warehouse: Warehouse, settings: Settings, layer: str) -> dict[str, Table]:
    """Every table (and view) of ``<schema>_<layer>``, by name, columns in order."""
    schema = identifier(f"{settings.schema}_{layer}")
    rows = warehouse.query(
        "select table_name, column_name, data_type "
        "from information_schema.columns "
        f"where table_schema = '{schema}' "
        "order by table_name, ordinal_position"
    )
    columns: dict[str, list[Column]] = {}
    for row in rows:
        name = str(row["table_name"]).lower()
        columns.setdefault(name, []).append(
            Column(str(row["column_name"]).lower(), str(row["data_type"]))
        )
    return {
        name: Table(layer, name, f"{schema}.{identifier(name)}", tuple(found))
        for name, found in sorted(columns.items())
    }
