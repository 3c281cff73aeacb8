"""The lake's table folders, made before Trino's external tables point at them.

On a local file system Trino's Hive connector refuses an external table whose
folder does not exist ("External location must be a directory"); S3 has no
folders, and Athena never asks. A lake starts without some of them (no
erasure/requests/ before the first erasure request), so they are made empty.
The prefixes come from the one declaration of the lake's tables,
models/bronze/_lake__sources.yml.
"""

from __future__ import annotations

from pathlib import Path

import yaml  # type: ignore[import-untyped]  # PyYAML, installed with dbt-core

from lakehouse.settings import PROJECT_ROOT

SOURCES = PROJECT_ROOT / "models" / "bronze" / "_lake__sources.yml"


def lake_prefixes(sources: Path = SOURCES) -> list[str]:
    declaration = yaml.safe_load(sources.read_text())
    return [
        table["config"]["meta"]["lake_prefix"]
        for source in declaration["sources"]
        if source["name"] == "lake"
        for table in source["tables"]
    ]


def make_table_folders(lake: Path) -> None:
    for prefix in lake_prefixes():
        (lake / prefix).mkdir(parents=True, exist_ok=True)


def first_day(lake: Path) -> str | None:
    """The earliest dt= partition in the lake, 'YYYY-MM-DD', or None when it has none.

    Partition projection enumerates every day from the var lake_first_day on; a
    local lake's own first day keeps that to the days it can hold.
    """
    days = [
        folder.name.removeprefix("dt=")
        for prefix in lake_prefixes()
        if (lake / prefix).is_dir()
        for folder in (lake / prefix).iterdir()
        if folder.name.startswith("dt=")
    ]
    return min(days, default=None)
