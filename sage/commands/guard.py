"""sage guard: the PII guard (Great Expectations) over every Silver and Gold table."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from lakehouse.console import Progress, table
from lakehouse.settings import Settings
from privacy.guard.report import DEFAULT_MAX_ROWS, GuardError, GuardReport
from privacy.guard.run import proposal, run_guard
from privacy.rules import AllowlistError
from sage.commands.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    CommandError,
    add_location_flags,
    say,
    settings_from,
    warn,
)

DEFAULT_REPORT = "reports/privacy-guard.json"


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "guard",
        help="PII guard: check Silver and Gold for personal data and unreviewed columns",
        description="Runs a Great Expectations checkpoint per Silver and Gold table with the "
        "rules and the allow-list of macros/privacy/allowlist.sql; prints every failure with "
        "table, column, rule, count and a masked example; writes a JSON report. Exit status 1 "
        "on any failure.",
    )
    add_guard_flags(parser)
    parser.add_argument(
        "--propose",
        action="store_true",
        help="print allow-list entries for built tables and columns not yet listed, and exit",
    )
    add_location_flags(parser, lake=False)
    parser.set_defaults(handler=run)


def add_guard_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--report",
        default=os.environ.get("SAGE_GUARD_REPORT", DEFAULT_REPORT),
        help=f"where to write the JSON report (env SAGE_GUARD_REPORT, default {DEFAULT_REPORT})",
    )
    parser.add_argument(
        "--max-rows",
        type=int,
        default=DEFAULT_MAX_ROWS,
        help="check a reservoir sample of this many rows of larger tables "
        f"(default {DEFAULT_MAX_ROWS:,}; the dbt tests check every row)",
    )


def describe(report: GuardReport, report_path: str | None) -> str:
    lines = [
        f"privacy guard: {len(report.tables)} tables, {len(report.checks):,} checks "
        f"({report.target}, {report.warehouse})"
    ]
    rows = []
    for result in report.tables:
        failed = sum(not check.success for check in result.checks)
        checked = f"sample of {result.rows_checked:,}" if result.sampled else "all"
        rows.append(
            [
                result.label,
                f"{result.rows_total:,}",
                checked,
                len(result.checks),
                "ok" if not failed else f"FAILED ({failed})",
            ]
        )
    lines.append(table(["table", "rows", "checked", "checks", "result"], rows, right={1, 3}))
    for note in report.notes:
        lines.append(f"note: {note}")
    failures = report.failures
    if failures:
        lines.append("")
        lines.append(f"FAILED: {len(failures)} checks")
        lines.append(
            table(
                ["table", "column", "kind", "rule", "rows", "example or detail"],
                [
                    [
                        check.table,
                        check.column or "-",
                        check.kind or "-",
                        check.rule,
                        "-" if check.failing_rows is None else f"{check.failing_rows:,}",
                        check.example or check.detail or "-",
                    ]
                    for check in failures
                ],
                right={4},
            )
        )
        sampled = [result.label for result in report.tables if result.sampled]
        if sampled:
            lines.append(
                "counts in " + ", ".join(sampled) + " are from a sample; `dbt build` runs the "
                "same rules over every row (data-tests/privacy/)"
            )
        lines.append(
            "a leak: fix the model that lets it through; a new column: review it and add it "
            "to macros/privacy/allowlist.sql (`sage guard --propose` drafts the entry)"
        )
    else:
        lines.append("no personal data found; every column is in the allow-list")
    if report_path:
        lines.append(f"report: {report_path}")
    return "\n".join(lines)


def guard(settings: Settings, *, report_path: str | None, max_rows: int) -> GuardReport:
    """Run the guard, print it, write the report; CommandError (exit 1) on any failure."""
    progress = Progress("privacy guard")
    try:
        report = run_guard(settings, max_rows=max_rows, progress=progress.update)
    except AllowlistError as exc:
        progress.done()
        raise CommandError(str(exc), status=EXIT_USAGE) from None
    except GuardError as exc:
        progress.done()
        raise CommandError(str(exc), status=EXIT_USAGE) from None
    progress.done()
    if report_path:
        try:
            report.write(report_path)
        except OSError as exc:
            raise CommandError(
                f"--report {report_path}: {exc.strerror}", status=EXIT_USAGE
            ) from None
    say(describe(report, str(Path(report_path).absolute()) if report_path else None))
    if not report.success:
        raise CommandError(
            f"the privacy guard failed: {len(report.failures)} checks (listed above)",
            status=EXIT_FAILED,
        )
    return report


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if args.propose:
        try:
            text = proposal(settings)
        except (GuardError, AllowlistError) as exc:
            raise CommandError(str(exc), status=EXIT_USAGE) from None
        if text:
            say(text)
        else:
            warn("every built Silver and Gold column is in the allow-list")
        return EXIT_OK
    guard(settings, report_path=args.report, max_rows=args.max_rows)
    return EXIT_OK
