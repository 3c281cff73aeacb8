"""The audit log: append-only, keyed and chained, its head beside the lake, safe with
concurrent writers, on disk and S3. Tampering: tests/test_audit_tampering.py."""

from __future__ import annotations

import json
import threading

import pytest

from lakehouse.audit.head import Head, default_head_path
from lakehouse.audit.key import DEMO_AUDIT_KEY, key_id
from lakehouse.audit.log import AuditLog
from lakehouse.audit.records import GENESIS_HASH, AlreadyExists, AuditError, record_mac
from lakehouse.lake import LocalLake, S3Lake
from sage.cli import main


def test_records_chain_and_verify(tmp_path):
    log = AuditLog.in_lake(LocalLake(tmp_path))
    first = log.append("RETENTION_APPLIED", {"objects": 3})
    second = log.append("ERASURE_REQUESTED", {"request_id": "r1"})
    assert (first.seq, second.seq) == (1, 2)
    assert first.prev_hash == GENESIS_HASH and second.prev_hash == first.hash
    # keyed: SAGE_DEMO is set in the tests and no SAGE_AUDIT_KEY, so the demo key
    assert second.key_id == key_id(DEMO_AUDIT_KEY)
    assert second.hash == record_mac(
        DEMO_AUDIT_KEY, 2, second.at, second.event, second.details, first.hash, second.key_id
    )
    assert [r.event for r in log.records()] == ["RETENTION_APPLIED", "ERASURE_REQUESTED"]
    assert [r.seq for r in log.records("ERASURE_REQUESTED")] == [2]
    assert log.verify().ok and log.verify().records == 2
    stored = json.loads((tmp_path / "audit" / "log" / "000000000002.json").read_text())
    assert stored["prev_hash"] == first.hash
    # the head is beside the lake, not in it
    head = json.loads(default_head_path(tmp_path).read_text())
    assert default_head_path(tmp_path).parent == tmp_path.parent
    assert (head["seq"], head["hash"]) == (2, second.hash)
    assert log.head_store.read() == Head(2, second.hash)


def test_concurrent_writers_never_share_a_number(tmp_path):
    def write(name: str) -> None:
        log = AuditLog.in_lake(LocalLake(tmp_path))
        for number in range(15):
            log.append("ERROR", {"writer": name, "n": number})

    threads = [threading.Thread(target=write, args=(f"w{i}",)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    log = AuditLog.in_lake(LocalLake(tmp_path))
    assert [record.seq for record in log.records()] == list(range(1, 46))
    assert log.verify().ok
    assert log.head_store.read().seq == 45  # the head only ever moved forward


def test_unknown_events_are_refused(tmp_path):
    with pytest.raises(AuditError, match="unknown audit event 'DELETED_STUFF'"):
        AuditLog.in_lake(LocalLake(tmp_path)).append("DELETED_STUFF", {})


def test_on_s3_a_record_number_is_written_once(s3):
    client, bucket = s3
    log = AuditLog.in_lake(S3Lake(f"s3://{bucket}/lake", client=client))
    log.append("BUNDLE_CREATED", {"partner": "anthropic", "month": "2026-10"})
    log.append("BUNDLE_DELIVERED", {"partner": "anthropic", "month": "2026-10"})
    with pytest.raises(AlreadyExists):
        log.store.create(2, b"{}")  # a conditional PUT: the record stays as it was
    assert log.verify().ok
    assert [r.event for r in log.records()] == ["BUNDLE_CREATED", "BUNDLE_DELIVERED"]
    # the head beside the lake's prefix, moved by PUTs conditional on its ETag
    assert log.head_store.location == f"s3://{bucket}/lake.audit-head.json"
    head = json.loads(client.get_object(Bucket=bucket, Key="lake.audit-head.json")["Body"].read())
    assert head["seq"] == 2
    client.delete_object(Bucket=bucket, Key="lake/audit/log/000000000002.json")
    assert log.verify().problems[0].startswith("record 2 is missing (the head at s3://")


def test_a_whole_bucket_lake_needs_a_head_elsewhere(s3, tmp_path, monkeypatch):
    client, bucket = s3
    log = AuditLog.in_lake(S3Lake(f"s3://{bucket}", client=client))
    with pytest.raises(AuditError, match="set SAGE_AUDIT_HEAD"):
        log.append("ERROR", {})
    monkeypatch.setenv("SAGE_AUDIT_HEAD", str(tmp_path / "elsewhere" / "head.json"))
    log = AuditLog.from_env(S3Lake(f"s3://{bucket}", client=client))
    log.append("ERROR", {})
    assert json.loads((tmp_path / "elsewhere" / "head.json").read_text())["seq"] == 1
    assert log.verify().ok


def test_sage_audit_lists_and_verifies(tmp_path, capsys):
    log = AuditLog.in_lake(LocalLake(tmp_path))
    log.append("RETENTION_APPLIED", {"objects_deleted": 12})
    log.append("ERASURE_REQUESTED", {"request_id": "20261122T120000Z-abcd1234"})
    assert main(["audit", "--lake", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "RETENTION_APPLIED" in out and "20261122T120000Z-abcd1234" in out
    assert main(["audit", "--lake", str(tmp_path), "--event", "ERASURE_REQUESTED", "--json"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert json.loads(line)["seq"] == 2
    assert main(["audit", "--lake", str(tmp_path), "--verify"]) == 0
    out = capsys.readouterr().out
    assert "2 records, chain intact, keyed, and reaching its head" in out
    assert str(default_head_path(tmp_path)) in out

    (tmp_path / "audit" / "log" / "000000000001.json").unlink()
    assert main(["audit", "--lake", str(tmp_path), "--verify"]) == 1
    captured = capsys.readouterr()
    assert "broken: record 1 is missing (next found: 2)" in captured.out
    assert "has been tampered with or damaged" in captured.err


def test_verify_names_an_erasure_receipt_it_cannot_read(tmp_path, capsys):
    AuditLog.in_lake(LocalLake(tmp_path)).append("ERROR", {"operation": "test"})
    receipt = tmp_path / "erasure" / "receipts" / "20261102T090000Z-0badc0de.json"
    receipt.parent.mkdir(parents=True)
    receipt.write_text('{"receipt": "erasure", "request_id": ')
    assert main(["audit", "--lake", str(tmp_path), "--verify"]) == 1
    out = capsys.readouterr().out
    assert f"broken: the erasure receipt {receipt} cannot be read" in out
