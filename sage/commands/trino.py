"""sage trino install|serve: a local Trino, the engine Athena is built on."""

from __future__ import annotations

import argparse
import os
import signal
import threading
from pathlib import Path

from lakehouse.lake import is_s3
from lakehouse.settings import Settings
from sage.commands.common import EXIT_OK, EXIT_USAGE, CommandError, say

DATA_ENV = "SAGE_TRINO_DATA"


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "trino",
        help="a local Trino 476 (Athena's engine) for `dbt build --target trino`",
        description="Downloads Trino 476 from Maven Central into a cache outside the clone "
        "(env SAGE_TRINO_HOME, default ~/.cache/innerverse/trino-476) and runs it on "
        "127.0.0.1 over a local lake. Needs Maven and Java 24 or later (SAGE_TRINO_JAVA_HOME).",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    install = actions.add_parser("install", help="download, check and unpack Trino (once)")
    install.set_defaults(handler=run_install)
    serve = actions.add_parser(
        "serve", help="run Trino over the lake until Ctrl-C (installs it first if needed)"
    )
    serve.add_argument("--lake", help="lake folder (env SAGE_LAKE, default ./lake)")
    serve.add_argument(
        "--data",
        help=f"Trino's metastore, tables and log (env {DATA_ENV}, default ./warehouse-trino)",
    )
    serve.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    serve.add_argument("--heap", default="1G", help="Java heap (default 1G)")
    serve.set_defaults(handler=run_serve)


def run_install(args: argparse.Namespace) -> int:
    from sage.trino_server.install import TrinoUnavailable, install

    try:
        installation = install()
    except TrinoUnavailable as exc:
        raise CommandError(f"Trino cannot be set up: {exc}") from None
    say(f"Trino is installed in {installation.server} (Java: {installation.java})")
    return EXIT_OK


def run_serve(args: argparse.Namespace) -> int:
    from sage.trino_server.install import TrinoUnavailable, install
    from sage.trino_server.lake import first_day, make_table_folders
    from sage.trino_server.server import TrinoServer, TrinoStartFailed

    settings = Settings.from_env(lake=args.lake)
    if is_s3(settings.lake):
        raise CommandError(
            "sage trino serve reads a local lake; for a lake on S3, run a Trino cluster "
            "with S3 access (see the README)",
            EXIT_USAGE,
        )
    data = Path(args.data or os.environ.get(DATA_ENV) or "warehouse-trino").absolute()
    try:
        installation = install()
    except TrinoUnavailable as exc:
        raise CommandError(f"Trino cannot be set up: {exc}") from None
    make_table_folders(Path(settings.lake))
    data.mkdir(parents=True, exist_ok=True)
    server = TrinoServer(installation, data, port=args.port, heap=args.heap)
    try:
        server.start()
    except TrinoStartFailed as exc:
        raise CommandError(str(exc)) from None
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    say(f"Trino on {server.endpoint}, started in {server.startup_seconds:.0f} s; data in {data}")
    say("in another shell:")
    say(f"  export SAGE_TARGET=trino SAGE_TRINO_PORT={server.port} SAGE_LAKE={settings.lake}")
    lake_starts = first_day(Path(settings.lake))
    if lake_starts:
        say(f"  export SAGE_LAKE_FIRST_DAY={lake_starts}   # the lake's first day")
    say("  dbt run-operation create_lake_tables && dbt build")
    say("Ctrl-C stops it")
    try:
        while not stop.wait(1):
            if server.process is not None and server.process.poll() is not None:
                raise CommandError(f"Trino stopped:\n{server.log_tail()}")
    finally:
        server.stop()
    return EXIT_OK
