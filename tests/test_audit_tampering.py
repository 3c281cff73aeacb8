"""The audit log against someone who can write where it is kept (the lake's
audit/log/, or the DynamoDB table on moto's server) but does not hold the audit
key nor the head: every way of changing the record of what happened is found by
--verify, on both stores. The forger knows the code and the public demo key."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lakehouse.audit.head import HEAD_ENV, HEAD_PARTITION, default_head_path
from lakehouse.audit.key import AUDIT_KEY_ENV, DEMO_AUDIT_KEY, key_id
from lakehouse.audit.log import AuditLog
from lakehouse.audit.records import TABLE_ENV, legacy_record_hash, record_mac
from lakehouse.audit.stores import DynamoDBAuditStore, LakeAuditStore, searchable_attributes
from lakehouse.lake import LocalLake
from privacy.erasure.ledger import Receipt, record_request
from sage.cli import main
from tests.test_audit_dynamodb import declared_table

KEY = "audit-key-of-the-tests-0123456789abcdef"
RECORDS = 5


class LakeLog:
    """The log in a local lake; the head beside it."""

    name = "lake"

    def __init__(self, root: Path):
        self.lake = LocalLake(root / "lake")

    def log(self) -> AuditLog:
        return AuditLog.in_lake(self.lake)

    def _path(self, seq: int) -> Path:
        return self.lake.root / LakeAuditStore.key(seq)

    def read(self, seq: int) -> dict:
        return json.loads(self._path(seq).read_text())

    def write(self, seq: int, record: dict) -> None:
        self._path(seq).write_text(json.dumps(record, sort_keys=True, indent=2) + "\n")

    def delete(self, seq: int) -> None:
        self._path(seq).unlink()

    def remove_head(self) -> None:
        default_head_path(self.lake.root).unlink()


class TableLog:
    """The log in a DynamoDB table on moto's server; the head an item of the table."""

    name = "dynamodb"

    def __init__(self, client, table: str, root: Path):
        self.client, self.table = client, table
        self.lake = LocalLake(root / "lake")  # where the erasure ledger and receipts are

    def log(self) -> AuditLog:
        return AuditLog(DynamoDBAuditStore(self.table, self.client))

    def _key(self, seq: int) -> dict:
        return {"log": {"S": "audit"}, "seq": {"N": str(seq)}}

    def read(self, seq: int) -> dict:
        item = self.client.get_item(TableName=self.table, Key=self._key(seq), ConsistentRead=True)
        return json.loads(item["Item"]["record"]["S"])

    def write(self, seq: int, record: dict) -> None:
        data = json.dumps(record, sort_keys=True, indent=2) + "\n"
        searchable = {name: {"S": value} for name, value in searchable_attributes(data).items()}
        self.client.put_item(
            TableName=self.table, Item={**self._key(seq), "record": {"S": data}, **searchable}
        )

    def delete(self, seq: int) -> None:
        self.client.delete_item(TableName=self.table, Key=self._key(seq))

    def remove_head(self) -> None:
        key = {"log": {"S": HEAD_PARTITION}, "seq": {"N": "0"}}
        self.client.delete_item(TableName=self.table, Key=key)


@pytest.fixture(autouse=True)
def audit_key(monkeypatch):
    monkeypatch.setenv(AUDIT_KEY_ENV, KEY)
    monkeypatch.delenv(HEAD_ENV, raising=False)
    monkeypatch.delenv(TABLE_ENV, raising=False)


@pytest.fixture(params=["lake", "dynamodb"])
def store(request, tmp_path, monkeypatch):
    if request.param == "lake":
        return LakeLog(tmp_path)
    import boto3

    endpoint = request.getfixturevalue("s3_server")
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    client = boto3.client("dynamodb", region_name="eu-west-1")
    table = f"sage-audit-{uuid.uuid4().hex[:10]}"
    client.create_table(TableName=table, **declared_table())
    monkeypatch.setenv(TABLE_ENV, table)  # for `sage audit`
    return TableLog(client, table, tmp_path)


@pytest.fixture
def written(store):
    """Five genuine records, the head on the fifth."""
    log = store.log()
    for number in range(RECORDS):
        log.append("BUNDLE_CREATED", {"partner": "anthropic", "month": "2026-10", "n": number})
    assert log.verify().ok
    return store


