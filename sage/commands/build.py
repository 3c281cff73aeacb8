"""sage build: dbt build (seeds, models, tests) on the chosen target, then the PII guard."""

from __future__ import annotations

import argparse
from datetime import date

from lakehouse.dbt import DbtFailed, run_dbt
from lakehouse.settings import Settings
from privacy.guard.report import DEFAULT_MAX_ROWS
from privacy.pseudonym import PepperError, pepper_from_env
from sage.commands import guard as guard_command
from sage.commands import partner as partner_command
from sage.commands import pricing
from sage.commands.common import EXIT_OK, CommandError, add_location_flags, settings_from


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "build",
        help="dbt build: load the price list, build Bronze/Silver/Gold, run every test; "
        "then the PII guard",
        description="Runs `dbt build` on the target (DuckDB by default), then the PII guard "
        "(`sage guard`); exit status 1 if either fails. Needs SAGE_PEPPER, the secret key of "
        "the pseudonyms (or SAGE_DEMO=1 for sample data).",
    )
    guard_command.add_guard_flags(parser)
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
    guard_report: str | None = guard_command.DEFAULT_REPORT,
    guard_max_rows: int = DEFAULT_MAX_ROWS,
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
        raise CommandError(
            f"{exc} (if a privacy test failed, `sage guard` names the table, column and rule)"
        ) from None
    pricing.warn_unpriced_turns(settings, result)
    if settings.target != "athena":
        partner_command.export_analytics(settings)  # on Athena the tables are the files
    guard_command.guard(settings, report_path=guard_report, max_rows=guard_max_rows)


def run(args: argparse.Namespace) -> int:
    build(
        settings_from(args),
        full_refresh=args.full_refresh,
        rebuild_silver=args.rebuild_silver,
        unit_tests=args.unit_tests,
        recost_since=args.recost_since,
        select=args.select,
        guard_report=args.report,
        guard_max_rows=args.max_rows,
    )
    return EXIT_OK
