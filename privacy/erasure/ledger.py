"""What the lake keeps of each request: the erasure ledger (the pseudonymous id and
the request time, read by every build), the receipt of each request's steps, and
the audit records they call for.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from lakehouse.audit.records import Expected
from lakehouse.lake import Lake, LakeError
from lakehouse.ndjson import gzip_lines, lines_of

REQUESTS = "erasure/requests/"
RECEIPTS = "erasure/receipts/"
STEPS = ("ledger", "silver", "gold", "bronze", "verified")


# The exit statuses an erasure gives, as the command line's: it failed (or stopped
# part-way), or it could not start (bad configuration, no warehouse).
FAILED = 1
CANNOT_START = 2


class ErasureError(RuntimeError):
    """A request that cannot go ahead; ``status`` is the exit status to give."""

    def __init__(self, message: str, status: int = FAILED):
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
