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
S3, where the create is a conditional PUT). :class:`DynamoDBAuditStore` keeps
one item per record in a DynamoDB table (production: ``SAGE_AUDIT_TABLE``), where
the create is a ``PutItem`` conditional on ``seq`` being new;
:meth:`AuditLog.from_env` picks the store.

Details name what happened (counts, dates, request ids), never a person:
erasure records carry the request id; the pseudonymous id stays in the ledger.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from ingest.lake import Lake, LakeError, LocalLake, S3Lake

GENESIS_HASH = "0" * 64
PREFIX = "audit/log/"
TABLE_ENV = "SAGE_AUDIT_TABLE"  # set: the audit log is this DynamoDB table

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

    # A store may also offer ``entries()``, every ``(seq, data)`` in order in one pass,
    # and ``last_seq()``, the highest number or None; AuditLog uses them when present.


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


# DynamoDB: the whole chain is one partition (``log`` = "audit") ordered by the
# numeric sort key ``seq``, so reading it in order is one paginated Query and the
# head is a Query of one item, newest first. One partition takes about 1,000
# writes a second, far above what privacy operations append.
PARTITION_KEY, SORT_KEY, PARTITION = "log", "seq", "audit"
# Copied from each record to top-level attributes, for queries in the console.
# They are not hashed: `sage audit` filters on the record itself, and --verify
# reports an item whose copies disagree with its record.
SEARCHABLE = ("event", "at", "partner", "month")
_TABLE_NAME = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")


def searchable_attributes(data: bytes) -> dict[str, str]:
    """``event`` and ``at`` of a record, and ``partner`` and ``month`` if its details
    carry them, as strings."""
    record = json.loads(data)
    details = record.get("details") if isinstance(record.get("details"), dict) else {}
    found = {name: record.get(name) for name in ("event", "at")}
    found.update({name: details.get(name) for name in ("partner", "month")})
    return {name: str(value) for name, value in found.items() if value is not None}


