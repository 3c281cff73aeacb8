"""The audit log in DynamoDB (production's store), over real HTTP to moto's server on
127.0.0.1, and `sage audit`'s filters on it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lakehouse.audit.log import AuditLog
from lakehouse.audit.records import TABLE_ENV, AlreadyExists, AuditError
from lakehouse.audit.stores import (
    PARTITION_KEY,
    SEARCHABLE,
    SORT_KEY,
    DynamoDBAuditStore,
    LakeAuditStore,
)
from lakehouse.lake import LocalLake
from sage.cli import main


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def declared_table() -> dict:
    """The audit table as infra/dynamodb.tf declares it, as create_table arguments."""
    from sage.checks.terraform import INFRA, parse

    def text(value):
        return value.strip('"')

    (spec,) = [
        body
        for resource in parse(INFRA / "dynamodb.tf")["resource"]
        for kind, tables in resource.items()
        if text(kind) == "aws_dynamodb_table"
        for name, body in tables.items()
        if text(name) == "telemetry_audit"
    ]

    def keys(block):
        found = [{"AttributeName": text(block["hash_key"]), "KeyType": "HASH"}]
        if "range_key" in block:
            found.append({"AttributeName": text(block["range_key"]), "KeyType": "RANGE"})
        return found

    return {
        "BillingMode": text(spec["billing_mode"]),
        "AttributeDefinitions": [
            {"AttributeName": text(a["name"]), "AttributeType": text(a["type"])}
            for a in spec["attribute"]
        ],
        "KeySchema": keys(spec),
        "GlobalSecondaryIndexes": [
            {
                "IndexName": text(index["name"]),
                "KeySchema": keys(index),
                "Projection": {"ProjectionType": text(index["projection_type"])},
            }
            for index in spec.get("global_secondary_index", [])
        ],
    }


def test_the_declared_table_has_the_stores_keys():
    declared = declared_table()
    assert declared["KeySchema"] == [
        {"AttributeName": PARTITION_KEY, "KeyType": "HASH"},
        {"AttributeName": SORT_KEY, "KeyType": "RANGE"},
    ]
    types = {a["AttributeName"]: a["AttributeType"] for a in declared["AttributeDefinitions"]}
    assert types[PARTITION_KEY] == "S" and types[SORT_KEY] == "N"
    assert declared["BillingMode"] == "PAY_PER_REQUEST"
    for index in declared["GlobalSecondaryIndexes"]:  # indexes only on copied attributes
        assert {key["AttributeName"] for key in index["KeySchema"]} <= set(SEARCHABLE)


@pytest.fixture
def table(s3_server, monkeypatch):
    """A fresh audit table as infra/dynamodb.tf declares it (keys and indexes), and
    SAGE_AUDIT_TABLE naming it; the AWS variables point at moto's server."""
    import boto3

    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server)
    monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    client = boto3.client("dynamodb", region_name="eu-west-1")
    name = f"sage-audit-{uuid.uuid4().hex[:10]}"
    client.create_table(TableName=name, **declared_table())
    monkeypatch.setenv(TABLE_ENV, name)
    return client, name


def _item(client, name: str, seq: int) -> dict:
    key = {"log": {"S": "audit"}, "seq": {"N": str(seq)}}
    return client.get_item(TableName=name, Key=key, ConsistentRead=True)["Item"]


def _edit_record(client, name: str, seq: int, change) -> None:
    """What someone with write access to the table could do: rewrite an item's record."""
    record = json.loads(_item(client, name, seq)["record"]["S"])
    change(record)
    client.update_item(
        TableName=name,
        Key={"log": {"S": "audit"}, "seq": {"N": str(seq)}},
        UpdateExpression="SET #r = :r",
        ExpressionAttributeNames={"#r": "record"},
        ExpressionAttributeValues={":r": {"S": json.dumps(record, sort_keys=True, indent=2)}},
    )


def test_from_env_picks_the_table_when_it_is_named(table, tmp_path, monkeypatch):
    _client, name = table
    store = AuditLog.from_env(LocalLake(tmp_path)).store
    assert isinstance(store, DynamoDBAuditStore) and store.table == name
    assert store.location == f"dynamodb://{name} (eu-west-1)"
    monkeypatch.setenv(TABLE_ENV, "  ")
    assert isinstance(AuditLog.from_env(LocalLake(tmp_path)).store, LakeAuditStore)
    monkeypatch.delenv(TABLE_ENV)
    assert isinstance(AuditLog.from_env(LocalLake(tmp_path)).store, LakeAuditStore)
    assert isinstance(AuditLog.in_lake(LocalLake(tmp_path)).store, LakeAuditStore)
    monkeypatch.setenv(TABLE_ENV, "no such/table")
    with pytest.raises(AuditError, match=r"not a DynamoDB table name.*SAGE_AUDIT_TABLE"):
        AuditLog.from_env(LocalLake(tmp_path))


