"""The audit log: append-only, each record keyed and chained to the one before.

A record is ``{seq, at, event, details, prev_hash, key_id, hash}``: ``hash`` is
the HMAC-SHA256, keyed with the audit key (``SAGE_AUDIT_KEY``, never stored with
the log: lakehouse/audit/key.py), of the canonical JSON of the other fields;
``prev_hash`` is the previous record's ``hash`` (64 zeros for the first), and
``key_id`` names the key without giving it away. Without the key nobody can
change, forge, re-number or re-chain a record so that it verifies. The head
(lakehouse/audit/head.py: the newest record's number and hash, kept apart from the
records) shows a log cut short. :meth:`AuditLog.verify` checks both and says
where the log is broken; ``sage audit --verify`` also checks that every erasure
the ledger and receipts show has its records.

Records written before the log was keyed (no ``key_id``; ``hash`` a plain
SHA-256) verify only as a prefix of the log, fixed by the first keyed record
after them, and are reported as such: an unkeyed log that no keyed record
follows fails verification until ``sage audit --seal``.

Records are stored through a small :class:`AuditStore` interface whose one
write is *create if absent*, so two writers can never both append record ``n``:
the loser re-reads the head and tries ``n + 1``. :class:`LakeAuditStore` keeps
one JSON object per record under ``audit/log/`` in the lake (a local folder or
S3, where the create is a conditional PUT). :class:`DynamoDBAuditStore` keeps
one item per record in a DynamoDB table (production: ``SAGE_AUDIT_TABLE``), where
the create is a ``PutItem`` conditional on ``seq`` being new;
:meth:`AuditLog.from_env` picks the store.

Details name what happened (counts, dates, request ids), never a person:
erasure records carry the request id; the pseudonymous id stays in the ledger.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lakehouse.audit.head import (
    HEAD_ENV,
    DynamoDBHead,
    Head,
    HeadError,
    HeadStore,
    head_at,
    head_beside,
)
from lakehouse.audit.key import (
    AUDIT_KEY_ENV,
    AuditKeyError,
    audit_key_from_env,
    key_id,
)
from lakehouse.audit.records import (
    EVENTS,
    GENESIS_HASH,
    NAMED_PROBLEMS,
    TABLE_ENV,
    AlreadyExists,
    AuditError,
    AuditRecord,
    Expected,
    legacy_record_hash,
    record_mac,
)
from lakehouse.audit.stores import (
    AuditStore,
    DynamoDBAuditStore,
    LakeAuditStore,
)
from lakehouse.lake import Lake, LakeError


@dataclass
class Verification:
    records: int
    problems: list[str]
    notes: list[str] = field(default_factory=list)  # true and worth saying, not a break
    head_location: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


class AuditLog:
    """The log in ``store``; its head in ``head`` (a store, or a function that makes
    one; by default beside the store: lakehouse/audit/head.py); records keyed with
    ``key`` (by default the audit key from the environment).

    Reading needs neither key nor head; appending and verifying need both, and
    say what is missing."""

    def __init__(
        self,
        store: AuditStore,
        head: HeadStore | Callable[[], HeadStore] | None = None,
        key: str | None = None,
    ):
        self.store = store
        self._head = head if head is not None else (lambda: _head_beside(store))
        self._key = key

    @classmethod
    def in_lake(cls, lake: Lake, **options: Any) -> AuditLog:
        return cls(LakeAuditStore(lake), **options)

    @classmethod
    def from_env(cls, lake: Lake) -> AuditLog:
        """The DynamoDB table named by ``SAGE_AUDIT_TABLE`` if it is set (production),
        otherwise the log in ``lake``; the head at ``SAGE_AUDIT_HEAD`` if set,
        otherwise beside the log."""
        table = os.environ.get(TABLE_ENV, "").strip()
        store: AuditStore = DynamoDBAuditStore(table) if table else LakeAuditStore(lake)
        location = os.environ.get(HEAD_ENV, "").strip()
        return cls(store, (lambda: head_at(location)) if location else None)

    # -- what appending and verifying need -----------------------------------

    @property
    def key(self) -> str:
        if self._key is None:
            try:
                self._key = audit_key_from_env()
            except AuditKeyError as exc:
                raise AuditError(str(exc)) from None
        return self._key

    @property
    def head_store(self) -> HeadStore:
        if callable(self._head):
            try:
                self._head = self._head()
            except HeadError as exc:
                raise AuditError(str(exc)) from None
        return self._head

    def _stored_head(self) -> Head | None:
        try:
            return self.head_store.read()
        except HeadError as exc:
            raise AuditError(str(exc)) from None

    def check_writable(self) -> None:
        """Raise AuditError unless a record can be appended now: the key is set, and
        the head and the newest record can be read. Before anything is removed."""
        self.key  # noqa: B018 - resolving it is the check
        self.head()
        self._stored_head()

    # -- reading -------------------------------------------------------------

    @staticmethod
    def _parse(seq: int, data: bytes) -> AuditRecord:
        try:
            return AuditRecord(**json.loads(data))
        except (ValueError, TypeError) as exc:
            raise AuditError(f"audit record {seq} cannot be read: {exc}") from None

    def _load(self, seq: int) -> AuditRecord:
        try:
            data = self.store.read(seq)
        except (LakeError, AuditError) as exc:
            raise AuditError(f"audit record {seq} cannot be read: {exc}") from None
        return self._parse(seq, data)

    def _entries(self) -> Iterator[tuple[int, bytes | AuditError]]:
        """Every stored ``(seq, data)`` in order; a record that cannot be read comes
        with the error instead."""
        entries = getattr(self.store, "entries", None)
        if entries is not None:
            yield from entries()
            return
        for seq in self.store.sequence_numbers():
            try:
                yield seq, self.store.read(seq)
            except (LakeError, AuditError) as exc:
                yield seq, AuditError(f"audit record {seq} cannot be read: {exc}")

    def _records(self) -> Iterator[tuple[int, AuditRecord | AuditError]]:
        for seq, data in self._entries():
            if isinstance(data, AuditError):
                yield seq, data
                continue
            try:
                yield seq, self._parse(seq, data)
            except AuditError as exc:
                yield seq, exc

    def head(self) -> AuditRecord | None:
        """The newest stored record."""
        last_seq = getattr(self.store, "last_seq", None)
        if last_seq is not None:
            seq = last_seq()
        else:
            numbers = self.store.sequence_numbers()
            seq = numbers[-1] if numbers else None
        return None if seq is None else self._load(seq)

    def records(self, event: str | None = None) -> Iterator[AuditRecord]:
        for _seq, record in self._records():
            if isinstance(record, AuditError):
                raise record
            if event is None or record.event == event:
                yield record

    # -- writing -------------------------------------------------------------

    def append(
        self, event: str, details: dict[str, Any], *, at: datetime | None = None
    ) -> AuditRecord:
        if event not in EVENTS:
            raise AuditError(f"unknown audit event {event!r}; events: {', '.join(EVENTS)}")
        key = self.key
        record_key_id = key_id(key)
        details = json.loads(json.dumps(details, default=str))  # what will be stored
        for _attempt in range(20):
            newest, known = self.head(), self._stored_head()
            seq, prev_hash = (newest.seq + 1, newest.hash) if newest else (1, GENESIS_HASH)
            if known is not None and known.seq + 1 >= seq:
                # Chain onto the head when records it covers are gone: the gap stays
                # for --verify to report, and the log goes on.
                seq, prev_hash = known.seq + 1, known.hash
            when = (at or datetime.now(UTC)).isoformat(timespec="milliseconds")
            when = when.replace("+00:00", "Z")
            record = AuditRecord(
                seq,
                when,
                event,
                details,
                prev_hash,
                record_mac(key, seq, when, event, details, prev_hash, record_key_id),
                record_key_id,
            )
            try:
                self.store.create(seq, record.to_json())
            except AlreadyExists:
                continue  # another writer took this number: chain onto theirs
            try:
                self.head_store.advance(Head(seq, record.hash))
            except HeadError as exc:
                raise AuditError(
                    f"audit record {seq} was written, but the head could not be moved to it: {exc}"
                ) from None
            return record
        raise AuditError(f"could not append to the audit log at {self.store.location}: too busy")

    def seal(self) -> AuditRecord | None:
        """Key a log written before the key: one LOG_KEYED record, chained onto the
        unkeyed ones, fixes them as they stand. None if the log needs no seal."""
        newest = self.head()
        if newest is None or newest.key_id is not None:
            return None
        return self.append("LOG_KEYED", {"unkeyed_records": newest.seq})

    # -- verifying -----------------------------------------------------------

    def verify(self, expected: Iterable[Expected] = ()) -> Verification:
        """Walk the log from its first record: numbers without gaps, each record's keyed
        hash recomputes with the audit key, each links to the one before, the log
        reaches the head and ends on the record the head holds, unkeyed records only
        before the first keyed one, every ``expected`` record present (and, in
        DynamoDB, each item's searchable copies match its record)."""
        walk = _Walk(self.key, list(expected))
        head_location: str | None = None
        stored_head: Head | None = None
        try:
            stored_head = self._stored_head()
            head_location = self.head_store.location
        except AuditError as exc:  # said, and the records are still walked
            walk.problems.append(str(exc))
        for seq, record in self._records():
            walk.step(seq, record, stored_head)
        walk.finish(stored_head, head_location)
        index_problems = getattr(self.store, "index_problems", None)
        if index_problems is not None:
            walk.problems.extend(index_problems())
        return Verification(walk.count, walk.problems, walk.notes, head_location)


def _head_beside(store: AuditStore) -> HeadStore:
    if isinstance(store, DynamoDBAuditStore):
        return DynamoDBHead(store.table, store.client, store.location)
    if isinstance(store, LakeAuditStore):
        return head_beside(store.lake)
    raise HeadError(f"no default audit head for {store.location}: set {HEAD_ENV}")


class _Walk:
    """One pass of :meth:`AuditLog.verify` over the records, in order."""

    def __init__(self, key: str, expected: list[Expected]):
        self.key = key
        self.key_id = key_id(key)
        self.expected = expected
        self.wanted = {item.event for item in expected}
        self.seen: list[AuditRecord] = []  # records of the events ``expected`` asks for
        self.problems: list[str] = []
        self.notes: list[str] = []
        self.count = 0
        self.next_seq, self.prev_hash = 1, GENESIS_HASH
        self.last_seq = 0
        self.unkeyed_until = 0
        self.first_keyed: AuditRecord | None = None
        self.head_record_hash: str | None = None

    def step(self, seq: int, record: AuditRecord | AuditError, head: Head | None) -> None:
        self.count += 1
        if seq > self.next_seq:
            self.problems.append(_missing(self.next_seq, seq - 1, f"next found: {seq}"))
            self.prev_hash = ""  # what it should link to is gone with the gap
        self.last_seq = seq
        if isinstance(record, AuditError):
            self.problems.append(str(record))
            self.next_seq, self.prev_hash = seq + 1, ""
            return
        if record.seq != seq:
            self.problems.append(f"record {seq} says it is number {record.seq}")
        self._check_hash(seq, record)
        if self.prev_hash and record.prev_hash != self.prev_hash:
            self.problems.append(f"record {seq} does not link to record {seq - 1}")
        if head is not None and seq == head.seq:
            self.head_record_hash = record.hash
        if record.event in self.wanted:
            self.seen.append(record)
        self.next_seq, self.prev_hash = seq + 1, record.hash

    def _check_hash(self, seq: int, record: AuditRecord) -> None:
        if record.key_id is None:
            if self.first_keyed is not None:
                self.problems.append(
                    f"record {seq} ({record.event}) is unkeyed, after keyed records: anyone "
                    "who can write the log could have written it"
                )
            else:
                self.unkeyed_until = seq
            fields = (record.seq, record.at, record.event, record.details, record.prev_hash)
            if legacy_record_hash(*fields) != record.hash:
                self.problems.append(
                    f"record {seq} ({record.event}) was changed: its hash does not match"
                )
            return
        if self.first_keyed is None:
            self.first_keyed = record
        if record.key_id != self.key_id:
            self.problems.append(
                f"record {seq} ({record.event}) was keyed with key {record.key_id}, not with "
                f"the configured key {self.key_id}: forged, or {AUDIT_KEY_ENV} is not the key "
                "that wrote the log"
            )
            return
        fields = (record.seq, record.at, record.event, record.details, record.prev_hash)
        if record_mac(self.key, *fields, record.key_id) != record.hash:
            self.problems.append(
                f"record {seq} ({record.event}) was changed or forged: its keyed hash does not "
                "match"
            )

    def finish(self, head: Head | None, head_location: str | None) -> None:
        """``head_location`` None: the head could not be read (already a problem)."""
        if head is None:
            if self.first_keyed is not None and head_location is not None:
                self.problems.append(
                    f"the log has keyed records but no head at {head_location}: the head was "
                    f"removed, or {HEAD_ENV} does not point at it"
                )
        elif head.seq > self.last_seq:
            if self.last_seq == 0:
                self.problems.append(
                    f"the log is empty, but its head at {head_location} says it reached "
                    f"record {head.seq}: records were removed"
                )
            else:
                self.problems.append(
                    _missing(
                        self.last_seq + 1,
                        head.seq,
                        f"the head at {head_location} says the log reaches record {head.seq}",
                    )
                )
        elif self.head_record_hash is not None and self.head_record_hash != head.hash:
            self.problems.append(
                f"record {head.seq} is not the record the head at {head_location} holds: "
                "it was replaced"
            )
        elif head.seq < self.last_seq:
            self.notes.append(
                f"records {head.seq + 1} to {self.last_seq} came after the head at "
                f"{head_location} (record {head.seq}): a writer stopped between writing its "
                "record and moving the head; the next record moves it"
            )
        if self.unkeyed_until:
            if self.first_keyed is not None:
                self.notes.append(
                    f"records 1 to {self.unkeyed_until} were written before the log was "
                    f"keyed (plain SHA-256); record {self.first_keyed.seq} "
                    f"({self.first_keyed.at}) fixed them as they stood then: a change made "
                    "to them before that cannot be detected"
                )
            else:
                self.problems.append(
                    f"records 1 to {self.unkeyed_until} are unkeyed (written before "
                    f"{AUDIT_KEY_ENV}): anyone who can write the log could have rewritten "
                    "them. Run `sage audit --seal` to key the log from here on"
                )
        absent = [
            item
            for item in self.expected
            if not any(
                record.event == item.event
                and all(record.details.get(name) == value for name, value in item.details.items())
                for record in self.seen
            )
        ]
        for item in absent[:NAMED_PROBLEMS]:
            self.problems.append(f"{item.because}, but the log has no {item.event} record of it")
        if len(absent) > NAMED_PROBLEMS:
            self.problems.append(
                f"... and {len(absent) - NAMED_PROBLEMS:,} more records the erasure ledger and "
                "receipts call for are not in the log"
            )


def _missing(first: int, last: int, why: str) -> str:
    if first == last:
        return f"record {first} is missing ({why})"
    return f"records {first} to {last} are missing ({why})"