# --- what a forger without the key can do to a record -------------------------------


def forged(record: dict, how: str) -> dict:
    """``record`` with its hash recomputed by someone without the audit key: with a
    key they made up, with the public demo key, or as an unkeyed record."""
    record = dict(record)
    fields = (record["seq"], record["at"], record["event"], record["details"], record["prev_hash"])
    if how == "unkeyed":
        record.pop("key_id", None)
        record["hash"] = legacy_record_hash(*fields)
    else:
        key = DEMO_AUDIT_KEY if how == "demo-key" else "a-key-the-forger-made-up-0123456789"
        record["key_id"] = key_id(key) if how == "demo-key" else record["key_id"]
        record["hash"] = record_mac(key, *fields, record["key_id"])
    return record


def rechain(store, first: int, last: int, how: str, prev_hash: str) -> None:
    """Rewrite records first..last so that each links to the one before."""
    for seq in range(first, last + 1):
        record = store.read(seq)
        record["seq"], record["prev_hash"] = seq, prev_hash
        record = forged(record, how)
        store.write(seq, record)
        prev_hash = record["hash"]


FORGERIES = ["made-up-key", "demo-key", "unkeyed"]


def problems(store) -> list[str]:
    result = store.log().verify()
    assert not result.ok
    return result.problems


def test_an_edited_record_is_found(written):
    record = written.read(2)
    record["details"]["n"] = 999
    written.write(2, record)
    assert problems(written) == [
        "record 2 (BUNDLE_CREATED) was changed or forged: its keyed hash does not match"
    ]


@pytest.mark.parametrize("how", FORGERIES)
def test_an_edited_and_rechained_log_is_found(written, how):
    record = written.read(2)
    record["details"]["n"] = 999
    written.write(2, record)
    rechain(written, 2, RECORDS, how, written.read(1)["hash"])
    found = problems(written)
    if how == "made-up-key":
        assert "record 2 (BUNDLE_CREATED) was changed or forged: its keyed hash does not match" in (
            found
        )
    elif how == "demo-key":
        assert any(p.startswith("record 2 (BUNDLE_CREATED) was keyed with key ") for p in found)
    else:
        assert "record 2 (BUNDLE_CREATED) is unkeyed, after keyed records: anyone who can " in (
            " ".join(found)
        )
    assert any(p.startswith(f"record {RECORDS} is not the record the head at ") for p in found)


def test_the_whole_log_rewritten_unkeyed_is_found(written):
    rechain(written, 1, RECORDS, "unkeyed", "0" * 64)
    found = problems(written)
    assert any(p.startswith(f"records 1 to {RECORDS} are unkeyed") for p in found)
    assert any(p.startswith(f"record {RECORDS} is not the record the head at ") for p in found)


def test_a_deleted_record_is_found(written):
    written.delete(3)
    assert problems(written) == ["record 3 is missing (next found: 4)"]


@pytest.mark.parametrize("how", FORGERIES)
def test_a_deletion_closed_up_and_rechained_is_found(written, how):
    written.delete(3)
    for seq in range(4, RECORDS + 1):
        written.write(seq - 1, written.read(seq))
    written.delete(RECORDS)
    rechain(written, 3, RECORDS - 1, how, written.read(2)["hash"])
    found = problems(written)
    assert any(p.startswith("record 3 (BUNDLE_CREATED)") for p in found)
    assert any(
        p.startswith(f"record {RECORDS} is missing (the head at ")
        and p.endswith(f"says the log reaches record {RECORDS})")
        for p in found
    )


def test_reordered_records_are_found(written):
    second, third = written.read(2), written.read(3)
    written.write(2, third)
    written.write(3, second)
    found = problems(written)
    assert "record 2 says it is number 3" in found
    assert "record 3 says it is number 2" in found
    assert "record 2 does not link to record 1" in found


@pytest.mark.parametrize("how", FORGERIES)
def test_reordered_and_rechained_records_are_found(written, how):
    second, third = written.read(2), written.read(3)
    written.write(2, third)
    written.write(3, second)
    rechain(written, 2, RECORDS, how, written.read(1)["hash"])
    found = problems(written)
    assert any(p.startswith("record 2 (BUNDLE_CREATED)") for p in found)
    assert any(p.startswith(f"record {RECORDS} is not the record the head at ") for p in found)


