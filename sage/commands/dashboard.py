"""sage dashboard: /sage and /safety/transparency, built from Gold as a static site."""

from __future__ import annotations

import argparse
from pathlib import Path

from dashboard.gold import DashboardError
from dashboard.site import SiteError, build_site
from lakehouse.settings import Settings
from sage.commands.common import (
    EXIT_OK,
    CommandError,
    add_location_flags,
    say,
    settings_from,
    warn,
)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "dashboard",
        help="build /sage and /safety/transparency from Gold as a static site (works offline)",
        description="Reads Gold (DuckDB locally, Athena with --target athena) with the same "
        "queries and writes two pages, their stylesheet and an index to the site folder. "
        "The pages load nothing from the internet. Serve them with `sage serve`.",
    )
    parser.add_argument("--out", help="site folder (env SAGE_SITE, default ./site)")
    add_location_flags(parser, lake=False)
    parser.set_defaults(handler=run)


def build(settings: Settings) -> None:
    try:
        site = build_site(settings, Path(settings.site))
    except SiteError as exc:
        raise CommandError(str(exc), status=2) from None
    except DashboardError as exc:
        raise CommandError(str(exc)) from None
    for table in site.gold.missing:
        warn(f"warning: {table.relation} is not built yet; the page says so where it is needed")
    say(f"dashboard from {site.gold.source}")
    for page in site.pages:
        say(f"  {page}")
    say("serve it with `sage serve` (the private page needs SAGE_DASHBOARD_PASSWORD_HASH)")


def run(args: argparse.Namespace) -> int:
    build(settings_from(args))
    return EXIT_OK