def test_records_are_items_holding_the_json_and_its_searchable_fields(table, tmp_path):
    client, name = table
    log = AuditLog.from_env(LocalLake(tmp_path))
    first = log.append("RETENTION_APPLIED", {"objects_deleted": 3})
    second = log.append("BUNDLE_CREATED", {"partner": "anthropic", "month": "2026-10", "files": 4})
    assert (first.seq, second.seq) == (1, 2) and second.prev_hash == first.hash
    item = _item(client, name, 2)
    assert item["record"]["S"].encode() == second.to_json()  # the bytes, as written
    assert {k: v["S"] for k, v in item.items() if k in ("event", "at", "partner", "month")} == {
        "event": "BUNDLE_CREATED",
        "at": second.at,
        "partner": "anthropic",
        "month": "2026-10",
    }
    assert "partner" not in _item(client, name, 1) and "month" not in _item(client, name, 1)
    assert not list(tmp_path.iterdir())  # nothing in the lake
    by_partner = client.query(  # the console's view, through the declared index
        TableName=name,
        IndexName="by_partner",
        KeyConditionExpression="partner = :p",
        ExpressionAttributeValues={":p": {"S": "anthropic"}},
    )["Items"]
    assert [item["seq"]["N"] for item in by_partner] == ["2"]

    with pytest.raises(AlreadyExists):
        log.store.create(2, b'{"seq": 2}')  # the conditional PutItem keeps record 2
    assert _item(client, name, 2)["record"]["S"].encode() == second.to_json()
    assert log.head() == second
    assert [r.event for r in log.records()] == ["RETENTION_APPLIED", "BUNDLE_CREATED"]
    assert [r.seq for r in log.records("BUNDLE_CREATED")] == [2]
    result = log.verify()
    assert result.ok and result.records == 2


