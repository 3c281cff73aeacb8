"""Applying a request, step by step (Silver, Gold, Bronze, verified); every step can
run again safely.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from lakehouse.lake import Lake
from lakehouse.settings import Settings
from privacy import bronze
from privacy.erasure.ledger import ErasureError, Receipt, now, timestamp
from privacy.erasure.subject import USER_COLUMN, Lookup, Subject
from privacy.retention import BRONZE_DAYS, QUARANTINE_DAYS, delete_statements
from privacy.rules import RESTRICTED_LAYERS


@dataclass
class Erasure:
    """One request, applied step by step; every step can run again safely."""

    settings: Settings
    lake: Lake
    subject: Subject
    receipt: Receipt
    open_warehouse: Callable[..., Any]  # lakehouse.warehouse.open_warehouse
    rebuild_gold: Callable[[], list[str]]  # returns the Gold tables rebuilt
    say: Callable[[str], None] = print

    def done(self, step: str) -> bool:
        return "done_at" in self.receipt.steps.get(step, {})

    def mark(self, step: str, **details: Any) -> None:
        self.receipt.steps[step] = {"done_at": timestamp(now()), **details}
        self.receipt.save(self.lake)

    def run(self) -> Receipt:
        key = self.subject.user_key
        if not self.done("silver"):
            with self.open_warehouse(self.settings, read_only=False) as warehouse:
                lookup = Lookup(warehouse, self.settings)
                # Counted before deleting and kept, so a resumed request still reports
                # what this step removed the first time.
                rows = self.receipt.steps.get("silver", {}).get("rows") or lookup.rows(
                    key, RESTRICTED_LAYERS
                )
                self.receipt.steps["silver"] = {"rows": rows}
                self.receipt.save(self.lake)
                present = lookup.rows(key, RESTRICTED_LAYERS)
                for table in lookup.tables:
                    if present.get(table.label):
                        for statement in delete_statements(
                            self.settings.target, table.relation, f"{USER_COLUMN} = '{key}'"
                        ):
                            warehouse.execute(statement)
            self.mark("silver", rows=rows)
            self.say(
                f"  silver   {sum(rows.values()):,} rows deleted from {len(rows)} Silver and "
                "private tables"
            )
        if not self.done("gold"):
            gold_rows = self.receipt.steps.get("gold", {}).get("rows")
            if gold_rows is None:
                with self.open_warehouse(self.settings) as warehouse:
                    gold_rows = Lookup(warehouse, self.settings).rows(key, ("gold",))
                self.receipt.steps["gold"] = {"rows": gold_rows}
                self.receipt.save(self.lake)
            rebuilt = self.rebuild_gold()
            self.mark("gold", rows=gold_rows, rebuilt=rebuilt)
            self.say(
                f"  gold     {sum(gold_rows.values()):,} row(s) of the user; "
                f"{len(rebuilt)} tables rebuilt from Silver and the private layer"
            )
        if not self.done("bronze"):
            result = self._scrub_bronze()
            self.mark("bronze", result=result)
            lines = sum(result["lines_removed"].values())
            self.say(
                f"  bronze   {lines:,} lines removed; {result['objects_rewritten']:,} objects "
                f"rewritten, {result['objects_deleted']:,} deleted "
                f"({result['objects_scanned']:,} scanned)"
            )
        with self.open_warehouse(self.settings) as warehouse:
            left = {
                label: count
                for label, count in Lookup(warehouse, self.settings).rows(key).items()
                if count
            }
        if left:
            raise ErasureError(
                "rows of the user are still there after erasure: "
                + ", ".join(f"{label} ({count})" for label, count in left.items())
                + ". Run `sage erase` again to retry.",
                status=1,
            )
        self.mark("verified", silver_and_gold_rows_left=0)
        self.receipt.notes += expiry_notes(now(), athena=self.settings.target == "athena")
        self.receipt.completed_at = timestamp(now())
        self.receipt.save(self.lake)
        return self.receipt

    def _scrub_bronze(self) -> dict[str, Any]:
        """Rewrite the lake's objects; counts are saved after every changed object, so a
        resumed step adds to what the interrupted one removed."""
        step = self.receipt.steps.setdefault("bronze", {})
        if not self.subject.app_hash:
            note = (
                "Bronze holds no record with this user's app hash (none found when the "
                "request was resolved): nothing to rewrite"
            )
            if note not in self.receipt.notes:
                self.receipt.notes.append(note)
            return bronze.ScrubResult().as_dict()
        earlier = step.get("partial", {})
        totals = bronze.ScrubResult()
        totals.lines_removed.update(earlier.get("lines_removed", {}))
        totals.objects_rewritten = earlier.get("objects_rewritten", 0)
        totals.objects_deleted = earlier.get("objects_deleted", 0)

        def changed(key: str, removed: int, deleted: bool) -> None:
            totals.lines_removed[bronze.table_of(key)] += removed
            if deleted:
                totals.objects_deleted += 1
            else:
                totals.objects_rewritten += 1
            step["partial"] = totals.as_dict()
            self.receipt.save(self.lake)

        result = bronze.scrub(
            self.lake, self.subject.app_hash, raw_id=self.subject.raw_id, on_change=changed
        )
        totals.objects_scanned = result.objects_scanned
        totals.conversations = result.conversations
        totals.unreadable_copies = result.unreadable_copies
        step.pop("partial", None)
        return totals.as_dict()


def expiry_notes(moment: datetime, *, athena: bool = False) -> list[str]:
    bronze_by = (moment + timedelta(days=BRONZE_DAYS)).date()
    quarantine_by = (moment + timedelta(days=QUARANTINE_DAYS)).date()
    athena_note = [
        "Athena keeps earlier snapshots of the Iceberg tables until VACUUM expires them "
        "(the tables' vacuum_max_snapshot_age_seconds, 5 days by default); `sage retention` "
        "runs VACUUM"
    ]
    return (athena_note if athena else []) + [
        "CloudFront access-log lines carry no user id and cannot be matched to this user; "
        f"with their client IPs they leave Bronze with its {BRONZE_DAYS}-day expiry, by "
        f"{bronze_by}",
        "quarantined copies of unreadable input files cannot be searched; they expire "
        f"after {QUARANTINE_DAYS} days, by {quarantine_by}",
        "re-ingesting raw input from before this request would land the user's records in "
        "Bronze again; Silver and Gold keep excluding them (the ledger), and Bronze expiry "
        "removes them",
    ]
