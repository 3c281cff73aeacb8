"""sage build: dbt build (seeds, models, tests) on the chosen target."""

from __future__ import annotations

import argparse
from datetime import date

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
    parser.add_argument(
        "--recost-since",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="after a correction of the price list: cost Silver's turns from this day on again "
        "(from their own tokens) and rebuild Gold",
    )
    parser.add_argument(
        "--unit-tests",
        action="store_true",
        help="also run dbt's unit tests (they test the SQL, not the data; `make test` runs them)",
    )
    parser.add_argument("--select", nargs="+", metavar="SELECTOR", help="dbt node selection")
    add_location_flags(parser)
    parser.set_defaults(handler=run)


def build(
    settings: Settings,
    *,
    full_refresh: bool = False,
    rebuild_silver: bool = False,
    unit_tests: bool = False,
    recost_since: date | None = None,
    select: list[str] | None = None,
) -> None:
    try:
        pepper_from_env()
    except PepperError as exc:
        raise CommandError(str(exc), status=2) from None
    pricing.check_price_list()  # a bad row is named here, before dbt fails on it
    args = ["build"] if unit_tests else ["build", "--exclude-resource-type", "unit_test"]
    if rebuild_silver and not full_refresh:
        raise CommandError("--rebuild-silver goes with --full-refresh", status=2)
    if full_refresh or recost_since:
        args.append("--full-refresh")  # Silver is protected from it; Gold is rebuilt
    if rebuild_silver:
        args += ["--vars", "{rebuild_silver_from_bronze: true}"]
    elif recost_since:
        args += ["--vars", f"{{recost_turns_since: '{recost_since.isoformat()}'}}"]
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
        unit_tests=args.unit_tests,
        recost_since=args.recost_since,
        select=args.select,
    )
    return EXIT_OK
