"""The audit log: append-only, each record chained to the one before by its hash.

A record is ``{seq, at, event, details, prev_hash, hash}``: ``hash`` is the
SHA-256 of the canonical JSON of the other fields, and ``prev_hash`` is the
previous record's ``hash`` (64 zeros for the first). Changing, removing or
reordering any record breaks the chain from there on, and :meth:`AuditLog.verify`
says where.

Records are stored through a small :class:`AuditStore` interface whose one
write is *create if absent*, so two writers can never both append record ``n``:
the loser re-reads the head and tries ``n + 1``. :class:`LakeAuditStore` keeps
one JSON object per record under ``audit/log/`` in the lake (a local folder or
S3, where the create is a conditional PUT); a DynamoDB table with a conditional
``PutItem`` on ``seq`` fits the same interface.

Details name what happened (counts, dates, request ids), never a person:
erasure records carry the request id; the pseudonymous id stays in the ledger.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from ingest.lake import Lake, LakeError, LocalLake, S3Lake

GENESIS_HASH = "0" * 64
PREFIX = "audit/log/"

# Every event the log accepts; an unknown name is a programming error, not a new event.
EVENTS = {
    "RETENTION_APPLIED": "expired Bronze partitions, quarantine objects and Silver rows",
    "ERASURE_REQUESTED": "an erasure request was recorded in the ledger",
    "ERASURE_COMPLETED": "an erasure request was applied to Silver, Gold and Bronze",
    "ERASURE_FAILED": "applying an erasure request stopped part-way; it resumes when re-run",
    "BUNDLE_CREATED": "a partner's monthly telemetry bundle was built",
    "BUNDLE_DELIVERED": "a partner confirmed delivery of a bundle",
    "TELEMETRY_DELETED": "a partner's delivered telemetry was deleted",
    "SCRUB_VIOLATION": "partner telemetry held something that looked like personal data",
    "ERROR": "a privacy operation failed",
}


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

    def to_json(self) -> bytes:
        return (json.dumps(asdict(self), sort_keys=True, indent=2) + "\n").encode()


def record_hash(seq: int, at: str, event: str, details: dict[str, Any], prev_hash: str) -> str:
    body = {"seq": seq, "at": at, "event": event, "details": details, "prev_hash": prev_hash}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


class AuditStore(Protocol):
    location: str

    def create(self, seq: int, data: bytes) -> None:
        """Store record ``seq``; AlreadyExists if it is there already."""
        ...

    def sequence_numbers(self) -> list[int]: ...

    def read(self, seq: int) -> bytes: ...


class LakeAuditStore:
    """One object per record, ``audit/log/000000000042.json``, in a local or S3 lake."""

    def __init__(self, lake: Lake):
        self.lake = lake
        self.location = lake.uri(PREFIX)

    @staticmethod
    def key(seq: int) -> str:
        return f"{PREFIX}{seq:012d}.json"

    def create(self, seq: int, data: bytes) -> None:
        key = self.key(seq)
        if isinstance(self.lake, LocalLake):
            path = self.lake.root / key
            path.parent.mkdir(parents=True, exist_ok=True)
            # Written whole beside the target, then hard-linked into place: link() fails
            # if the name exists, so the create is atomic and exclusive.
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                os.link(tmp, path)
            except FileExistsError:
                raise AlreadyExists(key) from None
            finally:
                Path(tmp).unlink(missing_ok=True)
        elif isinstance(self.lake, S3Lake):
            from botocore.exceptions import ClientError

            try:
                self.lake.client.put_object(
                    Bucket=self.lake.bucket,
                    Key=self.lake._key(key),
                    Body=data,
                    IfNoneMatch="*",  # S3 conditional write: fails if the key exists
                )
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "")
                if code in ("PreconditionFailed", "ConditionalRequestConflict", "412"):
                    raise AlreadyExists(key) from None
                raise AuditError(f"could not write {self.lake.uri(key)}: {exc}") from exc
        else:
            raise AuditError(f"no exclusive create for a lake of type {type(self.lake).__name__}")

    def sequence_numbers(self) -> list[int]:
        numbers = []
        for item in self.lake.list(PREFIX):
            name = item.key[len(PREFIX) :]
            if name.endswith(".json") and name[:-5].isdigit():
                numbers.append(int(name[:-5]))
        return sorted(numbers)

    def read(self, seq: int) -> bytes:
        return self.lake.read_bytes(self.key(seq))


@dataclass
class Verification:
    records: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


class AuditLog:
    def __init__(self, store: AuditStore):
        self.store = store

    @classmethod
    def in_lake(cls, lake: Lake) -> AuditLog:
        return cls(LakeAuditStore(lake))

    def _load(self, seq: int) -> AuditRecord:
        try:
            data = json.loads(self.store.read(seq))
            return AuditRecord(**data)
        except (LakeError, ValueError, TypeError) as exc:
            raise AuditError(f"audit record {seq} cannot be read: {exc}") from None

    def head(self) -> AuditRecord | None:
        numbers = self.store.sequence_numbers()
        return self._load(numbers[-1]) if numbers else None

    def append(
        self, event: str, details: dict[str, Any], *, at: datetime | None = None
    ) -> AuditRecord:
        if event not in EVENTS:
            raise AuditError(f"unknown audit event {event!r}; events: {', '.join(EVENTS)}")
        details = json.loads(json.dumps(details, default=str))  # what will be stored
        for _attempt in range(20):
            head = self.head()
            seq = head.seq + 1 if head else 1
            prev_hash = head.hash if head else GENESIS_HASH
            when = (at or datetime.now(UTC)).isoformat(timespec="milliseconds")
            when = when.replace("+00:00", "Z")
            record = AuditRecord(
                seq,
                when,
                event,
                details,
                prev_hash,
                record_hash(seq, when, event, details, prev_hash),
            )
            try:
                self.store.create(seq, record.to_json())
            except AlreadyExists:
                continue  # another writer took this number: chain onto theirs
            return record
        raise AuditError(f"could not append to the audit log at {self.store.location}: too busy")

    def records(self, event: str | None = None) -> Iterator[AuditRecord]:
        for seq in self.store.sequence_numbers():
            record = self._load(seq)
            if event is None or record.event == event:
                yield record

    def verify(self) -> Verification:
        """Walk the chain from the first record: numbers without gaps, each record's
        hash recomputes, each links to the one before."""
        problems: list[str] = []
        expected_seq, prev_hash = 1, GENESIS_HASH
        count = 0
        for seq in self.store.sequence_numbers():
            count += 1
            if seq != expected_seq:
                problems.append(f"record {expected_seq} is missing (next found: {seq})")
            try:
                record = self._load(seq)
            except AuditError as exc:
                problems.append(str(exc))
                expected_seq, prev_hash = seq + 1, ""
                continue
            if record.seq != seq:
                problems.append(f"record {seq} says it is number {record.seq}")
            recomputed = record_hash(
                record.seq, record.at, record.event, record.details, record.prev_hash
            )
            if recomputed != record.hash:
                problems.append(
                    f"record {seq} ({record.event}) was changed: its hash does not match"
                )
            if prev_hash and record.prev_hash != prev_hash:
                problems.append(f"record {seq} does not link to record {seq - 1}")
            expected_seq, prev_hash = seq + 1, record.hash
        return Verification(count, problems)
