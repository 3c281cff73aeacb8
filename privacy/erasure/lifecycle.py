"""A request from start to finish, as ``sage erase`` runs it: the user resolved, the
request recorded (or an earlier one resumed), the steps applied, every stage in the
audit log. Run again, it resumes where it stopped; for a user already erased, it
checks that no row of theirs has come back."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from lakehouse.audit.log import AuditLog
from lakehouse.audit.records import AuditError
from lakehouse.dbt import DbtFailed, run_dbt
from lakehouse.lake import Lake
from lakehouse.settings import Settings
from lakehouse.warehouse import WarehouseError, open_warehouse
from privacy.erasure.ledger import (
    CANNOT_START,
    FAILED,
    REQUESTS,
    ErasureError,
    Receipt,
    now,
    read_ledger,
    receipt_for,
    record_request,
    timestamp,
)
from privacy.erasure.steps import Erasure
from privacy.erasure.subject import Lookup, resolve


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


def erase(
    settings: Settings,
    lake: Lake,
    user: str,
    *,
    id_type: str | None,
    pepper: str,
    say: Callable[..., None],
) -> Receipt:
    """Erase ``user`` (or finish erasing them); the receipt of the request.

    Raises ErasureError, with the exit status to give, when the request cannot go
    ahead or stops part-way (it is then recorded, and running again finishes it)."""
    try:
        log = AuditLog.from_env(lake)
        log.check_writable()  # before anything is recorded or removed
    except AuditError as exc:
        raise ErasureError(f"{exc}; nothing was recorded or erased", CANNOT_START) from None
    try:
        ledger = read_ledger(lake)
        with open_warehouse(settings) as warehouse:
            lookup = Lookup(warehouse, settings)
            subject = resolve(
                user,
                id_type=id_type,
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
                        status=FAILED,
                    )
            else:
                left = {k: v for k, v in lookup.rows(subject.user_key).items() if v}
    except WarehouseError as exc:
        raise ErasureError(str(exc), CANNOT_START) from None

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
            return receipt
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
        raise ErasureError(
            f"erasure request {receipt.request_id} stopped at step {failed_at}: {exc}. The "
            "request is recorded, so every build already leaves the user out; run the same "
            "command again to finish it (done steps are not repeated).",
            status=FAILED,
        ) from None
    log.append("ERASURE_COMPLETED", _completed(receipt))
    return receipt


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
