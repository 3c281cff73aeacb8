"""The lake's Bronze tables as Python sees them: read from the one declaration dbt reads.

``models/bronze/_lake__sources.yml`` declares every lake table (its prefix, its
partition keys, each column and its engine-neutral type). The rollup needs the
same facts to write a day's Parquet with the types every engine's Parquet table
expects, so it reads that file rather than a copy of it. A table takes part in the
daily rollup when it is partitioned by ``dt`` and names the columns its rows are
sorted by (``columnar_sort_by`` in its ``meta``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]  # PyYAML, installed with dbt-core

SOURCES_FILE = Path(__file__).resolve().parent.parent / "models" / "bronze" / "_lake__sources.yml"

# The YAML's engine-neutral types as DuckDB names them (macros/lake/lake_relations.sql).
DUCKDB_TYPES = {
    "varchar": "VARCHAR",
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
    "timestamp": "TIMESTAMP",
    "array<varchar>": "VARCHAR[]",
}


class TableDeclarationError(ValueError):
    """The lake source YAML does not declare what the rollup needs; names the table."""


@dataclass(frozen=True)
class LakeTable:
    name: str  # lambda_emf
    prefix: str  # bronze/lambda_emf
    columns: tuple[tuple[str, str], ...]  # (name, DuckDB type) of the values in the files
    partitions: tuple[str, ...]  # ("dt", "hour")
    sort_by: tuple[str, ...]  # ("uid", "event_at"): one user's rows of a day sit together

    @property
    def column_names(self) -> list[str]:
        return [name for name, _ in self.columns]

    def has_column(self, name: str) -> bool:
        return name in self.column_names

    @property
    def stored_columns(self) -> list[str]:
        """The columns of a rolled-up day's Parquet: the file columns, then every
        partition key but ``dt``, which stays in the path (``dt=YYYY-MM-DD/``)."""
        return self.column_names + [key for key in self.partitions if key != "dt"]

    def day_prefix(self, day: str) -> str:
        return f"{self.prefix}/dt={day}/"

    def parquet_key(self, day: str) -> str:
        """Where the day's Parquet lives: its own folder inside the day, apart from the
        hour folders, so no engine's JSON table ever lists it and the Parquet table
        lists nothing else."""
        return f"{self.prefix}/dt={day}/parquet/{self.name}-{day}.parquet"


def _duckdb_type(table: str, column: str, data_type: object) -> str:
    text = str(data_type or "").lower().strip()
    if text not in DUCKDB_TYPES:
        raise TableDeclarationError(
            f"{SOURCES_FILE.name}: lake.{table}.{column} has data_type {data_type!r}, "
            f"not one of {', '.join(DUCKDB_TYPES)}"
        )
    return DUCKDB_TYPES[text]


def _table(entry: dict[str, Any]) -> LakeTable | None:
    name = entry["name"]
    meta = (entry.get("config") or {}).get("meta") or entry.get("meta") or {}
    partitions = tuple(meta.get("partitioned_by") or ())
    sort_by = tuple(meta.get("columnar_sort_by") or ())
    if "dt" not in partitions or not sort_by:
        return None
    columns = tuple(
        (column["name"], _duckdb_type(name, column["name"], column.get("data_type")))
        for column in entry.get("columns") or []
        if column["name"] not in partitions
    )
    known = {column for column, _ in columns}
    unknown = [column for column in sort_by if column not in known]
    if unknown:
        raise TableDeclarationError(
            f"{SOURCES_FILE.name}: lake.{name} sorts its Parquet by {', '.join(unknown)}, "
            "which it does not declare as a column"
        )
    return LakeTable(name, meta["lake_prefix"].strip("/"), columns, partitions, sort_by)


@cache
def columnar_tables(path: Path = SOURCES_FILE) -> tuple[LakeTable, ...]:
    """Every lake table the daily rollup turns into Parquet, in name order."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    document = yaml.load(path.read_text(), Loader=loader)
    tables: list[LakeTable] = []
    for source in document.get("sources") or []:
        if source.get("name") != "lake":
            continue
        for entry in source.get("tables") or []:
            table = _table(entry)
            if table is not None:
                tables.append(table)
    return tuple(sorted(tables, key=lambda table: table.name))


def table_for_key(key: str) -> LakeTable | None:
    """The rolled-up table a lake key belongs to (``bronze/sentinel/...`` → sentinel)."""
    for table in columnar_tables():
        if key.startswith(table.prefix + "/"):
            return table
    return None
