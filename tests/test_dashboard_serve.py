"""`sage serve` as a real process on 127.0.0.1, looked at over HTTP and in
headless Chromium (Debian's `chromium`, driven by Playwright): who gets which
page, the security headers, every panel drawn with data, no console error, no
request leaving the machine, and a screenshot of each page under
reports/screenshots/ to look at."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from dashboard.auth import hash_password
from lakehouse.settings import PROJECT_ROOT
from sage.cli import main

PASSWORD = "a long founder password"
SCREENSHOTS = PROJECT_ROOT / "reports" / "screenshots"
PANELS = ["cost", "usage", "demographics", "sentiment", "crisis"]


class Served:
    def __init__(self, process: subprocess.Popen, base: str):
        self.process = process
        self.base = base

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_server(site: Path, extra_env: dict[str, str], *args: str) -> Served:
    env = {**os.environ, **extra_env}
    process = subprocess.Popen(
        [sys.executable, "-m", "sage.cli", "serve", "--site", str(site), "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    # it says where it listens: "serving <site> on http://127.0.0.1:<port>/"
    said = []
    while process.stdout is not None and (line := process.stdout.readline()):
        said.append(line)
        if line.startswith("serving ") and " on http://" in line:
            return Served(process, line.split(" on ", 1)[1].strip().rstrip("/"))
    process.kill()
    raise RuntimeError(f"sage serve did not start: {''.join(said)}{process.stderr.read()}")


@pytest.fixture(scope="module")
def site(built, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("served") / "site"
    assert main(["dashboard", "--out", str(out), "--warehouse", built.settings.warehouse]) == 0
    return out


@pytest.fixture(scope="module")
def password_hash() -> str:
    return hash_password(PASSWORD)


@pytest.fixture(scope="module")
def server(site, password_hash):
    served = start_server(site, {"SAGE_DASHBOARD_PASSWORD_HASH": password_hash}, "--quiet")
    yield served
    served.stop()


def fetch(url: str, *, password: str | None = None, user: str = "sage", method: str = "GET"):
    """(status, headers, body) of one request, without following redirects."""
    request = urllib.request.Request(url, method=method)
    if password is not None:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


# --- over HTTP -------------------------------------------------------------------


def test_the_public_page_is_open_and_the_private_one_asks_for_a_password(server):
    status, headers, body = fetch(f"{server.base}/safety/transparency")
    assert status == 200 and "Transparency report" in body
    status, headers, body = fetch(f"{server.base}/sage")
    assert status == 401
    assert headers["WWW-Authenticate"] == 'Basic realm="SAGE dashboard", charset="UTF-8"'
    assert "SAGE dashboard</h1>" not in body and "Cost" not in body
    assert fetch(f"{server.base}/sage", password="not the password")[0] == 401
    assert fetch(f"{server.base}/sage", password=PASSWORD, user="admin")[0] == 401
    status, headers, body = fetch(f"{server.base}/sage/", password=PASSWORD)
    assert status == 200 and 'data-panel="cost"' in body
    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Robots-Tag"] == "noindex, nofollow"


def test_every_response_carries_the_security_headers(server):
    for path, password, expected in [
        ("/safety/transparency", None, 200),
        ("/sage", None, 401),
        ("/sage", PASSWORD, 200),
        ("/assets/dashboard.css", None, 200),
        ("/nowhere", None, 404),
    ]:
        status, headers, _ = fetch(f"{server.base}{path}", password=password)
        assert status == expected, path
        policy = headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
        assert "script-src" not in policy  # no script is allowed at all
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert "Strict-Transport-Security" not in headers  # plain HTTP on loopback
        assert headers["Server"] == "sage"  # no version to fingerprint


def test_only_the_known_paths_and_methods_are_served(server):
    assert fetch(f"{server.base}/")[0] == 302
    assert fetch(f"{server.base}/")[1]["Location"] == "/safety/transparency"
    for path in [
        "/sage/../sage/index.html",
        "/assets/../sage/index.html",
        "/assets/%2e%2e/sage/index.html",
        "/.sage-dashboard",
        "/index.html",
        "/sage/index.html.bak",
        "/etc/passwd",
    ]:
        status, _, body = fetch(f"{server.base}{path}", password=PASSWORD)
        assert status == 404, path
        assert 'data-panel="cost"' not in body
    status, headers, _ = fetch(f"{server.base}/safety/transparency", method="POST")
    assert status == 405 and headers["Allow"] == "GET, HEAD"
    status, headers, body = fetch(f"{server.base}/sage", password=PASSWORD, method="HEAD")
    assert status == 200 and body == "" and int(headers["Content-Length"]) > 1000


def test_an_address_outside_the_allow_list_is_forbidden(site, password_hash):
    served = start_server(
        site,
        {"SAGE_DASHBOARD_PASSWORD_HASH": password_hash, "SAGE_DASHBOARD_ALLOW_IPS": "10.0.0.0/8"},
        "--quiet",
    )
    try:
        status, headers, body = fetch(f"{served.base}/sage", password=PASSWORD)
        assert status == 403 and 'data-panel="cost"' not in body
        assert headers["Cache-Control"] == "no-store"
        assert fetch(f"{served.base}/safety/transparency")[0] == 200  # public stays public
    finally:
        served.stop()


def test_repeated_wrong_passwords_are_slowed_down(site, password_hash):
    served = start_server(site, {"SAGE_DASHBOARD_PASSWORD_HASH": password_hash}, "--quiet")
    try:
        statuses = [fetch(f"{served.base}/sage", password=f"guess {n}")[0] for n in range(11)]
        assert statuses[:10] == [401] * 10
        assert statuses[10] == 429
        status, headers, _ = fetch(f"{served.base}/sage", password=PASSWORD)
        assert status == 429 and int(headers["Retry-After"]) > 0  # even the right one, for now
    finally:
        served.stop()


def test_public_only_serves_no_private_page_and_stops_cleanly(site, monkeypatch):
    monkeypatch.delenv("SAGE_DASHBOARD_PASSWORD_HASH", raising=False)
    served = start_server(site, {}, "--public-only", "--quiet")
    try:
        assert fetch(f"{served.base}/sage", password=PASSWORD)[0] == 404
        assert fetch(f"{served.base}/safety/transparency")[0] == 200
    finally:
        served.process.terminate()
        assert served.process.wait(timeout=10) == 0
        assert "stopped" in served.process.stdout.read()


def test_serve_can_build_the_site_first(built, tmp_path, monkeypatch):
    monkeypatch.delenv("SAGE_DASHBOARD_PASSWORD_HASH", raising=False)
    out = tmp_path / "fresh-site"
    served = start_server(
        out, {}, "--build", "--public-only", "--quiet", "--warehouse", built.settings.warehouse
    )
    try:
        status, _, body = fetch(f"{served.base}/safety/transparency")
        assert status == 200 and 'data-table="transparency-quarterly"' in body
        assert (out / "sage" / "index.html").is_file()
    finally:
        served.stop()


# --- in a browser ----------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip(
            "Debian's chromium is not installed (`make test` installs it with apt-get; "
            "run `apt-get install chromium` to check the pages in a browser)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield launched
        launched.close()


def open_page(browser, url: str, *, credentials: dict | None = None):
    """Open ``url``; returns (page, response, console errors, requested URLs)."""
    context = browser.new_context(
        viewport={"width": 1200, "height": 900}, http_credentials=credentials
    )
    page = context.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda request: requests.append(request.url))
    try:
        response = page.goto(url, wait_until="networkidle")
    except Exception:
        context.close()
        raise
    return page, response, errors, requests


def screenshot(page, name: str, tmp_path: Path) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    shutil.copy(path, SCREENSHOTS / path.name)
    return path


def test_the_private_page_in_a_browser(server, browser, tmp_path):
    from playwright.sync_api import Error as PlaywrightError

    # Without the password, or with a wrong one, Chromium gets no further than the
    # challenge: it gives up on the credentials, or shows the 401 page.
    for credentials in (None, {"username": "sage", "password": "guessing again"}):
        try:
            page, response, _, _ = open_page(
                browser, f"{server.base}/sage", credentials=credentials
            )
        except PlaywrightError as error:
            assert "ERR_INVALID_AUTH_CREDENTIALS" in str(error)
            continue
        try:
            assert response.status == 401
            assert page.locator("section[data-panel]").count() == 0
        finally:
            page.context.close()
    context = browser.new_context()
    refused = context.request.get(f"{server.base}/sage")
    assert refused.status == 401 and "data-panel" not in refused.text()
    context.close()

    page, response, errors, requests = open_page(
        browser, f"{server.base}/sage", credentials={"username": "sage", "password": PASSWORD}
    )
    try:
        assert response.status == 200
        assert errors == []
        assert requests and all(url.startswith(server.base + "/") for url in requests), requests
        assert f"{server.base}/assets/dashboard.css" in requests  # styled by its own sheet
        for panel in PANELS:
            section = page.locator(f"section[data-panel={panel}]")
            assert section.is_visible()
            charts = section.locator("svg.chart")
            assert charts.count() > 0, panel
            assert charts.first.bounding_box()["height"] > 50, panel
            marks = section.locator("svg.chart .bar, svg.chart .point, svg.chart .cell")
            assert marks.count() > 0, panel
            assert "Based on" in section.locator(".facts").inner_text(), panel
        cost = page.locator("section[data-panel=cost] .tiles").inner_text()
        assert "$" in cost and "95% interval" in cost
        assert page.locator("table[data-table=cost-by-model] tbody tr").count() >= 4
        assert page.locator("svg[data-chart=activity-heatmap] rect.cell").count() == 7 * 24
        assert page.locator("section[data-panel=sentiment] .error-bar").count() > 0
        # the stylesheet really applies: panels are white cards on a grey page
        background = page.locator("section.panel").first.evaluate(
            "element => getComputedStyle(element).backgroundColor"
        )
        assert background == "rgb(255, 255, 255)"
        shot = screenshot(page, "sage", tmp_path)
        assert shot.stat().st_size > 50_000
    finally:
        page.context.close()


def test_the_public_page_in_a_browser(server, browser, tmp_path):
    page, response, errors, requests = open_page(browser, f"{server.base}/safety/transparency")
    try:
        assert response.status == 200
        assert errors == []
        assert all(url.startswith(server.base + "/") for url in requests), requests
        quarterly = page.locator("table[data-table=transparency-quarterly] tbody tr")
        assert quarterly.count() == 7
        assert any(character.isdigit() for character in quarterly.first.inner_text())
        assert page.locator("table[data-table=transparency-crisis-levels] tbody tr").count() >= 1
        assert page.get_by_text("What we collect, and what we never do").is_visible()
        # the link back to the private page is not on the public one
        assert page.locator("a[href*=sage]").count() == 0
        screenshot(page, "transparency", tmp_path)
        started = time.monotonic()
        page.goto(f"{server.base}/safety/transparency/", wait_until="load")
        assert time.monotonic() - started < 5
    finally:
        page.context.close()
