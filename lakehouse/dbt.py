"""dbt, run in this process (dbt's start-up costs seconds; one import serves
every command of a run)."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from lakehouse.settings import PROJECT_ROOT, Settings


class DbtFailed(RuntimeError):
    pass


def ensure_profiles(root: Path = PROJECT_ROOT) -> Path:
    """profiles.yml next to dbt_project.yml, copied from the example on first use."""
    profiles = root / "profiles.yml"
    if not profiles.exists():
        shutil.copyfile(root / "profiles.example.yml", profiles)
    return profiles


@contextlib.contextmanager
def _in_directory(path: Path) -> Iterator[None]:
    previous = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


def run_dbt(args: Sequence[str], settings: Settings, *, quiet: bool = False) -> Any:
    """Run one dbt command against the settings' target; returns dbt's result.

    Raises DbtFailed when dbt could not run at all or any node failed.
    """
    from dbt.cli.main import dbtRunner

    ensure_profiles()
    command = [
        *(["--quiet"] if quiet else []),
        # dbt colours its output whatever it is written to; a log file or a pipe
        # would keep the escape codes
        *([] if _is_terminal(sys.stdout) else ["--no-use-colors"]),
        *args,
        "--project-dir", str(PROJECT_ROOT),
        "--profiles-dir", str(PROJECT_ROOT),
        "--target", settings.target,
    ]  # fmt: skip
    try:
        with settings.environment(), _in_directory(PROJECT_ROOT):
            result = dbtRunner().invoke(command)
    finally:
        _release_duckdb()
    if result.exception is not None:
        raise DbtFailed(f"dbt {args[0]} could not run: {result.exception}")
    if not result.success:
        raise DbtFailed(f"dbt {args[0]} failed; see the messages above")
    return result


def _is_terminal(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):  # replaced by an object without isatty, or closed
        return False


def _release_duckdb() -> None:
    """Close the DuckDB file dbt-duckdb keeps open for the life of the process.

    DuckDB refuses a second connection to a file with a different configuration
    (read-only, say) while one is open in the same process, and locks it against
    other processes; the warehouse must be free once a dbt command has finished.
    """
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # the Athena-only installation
        return
    environment = DuckDBConnectionManager._ENV
    if environment is not None:
        environment.close()
        DuckDBConnectionManager._ENV = None
