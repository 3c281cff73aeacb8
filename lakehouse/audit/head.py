"""The audit log's head: the number and hash of its newest record, kept apart
from the records so that removing the newest ones shows.

Without it, a log cut short is a shorter log that verifies: every record left
still links to the one before. With it, ``sage audit --verify`` knows how far
the log reached. The head only moves forward (a compare-and-set on each
append), so two writers cannot move it back, and it is kept where the log's
records are not:

- ``SAGE_AUDIT_HEAD`` set: that local file, or that ``s3://bucket/key`` object;
- the log in DynamoDB (``SAGE_AUDIT_TABLE``): an item of its own in the table
  (``log`` = "audit-head"), written by a conditional PutItem;
- the log in a lake: beside the lake, never in it: ``<lake folder>.audit-head.json``
  for a local lake, ``s3://bucket/<prefix>.audit-head.json`` for an S3 one.

The head stops someone who can write the records but not the head. Whoever can
write both can cut the log and move the head back; so keep the head where the
lake's writers have no access (see the README).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from lakehouse.lake import Lake, LocalLake, S3Lake, is_s3

HEAD_ENV = "SAGE_AUDIT_HEAD"
HEAD_SUFFIX = ".audit-head.json"
HEAD_PARTITION = "audit-head"
_HASH = re.compile(r"[0-9a-f]{64}")


class HeadError(RuntimeError):
    """The head cannot be read or written; the message says where it is."""


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str

    def to_json(self) -> bytes:
        at = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return (json.dumps({"seq": self.seq, "hash": self.hash, "updated_at": at}) + "\n").encode()

    @classmethod
    def parse(cls, data: bytes | str, location: str) -> Head:
        try:
            raw = json.loads(data)
            seq, digest = raw["seq"], raw["hash"]
        except (ValueError, TypeError, KeyError):
            raise HeadError(f"the audit head at {location} cannot be read") from None
        return cls.checked(seq, digest, location)

    @classmethod
    def checked(cls, seq: Any, digest: Any, location: str) -> Head:
        if (
            type(seq) is not int
            or seq < 1
            or not isinstance(digest, str)
            or not _HASH.fullmatch(digest)
        ):
            raise HeadError(f"the audit head at {location} holds no record number and hash")
        return cls(seq, digest)


class HeadStore(Protocol):
    location: str

    def read(self) -> Head | None:
        """The head, or None if none was ever written."""
        ...

    def advance(self, head: Head) -> None:
        """Store ``head`` unless the stored one is already at or past its number."""
        ...


class FileHead:
    """The head in a local file, replaced whole; a lock file beside it orders writers."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path).absolute()
        self.location = str(self.path)

    def read(self) -> Head | None:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise HeadError(f"the audit head at {self.location} cannot be read: {exc}") from None
        return Head.parse(data, self.location)

    def advance(self, head: Head) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path.with_name(self.path.name + ".lock"), "a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                current = self.read()
                if current is not None and current.seq >= head.seq:
                    return
                fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=self.path.parent)
                try:
                    with os.fdopen(fd, "wb") as handle:
                        handle.write(head.to_json())
                    os.replace(tmp, self.path)
                finally:
                    Path(tmp).unlink(missing_ok=True)
        except OSError as exc:
            raise HeadError(f"the audit head at {self.location} cannot be written: {exc}") from None


