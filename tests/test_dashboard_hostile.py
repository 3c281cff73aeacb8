"""`sage serve` as a real process under hostile traffic: a burst of wrong
passwords sent at once, requests http.server refuses by itself, and more
connections than it serves. The site is a bare one written here; what is under
test is the server, not the pages."""

from __future__ import annotations

import base64
import http.client
import socket
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from dashboard.auth import hash_password
from dashboard.server import MAX_CONNECTIONS
from tests.test_dashboard_serve import fetch, start_server

PASSWORD = "a long founder password"
BURST = 100
LARGE_HEADERS = b"".join(b"X-%d: %s\r\n" % (n, b"a" * 900) for n in range(40))
MEMORY_LIMIT_MB = 500


@pytest.fixture(scope="module")
def bare_site(tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("hostile") / "site"
    for page, title in [("safety/transparency/index.html", "public"), ("sage/index.html", "sage")]:
        (site / page).parent.mkdir(parents=True, exist_ok=True)
        (site / page).write_text(f"<!doctype html><title>{title}</title>")
    (site / "assets").mkdir()
    (site / "assets" / "dashboard.css").write_text("body { margin: 0 }")
    return site


@pytest.fixture(scope="module")
def password_hash() -> str:
    return hash_password(PASSWORD)


@pytest.fixture
def served(bare_site, password_hash):
    server = start_server(bare_site, {"SAGE_DASHBOARD_PASSWORD_HASH": password_hash}, "--quiet")
    yield server
    server.stop()


def address(served) -> tuple[str, int]:
    parts = urlsplit(served.base)
    return parts.hostname, parts.port


def peak_memory_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmHWM for process {pid}")


def authorization(password: str) -> str:
    return "Basic " + base64.b64encode(f"sage:{password}".encode()).decode()


def test_a_burst_of_wrong_passwords_gets_ten_checks_and_bounded_memory(served):
    host, port = address(served)
    connections = [http.client.HTTPConnection(host, port, timeout=60) for _ in range(BURST)]
    for connection in connections:
        connection.connect()
    start = threading.Barrier(BURST)
    statuses: list[int] = []
    failures: list[BaseException] = []

    def guess(connection: http.client.HTTPConnection, n: int) -> None:
        try:
            start.wait()
            connection.request("GET", "/sage", headers={"Authorization": authorization(f"g{n}")})
            statuses.append(connection.getresponse().status)
        except BaseException as error:  # reported below, with the statuses
            failures.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=guess, args=(connection, n))
        for n, connection in enumerate(connections)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    peak = peak_memory_mb(served.process.pid)
    print(f"\nserver peak memory after {BURST} wrong passwords at once: {peak:.0f} MB")

    assert failures == []
    assert len(statuses) == BURST
    checked = statuses.count(401)
    assert 1 <= checked <= 10, statuses
    assert set(statuses) <= {401, 429, 503}, statuses  # refused at once, never queued
    assert peak < MEMORY_LIMIT_MB

    # The ten attempts are spent, those refused with 503 given back: one by one,
    # wrong passwords are checked until the tenth, then refused, the right one too.
    later = []
    while (status := fetch(f"{served.base}/sage", password="yet another guess")[0]) == 401:
        later.append(status)
    assert status == 429
    assert checked + len(later) == 10
    assert fetch(f"{served.base}/sage", password=PASSWORD)[0] == 429


def raw_exchange(served, request: bytes) -> tuple[int, dict[str, str]]:
    """Send bytes as they are; returns the status and headers of the answer."""
    with socket.create_connection(address(served), timeout=10) as connection:
        try:
            connection.sendall(request)
            connection.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server may answer before it has read everything
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    head, _, _ = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    assert status_line.startswith("HTTP/1."), received[:200]
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers


def assert_security_headers(headers: dict[str, str]) -> None:
    policy = headers["content-security-policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["server"] == "sage"


@pytest.mark.parametrize(
    ("request_bytes", "expected"),
    [
        (b"BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n", 501),
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", 414),
        (b"GET / HTTP/1.1\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n", 431),
        (b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % n for n in range(101)) + b"\r\n", 431),
        (b"GET / HTTP/1.1\r\n" + LARGE_HEADERS + b"\r\n", 431),
        (b"GET / HTTP/2.0\r\n\r\n", 505),
        (b"GET / HTTP/one\r\n\r\n", 400),
        (b"GARBAGE\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\n\r\n", 302),
    ],
    ids=[
        "unknown-method",
        "request-line-too-long",
        "header-line-too-long",
        "too-many-headers",
        "header-section-too-large",
        "http-2",
        "bad-version",
        "no-version",
        "ordinary",
    ],
)
def test_every_answer_carries_the_security_headers(served, request_bytes, expected):
    status, headers = raw_exchange(served, request_bytes)
    assert status == expected
    assert_security_headers(headers)


def test_connections_beyond_the_limit_are_refused_at_once(served):
    host, port = address(served)
    idle = [socket.create_connection((host, port), timeout=10) for _ in range(MAX_CONNECTIONS)]
    try:
        status, headers = raw_exchange(served, b"GET /safety/transparency HTTP/1.1\r\n\r\n")
        assert status == 503 and headers["retry-after"] == "1"
        assert_security_headers(headers)
    finally:
        for connection in idle:
            connection.close()
    # the idle connections' places are given back as they close
    for _ in range(200):
        if raw_exchange(served, b"GET /safety/transparency HTTP/1.1\r\n\r\n")[0] == 200:
            break
    else:
        raise AssertionError("the server never served again after the idle connections closed")
