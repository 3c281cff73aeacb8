"""sage serve: /safety/transparency to anyone, /sage only with the password."""

from __future__ import annotations

import argparse
import getpass
import ipaddress
import signal
import sys
from pathlib import Path

from dashboard.auth import (
    ALLOW_IPS_ENV,
    PASSWORD_HASH_ENV,
    USER_ENV,
    AuthConfigError,
    Credentials,
    hash_password,
    parse_allow_list,
)
from dashboard.server import ServerConfig, make_server
from dashboard.site import SAGE_PAGE, TRANSPARENCY_PAGE
from lakehouse.settings import Settings
from sage.commands import dashboard as dashboard_command
from sage.commands.common import (
    EXIT_OK,
    EXIT_USAGE,
    CommandError,
    add_location_flags,
    say,
    warn,
)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="serve the dashboard: /safety/transparency to anyone, /sage with a password",
        description=f"Serves the site `sage dashboard` built (env SAGE_SITE, default ./site). "
        f"/sage needs the password whose hash is in {PASSWORD_HASH_ENV} (user name "
        f"{USER_ENV}, default `sage`) and, if {ALLOW_IPS_ENV} is set (addresses or networks, "
        "comma-separated), a client address in it. Without a hash it refuses to start, "
        "unless --public-only.",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument(
        "--port", type=int, default=8080, help="port (default 8080; 0 picks a free one)"
    )
    parser.add_argument("--site", help="site folder (env SAGE_SITE, default ./site)")
    parser.add_argument(
        "--build", action="store_true", help="run `sage dashboard` first, from the warehouse"
    )
    parser.add_argument(
        "--public-only",
        action="store_true",
        help="serve only /safety/transparency; /sage is not served at all (404)",
    )
    parser.add_argument(
        "--behind-tls",
        action="store_true",
        help="a TLS proxy is in front: send Strict-Transport-Security",
    )
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    parser.add_argument(
        "--hash-password",
        action="store_true",
        help=f"read a password (from the terminal, or one line of standard input), print its "
        f"hash for {PASSWORD_HASH_ENV} and exit",
    )
    add_location_flags(parser, lake=False)
    parser.set_defaults(handler=run)


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("password: ")
        if getpass.getpass("again: ") != first:
            raise CommandError("the two passwords differ", status=EXIT_USAGE)
        return first
    return sys.stdin.readline().rstrip("\r\n")


def print_hash() -> int:
    try:
        encoded = hash_password(_read_password())
    except AuthConfigError as exc:
        raise CommandError(str(exc), status=EXIT_USAGE) from None
    say(encoded)
    warn(f"store it in your secret store and set {PASSWORD_HASH_ENV} to it before `sage serve`")
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    if args.hash_password:
        return print_hash()
    settings = Settings.from_env(site=args.site, warehouse=args.warehouse, target=args.target)
    try:
        credentials = None if args.public_only else Credentials.from_env()
        allowed = parse_allow_list(None if args.public_only else _env(ALLOW_IPS_ENV))
    except AuthConfigError as exc:
        raise CommandError(str(exc), status=EXIT_USAGE) from None
    if credentials is None and not args.public_only:
        raise CommandError(
            f"{PASSWORD_HASH_ENV} is not set, and /sage is never served without a password. "
            f"Make a hash with `sage serve --hash-password`, set {PASSWORD_HASH_ENV} to it, "
            "and start again; or serve only the public page with --public-only.",
            status=EXIT_USAGE,
        )
    if args.build:
        dashboard_command.build(settings)
    site = Path(settings.site)
    needed = [TRANSPARENCY_PAGE] if args.public_only else [TRANSPARENCY_PAGE, SAGE_PAGE]
    absent = [str(site / page) for page in needed if not (site / page).is_file()]
    if absent:
        raise CommandError(
            f"no dashboard in {site} (missing {', '.join(absent)}): run `sage dashboard` first, "
            "or `sage serve --build`",
            status=EXIT_USAGE,
        )
    config = ServerConfig(
        site=site,
        credentials=credentials,
        allowed_networks=allowed,
        behind_tls=args.behind_tls,
        quiet=args.quiet,
    )
    try:
        server = make_server(config, args.host, args.port)
    except OSError as exc:
        raise CommandError(
            f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}"
        ) from None
    address, port = server.server_address[:2]
    host = str(address)  # an IP address, as text
    shown_host = f"[{host}]" if ":" in host else host
    say(f"serving {site} on http://{shown_host}:{port}/")
    say(f"  public   http://{shown_host}:{port}/safety/transparency")
    if credentials is not None:
        limit = f", from {', '.join(map(str, allowed))} only" if allowed else ""
        say(f"  private  http://{shown_host}:{port}/sage  (user {credentials.user}{limit})")
    else:
        say("  /sage is not served (--public-only)")
    if not _is_loopback(str(host)):
        warn(
            "warning: listening beyond this machine over plain HTTP; put a TLS proxy in front "
            "(and pass --behind-tls) before anyone types a password into it"
        )
    signal.signal(signal.SIGTERM, _stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    say("stopped")
    return EXIT_OK


def _stop(signum, frame) -> None:
    raise KeyboardInterrupt


def _env(name: str) -> str | None:
    import os

    return os.environ.get(name)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"
