"""``sage serve``: the built site over HTTP, from the Python standard library.

Routes (everything else is 404; only GET and HEAD):

- ``/`` redirects to the public page;
- ``/safety/transparency`` (also ``/``, ``/index.html``): public;
- ``/sage`` (also ``/``, ``/index.html``): only from an allowed address (403
  otherwise) and with the password (401 with a Basic challenge otherwise);
  after too many failed attempts from one address, 429 for a while;
- ``/assets/<name>``: the stylesheet and icon, public.

Every response carries security headers: a Content-Security-Policy that allows
nothing but this server's own stylesheet and images (no script at all, no
framing), ``nosniff``, ``DENY`` framing and no referrer. ``/sage`` is never
cached. Files are read on each request, so a new ``sage dashboard`` shows at once.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from dashboard.auth import Credentials, FailureBrake, address_allowed
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


@dataclass
class ServerConfig:
    site: Path
    credentials: Credentials | None  # None: the private page is not served at all
    allowed_networks: list = field(default_factory=list)
    behind_tls: bool = False
    quiet: bool = False
    brake: FailureBrake = field(default_factory=FailureBrake)


def _message_page(title: str, text: str) -> bytes:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<title>{title}</title><link rel="stylesheet" href="/assets/dashboard.css"></head>'
        f'<body><main><section class="panel"><h1>{title}</h1><p>{text}</p></section></main>'
        "</body></html>"
    ).encode()


class DashboardHandler(BaseHTTPRequestHandler):
    def version_string(self) -> str:
        return "sage"  # no Python version to fingerprint

    config: ServerConfig  # set on the subclass made by make_server

    # -- responses ------------------------------------------------------------

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
        for name, value in BASE_HEADERS.items():
            self.send_header(name, value)
        if self.config.behind_tls:
            self.send_header("Strict-Transport-Security", HSTS)
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
        wait = self.config.brake.blocked_for(address)
        if wait:
            self._send(
                HTTPStatus.TOO_MANY_REQUESTS,
                _message_page("Too many attempts", "Too many wrong passwords: try again later."),
                cache="no-store",
                extra={"Retry-After": str(int(wait) + 1)},
            )
            return
        authorization = self.headers.get("Authorization")
        if not self.config.credentials.check(authorization):
            if authorization:
                self.config.brake.failed(address)
            self._send(
                HTTPStatus.UNAUTHORIZED,
                _message_page("Sign in required", "The SAGE dashboard is private."),
                cache="no-store",
                extra={"WWW-Authenticate": f'Basic realm="{REALM}", charset="UTF-8"'},
            )
            return
        self.config.brake.succeeded(address)
        self._file(
            self.config.site / SAGE_PAGE,
            "text/html; charset=utf-8",
            cache="no-store",
            extra={"X-Robots-Tag": "noindex, nofollow"},
        )

    def log_message(self, format: str, *args) -> None:
        if not self.config.quiet:
            super().log_message(format, *args)


class DashboardServer(ThreadingHTTPServer):
    daemon_threads = True
    # A request must not hold a thread forever.
    request_queue_size = 64


def make_server(config: ServerConfig, host: str, port: int) -> DashboardServer:
    handler = type(
        "ConfiguredDashboardHandler", (DashboardHandler,), {"config": config, "timeout": 30}
    )
    return DashboardServer((host, port), handler)


def serve_in_thread(config: ServerConfig, host: str = "127.0.0.1", port: int = 0):
    """Start a server on a background thread; returns (server, thread). For embedding."""
    server = make_server(config, host, port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread
