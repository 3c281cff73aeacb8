"""Bronze's Parquet days: how they are written, read back and rewritten.

A closed day of a Bronze table is one Parquet object
(``bronze/<table>/dt=YYYY-MM-DD/parquet/<table>-YYYY-MM-DD.parquet``, see
lakehouse/tables.py), written by the daily rollup (lakehouse/rollup.py) and
rewritten without some rows by erasure (privacy/bronze.py) and partner cleanup
(partners/cleanup.py). Every writer goes through :func:`write_parquet`, so the
files all have the same layout:

- zstd, the best ratio of the codecs DuckDB, Athena and Trino all read;
- rows sorted by the table's ``columnar_sort_by`` (one user's rows of a day sit
  together, so a filter on a user reads few pages, and ids compress well);
- row groups of 122,880 rows, DuckDB's own unit of parallel work (60 of its
  2,048-row vectors). A day of 10,000 daily users' turns is about 300,000 rows:
  three row groups, a few MB each, so two DuckDB threads and Athena's splits
  both get whole row groups to work on, and no file is a swarm of tiny groups;
- the NDJSON objects it was made from, named in the file's key-value metadata
  (``innerverse.rolled_from``), so a rollup that stopped after publishing the file
  and before deleting them knows, when it runs again, that they are already in.

DuckDB does the work on local files: a local lake's objects are read where they
are; an S3 lake's are downloaded into a scratch folder first and written back with
one PUT, which S3 makes atomic.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb

from lakehouse.lake import Lake, LocalLake
from lakehouse.tables import LakeTable

ROW_GROUP_ROWS = 122_880
COMPRESSION = "zstd"
ROLLED_FROM = "innerverse.rolled_from"


def quote(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def path_list(paths: Iterable[str]) -> str:
    return "[" + ", ".join(quote(path) for path in paths) + "]"


class Scratch:
    """Local copies of lake objects for DuckDB to read, and a place for its output."""

    def __init__(self, lake: Lake):
        self.lake = lake
        self._dir = tempfile.TemporaryDirectory(prefix="sage-columnar-")
        self.root = Path(self._dir.name)
        self._count = 0

    def __enter__(self) -> Scratch:
        return self

    def __exit__(self, *exc: object) -> None:
        self._dir.cleanup()

    def local(self, key: str, *, fresh: bool = False) -> str:
        """A local path holding the object's bytes. A local lake's own file, unless
        ``fresh`` asks for a copy read again from the store (S3) after a write."""
        if isinstance(self.lake, LocalLake):
            return self.lake.uri(key)
        self._count += 1
        # The key's own folders are kept, so DuckDB still sees dt=/hour= in the path.
        target = self.root / (f"fresh-{self._count}" if fresh else "objects") / key
        if fresh or not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(self.lake.read_bytes(key))
        return str(target)

    def output(self, name: str) -> str:
        self._count += 1
        return str(self.root / f"out-{self._count}-{name}")

    def forget(self, key: str) -> None:
        """Drop a downloaded copy (a day's objects are not needed after the day)."""
        if not isinstance(self.lake, LocalLake):
            (self.root / "objects" / key).unlink(missing_ok=True)


def row(connection: duckdb.DuckDBPyConnection, sql: str) -> tuple[Any, ...]:
    """The one row a query returns (an aggregate)."""
    found = connection.execute(sql).fetchone()
    if found is None:
        raise RuntimeError(f"no row from: {sql[:80]}")
    return found


def scalar(connection: duckdb.DuckDBPyConnection, sql: str) -> Any:
    return row(connection, sql)[0]


def connect() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(":memory:")
    # Sorted output needs the order kept through the COPY.
    connection.execute("set preserve_insertion_order = true")
    return connection


def rolled_from(connection: duckdb.DuckDBPyConnection, path: str) -> list[str]:
    """The NDJSON objects (relative to the day's folder) a Parquet day was made from."""
    rows = connection.execute(
        f"select decode(value) from parquet_kv_metadata({quote(path)}) "
        f"where decode(key) = {quote(ROLLED_FROM)}"
    ).fetchall()
    return [str(name) for name in json.loads(rows[0][0])] if rows else []


def write_parquet(
    connection: duckdb.DuckDBPyConnection,
    select_sql: str,
    table: LakeTable,
    path: str,
    sources: list[str],
) -> None:
    """COPY ``select_sql`` (the table's stored columns) to ``path`` in the Bronze layout."""
    order = ", ".join([*table.sort_by, "event_id"])
    metadata = quote(json.dumps(sorted(set(sources)), separators=(",", ":")))
    connection.execute(
        f"copy (select * from ({select_sql}) as rows order by {order}) to {quote(path)} ("
        f"format parquet, compression {COMPRESSION}, row_group_size {ROW_GROUP_ROWS}, "
        f"kv_metadata {{{quote(ROLLED_FROM)}: {metadata}}})"
    )


def publish(lake: Lake, key: str, path: str) -> int:
    """Put a written file into the lake whole (a local rename or one S3 PUT); its size."""
    data = Path(path).read_bytes()
    lake.write_bytes(key, data)
    os.unlink(path)
    return len(data)


def read_parquet_sql(table: LakeTable, path: str) -> str:
    columns = ", ".join(table.stored_columns)
    return f"select {columns} from read_parquet({quote(path)})"


def rewrite_without(
    lake: Lake,
    scratch: Scratch,
    connection: duckdb.DuckDBPyConnection,
    table: LakeTable,
    key: str,
    where: str,
    *,
    dry_run: bool = False,
) -> tuple[int, bool]:
    """Rewrite the Parquet object ``key`` without the rows ``where`` picks: whole, or
    deleted when nothing is left. Returns (rows removed, deleted?)."""
    source = scratch.local(key)
    total, removed = row(
        connection,
        f"select count(*), count(*) filter (where {where}) from read_parquet({quote(source)})",
    )
    if not removed or dry_run:
        return int(removed), False
    if removed == total:
        lake.delete([key])
        scratch.forget(key)
        return int(removed), True
    output = scratch.output(Path(key).name)
    kept_sql = f"{read_parquet_sql(table, source)} where not coalesce({where}, false)"
    write_parquet(connection, kept_sql, table, output, rolled_from(connection, source))
    expected = total - removed
    written = scalar(connection, f"select count(*) from read_parquet({quote(output)})")
    if written != expected:
        raise RuntimeError(
            f"{lake.uri(key)}: the rewrite holds {written:,} rows, expected {expected:,}; "
            "the object was left as it was"
        )
    publish(lake, key, output)
    scratch.forget(key)
    return int(removed), False
