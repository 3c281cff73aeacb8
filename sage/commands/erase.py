"""sage erase: a user's erasure request, recorded, applied now and on every build after."""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path

from lakehouse.audit.log import AuditLog
from lakehouse.audit.records import AuditError
from lakehouse.dbt import DbtFailed, run_dbt
from lakehouse.lake import is_s3, open_lake
from lakehouse.settings import Settings
from lakehouse.warehouse import WarehouseError, open_warehouse
from privacy.erasure import (
    ID_TYPES,
    REQUESTS,
    Erasure,
    ErasureError,
    Lookup,
    Receipt,
    now,
    read_ledger,
    receipt_for,
    record_request,
    resolve,
    timestamp,
)
from privacy.pseudonym import PepperError, pepper_from_env
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
        "erase",
        help="erase a user from Silver, Gold and Bronze, now and on every build after",
        description="Records the request in the erasure ledger (lake/erasure/requests/: the "
        "pseudonymous id and the request time), deletes the user's Silver rows, rebuilds Gold, "
        "rewrites the Bronze objects holding their records, and writes a receipt "
        "(lake/erasure/receipts/). A request that stops part-way resumes when run again.",
    )
    parser.add_argument(
        "--user",
        required=True,
        metavar="ID",
        help="the user's raw id, the app's sha256 of it, or their pseudonymous id",
    )
    parser.add_argument(
        "--id-type",
        choices=ID_TYPES,
        help="what --user is, when it cannot be told (64 hex characters are looked up as "
        "both an app sha256 and a pseudonymous id)",
    )
    add_location_flags(parser)
    parser.set_defaults(handler=run)


def rebuild_gold(settings: Settings) -> list[str]:
    """Gold from Silver, every table in full, so each aggregate loses the user's share."""
    try:
        result = run_dbt(["run", "--select", "tag:gold", "--full-refresh"], settings, quiet=True)
    except DbtFailed as exc:
        raise ErasureError(f"rebuilding Gold failed: {exc}") from None
    return sorted(
        f"gold.{item.node.alias}"
        for item in result.result.results
        if item.node.resource_type == "model"
    )


