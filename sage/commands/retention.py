"""sage retention: expire Bronze after 90 days, quarantine after 30, Silver after 2 years."""

from __future__ import annotations

import argparse
import contextlib
from datetime import UTC, date, datetime
from pathlib import Path

from lakehouse.audit.log import AuditLog
from lakehouse.audit.records import AuditError
from lakehouse.console import table
from lakehouse.lake import LakeError, is_s3, open_lake
from lakehouse.settings import Settings
from lakehouse.warehouse import WarehouseError, open_warehouse
from privacy.retention import (
    BRONZE_DAYS,
    QUARANTINE_DAYS,
    SILVER_YEARS,
    Horizons,
    RetentionError,
    RetentionPlan,
    expire_objects,
    expire_rows,
    plan_objects,
    plan_rows,
)
from privacy.rules import AllowlistError, allowlist
from sage.commands.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    CommandError,
    add_location_flags,
    say,
    settings_from,
)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "retention",
        help=f"expire Bronze older than {BRONZE_DAYS} days, quarantine older than "
        f"{QUARANTINE_DAYS} days, Silver older than {SILVER_YEARS} years",
        description="Deletes expired lake partitions and Silver rows, prints what it removed "
        "and records it in the audit log. --dry-run prints what it would remove.",
    )
    parser.add_argument("--dry-run", action="store_true", help="print what would be removed")
    parser.add_argument(
        "--today",
        type=_day,
        help="compute the horizons from this date (YYYY-MM-DD) instead of today (UTC)",
    )
    add_location_flags(parser)
    parser.set_defaults(handler=run)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def size(count: int) -> str:
    value = float(count)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1000
    return f"{count} B"


def describe(plan: RetentionPlan, *, dry_run: bool) -> str:
    horizons = plan.horizons
    lines = [
        f"retention on {horizons.today} (UTC), lake {plan.lake}",
        f"  Bronze      before {horizons.bronze}  ({BRONZE_DAYS} days)",
        f"  quarantine  before {horizons.quarantine}  ({QUARANTINE_DAYS} days, by day received)",
        f"  Silver      before {horizons.silver}  ({SILVER_YEARS} years; the private per-person "
        "tables too)",
        "",
    ]
    verb = "would remove" if dry_run else "removed"
    if plan.objects:
        lines.append(
            table(
                ["layer", "table", "partitions", "objects", "size", "dates"],
                [
                    [
                        item.layer,
                        item.table,
                        f"{len(item.dates):,}",
                        f"{len(item.keys):,}",
                        size(item.bytes),
                        f"{min(item.dates)} .. {max(item.dates)}",
                    ]
                    for item in plan.objects
                ],
                right={2, 3, 4},
            )
        )
    else:
        lines.append(
            f"lake: nothing older than its horizon ({plan.lake_objects_seen:,} objects seen)"
        )
    if plan.rows:
        lines.append("")
        lines.append(
            table(
                ["table", "rows", "expired by"],
                [
                    [item.table, f"{item.rows:,}", f"{item.column} < {horizons.silver}"]
                    for item in plan.rows
                ],
                right={1},
            )
        )
    for label in plan.kept:
        lines.append(f"kept: {label} (declared `retention: keep`)")
    for note in plan.notes:
        lines.append(f"note: {note}")
    objects = sum(len(item.keys) for item in plan.objects)
    rows = sum(item.rows for item in plan.rows)
    lines.append("")
    lines.append(
        f"{verb}: {objects:,} objects ({size(sum(item.bytes for item in plan.objects))}), "
        f"{rows:,} Silver rows" + (" (dry run: nothing was deleted)" if dry_run else "")
    )
    return "\n".join(lines)


def build_plan(settings: Settings, horizons: Horizons, lake, warehouse) -> RetentionPlan:
    objects, seen, notes = plan_objects(lake, horizons)
    plan = RetentionPlan(horizons, lake.url, objects, [], seen, notes=notes)
    if warehouse is None:
        plan.notes.append(f"no warehouse at {settings.warehouse}: Silver was not checked")
    else:
        plan.rows, plan.kept = plan_rows(warehouse, settings, horizons, allowlist())
    return plan


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    horizons = Horizons.on(args.today or datetime.now(UTC).date())
    if not is_s3(settings.lake) and not Path(settings.lake).is_dir():
        raise CommandError(
            f"no lake at {settings.lake}: check --lake or SAGE_LAKE; nothing was deleted",
            status=EXIT_USAGE,
        )
    lake = open_lake(settings.lake)
    local_without_warehouse = settings.target != "athena" and not Path(settings.warehouse).exists()
    try:
        if local_without_warehouse:
            plan = build_plan(settings, horizons, lake, None)
            _check_not_empty(plan)
            say(describe(plan, dry_run=args.dry_run))
            if not args.dry_run:
                _apply(settings, lake, plan, None)
            return EXIT_OK
        with open_warehouse(settings, read_only=args.dry_run) as warehouse:
            plan = build_plan(settings, horizons, lake, warehouse)
            _check_not_empty(plan)
            say(describe(plan, dry_run=args.dry_run))
            if not args.dry_run:
                _apply(settings, lake, plan, warehouse)
    except (RetentionError, AllowlistError) as exc:
        raise CommandError(f"{exc}; nothing was deleted", status=EXIT_USAGE) from None
    except WarehouseError as exc:
        raise CommandError(f"{exc}; nothing was deleted", status=EXIT_USAGE) from None
    except LakeError as exc:
        raise CommandError(str(exc)) from None
    return EXIT_OK


def _check_not_empty(plan: RetentionPlan) -> None:
    if plan.lake_objects_seen == 0:
        raise CommandError(
            f"the lake {plan.lake} holds no Bronze or quarantine objects: nothing to expire. "
            "Is --lake (SAGE_LAKE) the right lake? Nothing was deleted.",
            status=EXIT_USAGE,
        )


def _apply(settings: Settings, lake, plan: RetentionPlan, warehouse) -> None:
    if plan.nothing_to_do:
        say("nothing is past its horizon: no audit record written")
        return
    try:
        log = AuditLog.from_env(lake)
        log.check_writable()  # before anything is deleted
    except AuditError as exc:
        raise CommandError(f"{exc}; nothing was deleted", status=EXIT_USAGE) from None
    try:
        if warehouse is not None:
            expire_rows(warehouse, settings, plan)
        removed = expire_objects(lake, plan)
    except Exception as exc:  # the engine's or the store's own errors: say what is left
        with contextlib.suppress(AuditError):
            log.append("ERROR", {"operation": "retention", "error": str(exc), **plan.summary()})
        raise CommandError(
            f"retention stopped part-way: {exc}. Run `sage retention` again to finish: it "
            "removes only what is still past its horizon.",
            status=EXIT_FAILED,
        ) from None
    try:
        record = log.append("RETENTION_APPLIED", {**plan.summary(), "objects_deleted": removed})
    except AuditError as exc:
        raise CommandError(
            f"retention was applied ({removed:,} objects deleted) but its audit record could "
            f"not be written: {exc}",
            status=EXIT_FAILED,
        ) from None
    say(f"audit: record {record.seq} (RETENTION_APPLIED) in {log.store.location}")
