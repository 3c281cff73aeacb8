"""One Trino for the session, and the project built on it once.

Trino 476 comes from the cache ``make trino`` fills (``SAGE_TRINO_HOME``; ``make
test`` fills it first). When it cannot be set up here (no Maven, no Java 24+, no
download), the tests of this folder are skipped with the reason, and the end of
the run says so in a banner: never silently. A Trino that is installed but does
not start, or a build that fails on it, fails the tests.

The build reads a copy of the session's lake (the DuckDB build's, so both
engines see the same files) and writes only Trino's own folder; the scenario
after it (late data, an erasure, an incremental run on both engines) changes
that copy, never the session's lake.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from lakehouse.dbt import run_dbt
from lakehouse.settings import Settings, environment_with
from sage.trino_server.install import TrinoUnavailable, installed, trino_home
from sage.trino_server.lake import first_day, make_table_folders
from sage.trino_server.server import WAREHOUSE_CATALOG, TrinoServer
from tests.conftest import Built
from tests.copies import copy_build

SKIPPED_BECAUSE: list[str] = []  # why Trino could not be set up, for the end-of-run banner
MEASURED: dict[str, str] = {}  # what Trino took, printed at the end of the run
# Small enough for a 2-core CI machine next to the rest of the suite; the build's
# largest query holds a few MB.
HEAP = "1G"


@dataclass
class TrinoBuild:
    """The project built on Trino, over ``settings.lake``."""

    server: TrinoServer
    settings: Settings  # target trino; lake and DuckDB warehouse of this scenario
    target_path: Path
    manifest: dict
    result: object  # dbt's result of the build
    seconds: dict[str, float] = field(default_factory=dict)

    def dbt(self, args: list[str], *, label: str):
        started = time.monotonic()
        with trino_environment(self.server, self.settings.lake):
            result = run_dbt(
                [*args, "--target-path", str(self.target_path)], self.settings, quiet=True
            )
        self.seconds[label] = time.monotonic() - started
        MEASURED[f"dbt {label}"] = f"{self.seconds[label]:.0f} s"
        MEASURED["server memory (RSS)"] = f"{self.server.rss_bytes() / 2**20:,.0f} MB"
        return result

    def connect(self):
        import trino

        return trino.dbapi.connect(
            host="127.0.0.1", port=self.server.port, user="innerverse", catalog=WAREHOUSE_CATALOG
        )


@contextmanager
def trino_environment(server: TrinoServer, lake: str) -> Iterator[None]:
    """What the trino target of profiles.example.yml reads, pointing at this server,
    and the lake's first day, so partition projection lists only the days it holds."""
    values = {
        "SAGE_TRINO_HOST": "127.0.0.1",
        "SAGE_TRINO_PORT": str(server.port),
        "SAGE_TRINO_THREADS": "4",
        "SAGE_LAKE_FIRST_DAY": first_day(Path(lake)) or "2020-01-01",
    }
    with environment_with(values):
        yield


@pytest.fixture(scope="session")
def trino_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrinoServer]:
    try:
        installation = installed()
    except TrinoUnavailable as exc:
        SKIPPED_BECAUSE.append(str(exc))
        pytest.skip(f"Trino cannot be set up here, so nothing ran on Trino: {exc}")
    server = TrinoServer(installation, tmp_path_factory.mktemp("trino"), heap=HEAP)
    server.start()
    MEASURED["start-up"] = f"{server.startup_seconds:.0f} s (heap {HEAP})"
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def trino_build(trino_server: TrinoServer, built: Built, tmp_path_factory) -> TrinoBuild:
    """Lake tables made by create_lake_tables, then one `dbt build`: every model, data
    test and unit test, on Trino, over a copy of the session's lake."""
    root = tmp_path_factory.mktemp("trino-scenario")
    duckdb_copy = copy_build(built, root)  # the lake, and DuckDB's warehouse built from it
    settings = Settings.from_env(lake=duckdb_copy.lake, warehouse=duckdb_copy.warehouse,
                                 target="trino")  # fmt: skip
    make_table_folders(Path(settings.lake))
    target_path = root / "target"
    build = TrinoBuild(trino_server, settings, target_path, {}, None)
    build.dbt(["run-operation", "create_lake_tables"], label="create_lake_tables")
    build.result = build.dbt(["build"], label="build")
    build.manifest = json.loads((target_path / "manifest.json").read_text())
    return build


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter):
    """After pytest's own summary (the list of skips), just above its last line."""
    result = yield
    if MEASURED:
        terminalreporter.write_line(
            "Trino 476: " + ", ".join(f"{what} {value}" for what, value in MEASURED.items())
        )
    if not SKIPPED_BECAUSE:
        return result
    line = "=" * 78
    terminalreporter.write_line(line, red=True, bold=True)
    terminalreporter.write_line(
        "TRINO DID NOT RUN: the build on Trino and the Gold parity checks were skipped.",
        red=True,
        bold=True,
    )
    terminalreporter.write_line(f"Reason: {SKIPPED_BECAUSE[0]}", red=True)
    terminalreporter.write_line(
        f"Install it with `make trino` (cache: {trino_home()}), then run the tests again.",
        red=True,
    )
    terminalreporter.write_line(line, red=True, bold=True)
    return result
