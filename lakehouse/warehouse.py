"""Reading Gold: the same SQL through DuckDB locally or Athena in production."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol, cast

from lakehouse.settings import Settings


class WarehouseError(RuntimeError):
    pass


class Warehouse(Protocol):
    def query(self, sql: str) -> list[dict[str, Any]]: ...

    def dataframe(self, sql: str) -> Any: ...

    def execute(self, sql: str) -> None: ...


class DuckDBWarehouse:
    def __init__(self, path: str, *, read_only: bool = True):
        import duckdb

        if not Path(path).exists():
            raise WarehouseError(f"no warehouse at {path}: run `sage build` (or `make demo`) first")
        try:
            self.connection = duckdb.connect(path, read_only=read_only)
        except duckdb.IOException as exc:  # another process holds the file
            raise WarehouseError(f"cannot open the warehouse {path}: {exc}") from None

    def query(self, sql: str) -> list[dict[str, Any]]:
        import duckdb

        try:
            cursor = self.connection.execute(sql)
        except duckdb.CatalogException as exc:
            raise WarehouseError(f"the warehouse has no such table: {exc}") from None
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def dataframe(self, sql: str) -> Any:
        """The result as a pandas DataFrame (DuckDB's own conversion)."""
        return self.connection.execute(sql).df()

    def execute(self, sql: str) -> None:
        """A statement that changes data (DELETE); needs ``read_only=False``."""
        self.connection.execute(sql)

    def close(self) -> None:
        self.connection.close()


class AthenaWarehouse:
    """Gold on Athena through PyAthena, with the workgroup and staging dir of the dbt profile."""

    def __init__(self) -> None:
        from pyathena import connect

        self.connection = connect(
            region_name=os.environ.get("AWS_REGION", "us-east-1"),
            work_group=os.environ.get("SAGE_ATHENA_WORKGROUP", "innerverse"),
            s3_staging_dir=os.environ.get(
                "SAGE_ATHENA_S3_STAGING_DIR", "s3://innerverse-athena-results/dbt/"
            ),
        )

    def query(self, sql: str) -> list[dict[str, Any]]:
        cursor = self.connection.cursor()
        cursor.execute(sql)
        names = [column[0] for column in cast(Sequence[Any], cursor.description)]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def dataframe(self, sql: str) -> Any:
        import pandas as pd

        cursor = self.connection.cursor()
        cursor.execute(sql)
        names = [column[0] for column in cast(Sequence[Any], cursor.description)]
        return pd.DataFrame.from_records(cursor.fetchall(), columns=names)

    def execute(self, sql: str) -> None:
        """A statement that changes data (an Iceberg DELETE, OPTIMIZE, VACUUM)."""
        self.connection.cursor().execute(sql)

    def close(self) -> None:
        self.connection.close()


@contextmanager
def open_warehouse(settings: Settings, *, read_only: bool = True) -> Iterator[Warehouse]:
    warehouse: DuckDBWarehouse | AthenaWarehouse
    if settings.target == "athena":
        warehouse = AthenaWarehouse()
    else:
        warehouse = DuckDBWarehouse(settings.warehouse, read_only=read_only)
    try:
        yield warehouse
    finally:
        warehouse.close()