class S3Head:
    """The head in one S3 object, replaced by a PUT conditional on its ETag."""

    def __init__(self, bucket: str, key: str, client: Any):
        self.bucket, self.key, self.client = bucket, key, client
        self.location = f"s3://{bucket}/{key}"

    def _get(self) -> tuple[Head | None, str | None]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self.key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None, None
            raise HeadError(f"the audit head at {self.location} cannot be read: {exc}") from None
        except BotoCoreError as exc:
            raise HeadError(f"the audit head at {self.location} cannot be read: {exc}") from None
        return Head.parse(response["Body"].read(), self.location), response["ETag"]

    def read(self) -> Head | None:
        return self._get()[0]

    def advance(self, head: Head) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        for _attempt in range(20):
            current, etag = self._get()
            if current is not None and current.seq >= head.seq:
                return
            condition = {"IfMatch": etag} if etag else {"IfNoneMatch": "*"}
            try:
                self.client.put_object(
                    Bucket=self.bucket, Key=self.key, Body=head.to_json(), **condition
                )
                return
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "")
                if code in ("PreconditionFailed", "ConditionalRequestConflict", "412"):
                    continue  # another writer moved it first: look again
                raise HeadError(
                    f"the audit head at {self.location} cannot be written: {exc}"
                ) from None
            except BotoCoreError as exc:
                raise HeadError(
                    f"the audit head at {self.location} cannot be written: {exc}"
                ) from None
        raise HeadError(f"the audit head at {self.location} cannot be written: too busy")


class DynamoDBHead:
    """The head as one item of the audit table, in a partition of its own (so the
    records' Query never sees it), moved by a PutItem conditional on its number."""

    def __init__(self, table: str, client: Any, location: str):
        self.table, self.client = table, client
        self.location = f"{location}, item log={HEAD_PARTITION}"
        self._key = {"log": {"S": HEAD_PARTITION}, "seq": {"N": "0"}}

    def _call(self, operation: str, **params: Any) -> dict[str, Any] | None:
        from botocore.exceptions import BotoCoreError, ClientError

        failed = f"the audit head at {self.location}: {operation} failed"
        try:
            response: dict[str, Any] = getattr(self.client, operation)(
                TableName=self.table, **params
            )
            return response
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code == "ConditionalCheckFailedException":
                return None
            if code == "ResourceNotFoundException":
                raise HeadError(f"{failed}: the table does not exist") from None
            raise HeadError(f"{failed}: {exc}") from None
        except BotoCoreError as exc:
            raise HeadError(f"{failed}: {exc}") from None

    def read(self) -> Head | None:
        item = (self._call("get_item", Key=self._key, ConsistentRead=True) or {}).get("Item")
        if item is None:
            return None
        try:
            seq, digest = int(item["head_seq"]["N"]), item["head_hash"]["S"]
        except (KeyError, ValueError):
            raise HeadError(f"the audit head at {self.location} cannot be read") from None
        return Head.checked(seq, digest, self.location)

    def advance(self, head: Head) -> None:
        at = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        self._call(
            "put_item",
            Item={
                **self._key,
                "head_seq": {"N": str(head.seq)},
                "head_hash": {"S": head.hash},
                "updated_at": {"S": at},
            },
            # the head moves forward only; a writer that lost the race changes nothing
            ConditionExpression="attribute_not_exists(head_seq) OR head_seq < :seq",
            ExpressionAttributeValues={":seq": {"N": str(head.seq)}},
        )


def head_at(location: str) -> HeadStore:
    """A head from ``SAGE_AUDIT_HEAD``: ``s3://bucket/key`` or a local file."""
    if is_s3(location):
        lake = S3Lake(location)
        if not lake.prefix or lake.prefix.endswith("/"):
            raise HeadError(f"{HEAD_ENV}={location} names no object (expected s3://bucket/key)")
        return S3Head(lake.bucket, lake.prefix, lake.client)
    return FileHead(location)


def head_beside(lake: Lake) -> HeadStore:
    """The default head of a log kept in ``lake``: next to the lake, not in it."""
    if isinstance(lake, LocalLake):
        return FileHead(default_head_path(lake.root))
    if isinstance(lake, S3Lake):
        if not lake.prefix:
            raise HeadError(
                f"the lake {lake.url} is a whole bucket, so there is no place beside it for "
                f"the audit head: set {HEAD_ENV} to an s3://bucket/key or a file"
            )
        return S3Head(lake.bucket, lake.prefix + HEAD_SUFFIX, lake.client)
    raise HeadError(f"no audit head for a lake of type {type(lake).__name__}: set {HEAD_ENV}")


def default_head_path(lake_root: str | os.PathLike[str]) -> Path:
    root = Path(lake_root).absolute()
    return root.with_name(root.name + HEAD_SUFFIX)
