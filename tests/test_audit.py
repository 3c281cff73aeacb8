"""The audit log: append-only, hash-chained, safe with concurrent writers, on disk and S3."""

from __future__ import annotations

import json
import threading

import pytest

from ingest.lake import LocalLake, S3Lake
from privacy.audit import GENESIS_HASH, AlreadyExists, AuditError, AuditLog, record_hash
from sage.cli import main


def test_records_chain_and_verify(tmp_path):
    log = AuditLog.in_lake(LocalLake(tmp_path))
    first = log.append("RETENTION_APPLIED", {"objects": 3})
    second = log.append("ERASURE_REQUESTED", {"request_id": "r1"})
    assert (first.seq, second.seq) == (1, 2)
    assert first.prev_hash == GENESIS_HASH and second.prev_hash == first.hash
    assert second.hash == record_hash(2, second.at, second.event, second.details, first.hash)
    assert [r.event for r in log.records()] == ["RETENTION_APPLIED", "ERASURE_REQUESTED"]
    assert [r.seq for r in log.records("ERASURE_REQUESTED")] == [2]
    assert log.verify().ok and log.verify().records == 2
    stored = json.loads((tmp_path / "audit" / "log" / "000000000002.json").read_text())
    assert stored["prev_hash"] == first.hash


def test_a_changed_or_missing_record_breaks_the_chain(tmp_path):
    log = AuditLog.in_lake(LocalLake(tmp_path))
    for number in range(4):
        log.append("RETENTION_APPLIED", {"objects": number})
    path = tmp_path / "audit" / "log" / "000000000002.json"
    record = json.loads(path.read_text())
    record["details"]["objects"] = 999
    path.write_text(json.dumps(record))
    problems = log.verify().problems
    assert problems == ["record 2 (RETENTION_APPLIED) was changed: its hash does not match"]

    # recomputing its hash does not help: the next record still points at the old one
    record["hash"] = record_hash(
        2, record["at"], record["event"], record["details"], record["prev_hash"]
    )
    path.write_text(json.dumps(record))
    assert log.verify().problems == ["record 3 does not link to record 2"]

    (tmp_path / "audit" / "log" / "000000000003.json").unlink()
    assert "record 3 is missing (next found: 4)" in log.verify().problems


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
    assert "2 records, chain intact" in capsys.readouterr().out

    (tmp_path / "audit" / "log" / "000000000001.json").unlink()
    assert main(["audit", "--lake", str(tmp_path), "--verify"]) == 1
    captured = capsys.readouterr()
    assert "broken: record 1 is missing (next found: 2)" in captured.out
    assert "has been tampered with or damaged" in captured.err
