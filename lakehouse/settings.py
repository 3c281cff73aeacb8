"""Where things are: every location has a default, an environment variable and a flag.

======================  ===================  ============================
what                    environment          default
======================  ===================  ============================
lake (raw files)        ``SAGE_LAKE``        ``./lake`` (or s3://bucket/prefix)
DuckDB warehouse        ``SAGE_WAREHOUSE``   ``./warehouse.duckdb``
dashboard site          ``SAGE_SITE``        ``./site``
dbt target              ``SAGE_TARGET``      ``local`` (or ``athena``, ``trino``)
======================  ===================  ============================

Relative paths are taken from the current directory, as a user expects; dbt
always runs from the project root, so they are made absolute before dbt sees them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from lakehouse.lake import is_s3

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCHEMA_PREFIX_ENV = "SAGE_ATHENA_SCHEMA"
TRINO_SCHEMA_ENV = "SAGE_TRINO_SCHEMA"


def _absolute(location: str) -> str:
    return location if is_s3(location) else str(Path(location).expanduser().absolute())


def httpfs_extension() -> Path:
    """DuckDB's httpfs extension as shipped in the duckdb-extension-httpfs package.

    DuckDB would download it on first use; here it comes from the pinned package
    of the same version, so reading a lake on S3 needs no network but S3's.
    """
    import duckdb
    import duckdb_extension_httpfs

    base = Path(duckdb_extension_httpfs.__file__).parent / "extensions"
    path = base / f"v{duckdb.__version__}" / "httpfs.duckdb_extension"
    if not path.exists():
        raise FileNotFoundError(
            f"no httpfs extension for DuckDB {duckdb.__version__} under {base}: "
            "duckdb and duckdb-extension-httpfs must have the same version"
        )
    return path


@dataclass(frozen=True)
class Settings:
    lake: str
    warehouse: str
    site: str
    target: str

    @classmethod
    def from_env(
        cls,
        *,
        lake: str | None = None,
        warehouse: str | None = None,
        site: str | None = None,
        target: str | None = None,
    ) -> Settings:
        env = os.environ
        return cls(
            lake=_absolute(lake or env.get("SAGE_LAKE") or "lake"),
            warehouse=_absolute(warehouse or env.get("SAGE_WAREHOUSE") or "warehouse.duckdb"),
            site=_absolute(site or env.get("SAGE_SITE") or "site"),
            target=target or env.get("SAGE_TARGET") or "local",
        )

    @property
    def schema(self) -> str:
        """The dbt target schema; layers live in ``<schema>_bronze``, ``_silver``, ``_gold``."""
        if self.target == "athena":
            return os.environ.get(SCHEMA_PREFIX_ENV, "innerverse")
        if self.target == "trino":
            return os.environ.get(TRINO_SCHEMA_ENV, "innerverse")
        return "innerverse"

    def relation(self, layer: str, name: str) -> str:
        return f"{self.schema}_{layer}.{name}"

    @contextmanager
    def environment(self) -> Iterator[None]:
        """These settings as the environment dbt's profiles read, for one call."""
        values = {
            "SAGE_LAKE": self.lake,
            "SAGE_WAREHOUSE": self.warehouse,
            "SAGE_SITE": self.site,
            "SAGE_TARGET": self.target,
        }
        if is_s3(self.lake):
            values["SAGE_HTTPFS_EXTENSION"] = str(httpfs_extension())
        with environment_with(values):
            yield


@contextmanager
def environment_with(values: Mapping[str, str]) -> Iterator[None]:
    """``values`` set in the environment for the duration, and then put back as they were."""
    previous = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
