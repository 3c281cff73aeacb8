"""Flags and errors shared by the sub-commands."""

from __future__ import annotations

import argparse
import sys

from lakehouse.settings import Settings

EXIT_OK = 0
EXIT_FAILED = 1  # the command ran and something in the data or the build failed
EXIT_USAGE = 2  # the command could not start: bad arguments or configuration


class CommandError(Exception):
    """A clear message for the user and the exit status that goes with it."""

    def __init__(self, message: str, status: int = EXIT_FAILED):
        super().__init__(message)
        self.status = status


def add_location_flags(
    parser: argparse.ArgumentParser, *, lake=True, warehouse=True, target=True
) -> None:
    if lake:
        parser.add_argument(
            "--lake", help="lake folder or s3://bucket/prefix (env SAGE_LAKE, default ./lake)"
        )
    if warehouse:
        parser.add_argument(
            "--warehouse",
            help="DuckDB warehouse file (env SAGE_WAREHOUSE, default ./warehouse.duckdb)",
        )
    if target:
        parser.add_argument(
            "--target",
            choices=["local", "athena"],
            help="dbt target (env SAGE_TARGET, default local)",
        )


def settings_from(args: argparse.Namespace) -> Settings:
    return Settings.from_env(
        lake=getattr(args, "lake", None),
        warehouse=getattr(args, "warehouse", None),
        site=getattr(args, "out", None) if getattr(args, "command", "") == "dashboard" else None,
        target=getattr(args, "target", None),
    )


def say(message: str = "") -> None:
    print(message, flush=True)


def warn(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
