"""Shared fixtures. The warehouse is built once per test session, from a
generated sample ingested into a temporary lake, and many tests read it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest

from ingest.pipeline import IngestReport
from ingest.sample_run import generate_ingest_build
from lakehouse.dbt import run_dbt
from lakehouse.demo import PEPPER_ENV, enable_demo
from lakehouse.lake import open_lake
from lakehouse.settings import PROJECT_ROOT, Settings

# Tests run on sample data with the public demo pepper, never a real one (both are
# read when used, so setting them here, before any test, is in time).
os.environ.pop(PEPPER_ENV, None)
enable_demo()

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE_START = date(2026, 9, 1)


@dataclass
class Built:
    root: Path
    sample: Path
    settings: Settings
    manifest: dict
    reports: dict[str, IngestReport]
    build_result: object = None  # dbt's result of the session build (statuses per node)

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(self.settings.warehouse, read_only=True)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("built")
    settings = Settings.from_env(
        lake=str(root / "lake"), warehouse=str(root / "warehouse.duckdb"), target="local"
    )
    run = generate_ingest_build(
        root / "sample",
        lambda: open_lake(settings.lake),
        lambda: run_dbt(["build", "--full-refresh"], settings, quiet=True),
        users=150,
        days=14,
        start=SAMPLE_START,
        seed=11,
    )
    return Built(root, run.sample, settings, run.manifest, run.reports, run.build_result)


@pytest.fixture
def warehouse(built: Built):
    connection = built.connect()
    yield connection
    connection.close()


@pytest.fixture
def project_root() -> Path:
    return PROJECT_ROOT


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3 server on 127.0.0.1: real HTTP, no AWS account."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1)
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError("moto's S3 server did not start") from None
            time.sleep(0.2)
    yield endpoint
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def s3(s3_server, monkeypatch):
    """Standard AWS variables pointing at the moto server, and a fresh bucket."""
    import uuid

    import boto3

    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    client = boto3.client("s3")
    bucket = f"lake-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    return client, bucket
