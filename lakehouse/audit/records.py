"""What an audit record is: its fields, its keyed hash, the events the log accepts.

The log itself is lakehouse/audit/log.py; where records are kept, lakehouse/audit/stores.py.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any

from lakehouse.audit.key import (
    keyed_hash,
)

GENESIS_HASH = "0" * 64
PREFIX = "audit/log/"
TABLE_ENV = "SAGE_AUDIT_TABLE"  # set: the audit log is this DynamoDB table

# Every event the log accepts; an unknown name is a programming error, not a new event.
EVENTS = {
    "RETENTION_APPLIED": "expired Bronze partitions, quarantine objects and Silver rows",
    "BRONZE_ROLLED_UP": "closed Bronze days turned into Parquet, their NDJSON.gz removed",
    "ERASURE_REQUESTED": "an erasure request was recorded in the ledger",
    "ERASURE_COMPLETED": "an erasure request was applied to Silver, Gold and Bronze",
    "ERASURE_FAILED": "applying an erasure request stopped part-way; it resumes when re-run",
    "BUNDLE_CREATED": "a partner's monthly telemetry bundle was built",
    "BUNDLE_DELIVERED": "a partner confirmed delivery of a bundle",
    "TELEMETRY_DELETED": "a partner's delivered telemetry was deleted",
    "SCRUB_VIOLATION": "partner telemetry held something that looked like personal data",
    "ERROR": "a privacy operation failed",
    "LOG_KEYED": "the log was keyed: the unkeyed records before this one are fixed as they stand",
}
# How many missing records of one kind --verify names before it counts the rest.
NAMED_PROBLEMS = 10


class AuditError(RuntimeError):
    pass


class AlreadyExists(AuditError):
    """Another writer appended this sequence number first."""


@dataclass(frozen=True)
class AuditRecord:
    seq: int
    at: str
    event: str
    details: dict[str, Any]
    prev_hash: str
    hash: str
    key_id: str | None = None  # None: written before the log was keyed

    def to_json(self) -> bytes:
        return (json.dumps(asdict(self), sort_keys=True, indent=2) + "\n").encode()


def _canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def record_mac(
    key: str,
    seq: int,
    at: str,
    event: str,
    details: dict[str, Any],
    prev_hash: str,
    record_key_id: str,
) -> str:
    """A record's keyed hash: HMAC-SHA256 of its canonical JSON, ``hash`` left out."""
    body = {
        "seq": seq,
        "at": at,
        "event": event,
        "details": details,
        "prev_hash": prev_hash,
        "key_id": record_key_id,
    }
    return keyed_hash(key, _canonical(body))


def legacy_record_hash(
    seq: int, at: str, event: str, details: dict[str, Any], prev_hash: str
) -> str:
    """The unkeyed SHA-256 that records written before the key carry: checked, never
    written."""
    body = {"seq": seq, "at": at, "event": event, "details": details, "prev_hash": prev_hash}
    return hashlib.sha256(_canonical(body)).hexdigest()


@dataclass(frozen=True)
class Expected:
    """A record the log must hold, because something outside it says so (an erasure
    request in the ledger, a receipt)."""

    event: str
    details: dict[str, str]  # the record's details must hold these
    because: str  # e.g. "erasure request X is in the ledger"