class DynamoDBAuditStore:
    """One item per record in a DynamoDB table: key ``log`` (string, always "audit")
    and ``seq`` (number); the record's JSON as written in ``record``; and
    :data:`SEARCHABLE` copied out of it.

    Credentials, region and endpoint come from the standard AWS environment
    (``AWS_REGION`` or ``AWS_DEFAULT_REGION``; ``AWS_ENDPOINT_URL_DYNAMODB`` or
    ``AWS_ENDPOINT_URL`` for a local server such as moto's).
    """

    def __init__(self, table: str, client=None, *, page_size: int | None = None):
        if not _TABLE_NAME.match(table):
            raise AuditError(
                f"{table!r} is not a DynamoDB table name (3 to 255 letters, digits, '_', '-' "
                f"or '.'): check {TABLE_ENV}"
            )
        self.table = table
        self.page_size = page_size  # items per Query page; None: DynamoDB's 1 MB pages
        if client is None:
            import boto3

            region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
            endpoint = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB") or os.environ.get(
                "AWS_ENDPOINT_URL"
            )
            client = boto3.client(
                "dynamodb", region_name=region or None, endpoint_url=endpoint or None
            )
        self.client = client
        region = getattr(getattr(client, "meta", None), "region_name", None)
        self.location = f"dynamodb://{table}" + (f" ({region})" if region else "")

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        failed = f"the audit table {self.location}: {operation} failed"
        try:
            return getattr(self.client, operation)(**params)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code == "ConditionalCheckFailedException":
                raise AlreadyExists(f"{self.location}: seq {params['Item']['seq']['N']}") from None
            if code == "ResourceNotFoundException":
                raise AuditError(
                    f"the audit table {self.location} does not exist: check {TABLE_ENV} and "
                    "the AWS region"
                ) from None
            raise AuditError(f"{failed}: {exc}") from None
        except BotoCoreError as exc:  # no credentials, no region, endpoint unreachable...
            raise AuditError(f"{failed}: {exc}") from None

    def _key(self, seq: int) -> dict[str, Any]:
        return {PARTITION_KEY: {"S": PARTITION}, SORT_KEY: {"N": str(seq)}}

    def create(self, seq: int, data: bytes) -> None:
        item = {
            **self._key(seq),
            "record": {"S": data.decode("utf-8")},
            **{name: {"S": value} for name, value in searchable_attributes(data).items()},
        }
        self._call(
            "put_item",
            TableName=self.table,
            Item=item,
            ConditionExpression="attribute_not_exists(#seq)",
            ExpressionAttributeNames={"#seq": SORT_KEY},
        )

    def _query(
        self, *, projection: str | None = None, newest_only: bool = False
    ) -> Iterator[dict[str, Any]]:
        """The chain's items, oldest first, page after page (or only the newest).
        Strongly consistent, so a writer that lost a race sees the record that won."""
        names = {"#log": PARTITION_KEY}
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "#log = :log",
            "ExpressionAttributeValues": {":log": {"S": PARTITION}},
            "ConsistentRead": True,
        }
        if projection:
            request["ProjectionExpression"] = projection
            names.update({f"#{name}": name for name in projection.replace("#", "").split(", ")})
        request["ExpressionAttributeNames"] = names
        if newest_only:
            request.update(ScanIndexForward=False, Limit=1)
        elif self.page_size:
            request["Limit"] = self.page_size
        while True:
            page = self._call("query", **request)
            yield from page.get("Items", [])
            if newest_only or "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def sequence_numbers(self) -> list[int]:
        return [int(item[SORT_KEY]["N"]) for item in self._query(projection="#seq")]

    def last_seq(self) -> int | None:
        items = list(self._query(projection="#seq", newest_only=True))
        return int(items[0][SORT_KEY]["N"]) if items else None

    @staticmethod
    def _data(item: dict[str, Any]) -> bytes:
        if "S" not in item.get("record", {}):
            raise AuditError(f"item seq {item[SORT_KEY]['N']} has no record attribute")
        return item["record"]["S"].encode("utf-8")

    def read(self, seq: int) -> bytes:
        item = self._call(
            "get_item", TableName=self.table, Key=self._key(seq), ConsistentRead=True
        ).get("Item")
        if item is None:
            raise AuditError(f"no item with seq {seq} in {self.location}")
        return self._data(item)

    def entries(self) -> Iterator[tuple[int, bytes | AuditError]]:
        for item in self._query():
            seq = int(item[SORT_KEY]["N"])
            try:
                yield seq, self._data(item)
            except AuditError as exc:  # reported, like an unreadable file in the lake
                yield seq, AuditError(f"audit record {seq} cannot be read: {exc}")

    def index_problems(self) -> list[str]:
        """Items whose searchable copies disagree with their record."""
        problems = []
        for item in self._query():
            seq = int(item[SORT_KEY]["N"])
            try:
                expected = searchable_attributes(self._data(item))
            except (AuditError, ValueError, AttributeError):
                continue  # an unreadable record is reported by the chain walk
            stored = {name: item[name].get("S") for name in SEARCHABLE if name in item}
            wrong = sorted(name for name in SEARCHABLE if stored.get(name) != expected.get(name))
            if wrong:
                problems.append(
                    f"record {seq}: its searchable attribute(s) {', '.join(wrong)} disagree "
                    "with the record"
                )
        return problems


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

    @classmethod
    def from_env(cls, lake: Lake) -> AuditLog:
        """The DynamoDB table named by ``SAGE_AUDIT_TABLE`` if it is set (production),
        otherwise the log in ``lake``."""
        table = os.environ.get(TABLE_ENV, "").strip()
        return cls(DynamoDBAuditStore(table)) if table else cls.in_lake(lake)

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
        last_seq = getattr(self.store, "last_seq", None)
        if last_seq is not None:
            seq = last_seq()
        else:
            numbers = self.store.sequence_numbers()
            seq = numbers[-1] if numbers else None
        return None if seq is None else self._load(seq)

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
        for _seq, record in self._records():
            if isinstance(record, AuditError):
                raise record
            if event is None or record.event == event:
                yield record

    def verify(self) -> Verification:
        """Walk the chain from the first record: numbers without gaps, each record's
        hash recomputes, each links to the one before (and, in DynamoDB, each item's
        searchable copies match its record)."""
        problems: list[str] = []
        expected_seq, prev_hash = 1, GENESIS_HASH
        count = 0
        for seq, record in self._records():
            count += 1
            if seq != expected_seq:
                problems.append(f"record {expected_seq} is missing (next found: {seq})")
            if isinstance(record, AuditError):
                problems.append(str(record))
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
        index_problems = getattr(self.store, "index_problems", None)
        if index_problems is not None:
            problems.extend(index_problems())
        return Verification(count, problems)