@pytest.mark.parametrize("how", [*FORGERIES, "replayed"])
def test_a_forged_append_is_found(written, how):
    newest = written.read(RECORDS)
    if how == "replayed":  # a genuine record again, under the next number
        record = written.read(2)
    else:
        record = forged(
            {
                "seq": RECORDS + 1,
                "at": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "event": "TELEMETRY_DELETED",
                "details": {"partner": "anthropic", "month": "2026-10"},
                "prev_hash": newest["hash"],
                "key_id": newest["key_id"],
                "hash": "",
            },
            how,
        )
    written.write(RECORDS + 1, record)
    found = problems(written)
    expected = {
        "made-up-key": f"record {RECORDS + 1} (TELEMETRY_DELETED) was changed or forged",
        "demo-key": f"record {RECORDS + 1} (TELEMETRY_DELETED) was keyed with key",
        "unkeyed": f"record {RECORDS + 1} (TELEMETRY_DELETED) is unkeyed, after keyed records",
        "replayed": f"record {RECORDS + 1} says it is number 2",
    }[how]
    assert any(p.startswith(expected) for p in found), found


@pytest.mark.parametrize("removed", [1, 2])
def test_the_newest_records_removed_are_found(written, removed):
    for seq in range(RECORDS - removed + 1, RECORDS + 1):
        written.delete(seq)
    (found,) = problems(written)
    first = RECORDS - removed + 1
    what = f"record {first} is missing" if removed == 1 else f"records {first} to {RECORDS} are"
    assert found.startswith(what)
    assert found.endswith(f"says the log reaches record {RECORDS})")


def test_an_emptied_log_is_found(written):
    for seq in range(1, RECORDS + 1):
        written.delete(seq)
    (found,) = problems(written)
    assert found.startswith("the log is empty, but its head at ")
    assert found.endswith(f"says it reached record {RECORDS}: records were removed")


def test_a_removed_head_is_found(written):
    written.remove_head()
    (found,) = problems(written)
    assert found.startswith("the log has keyed records but no head at ")


def test_the_log_goes_on_after_records_were_removed(written):
    """A writer chains onto the head, not onto what is left: the gap stays visible."""
    written.delete(RECORDS)
    record = written.log().append("ERROR", {"operation": "test"})
    assert record.seq == RECORDS + 1
    assert problems(written) == [f"record {RECORDS} is missing (next found: {RECORDS + 1})"]


