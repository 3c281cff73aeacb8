"""sage build: dbt build (seeds, models, tests) on the chosen target."""

from __future__ import annotations

import argparse

from privacy.pseudonym import PepperError, pepper_from_env
from sage.commands import pricing
from sage.commands.common import EXIT_OK, CommandError, add_location_flags, settings_from
from sage.config import Settings
from sage.dbt import DbtFailed, run_dbt


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "build",
        help="dbt build: load the price list, build Bronze/Silver/Gold, run every test",
        description="Runs `dbt build` on the target (DuckDB by default). Needs SAGE_PEPPER, "
        "the secret key of the pseudonyms (or SAGE_DEMO=1 for sample data).",
    )
    parser.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild the incremental Gold from Silver (Silver is kept; see --rebuild-silver)",
    )
    parser.add_argument(
        "--rebuild-silver",
        action="store_true",
        help="with --full-refresh, rebuild Silver too, from the Bronze that is left (Bronze keeps "
        "90 days: older Silver rows would be lost)",
    )
    parser.add_argument("--select", nargs="+", metavar="SELECTOR", help="dbt node selection")
    add_location_flags(parser)
    parser.set_defaults(handler=run)


def build(
    settings: Settings,
    *,
    full_refresh: bool = False,
    rebuild_silver: bool = False,
    select: list[str] | None = None,
) -> None:
    try:
        pepper_from_env()
    except PepperError as exc:
        raise CommandError(str(exc), status=2) from None
    pricing.check_price_list()  # a bad row is named here, before dbt fails on it
    args = ["build"]
    if rebuild_silver and not full_refresh:
        raise CommandError("--rebuild-silver goes with --full-refresh", status=2)
    if full_refresh:
        args.append("--full-refresh")
    if rebuild_silver:
        args += ["--vars", "{rebuild_silver_from_bronze: true}"]
    if select:
        args += ["--select", *select]
    try:
        result = run_dbt(args, settings)
    except DbtFailed as exc:
        raise CommandError(str(exc)) from None
    pricing.warn_unpriced_turns(settings, result)


def run(args: argparse.Namespace) -> int:
    build(
        settings_from(args),
        full_refresh=args.full_refresh,
        rebuild_silver=args.rebuild_silver,
        select=args.select,
    )
    return EXIT_OK
