"""The sizes of a generated, ingested and built sample: per source, raw, Bronze and
quarantine bytes, files, records and ingest CPU time; per table, its size as
Parquet; and what each model and test reads, from dbt's manifest.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast


@dataclass
class SourceSize:
    raw_bytes: int = 0
    raw_files: int = 0
    raw_records: int = 0  # JSON documents (or lines): Firehose records
    bronze_bytes: int = 0
    bronze_objects: int = 0
    quarantine_bytes: int = 0
    quarantine_objects: int = 0
    landed: int = 0
    ingest_seconds: float = 0.0


@dataclass
class Measurements:
    users: int
    days: int
    daily_users: float  # mean distinct users with a turn per day in the sample
    sources: dict[str, SourceSize] = field(default_factory=dict)
    tables: dict[str, int] = field(default_factory=dict)  # "<layer>.<table>": Parquet bytes
    bronze_tables: dict[str, int] = field(default_factory=dict)  # lake table: Bronze bytes
    build_queries: int = 0  # nodes one `dbt build` runs (models, tests, seeds)
    views: int = 0  # of which views: DDL, which Athena does not charge
    lookback_days: int = 3
    incremental_reads: dict[str, list[str]] = field(default_factory=dict)  # model -> sources
    table_reads: dict[str, list[str]] = field(default_factory=dict)  # model -> tables it reads
    # what each data test reads: (tables, lake sources read through views)
    test_reads: list[tuple[list[str], list[str]]] = field(default_factory=list)


def count_records(data: bytes) -> int:
    """Concatenated JSON documents (Firehose records), else lines."""
    if data[:2] == b"\x1f\x8b":
        with contextlib.suppress(OSError, EOFError):  # truncated: count what is readable
            data = gzip.decompress(data)
    text = data.decode("utf-8", "replace")
    decoder = json.JSONDecoder()
    count, position = 0, 0
    try:
        while True:
            while position < len(text) and text[position].isspace():
                position += 1
            if position >= len(text):
                return count
            _, position = decoder.raw_decode(text, position)
            count += 1
    except json.JSONDecodeError:
        return text.count("\n") + (0 if text.endswith("\n") else 1)


def folder_size(folder: Path) -> tuple[int, int]:
    files = [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []
    return sum(path.stat().st_size for path in files), len(files)


def measure(
    sample: Path, lake: Path, warehouse: str, target_path: Path, manifest: dict, seconds: dict
) -> Measurements:
    """Sizes of a generated, ingested and built sample (generic over its sources)."""
    import duckdb

    connection = duckdb.connect(warehouse, read_only=True)
    schema = "innerverse"
    average = connection.execute(
        f"select avg(users) from (select turn_date, count(distinct user_key) as users "
        f"from {schema}_silver.turns group by 1)"
    ).fetchone()
    daily = cast(tuple[Any, ...], average)[0]  # an aggregate: always one row
    measured = Measurements(manifest["users"], manifest["days"], float(daily or 0))
    for name in manifest["sources"]:
        size = SourceSize(ingest_seconds=seconds.get(name, 0.0))
        for path in sorted((sample / name).rglob("*")):
            if path.is_file():
                size.raw_bytes += path.stat().st_size
                size.raw_files += 1
                size.raw_records += count_records(path.read_bytes())
        # A source lands in bronze/<source>/ or, one table each, bronze/<source>_<table>/.
        for folder in sorted((lake / "bronze").glob(f"{name}*")):
            if folder.name == name or folder.name.startswith(f"{name}_"):
                table_bytes, objects = folder_size(folder)
                measured.bronze_tables[folder.name] = table_bytes
                size.bronze_bytes += table_bytes
                size.bronze_objects += objects
        size.quarantine_bytes, size.quarantine_objects = folder_size(lake / "quarantine" / name)
        measured.sources[name] = size

    with tempfile.TemporaryDirectory() as parquet:
        for layer in ("silver", "private", "gold", "reference"):
            tables = connection.execute(
                "select table_name from information_schema.tables "
                "where table_schema = ? and table_type = 'BASE TABLE'",
                [f"{schema}_{layer}"],
            ).fetchall()
            for (table,) in tables:
                path = Path(parquet, f"{layer}.{table}.parquet")
                connection.execute(
                    f"copy (select * from {schema}_{layer}.{table}) to '{path}' "
                    "(format parquet, compression zstd)"
                )
                measured.tables[f"{layer}.{table}"] = path.stat().st_size
    connection.close()

    _read_graph(measured, json.loads((target_path / "manifest.json").read_text()))
    return measured


def _read_graph(measured: Measurements, dbt_manifest: dict) -> None:
    """Which sources and tables each model and test reads, from dbt's manifest."""
    nodes = dbt_manifest["nodes"]
    # One query (at least) per seed, model, data test and unit test of a `dbt build`.
    measured.build_queries = len(dbt_manifest.get("unit_tests", {})) + sum(
        node["resource_type"] in ("seed", "model", "test") and node["package_name"] == "innerverse"
        for node in nodes.values()
    )
    measured.lookback_days = int(dbt_manifest.get("vars", {}).get("lookback_days", 3) or 3)

    def parents_of(unique_id: str) -> list[str]:
        return nodes[unique_id].get("depends_on", {}).get("nodes", [])

    def is_view(node: dict) -> bool:
        return node["resource_type"] == "model" and node["config"]["materialized"] == "view"

    def layer_table(node: dict) -> str:
        return f"{node['schema'].rsplit('_', 1)[-1]}.{node['alias']}"

    def lake_sources(unique_id: str) -> set[str]:
        """Lake tables read directly or through views."""
        found: set[str] = set()
        for parent in parents_of(unique_id):
            if parent.startswith("source."):
                source = dbt_manifest["sources"][parent]
                if source["source_name"] == "lake":
                    found.add(source["name"])
            elif is_view(nodes[parent]):
                found |= lake_sources(parent)
        return found

    def stored_parents(unique_id: str) -> list[str]:
        """Tables read directly or through views."""
        found: list[str] = []
        for parent in parents_of(unique_id):
            if parent.startswith("source."):
                continue
            node = nodes[parent]
            found += stored_parents(parent) if is_view(node) else [layer_table(node)]
        return found

    for unique_id, node in nodes.items():
        if node["resource_type"] == "test":
            measured.test_reads.append((stored_parents(unique_id), sorted(lake_sources(unique_id))))
        elif is_view(node):
            measured.views += 1
        elif node["resource_type"] == "model":
            measured.table_reads[layer_table(node)] = stored_parents(unique_id)
            if node["config"]["materialized"] == "incremental":
                measured.incremental_reads[layer_table(node)] = sorted(lake_sources(unique_id))