def test_an_emptied_log_without_its_head_fails_where_erasures_show(store, capsys):
    lake_flag = ["--lake", str(store.lake.root)]
    store.lake.root.mkdir(parents=True, exist_ok=True)
    assert main(["audit", "--verify", *lake_flag]) == 0  # empty, and nothing says otherwise
    assert "empty, and nothing says it should not be" in capsys.readouterr().out

    entry = record_request(store.lake, "ab" * 32, datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    receipt = Receipt(entry.request_id, entry.user_key, "raw", entry.requested_at)
    receipt.completed_at = "2026-11-02T09:05:00.000Z"
    receipt.save(store.lake)
    log = store.log()
    log.append("ERASURE_REQUESTED", {"request_id": entry.request_id})
    log.append("ERASURE_COMPLETED", {"request_id": entry.request_id})
    assert main(["audit", "--verify", *lake_flag]) == 0
    capsys.readouterr()

    for seq in (1, 2):
        store.delete(seq)
    store.remove_head()
    assert main(["audit", "--verify", *lake_flag]) == 1
    out = capsys.readouterr().out
    assert (
        f"broken: erasure request {entry.request_id} is in the ledger, but the log has no "
        "ERASURE_REQUESTED record of it"
    ) in out
    assert (
        f"broken: the receipt of erasure request {entry.request_id} says it completed, but the "
        "log has no ERASURE_COMPLETED record of it"
    ) in out


def test_a_head_left_behind_by_a_stopped_writer_is_a_note(written):
    """Records after the head are keyed correctly: a writer stopped between its two
    writes. Said, not failed; the next append moves the head."""
    log = written.log()
    head = log.head_store.read()
    written.remove_head()
    log.head_store.advance(type(head)(RECORDS - 1, written.read(RECORDS - 1)["hash"]))
    result = log.verify()
    assert result.ok
    assert result.notes[0].startswith(f"records {RECORDS} to {RECORDS} came after the head")
    log.append("ERROR", {"operation": "test"})
    assert log.head_store.read().seq == RECORDS + 1 and log.verify().notes == []


# --- a log written before the key ---------------------------------------------------


def write_unkeyed(store, count: int) -> None:
    """Records as the log wrote them before it was keyed: plain SHA-256, no key_id."""
    prev_hash = "0" * 64
    log = store.log()
    for seq in range(1, count + 1):
        at = f"2026-10-0{seq}T10:00:00.000Z"
        details = {"objects_deleted": seq}
        digest = legacy_record_hash(seq, at, "RETENTION_APPLIED", details, prev_hash)
        record = {
            "seq": seq,
            "at": at,
            "event": "RETENTION_APPLIED",
            "details": details,
            "prev_hash": prev_hash,
            "hash": digest,
        }
        log.store.create(seq, (json.dumps(record, sort_keys=True, indent=2) + "\n").encode())
        prev_hash = digest


def test_an_unkeyed_log_fails_until_sealed_then_says_what_it_holds(store, capsys):
    write_unkeyed(store, 3)
    store.lake.root.mkdir(parents=True, exist_ok=True)
    lake_flag = ["--lake", str(store.lake.root)]
    assert main(["audit", "--verify", *lake_flag]) == 1
    out = capsys.readouterr().out
    assert "broken: records 1 to 3 are unkeyed (written before SAGE_AUDIT_KEY)" in out
    assert "Run `sage audit --seal`" in out

    assert main(["audit", "--seal", *lake_flag]) == 0
    assert "record 4 (LOG_KEYED) keys the log" in capsys.readouterr().out
    assert main(["audit", "--seal", *lake_flag]) == 0
    assert "no unkeyed records to seal" in capsys.readouterr().out
    assert main(["audit", "--verify", *lake_flag]) == 0
    out = capsys.readouterr().out
    assert "note: records 1 to 3 were written before the log was keyed (plain SHA-256)" in out
    assert "4 records, chain intact, keyed, and reaching its head" in out

    # the seal fixed them: rewriting an unkeyed record, re-chained, no longer links
    record = store.read(2)
    record["details"]["objects_deleted"] = 999
    store.write(2, record)
    rechain(store, 2, 3, "unkeyed", store.read(1)["hash"])
    assert "record 4 does not link to record 3" in problems(store)


def test_appending_to_an_unkeyed_log_seals_it(store):
    write_unkeyed(store, 2)
    store.log().append("ERROR", {"operation": "test"})
    result = store.log().verify()
    assert result.ok and result.notes[0].startswith("records 1 to 2 were written before")


# --- the key --------------------------------------------------------------------------


def test_the_key_comes_from_the_environment_and_must_be_the_one_that_wrote(
    written, monkeypatch, capsys
):
    monkeypatch.setenv(AUDIT_KEY_ENV, "another-key-of-the-tests-0123456789abcdef")
    found = problems(written)
    assert len(found) == RECORDS
    assert (
        f"not with the configured key {key_id('another-key-of-the-tests-0123456789abcdef')}"
        in (found[0])
    )

    monkeypatch.delenv(AUDIT_KEY_ENV)
    monkeypatch.delenv("SAGE_DEMO", raising=False)
    with pytest.raises(Exception, match="SAGE_AUDIT_KEY is not set"):
        written.log().append("ERROR", {})
    assert main(["audit", "--verify", "--lake", str(written.lake.root)]) == 1
    assert "SAGE_AUDIT_KEY is not set" in capsys.readouterr().err
    assert main(["audit", "--lake", str(written.lake.root)]) == 0  # reading needs no key

    monkeypatch.setenv("SAGE_DEMO", "1")  # the demo key, for sample data only
    record = written.log().append("ERROR", {})
    assert record.key_id == key_id(DEMO_AUDIT_KEY)
