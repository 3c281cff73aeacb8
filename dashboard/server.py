"""``sage serve``: the built site over HTTP, from the Python standard library.

Routes (everything else is 404; only GET and HEAD):

- ``/`` redirects to the public page;
- ``/safety/transparency`` (also ``/``, ``/index.html``): public;
- ``/sage`` (also ``/``, ``/index.html``): only from an allowed address (403
  otherwise) and with the password (401 with a Basic challenge otherwise);
  after too many failed attempts from one address, 429 for a while;
- ``/assets/<name>``: the stylesheet and icon, public.

Every response carries security headers, the error pages ``http.server`` writes
itself (400, 414, 431, 501, 505) included: a Content-Security-Policy that allows
nothing but this server's own stylesheet and images (no script at all, no
framing), ``nosniff``, ``DENY`` framing and no referrer. ``/sage`` is never
cached. Files are read on each request, so a new ``sage dashboard`` shows at once.

Hostile traffic is bounded: an attempt at the password is counted before it is
checked, at most ``CONCURRENT_CHECKS`` checks run at once (more get 503 at once),
a request's header section is at most ``MAX_HEADER_BYTES``, and at most
``MAX_CONNECTIONS`` connections are served at once (more get 503 at once).
"""

from __future__ import annotations

import contextlib
import http.client
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from dashboard.auth import CONCURRENT_CHECKS, Credentials, FailureBrake, address_allowed
from dashboard.site import SAGE_PAGE, TRANSPARENCY_PAGE

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
BASE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
HSTS = "max-age=31536000; includeSubDomains"
REALM = "SAGE dashboard"

PUBLIC_PAGE_PATHS = {
    "/safety/transparency",
    "/safety/transparency/",
    "/safety/transparency/index.html",
}
PRIVATE_PAGE_PATHS = {"/sage", "/sage/", "/sage/index.html"}
ASSET_PATH = re.compile(r"^/assets/([a-z0-9][a-z0-9-]*\.(css|svg))$")
CONTENT_TYPES = {"css": "text/css; charset=utf-8", "svg": "image/svg+xml"}

# http.server alone reads 100 header lines of 64 KiB each (6.5 MB a request); no
# browser sends more than a few KiB.
MAX_HEADER_BYTES = 16 * 1024
# One thread and one socket each; beyond this a connection is refused at once.
MAX_CONNECTIONS = 128
# After answering, what the client is still sending is read and dropped for a
# moment: closing on unread bytes resets the connection, and the client may lose
# the answer (a 431 to a header section too long, say).
LINGER_SECONDS = 1.0
LINGER_BYTES = 256 * 1024


@dataclass
class ServerConfig:
    site: Path
    credentials: Credentials | None  # None: the private page is not served at all
    allowed_networks: list = field(default_factory=list)
    behind_tls: bool = False
    quiet: bool = False
    brake: FailureBrake = field(default_factory=FailureBrake)
    password_checks: threading.BoundedSemaphore = field(
        default_factory=lambda: threading.BoundedSemaphore(CONCURRENT_CHECKS)
    )

    def security_headers(self) -> dict[str, str]:
        if self.behind_tls:
            return {**BASE_HEADERS, "Strict-Transport-Security": HSTS}
        return BASE_HEADERS


def _message_page(title: str, text: str) -> bytes:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<title>{title}</title><link rel="stylesheet" href="/assets/dashboard.css"></head>'
        f'<body><main><section class="panel"><h1>{title}</h1><p>{text}</p></section></main>'
        "</body></html>"
    ).encode()


class _HeaderBudget:
    """The connection's reader, refusing a header section longer than ``limit``."""

    def __init__(self, reader, limit: int):
        self._reader = reader
        self._limit = limit
        self.remaining: int | None = None  # None while the request line is read

    def start_headers(self) -> None:
        self.remaining = self._limit

    def readline(self, size: int = -1) -> bytes:
        if self.remaining is None:
            return self._reader.readline(size)
        allowed = self.remaining + 1 if size < 0 else min(size, self.remaining + 1)
        line = self._reader.readline(allowed)
        self.remaining -= len(line)
        if self.remaining < 0:
            # http.server answers 431 to this
            raise http.client.LineTooLong(f"header section over {self._limit} bytes")
        return line

    def __getattr__(self, name: str):
        return getattr(self._reader, name)


