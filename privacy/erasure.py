"""Erasure (GDPR Art. 17, CCPA §1798.105): one user out of Silver, Gold and Bronze.

A request goes through these steps, each recorded in its receipt
(``lake/erasure/receipts/<request>.json``) as it completes, so a request that
stops part-way resumes where it stopped when ``sage erase`` is run again:

1. ``ledger``: the request joins the erasure ledger, one object under
   ``lake/erasure/requests/`` with the pseudonymous id and the request time
   only. Every build reads the ledger (the lake source ``erasure_requests``) and
   leaves the user out of Silver, full refreshes and backfills included.
2. ``silver``: the user's rows are deleted from every Silver and private
   (per-person) table with a ``user_key`` (an Iceberg DELETE on Athena, then
   OPTIMIZE and VACUUM).
3. ``gold``: Gold is rebuilt from Silver and the private layer (``dbt run
   --select tag:gold --full-refresh``), so every aggregate loses exactly the
   user's contribution. Gold holds no row per person, so none is deleted there.
4. ``bronze``: every Bronze and quarantine object holding the user's records is
   rewritten without them (privacy/bronze.py).
5. ``verified``: no Silver, private or Gold table holds a row with the user's key.

Ids: the app's tables hold a raw id; the app's logs and Bronze hold
``sha256(raw id)`` (the *app hash*); Silver and Gold hold the keyed pseudonym
``HMAC-SHA256(pepper, app hash)``. A request may give any of the three.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from lakehouse.audit.records import Expected
from lakehouse.lake import Lake, LakeError
from lakehouse.ndjson import gzip_lines, lines_of
from lakehouse.settings import Settings
from lakehouse.warehouse import Warehouse
from privacy import bronze
from privacy.catalog import Table, layer_tables
from privacy.pseudonym import pseudonymise, source_hash
from privacy.retention import BRONZE_DAYS, QUARANTINE_DAYS, delete_statements
from privacy.rules import LAYERS, RESTRICTED_LAYERS

REQUESTS = "erasure/requests/"
RECEIPTS = "erasure/receipts/"
HEX64 = re.compile(r"[0-9a-f]{64}")
STEPS = ("ledger", "silver", "gold", "bronze", "verified")
ID_TYPES = ("raw", "app-hash", "pseudonym")
USER_COLUMN = "user_key"


class ErasureError(RuntimeError):
    """A request that cannot go ahead; ``status`` is the exit status to give."""

    def __init__(self, message: str, status: int = 1):
        super().__init__(message)
        self.status = status


def now() -> datetime:
    return datetime.now(UTC)


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- the ledger -------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerEntry:
    request_id: str
    user_key: str
    requested_at: str


def read_ledger(lake: Lake) -> list[LedgerEntry]:
    entries = []
    for item in lake.list(REQUESTS):
        name = item.key[len(REQUESTS) :]
        if not name.endswith(".ndjson.gz"):
            continue
        for line in lines_of(lake.read_bytes(item.key)) or []:
            row = orjson.loads(line)
            entries.append(
                LedgerEntry(name[: -len(".ndjson.gz")], row["user_key"], row["requested_at"])
            )
    return sorted(entries, key=lambda entry: entry.requested_at)


def record_request(lake: Lake, user_key: str, requested_at: datetime) -> LedgerEntry:
    """One new ledger object: the pseudonymous id and the request time, nothing else.
    One object per request, so two requests never overwrite each other (S3 has no append)."""
    request_id = f"{requested_at:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
    entry = LedgerEntry(request_id, user_key, timestamp(requested_at))
    line = orjson.dumps({"user_key": entry.user_key, "requested_at": entry.requested_at})
    lake.write_bytes(f"{REQUESTS}{request_id}.ndjson.gz", gzip_lines([line]))
    return entry


# --- who is asking ----------------------------------------------------------------


@dataclass
class Subject:
    user_key: str
    app_hash: str | None  # as Bronze holds the user; None when Bronze holds nothing of them
    raw_id: str | None
    given_as: str  # raw, app-hash or pseudonym
    explanation: str


class Lookup:
    """What the warehouse holds of a user: rows per Silver/Gold table with their key,
    and the app hashes Bronze holds."""

    def __init__(self, warehouse: Warehouse, settings: Settings):
        self.warehouse = warehouse
        self.tables: list[Table] = [
            table
            for layer in LAYERS
            for table in layer_tables(warehouse, settings, layer).values()
            if table.column(USER_COLUMN) is not None
        ]
        bronze_tables = layer_tables(warehouse, settings, "bronze").values()
        self.bronze_users = [t for t in bronze_tables if t.column("source_user_id") is not None]
        self._hashes: set[str] | None = None

    def rows(self, user_key: str, layers: tuple[str, ...] = LAYERS) -> dict[str, int]:
        """Rows with this key per table of ``layers`` (every layer by default)."""
        if not HEX64.fullmatch(user_key):  # it goes into SQL text
            raise ValueError(f"not a pseudonymous id: {user_key!r}")
        counts = {}
        for table in self.tables:
            if table.layer not in layers:
                continue
            count = self.warehouse.query(
                f"select count(*) as n from {table.relation} where {USER_COLUMN} = '{user_key}'"
            )[0]["n"]
            counts[table.label] = int(count)
        return counts

    def app_hashes(self) -> set[str]:
        if self._hashes is None:
            if not self.bronze_users:
                self._hashes = set()
            else:
                sql = " union ".join(
                    f"select source_user_id as id from {table.relation}"
                    for table in self.bronze_users
                )
                rows = self.warehouse.query(f"select distinct id from ({sql}) as ids")
                self._hashes = {str(row["id"]) for row in rows if row["id"]}
        return self._hashes

    def app_hash_of(self, user_key: str, pepper: str) -> str | None:
        return next(
            (found for found in self.app_hashes() if pseudonymise(found, pepper) == user_key),
            None,
        )


def resolve(
    value: str,
    *,
    id_type: str | None,
    pepper: str,
    lookup: Lookup,
    erased: set[str],
) -> Subject:
    """Work out the user's pseudonymous key (and app hash) from the id given.

    A 64-hex value may be an app hash or a pseudonym: it is looked up both ways,
    and the request refuses to guess when both find someone."""
    value = value.strip()
    if not value:
        raise ErasureError("--user is empty", status=2)
    if id_type in ("app-hash", "pseudonym") and not HEX64.fullmatch(value):
        raise ErasureError(f"--id-type {id_type} expects 64 lower-case hex characters", status=2)

    if id_type == "raw" or (id_type is None and not HEX64.fullmatch(value)):
        app_hash = source_hash(value)
        key = pseudonymise(app_hash, pepper)
        return Subject(
            key,
            app_hash,
            value,
            "raw",
            "a raw id: sha256 gives the app hash, HMAC with the pepper the pseudonymous id",
        )
    if id_type == "app-hash":
        key = pseudonymise(value, pepper)
        return Subject(key, value, None, "app-hash", "the app's sha256 of an id (as given)")
    if id_type == "pseudonym":
        return Subject(
            value,
            lookup.app_hash_of(value, pepper),
            None,
            "pseudonym",
            "a pseudonymous id (as given)",
        )

    # 64 hex characters, type not given: look it up both ways.
    as_key = value
    as_hash_key = pseudonymise(value, pepper)
    if as_key in erased or as_hash_key in erased:
        if as_key in erased:
            return Subject(
                as_key,
                lookup.app_hash_of(as_key, pepper),  # None once Bronze holds nothing of them
                None,
                "pseudonym",
                "a pseudonymous id in the erasure ledger",
            )
        return Subject(
            as_hash_key, value, None, "app-hash", "the app's sha256 of an id in the erasure ledger"
        )
    key_found = any(lookup.rows(as_key).values()) or lookup.app_hash_of(as_key, pepper) is not None
    hash_found = value in lookup.app_hashes() or any(lookup.rows(as_hash_key).values())
    if key_found and hash_found:
        raise ErasureError(
            "this 64-hex id matches a user both as a pseudonymous id and as the app's sha256 "
            "of an id; say which it is with --id-type pseudonym or --id-type app-hash",
            status=2,
        )
    if key_found:
        return Subject(
            as_key,
            lookup.app_hash_of(as_key, pepper),
            None,
            "pseudonym",
            "64 hex characters, found as a pseudonymous id (Silver's user_key)",
        )
    if hash_found:
        return Subject(
            as_hash_key,
            value,
            None,
            "app-hash",
            "64 hex characters, found as the app's sha256 of a user id (Bronze's uid)",
        )
    raise ErasureError(
        "no user with this id: it is neither a pseudonymous id in Silver or Gold nor the "
        "app's sha256 of a user id in Bronze (a raw id of 64 hex characters needs --id-type raw)",
        status=1,
    )


# --- the receipt ------------------------------------------------------------------


@dataclass
class Receipt:
    request_id: str
    user_key: str
    given_as: str
    requested_at: str
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)
    completed_at: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return "complete" if self.completed_at else "in progress"

    @property
    def key(self) -> str:
        return f"{RECEIPTS}{self.request_id}.json"

    def to_dict(self) -> dict[str, Any]:
        return {
            "receipt": "erasure",
            "version": 1,
            "request_id": self.request_id,
            "user_key": self.user_key,
            "given_as": self.given_as,
            "requested_at": self.requested_at,
            "completed_at": self.completed_at,
            "status": self.status,
            "removed": {
                "silver_rows": self._restricted_rows("silver"),
                "private_rows": self._restricted_rows("private"),
                "gold_rows": self.steps.get("gold", {}).get("rows", {}),
                "bronze": self.steps.get("bronze", {}).get("result", {}),
            },
            "steps": self.steps,
            "notes": self.notes,
        }

    def _restricted_rows(self, layer: str) -> dict[str, int]:
        """The rows the silver step deleted from the tables of one restricted layer."""
        rows = self.steps.get("silver", {}).get("rows", {})
        return {label: count for label, count in rows.items() if label.startswith(f"{layer}.")}

    def save(self, lake: Lake) -> None:
        lake.write_bytes(self.key, (json.dumps(self.to_dict(), indent=2) + "\n").encode())

    @classmethod
    def load(cls, data: bytes) -> Receipt:
        raw = json.loads(data)
        return cls(
            request_id=raw["request_id"],
            user_key=raw["user_key"],
            given_as=raw["given_as"],
            requested_at=raw["requested_at"],
            steps=raw.get("steps", {}),
            completed_at=raw.get("completed_at"),
            notes=raw.get("notes", []),
        )


def receipt_for(lake: Lake, entry: LedgerEntry) -> Receipt | None:
    key = f"{RECEIPTS}{entry.request_id}.json"
    try:
        return Receipt.load(lake.read_bytes(key))
    except LakeError:
        return None


# --- what the audit log must hold -------------------------------------------------


def audit_expectations(lake: Lake) -> tuple[list[Expected], list[str]]:
    """The audit records the ledger and the receipts call for (an ERASURE_REQUESTED
    for every request, an ERASURE_COMPLETED for every completed receipt), so that a
    log emptied or cut short is found even without its head; and what could not be
    read."""
    expected: dict[tuple[str, str], Expected] = {}
    problems: list[str] = []

    def expect(event: str, request_id: str, because: str) -> None:
        expected.setdefault(
            (event, request_id), Expected(event, {"request_id": request_id}, because)
        )

    try:
        ledger = read_ledger(lake)
    except Exception as exc:  # a bad line, or the store's own errors (botocore has many)
        problems.append(f"the erasure ledger {lake.uri(REQUESTS)} cannot be read: {exc}")
        ledger = []
    for entry in ledger:
        expect(
            "ERASURE_REQUESTED",
            entry.request_id,
            f"erasure request {entry.request_id} is in the ledger",
        )
    try:
        receipts = [item.key for item in lake.list(RECEIPTS) if item.key.endswith(".json")]
    except Exception as exc:  # the store's own errors
        problems.append(f"the erasure receipts {lake.uri(RECEIPTS)} cannot be listed: {exc}")
        receipts = []
    for key in receipts:
        try:
            receipt = Receipt.load(lake.read_bytes(key))
        except (LakeError, ValueError, KeyError, TypeError) as exc:
            problems.append(f"the erasure receipt {lake.uri(key)} cannot be read: {exc}")
            continue
        request = receipt.request_id
        expect("ERASURE_REQUESTED", request, f"erasure request {request} has a receipt")
        if receipt.completed_at:
            expect(
                "ERASURE_COMPLETED",
                request,
                f"the receipt of erasure request {request} says it completed",
            )
    return list(expected.values()), problems


# --- applying a request -----------------------------------------------------------


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
