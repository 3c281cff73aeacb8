"""``sage``: the one command-line entry point of the warehouse."""

from __future__ import annotations

import argparse
import sys

from lakehouse.audit.records import AuditError
from sage import __version__
from sage.commands import (
    audit,
    build,
    dashboard,
    demo,
    erase,
    generate,
    guard,
    ingest,
    partner,
    pricing,
    retention,
    rollup,
    serve,
    summary,
    trino,
)
from sage.commands.common import EXIT_FAILED, CommandError, warn

COMMANDS = [
    generate,
    ingest,
    rollup,
    build,
    guard,
    summary,
    demo,
    pricing,
    dashboard,
    serve,
    retention,
    erase,
    partner,
    audit,
    trino,
]


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="sage",
        description="Innerverse analytics warehouse: ingest raw sources into the lake, build "
        "Bronze/Silver/Gold with dbt, and report on LLM cost and usage.",
    )
    root.add_argument("--version", action="version", version=f"sage {__version__}")
    subparsers = root.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.register(subparsers)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.handler(args)
    except CommandError as exc:
        warn(f"error: {exc}")
        return exc.status
    except AuditError as exc:  # any command that writes the log: no key, no table, no head
        warn(f"error: the audit log: {exc}")
        return EXIT_FAILED
    except KeyboardInterrupt:
        warn("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
