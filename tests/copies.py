"""Copies of the session build for tests that change data: the shared build stays intact."""

from __future__ import annotations

import shutil
from pathlib import Path

from lakehouse.settings import Settings
from tests.conftest import Built


def copy_build(built: Built, destination: Path, *, lake: bool = True) -> Settings:
    """The warehouse (and, by default, the lake) copied under ``destination``.

    The copy keeps the file name ``warehouse.duckdb``: DuckDB names a database after
    its file, and the Bronze views refer to it by that name. Without ``lake`` the copy
    reads the session's lake (read-only uses only).
    """
    destination.mkdir(parents=True, exist_ok=True)
    source = Path(built.settings.warehouse)
    shutil.copyfile(source, destination / source.name)
    lake_url = built.settings.lake
    if lake:
        shutil.copytree(built.settings.lake, destination / "lake")
        lake_url = str(destination / "lake")
    return Settings.from_env(
        lake=lake_url, warehouse=str(destination / source.name), target="local"
    )