def describe(receipt: Receipt, location: str) -> str:
    data = receipt.to_dict()
    lines = [
        f"erasure request {receipt.request_id} ({receipt.status})",
        f"  user (pseudonymous id)  {receipt.user_key}  (given as: {receipt.given_as})",
        f"  requested at            {receipt.requested_at}",
        f"  completed at            {receipt.completed_at or '-'}",
        "  removed",
    ]
    for label, count in sorted(
        {**data["removed"]["silver_rows"], **data["removed"]["private_rows"]}.items()
    ):
        lines.append(f"    {label:<34} {count:>8,} {'row' if count == 1 else 'rows'}")
    for label, count in sorted(data["removed"]["gold_rows"].items()):
        lines.append(f"    {label:<34} {count:>8,} {'row' if count == 1 else 'rows'}")
    rebuilt = receipt.steps.get("gold", {}).get("rebuilt", [])
    if rebuilt:
        lines.append(f"    Gold rebuilt from Silver: {', '.join(rebuilt)}")
    bronze = data["removed"]["bronze"]
    for label, count in sorted(bronze.get("lines_removed", {}).items()):
        lines.append(f"    {label:<34} {count:>8,} {'line' if count == 1 else 'lines'}")
    if bronze:
        lines.append(
            f"    lake objects: {bronze['objects_rewritten']:,} rewritten, "
            f"{bronze['objects_deleted']:,} deleted, {bronze['objects_scanned']:,} scanned"
        )
    for note in receipt.notes:
        lines.append(f"  note: {note}")
    lines.append(f"receipt: {location}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    try:
        pepper = pepper_from_env()
    except PepperError as exc:
        raise CommandError(str(exc), status=EXIT_USAGE) from None
    settings = settings_from(args)
    if not is_s3(settings.lake) and not Path(settings.lake).is_dir():
        raise CommandError(f"no lake at {settings.lake}: check --lake or SAGE_LAKE", EXIT_USAGE)
    lake = open_lake(settings.lake)
    try:
        log = AuditLog.from_env(lake)
        log.check_writable()  # before anything is recorded or removed
    except AuditError as exc:
        raise CommandError(f"{exc}; nothing was recorded or erased", status=EXIT_USAGE) from None
    try:
        ledger = read_ledger(lake)
        with open_warehouse(settings) as warehouse:
            lookup = Lookup(warehouse, settings)
            subject = resolve(
                args.user,
                id_type=args.id_type,
                pepper=pepper,
                lookup=lookup,
                erased={entry.user_key for entry in ledger},
            )
            earlier = [entry for entry in ledger if entry.user_key == subject.user_key]
            if not earlier:
                held = sum(lookup.rows(subject.user_key).values())
                in_bronze = subject.app_hash is not None and subject.app_hash in lookup.app_hashes()
                if not held and not in_bronze:
                    raise ErasureError(
                        f"no data for this user ({subject.explanation}): Silver, Gold and "
                        "Bronze hold nothing under their id, so nothing was recorded. Check "
                        "the id (and --id-type).",
                        status=EXIT_FAILED,
                    )
            else:
                left = {k: v for k, v in lookup.rows(subject.user_key).items() if v}
    except ErasureError as exc:
        raise CommandError(str(exc), status=exc.status) from None
    except WarehouseError as exc:
        raise CommandError(str(exc), status=EXIT_USAGE) from None

    say(f"user: {subject.explanation}")
    if earlier:
        entry = earlier[-1]
        if not _recorded(log, "ERASURE_REQUESTED", entry.request_id):
            # the run that put it in the ledger stopped before its audit record
            log.append("ERASURE_REQUESTED", {"request_id": entry.request_id})
        receipt = receipt_for(lake, entry) or Receipt(
            entry.request_id,
            subject.user_key,
            subject.given_as,
            entry.requested_at,
            steps={"ledger": {"done_at": entry.requested_at}},
        )
        if receipt.completed_at and not left:
            say(
                f"already erased: request {entry.request_id} of {entry.requested_at}, completed "
                f"{receipt.completed_at}. Silver and Gold hold no row of this user (checked "
                "now); every build keeps them out. Nothing more to do."
            )
            if not _recorded(log, "ERASURE_COMPLETED", entry.request_id):
                log.append("ERASURE_COMPLETED", _completed(receipt))
            say(describe(receipt, lake.uri(receipt.key)))
            return EXIT_OK
        if receipt.completed_at:
            say(
                "already erased, but rows of the user are back in "
                + ", ".join(left)
                + " (a warehouse restored from a backup?): erasing them again"
            )
            for step in ("silver", "gold", "verified"):
                receipt.steps.pop(step, None)
            receipt.completed_at = None
        else:
            say(f"resuming request {entry.request_id} of {entry.requested_at}")
    else:
        entry = record_request(lake, subject.user_key, now())
        receipt = Receipt(
            entry.request_id,
            subject.user_key,
            subject.given_as,
            entry.requested_at,
            steps={
                "ledger": {
                    "done_at": timestamp(now()),
                    "object": f"{REQUESTS}{entry.request_id}.ndjson.gz",
                }
            },
        )
        receipt.save(lake)
        log.append("ERASURE_REQUESTED", {"request_id": entry.request_id})
        say(f"request {entry.request_id} recorded in the erasure ledger")

    erasure = Erasure(
        settings=settings,
        lake=lake,
        subject=subject,
        receipt=receipt,
        open_warehouse=open_warehouse,
        rebuild_gold=lambda: rebuild_gold(settings),
        say=say,
    )
    try:
        erasure.run()
    except Exception as exc:  # any failure, the engine's own included: say how to finish
        failed_at = next((s for s in ("silver", "gold", "bronze") if not erasure.done(s)), "verify")
        with contextlib.suppress(AuditError):
            log.append(
                "ERASURE_FAILED",
                {"request_id": receipt.request_id, "step": failed_at, "error": str(exc)},
            )
        raise CommandError(
            f"erasure request {receipt.request_id} stopped at step {failed_at}: {exc}. The "
            "request is recorded, so every build already leaves the user out; run the same "
            "command again to finish it (done steps are not repeated).",
            status=EXIT_FAILED,
        ) from None
    log.append("ERASURE_COMPLETED", _completed(receipt))
    say(describe(receipt, lake.uri(receipt.key)))
    return EXIT_OK


def _completed(receipt: Receipt) -> dict[str, object]:
    """The ERASURE_COMPLETED record's details: the request and the counts removed."""
    data = receipt.to_dict()["removed"]
    return {
        "request_id": receipt.request_id,
        "silver_rows": sum(data["silver_rows"].values()),
        "private_rows": sum(data["private_rows"].values()),
        "gold_rows": sum(data["gold_rows"].values()),
        "bronze_lines": sum(data["bronze"].get("lines_removed", {}).values()),
    }


def _recorded(log: AuditLog, event: str, request_id: str) -> bool:
    return any(record.details.get("request_id") == request_id for record in log.records(event))