def test_concurrent_writers_never_share_a_number(table):
    lost = []  # PutItems refused because the other writer took the number first
    start = threading.Barrier(2)

    def write(name: str) -> None:
        log = AuditLog.from_env(LocalLake("/nonexistent"))  # each thread its own client
        log.store.client.meta.events.register(
            "after-call.dynamodb.PutItem",
            lambda parsed, **_: (
                lost.append(1)
                if parsed.get("Error", {}).get("Code") == "ConditionalCheckFailedException"
                else None
            ),
        )
        start.wait()
        for number in range(12):
            log.append("ERROR", {"writer": name, "n": number})

    threads = [threading.Thread(target=write, args=(f"w{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    log = AuditLog.from_env(LocalLake("/nonexistent"))
    records = list(log.records())
    assert [record.seq for record in records] == list(range(1, 25))
    for writer in ("w0", "w1"):  # every append landed, in each writer's own order
        mine = [r.details["n"] for r in records if r.details["writer"] == writer]
        assert mine == list(range(12))
    assert log.verify().ok
    assert lost, "the writers never collided: the test did not exercise the conditional put"


def test_an_edited_or_deleted_item_breaks_the_chain(table, tmp_path, capsys):
    client, name = table
    log = AuditLog.from_env(LocalLake(tmp_path))
    for number in range(5):
        log.append("BUNDLE_CREATED", {"partner": "anthropic", "month": "2026-10", "n": number})
    assert log.verify().ok

    _edit_record(client, name, 2, lambda record: record["details"].update(n=999))
    assert log.verify().problems == [
        "record 2 (BUNDLE_CREATED) was changed or forged: its keyed hash does not match"
    ]
    assert main(["audit", "--verify"]) == 1
    captured = capsys.readouterr()
    assert "broken: record 2 (BUNDLE_CREATED) was changed" in captured.out
    assert f"the audit log dynamodb://{name}" in captured.err

    # rewriting its hash too does not help without the key (tests/test_audit_tampering.py)
    def rehash(record):
        from lakehouse.audit.records import record_mac

        fields = (2, record["at"], record["event"], record["details"], record["prev_hash"])
        record["hash"] = record_mac("a-key-made-up-by-the-forger-0123456789", *fields, "x")

    _edit_record(client, name, 2, rehash)
    assert log.verify().problems == [
        "record 2 (BUNDLE_CREATED) was changed or forged: its keyed hash does not match",
        "record 3 does not link to record 2",
    ]

    client.delete_item(TableName=name, Key={"log": {"S": "audit"}, "seq": {"N": "4"}})
    problems = log.verify().problems
    assert "record 4 is missing (next found: 5)" in problems

    # the searchable copies are not hashed, so verify compares them with the record
    client.update_item(
        TableName=name,
        Key={"log": {"S": "audit"}, "seq": {"N": "5"}},
        UpdateExpression="SET partner = :p",
        ExpressionAttributeValues={":p": {"S": "someone-else"}},
    )
    assert (
        "record 5: its searchable attribute(s) partner disagree with the record"
        in log.verify().problems
    )
    # and filters read the hashed record, so the edit hides nothing
    assert main(["audit", "--partner", "anthropic", "--json"]) == 0
    seqs = [json.loads(line)["seq"] for line in capsys.readouterr().out.splitlines()]
    assert seqs == [1, 2, 3, 5]


def test_an_item_without_its_record_is_named(table, tmp_path):
    client, name = table
    log = AuditLog.from_env(LocalLake(tmp_path))
    log.append("ERROR", {"operation": "test"})
    log.append("ERROR", {"operation": "test"})
    client.update_item(
        TableName=name,
        Key={"log": {"S": "audit"}, "seq": {"N": "1"}},
        UpdateExpression="REMOVE #r",
        ExpressionAttributeNames={"#r": "record"},
    )
    (problem,) = log.verify().problems
    assert problem.startswith("audit record 1 cannot be read: item seq 1 has no record")
    with pytest.raises(AuditError, match="audit record 1 cannot be read"):
        list(log.records())


def test_reads_follow_the_query_pages(table, tmp_path):
    _client, name = table
    writer = AuditLog.from_env(LocalLake(tmp_path))
    for number in range(7):
        writer.append("ERROR", {"n": number})
    store = DynamoDBAuditStore(name, page_size=2)  # pages of 2 items instead of 1 MB
    queries = []
    store.client.meta.events.register(
        "provide-client-params.dynamodb.Query", lambda params, **_: queries.append(dict(params))
    )
    log = AuditLog(store)
    assert [r.details["n"] for r in log.records()] == list(range(7))
    assert len(queries) == 4  # 2 + 2 + 2 + 1, each after the last page's LastEvaluatedKey
    assert "ExclusiveStartKey" not in queries[0] and "ExclusiveStartKey" in queries[3]
    queries.clear()
    assert store.sequence_numbers() == list(range(1, 8)) and len(queries) == 4
    queries.clear()
    assert log.head().seq == 7 and len(queries) == 1  # the head: one item, newest first
    assert log.verify().ok


def test_a_missing_table_is_a_clear_error(table, monkeypatch, capsys):
    monkeypatch.setenv(TABLE_ENV, "sage-audit-does-not-exist")
    with pytest.raises(
        AuditError,
        match=r"sage-audit-does-not-exist \(eu-west-1\) does not exist: check SAGE_AUDIT_TABLE",
    ):
        AuditLog.from_env(LocalLake("/nonexistent")).append("ERROR", {})
    assert main(["audit", "--lake", "/nonexistent"]) == 1  # no lake needed with a table
    assert "sage-audit-does-not-exist" in capsys.readouterr().err


@pytest.fixture
def partner_log(table, tmp_path):
    log = AuditLog.from_env(LocalLake(tmp_path))
    bundle = {"partner": "anthropic", "month": "2026-10"}
    log.append("BUNDLE_CREATED", bundle, at=_at("2026-11-01T10:00:00"))  # 1
    log.append("BUNDLE_CREATED", {**bundle, "partner": "acme"}, at=_at("2026-11-01T11:00:00"))
    log.append("BUNDLE_DELIVERED", bundle, at=_at("2026-11-02T09:30:00"))  # 3
    log.append("RETENTION_APPLIED", {"objects_deleted": 5}, at=_at("2026-11-15T02:00:00"))
    log.append("TELEMETRY_DELETED", bundle, at=_at("2026-11-20T08:00:00"))  # 5
    log.append("BUNDLE_CREATED", {**bundle, "month": "2026-11"}, at=_at("2026-12-01T10:00:00"))  # 6
    return log


def _seqs(argv: list[str], capsys) -> list[int]:
    assert main(["audit", *argv, "--json"]) == 0
    return [json.loads(line)["seq"] for line in capsys.readouterr().out.splitlines()]


def test_sage_audit_filters_records_in_the_table(partner_log, capsys):
    assert _seqs([], capsys) == [1, 2, 3, 4, 5, 6]
    assert _seqs(["--partner", "anthropic"], capsys) == [1, 3, 5, 6]
    assert _seqs(["--month", "2026-10"], capsys) == [1, 2, 3, 5]
    assert _seqs(["--partner", "anthropic", "--month", "2026-10"], capsys) == [1, 3, 5]
    assert _seqs(["--event", "BUNDLE_CREATED", "--month", "2026-10"], capsys) == [1, 2]
    assert _seqs(["--since", "2026-11-02"], capsys) == [3, 4, 5, 6]
    assert _seqs(["--until", "2026-11-15"], capsys) == [1, 2, 3, 4]  # the whole day
    assert _seqs(["--since", "2026-11-01T10:30:00Z", "--until", "2026-11-02T09:30"], capsys) == [
        2,
        3,
    ]
    assert _seqs(["--since", "2026-11-01T12:00:00+02:00", "--until", "2026-11-01"], capsys) == [
        1,
        2,
    ]  # 12:00 at +02:00 is 10:00 UTC
    assert _seqs(["--partner", "nobody"], capsys) == []

    assert main(["audit", "--partner", "acme", "--json"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    record = json.loads(line)
    assert record["event"] == "BUNDLE_CREATED" and record["details"]["partner"] == "acme"
    assert set(record) == {"seq", "at", "event", "details", "prev_hash", "hash", "key_id"}

    assert main(["audit", "--month", "2026-11"]) == 0
    out = capsys.readouterr().out
    assert "BUNDLE_CREATED" in out and '"month": "2026-11"' in out and "2026-10" not in out
    assert main(["audit", "--partner", "nobody"]) == 0
    assert "no audit records match in dynamodb://" in capsys.readouterr().out
    assert main(["audit", "--verify"]) == 0
    assert "6 records, chain intact" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--month", "2026-13"], "argument --month: '2026-13' is not a month: expected YYYY-MM"),
        (["--month", "October"], "argument --month: 'October' is not a month"),
        (["--since", "yesterday"], "argument --since: 'yesterday' is neither a date"),
        (["--until", "2026-02-30"], "argument --until: '2026-02-30' is neither a date"),
        (["--partner", " "], "argument --partner: the partner name is empty"),
        (["--event", "NOTHING"], "argument --event: invalid choice: 'NOTHING'"),
        (
            ["--since", "2026-11-02", "--until", "2026-11-01"],
            "--since is after --until",
        ),
    ],
)
def test_bad_filter_values_name_the_flag(table, argv, message):
    """Through the console script, as a user runs it: exit status 2 and the flag named."""
    sage = [sys.executable, "-c", "import sys; from sage.cli import main; sys.exit(main())"]
    result = subprocess.run(
        [*sage, "audit", *argv],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        cwd=Path(__file__).resolve().parents[1],  # this checkout's sage
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert message in result.stderr


def test_filters_work_on_the_lake_too(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(TABLE_ENV, raising=False)
    log = AuditLog.from_env(LocalLake(tmp_path))
    log.append("BUNDLE_CREATED", {"partner": "anthropic", "month": "2026-10"})
    log.append("BUNDLE_CREATED", {"partner": "acme", "month": "2026-10"})
    lake = ["--lake", str(tmp_path)]
    assert _seqs([*lake, "--partner", "acme"], capsys) == [2]
    assert _seqs([*lake, "--month", "2026-10", "--since", "2000-01-01"], capsys) == [1, 2]
    assert main(["audit", *lake, "--verify"]) == 0


def test_retention_writes_its_record_to_the_table(built, table, tmp_path, monkeypatch, capsys):
    from datetime import timedelta

    from lakehouse.lake import open_lake
    from tests.conftest import SAMPLE_START
    from tests.copies import copy_build

    _client, name = table
    settings = copy_build(built, tmp_path)
    lake = open_lake(settings.lake)
    today = SAMPLE_START + timedelta(days=7 + 90)
    args = ["--lake", settings.lake, "--warehouse", settings.warehouse, "--today", str(today)]
    keys = {item.key for item in lake.list("bronze/")}
    lake_audit = list(lake.list("audit/"))  # the sample's ingest audited its scrub violations

    # the table is not there: retention stops before it deletes anything
    monkeypatch.setenv(TABLE_ENV, "sage-audit-does-not-exist")
    assert main(["retention", *args]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert {item.key for item in lake.list("bronze/")} == keys

    monkeypatch.setenv(TABLE_ENV, name)
    assert main(["retention", *args]) == 0
    assert f"audit: record 1 (RETENTION_APPLIED) in dynamodb://{name}" in capsys.readouterr().out
    assert {item.key for item in lake.list("bronze/")} < keys
    assert list(lake.list("audit/")) == lake_audit  # nothing more went to the lake
    (record,) = AuditLog.from_env(lake).records()
    assert record.event == "RETENTION_APPLIED" and record.details["objects_deleted"] > 0
    assert main(["audit", "--event", "RETENTION_APPLIED", "--verify"]) == 0
