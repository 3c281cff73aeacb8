"""One Trino process on 127.0.0.1, configured for the warehouse.

Two catalogs over one file metastore, as Athena has two table formats in one Glue
catalog:

- ``hive``: the lake's raw NDJSON.gz files as external tables (the Hive JSON
  SerDe), found by partition projection as on Athena. An absent projected
  partition (an hour with no file) reads as empty, as on Athena, rather than
  failing the query.
- ``iceberg``: every table dbt builds (the dbt target's catalog). A name in it
  that is a Hive table, a lake table, is redirected to ``hive``, so dbt's
  ``source('lake', ...)`` resolves in the target's catalog as on Athena.

Both reach the local file system through Trino's native support (``local://``
locations, rooted at ``/``), so the lake can be any folder. Everything the server
writes (its configuration, metastore, tables and log) is under ``data``.
"""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from sage.trino_server.install import Installation

LAKE_CATALOG = "hive"
WAREHOUSE_CATALOG = "iceberg"
DEFAULT_HEAP = "1G"


class TrinoStartFailed(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def local_location(path: Path | str) -> str:
    """A local path as a Trino location (``local:///abs/path``)."""
    return "local://" + str(Path(path).absolute())


@dataclass
class TrinoServer:
    installation: Installation
    data: Path
    port: int = 0  # 0: a free port, chosen at start
    heap: str = DEFAULT_HEAP
    process: subprocess.Popen | None = field(default=None, init=False)
    startup_seconds: float = field(default=0.0, init=False)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_file(self) -> Path:
        return self.data / "server.log"

    @property
    def metastore(self) -> Path:
        return self.data / "metastore"

    def start(self, timeout: float = 300) -> TrinoServer:
        """Start the server and wait until it accepts queries."""
        if self.port == 0:
            self.port = free_port()
        self._configure()
        started = time.monotonic()
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(
                self._command(),
                cwd=self.data,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C in the terminal is for us to pass on
            )
        while not self._ready():
            if self.process.poll() is not None:
                raise TrinoStartFailed(
                    f"Trino exited with status {self.process.returncode} while starting; "
                    f"the end of {self.log_file}:\n{self.log_tail()}"
                )
            if time.monotonic() - started > timeout:
                self.stop()
                raise TrinoStartFailed(
                    f"Trino did not start within {timeout:.0f} s; the end of {self.log_file}:\n"
                    f"{self.log_tail()}"
                )
            time.sleep(0.5)
        self.startup_seconds = time.monotonic() - started
        return self

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def __enter__(self) -> TrinoServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def rss_bytes(self) -> int:
        """Resident memory of the server process now (Linux)."""
        if self.process is None:
            return 0
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        return "(no log)"

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.endpoint}/v1/info", timeout=2) as response:
                return not json.load(response).get("starting", True)
        except (OSError, urllib.error.URLError, ValueError):
            return False

    def _command(self) -> list[str]:
        etc = self.data / "etc"
        return [
            str(self.installation.java),
            f"-Xmx{self.heap}",
            "-XX:+ExitOnOutOfMemoryError",
            "-XX:+UseSerialGC",  # one small heap on a small machine: the least overhead
            "-Djdk.attach.allowAttachSelf=true",
            "-XX:+EnableDynamicAgentLoading",
            "--enable-native-access=ALL-UNNAMED",
            "-Dfile.encoding=UTF-8",
            "-Duser.timezone=UTC",
            "-Dnode.environment=innerverse",
            "-Dnode.id=local",
            f"-Dnode.data-dir={self.data / 'node'}",
            "-Dnode.bind-ip=127.0.0.1",
            "-Dnode.internal-address=127.0.0.1",
            f"-Dconfig={etc / 'config.properties'}",
            f"-Dlog.levels-file={etc / 'log.properties'}",
            "-cp",
            self.installation.classpath,
            "io.trino.server.TrinoServer",
        ]

    def _configure(self) -> None:
        etc = self.data / "etc"
        (etc / "catalog").mkdir(parents=True, exist_ok=True)
        self.metastore.mkdir(parents=True, exist_ok=True)
        # What one query may hold: the heap less Trino's default 30% headroom, rounded down.
        heap_mb = _megabytes(self.heap)
        query_memory = f"{int(heap_mb * 0.65)}MB"
        _write_properties(
            etc / "config.properties",
            {
                "coordinator": "true",
                "node-scheduler.include-coordinator": "true",
                "http-server.http.port": str(self.port),
                "http-server.log.enabled": "false",
                "discovery.uri": self.endpoint,
                "plugin.dir": str(self.installation.plugins),
                "catalog.config-dir": str(etc / "catalog"),
                "query.max-memory": query_memory,
                "query.max-memory-per-node": query_memory,
            },
        )
        _write_properties(etc / "log.properties", {"io.trino": "INFO"})
        local_file_system = {
            "fs.native-local.enabled": "true",
            "local.location": "/",
        }
        metastore = local_location(self.metastore)
        _write_properties(
            etc / "catalog" / f"{LAKE_CATALOG}.properties",
            {
                "connector.name": "hive",
                "hive.metastore": "file",
                "hive.metastore.catalog.dir": metastore,
                **local_file_system,
                "hive.partition-projection-enabled": "true",
                "hive.ignore-absent-partitions": "true",
                "hive.iceberg-catalog-name": WAREHOUSE_CATALOG,
            },
        )
        _write_properties(
            etc / "catalog" / f"{WAREHOUSE_CATALOG}.properties",
            {
                "connector.name": "iceberg",
                # The file metastore for Iceberg; Trino names it for testing, which is
                # what this server is for. A cluster of your own uses Glue, a Hive
                # metastore or a REST catalog instead (see the README).
                "iceberg.catalog.type": "testing_file_metastore",
                "hive.metastore.catalog.dir": metastore,
                **local_file_system,
                "iceberg.hive-catalog-name": LAKE_CATALOG,
            },
        )


def _megabytes(size: str) -> int:
    units = {"M": 1, "G": 1024}
    return int(float(size[:-1]) * units[size[-1].upper()])


def _write_properties(path: Path, values: dict[str, str]) -> None:
    path.write_text("".join(f"{key}={value}\n" for key, value in values.items()))
