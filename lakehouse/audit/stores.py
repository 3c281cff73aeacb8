"""Where audit records are kept: one object per record in the lake, or one item per
record in a DynamoDB table. Each store's one write is *create if absent*.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from typing import Any, Protocol

from lakehouse.audit.records import (
    PREFIX,
    TABLE_ENV,
    AlreadyExists,
    AuditError,
)
from lakehouse.lake import Lake, LakeError, ObjectExists


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
        try:
            self.lake.create_bytes(key, data)
        except ObjectExists:
            raise AlreadyExists(key) from None
        except LakeError as exc:
            raise AuditError(str(exc)) from exc

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

    def __init__(self, table: str, client: Any = None, *, page_size: int | None = None):
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
            response: dict[str, Any] = getattr(self.client, operation)(**params)
            return response
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
        record: str = item["record"]["S"]
        return record.encode("utf-8")

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
