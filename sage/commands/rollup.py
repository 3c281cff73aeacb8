"""sage rollup: closed Bronze days → one Parquet object each (the memo's daily rollup)."""

from __future__ import annotations

import argparse
import contextlib
import json
from datetime import UTC, date, datetime
from pathlib import Path

from lakehouse.audit.log import AuditLog
from lakehouse.audit.records import AuditError
from lakehouse.console import Progress, table
from lakehouse.lake import LakeError, open_lake
from lakehouse.rollup import (
    DEFAULT_LATE_DAYS,
    LATE_DAYS_ENV,
    DayResult,
    RollupError,
    RollupResult,
    rollup,
)
from lakehouse.tables import TableDeclarationError, columnar_tables
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
from sage.commands.retention import size


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "rollup",
        help="turn each closed day of each Bronze table into one Parquet object",
        description="A day is closed once it is older than the late-data window. Its NDJSON.gz "
        "objects (and its Parquet, when late lines landed after an earlier rollup) are written "
        "to one zstd Parquet object sorted by user, published whole, read back and checked "
        "(same rows, same event ids); only then are the NDJSON.gz objects deleted. Re-running "
        "it changes nothing that is already rolled up. Recorded in the audit log "
        "(BRONZE_ROLLED_UP).",
    )
    parser.add_argument(
        "--late-days",
        type=int,
        help=f"days a day stays open for late data (env {LATE_DAYS_ENV}, "
        f"default {DEFAULT_LATE_DAYS})",
    )
    parser.add_argument(
        "--today", type=_day, help="count the window back from this date (YYYY-MM-DD, UTC)"
    )
    parser.add_argument(
        "--table",
        action="append",
        metavar="NAME",
        help="only this lake table (repeatable; default every Bronze table)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print the days it would roll up, change nothing"
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    add_location_flags(parser, warehouse=False, target=False)
    parser.set_defaults(handler=run)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def describe(result: RollupResult) -> str:
    verb = "would roll up" if result.dry_run else "rolled up"
    lines = [
        f"rollup of {result.lake} on {result.today} (UTC): days before {result.closed_before} "
        f"are closed ({result.late_days}-day late-data window)",
        "",
    ]
    tables = result.by_table()
    if tables:
        lines.append(
            table(
                ["table", "days", "late merged", "objects", "rows", "NDJSON.gz", "Parquet"],
                [
                    [
                        name,
                        f"{entry['days']:,}",
                        f"{entry['late_days_merged']:,}",
                        f"{entry['files'] + entry['already_in']:,}",
                        f"{entry['rows_added']:,}",
                        size(entry["ndjson_bytes"]),
                        "-" if result.dry_run else size(entry["parquet_bytes"]),
                    ]
                    for name, entry in sorted(tables.items())
                ],
                right={1, 2, 3, 4, 5, 6},
            )
        )
    else:
        lines.append("no closed day holds NDJSON.gz: nothing to roll up")
    for note in result.notes:
        lines.append(f"note: {note}")
    summary = result.summary()
    lines.append("")
    lines.append(
        f"{verb}: {summary['days_rolled']:,} table-days, "
        f"{summary['ndjson_objects_deleted']:,} NDJSON.gz objects"
        + ("" if result.dry_run else f" removed, {summary['rows_added']:,} rows added")
        + f"; {result.open_days:,} table-days still open"
        + (" (dry run: nothing was changed)" if result.dry_run else "")
    )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if not settings.lake.startswith("s3://") and not Path(settings.lake).is_dir():
        raise CommandError(
            f"no lake at {settings.lake}: check --lake or SAGE_LAKE; nothing was changed",
            status=EXIT_USAGE,
        )
    lake = open_lake(settings.lake)
    log = None
    if not args.dry_run:
        try:
            log = AuditLog.from_env(lake)
            log.check_writable()  # before anything is rewritten
        except AuditError as exc:
            raise CommandError(f"{exc}; nothing was changed", status=EXIT_USAGE) from None
    progress = Progress("rollup")

    def on_day(day: DayResult, done: int, total: int) -> None:
        progress.update(done, total, f"{day.table} {day.day}")

    try:
        columnar_tables()
        result = rollup(
            lake,
            today=args.today or datetime.now(UTC).date(),
            late_days=args.late_days,
            tables=args.table,
            dry_run=args.dry_run,
            on_day=on_day,
        )
    except (RollupError, TableDeclarationError) as exc:
        raise CommandError(f"{exc}; nothing was changed", status=EXIT_USAGE) from None
    except LakeError as exc:
        raise CommandError(str(exc)) from None
    progress.done()
    say(json.dumps(result.summary(), indent=2) if args.json else describe(result))
    for error in result.errors:
        warn(f"error: {error} (its NDJSON.gz left in place; run `sage rollup` again once fixed)")
    if log is not None and (result.changed or result.errors):
        _record(log, result, say=warn if args.json else say)
    return EXIT_FAILED if result.errors else EXIT_OK


def _record(log: AuditLog, result: RollupResult, say=say) -> None:
    summary = result.summary()
    try:
        if result.changed:
            record = log.append("BRONZE_ROLLED_UP", summary)
            say(f"audit: record {record.seq} (BRONZE_ROLLED_UP) in {log.store.location}")
        if result.errors:
            with contextlib.suppress(AuditError):
                log.append(
                    "ERROR", {"operation": "rollup", "lake": result.lake, "errors": result.errors}
                )
    except AuditError as exc:
        raise CommandError(
            f"the rollup was applied but its audit record could not be written: {exc}",
            status=EXIT_FAILED,
        ) from None