class DashboardHandler(BaseHTTPRequestHandler):
    def version_string(self) -> str:
        return "sage"  # no Python version to fingerprint

    config: ServerConfig  # set on the subclass made by make_server

    # An unparseable request line would otherwise be answered as HTTP/0.9: a body
    # with no status line and no headers at all.
    default_request_version = "HTTP/1.0"
    error_message_format = _message_page("%(code)d %(message)s", "%(explain)s").decode()
    error_content_type = "text/html; charset=utf-8"

    def setup(self) -> None:
        super().setup()
        self.budget = _HeaderBudget(self.rfile, MAX_HEADER_BYTES)
        # Read as the file it wraps: readline() is all the request parsing calls.
        self.rfile = self.budget  # type: ignore[assignment]

    def parse_request(self) -> bool:
        self.budget.start_headers()
        return super().parse_request()

    # -- responses ------------------------------------------------------------

    def send_response(self, code, message=None) -> None:
        # Every response passes here, http.server's own error pages included.
        super().send_response(code, message)
        for name, value in self.config.security_headers().items():
            self.send_header(name, value)

    def _send(
        self,
        status: HTTPStatus,
        body: bytes,
        content_type: str = "text/html; charset=utf-8",
        *,
        cache: str = "no-cache",
        extra: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Cache-Control", cache)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _file(self, path: Path, content_type: str, *, cache: str, extra=None) -> None:
        try:
            body = path.read_bytes()
        except OSError:
            self._send(
                HTTPStatus.SERVICE_UNAVAILABLE,
                _message_page(
                    "Not built yet", "This page has not been built: run `sage dashboard`."
                ),
                cache="no-store",
            )
            return
        self._send(HTTPStatus.OK, body, content_type, cache=cache, extra=extra)

    def _not_found(self) -> None:
        self._send(HTTPStatus.NOT_FOUND, _message_page("Not found", "There is no such page."))

    # -- routing --------------------------------------------------------------

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if path == "/":
            self._send(
                HTTPStatus.FOUND, b"", extra={"Location": "/safety/transparency"}, cache="no-cache"
            )
        elif path in PUBLIC_PAGE_PATHS:
            self._file(
                self.config.site / TRANSPARENCY_PAGE, "text/html; charset=utf-8", cache="no-cache"
            )
        elif path in PRIVATE_PAGE_PATHS and self.config.credentials is not None:
            self._private_page()
        elif match := ASSET_PATH.match(path):
            asset = self.config.site / "assets" / match.group(1)
            if asset.is_file():
                self._file(asset, CONTENT_TYPES[match.group(2)], cache="no-cache")
            else:
                self._not_found()
        else:
            self._not_found()

    do_HEAD = do_GET

    def _refuse_method(self) -> None:
        self._send(
            HTTPStatus.METHOD_NOT_ALLOWED,
            _message_page("Method not allowed", "Only GET and HEAD."),
            extra={"Allow": "GET, HEAD"},
        )

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse_method

    def _private_page(self) -> None:
        address = self.client_address[0]
        assert self.config.credentials is not None
        if not address_allowed(address, self.config.allowed_networks):
            self._send(
                HTTPStatus.FORBIDDEN,
                _message_page("Forbidden", "This page cannot be reached from your network."),
                cache="no-store",
            )
            return
        authorization = self.headers.get("Authorization")
        if not authorization:
            self._challenge()
            return
        wait = self.config.brake.reserve(address)
        if wait:
            self._send(
                HTTPStatus.TOO_MANY_REQUESTS,
                _message_page("Too many attempts", "Too many wrong passwords: try again later."),
                cache="no-store",
                extra={"Retry-After": str(int(wait) + 1)},
            )
            return
        if not self.config.password_checks.acquire(blocking=False):
            self.config.brake.cancel(address)
            self._send(
                HTTPStatus.SERVICE_UNAVAILABLE,
                _message_page("Busy", "Too many sign-ins at once: try again in a moment."),
                cache="no-store",
                extra={"Retry-After": "1"},
            )
            return
        try:
            accepted = self.config.credentials.check(authorization)
        finally:
            self.config.password_checks.release()
        if not accepted:
            self._challenge()
            return
        self.config.brake.succeeded(address)
        self._file(
            self.config.site / SAGE_PAGE,
            "text/html; charset=utf-8",
            cache="no-store",
            extra={"X-Robots-Tag": "noindex, nofollow"},
        )

    def _challenge(self) -> None:
        self._send(
            HTTPStatus.UNAUTHORIZED,
            _message_page("Sign in required", "The SAGE dashboard is private."),
            cache="no-store",
            extra={"WWW-Authenticate": f'Basic realm="{REALM}", charset="UTF-8"'},
        )

    def log_message(self, format: str, *args) -> None:
        if not self.config.quiet:
            super().log_message(format, *args)


class DashboardServer(ThreadingHTTPServer):
    daemon_threads = True
    # A request must not hold a thread forever.
    request_queue_size = 64

    def __init__(self, address, handler, security_headers: dict[str, str]):
        super().__init__(address, handler)
        self._connections = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self._busy_response = _busy_response(security_headers)

    def process_request(self, request, client_address) -> None:
        if not self._connections.acquire(blocking=False):
            self._refuse(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._connections.release()
            raise

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._connections.release()

    # A TCP server: its requests are sockets (the base class allows a UDP datagram too).
    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]
        try:
            request.shutdown(socket.SHUT_WR)
            deadline = time.monotonic() + LINGER_SECONDS
            drained = 0
            while drained < LINGER_BYTES and (left := deadline - time.monotonic()) > 0:
                request.settimeout(left)
                chunk = request.recv(65536)
                if not chunk:
                    break
                drained += len(chunk)
        except OSError:
            pass
        self.close_request(request)

    def _refuse(self, request: socket.socket) -> None:
        # In the accepting thread, so nothing here may wait.
        request.setblocking(False)
        with contextlib.suppress(OSError):
            request.recv(MAX_HEADER_BYTES)  # what was already sent, so closing is not a reset
        try:
            request.send(self._busy_response)
            request.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        self.close_request(request)


def _busy_response(security_headers: dict[str, str]) -> bytes:
    body = _message_page("Busy", "Too many connections at once: try again in a moment.")
    headers = {
        "Server": "sage",
        **security_headers,
        "Cache-Control": "no-store",
        "Content-Type": "text/html; charset=utf-8",
        "Content-Length": str(len(body)),
        "Retry-After": "1",
        "Connection": "close",
    }
    head = "HTTP/1.0 503 Service Unavailable\r\n" + "".join(
        f"{name}: {value}\r\n" for name, value in headers.items()
    )
    return (head + "\r\n").encode("latin-1") + body


def make_server(config: ServerConfig, host: str, port: int) -> DashboardServer:
    handler = type(
        "ConfiguredDashboardHandler", (DashboardHandler,), {"config": config, "timeout": 30}
    )
    return DashboardServer((host, port), handler, config.security_headers())


def serve_in_thread(config: ServerConfig, host: str = "127.0.0.1", port: int = 0):
    """Start a server on a background thread; returns (server, thread). For embedding."""
    server = make_server(config, host, port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread
