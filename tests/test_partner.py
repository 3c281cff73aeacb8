"""Partner telemetry end to end: scrubbed at ingest (and audited), built into Gold,
exported as Parquet by partner and month, bundled with a signed zero-PII
certificate, delivered to the partner's prefix on a real S3 endpoint (moto's
server) with a presigned URL, deleted only after a confirmed delivery, and every
step in the hash-chained audit log. The faults each have a test: a delivery
that fails half-way, a missing signing key, a month without data, a month
bundled twice, a cleanup run again.

The partner-months are independent, so each test uses its own: anthropic
2026-10 goes the whole way; acme-ai 2026-10 is for the faults; acme-ai 2026-09
is never delivered.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import urllib.request
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from ingest.handler import partner_telemetry_handler
from ingest.pipeline import ingest_paths
from ingest.sources import get_source
from lakehouse.audit.log import AuditLog
from lakehouse.dbt import run_dbt
from lakehouse.lake import LocalLake
from lakehouse.rollup import rollup
from lakehouse.settings import Settings
from partners.analytics import PartnerError, partition_prefix
from partners.bundle import verify_bundle
from partners.delivery import issue_url
from partners.signing import load_public_pem, new_key_pem
from sage.cli import main

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
MODELS = {"anthropic": "us.anthropic.claude-sonnet-4-6", "acme-ai": "acme.reasoner-2"}
EMAIL = "jane.doe@example.com"


def _events() -> list[dict]:
    """Three days around the turn of the month for two partners, every 10 minutes."""
    events, number = [], 0
    start = datetime(2026, 9, 29, tzinfo=UTC)
    for step in range(0, 4 * 24 * 6):
        at = start + timedelta(minutes=10 * step)
        for partner, model in MODELS.items():
            number += 1
            stream = number % 3 == 0
            failed = number % 17 == 0
            event = {
                "event_id": f"{partner[:4]}-{number:08d}",
                "partner_id": partner,
                "model_id": model,
                "event_type": "stream" if stream else "request",
                "latency_ms": 400 + (number * 37) % 3000,
                "tokens_in": 100 + number % 900,
                "tokens_out": 20 + number % 400,
                "status": "error" if failed else "ok",
                "sdk_version": "1.9.1",
                "occurred_at": at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            }
            if stream:
                event["ttft_ms"] = 150 + number % 500
            if failed:
                event["error_code"] = "throttled" if number % 2 else "timeout"
            events.append(event)
    return events


def _violations() -> list[dict]:
    base = {
        "partner_id": "acme-ai",
        "model_id": MODELS["acme-ai"],
        "event_type": "request",
        "latency_ms": 500,
        "tokens_in": 10,
        "tokens_out": 5,
        "status": "ok",
        "sdk_version": "1.9.1",
        "occurred_at": "2026-10-01T12:00:00.000Z",
    }
    return [
        base | {"event_id": "leak-0001", "sdk_version": EMAIL},
        base | {"event_id": "leak-0002", "sdk_version": EMAIL},
        base | {"event_id": "leak-0003", "user_id": "4f1c2b9e-8d4a-4c3e-9b7a-1f2e3d4c5b6a"},
        base
        | {
            "event_id": "leak-0004",
            "status": "error",
            "error_code": "the user told me about their week and it was hard",
        },
    ]


@dataclass
class World:
    root: Path
    settings: Settings
    lake: LocalLake
    events: list[dict]

    def audit(self) -> AuditLog:
        return AuditLog.in_lake(self.lake)

    def records(self, event: str | None = None) -> list:
        return list(self.audit().records(event))

    def flags(self, *extra: str) -> list[str]:
        return ["--lake", self.settings.lake, *extra]

    def silver_count(self, partner: str, month: str) -> int:
        with duckdb.connect(self.settings.warehouse, read_only=True) as connection:
            return connection.execute(
                f"select count(*) from {self.settings.relation('silver', 'partner_telemetry')} "
                "where partner_id = ? and strftime(occurred_date, '%Y-%m') = ?",
                [partner, month],
            ).fetchone()[0]

    def bronze_lines(self, partner: str, month: str) -> int:
        """The partner's rows of the month in Bronze: NDJSON lines and rolled-up Parquet rows."""
        count = 0
        folder = self.root / "lake" / "bronze" / "partner_telemetry"
        for path in folder.rglob("*.gz"):
            if f"dt={month}-" in str(path):
                for line in gzip.decompress(path.read_bytes()).splitlines():
                    count += json.loads(line)["partner_id"] == partner
        with duckdb.connect() as connection:
            for path in folder.glob(f"dt={month}-*/parquet/*.parquet"):
                count += connection.execute(
                    f"select count(*) from read_parquet('{path}') where partner_id = ?", [partner]
                ).fetchone()[0]
        return count

    def rebuild(self) -> None:
        run_dbt(
            # Only the partner tables are built here: the privacy tests, which expect every
            # table of the allow-list, run in the session's full build.
            [
                "build",
                "--select",
                "+tag:partner",
                "--exclude",
                "silver_holds_no_personal_data",
                "gold_holds_no_personal_data",
                "pseudonyms_are_not_source_ids",
                "--exclude-resource-type",
                "unit_test",
            ],
            self.settings,
            quiet=True,
        )
        assert main(["partner", "export", *self.flags("--warehouse", self.settings.warehouse)]) == 0


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    root = tmp_path_factory.mktemp("partner")
    inputs = root / "input"
    inputs.mkdir()
    events = _events()
    lines = [json.dumps(event) for event in events + _violations()]
    (inputs / "telemetry.ndjson.gz").write_bytes(gzip.compress("\n".join(lines).encode()))
    settings = Settings.from_env(
        lake=str(root / "lake"), warehouse=str(root / "warehouse.duckdb"), target="local"
    )
    lake = LocalLake(settings.lake)
    report = ingest_paths(get_source("partner_telemetry"), lake, [inputs], now=NOW)
    assert report.balanced and report.landed == len(events)
    # 29 September to 1 October closed and rolled up to Parquet; 2 October still NDJSON.
    rolled = rollup(lake, today=date(2026, 10, 5), late_days=3)
    assert [day.day for day in rolled.days] == ["2026-09-29", "2026-09-30", "2026-10-01"]
    built = World(root, settings, lake, events)
    built.rebuild()
    return built


@pytest.fixture
def signing_key(monkeypatch) -> bytes:
    private, public = new_key_pem()
    monkeypatch.setenv("SAGE_PARTNER_SIGNING_KEY", private.decode())
    return public


def _expected(world: World, partner: str, month: str) -> list[dict]:
    return [
        event
        for event in world.events
        if event["partner_id"] == partner and event["occurred_at"].startswith(month)
    ]


# -- sanitize --------------------------------------------------------------------------


def test_personal_data_is_quarantined_and_audited_without_the_value(world: World):
    violations = {
        (record.details["partner"], record.details["month"], record.details["rule"]): record
        for record in world.records("SCRUB_VIOLATION")
    }
    assert {key: record.details["count"] for key, record in violations.items()} == {
        ("acme-ai", "2026-10", "email"): 2,
        ("acme-ai", "2026-10", "unknown_field"): 1,
        ("acme-ai", "2026-10", "free_text"): 1,
    }
    log_text = b"".join(
        path.read_bytes() for path in (world.root / "lake" / "audit").rglob("*.json")
    )
    assert EMAIL.encode() not in log_text and b"told me" not in log_text
    quarantined = b"".join(
        gzip.decompress(path.read_bytes())
        for path in (world.root / "lake" / "quarantine" / "partner_telemetry").rglob("*.gz")
    )
    assert quarantined.count(EMAIL.encode()) == 2  # kept to look at, for 30 days
    with duckdb.connect(world.settings.warehouse, read_only=True) as connection:
        leaked = connection.execute(
            f"select count(*) from {world.settings.relation('silver', 'partner_telemetry')} "
            "where event_id like '%leak%' or sdk_version like '%@%'"
        ).fetchone()[0]
    assert leaked == 0


def test_the_api_handler_audits_what_it_scrubs(tmp_path, monkeypatch):
    monkeypatch.setenv("SAGE_LAKE", str(tmp_path / "lake"))
    good, leak = _events()[1], _violations()[0]  # both acme-ai's, the partner of the token
    response = partner_telemetry_handler(
        {
            "version": "2.0",
            "requestContext": {
                "http": {"method": "POST"},
                "requestId": "r-1",
                "authorizer": {"jwt": {"claims": {"partner_id": "acme-ai"}}},
            },
            "body": json.dumps({"events": [good, leak]}),
        }
    )
    assert response["statusCode"] == 202
    assert json.loads(response["body"])["rejected"] == 1
    (record,) = AuditLog.in_lake(LocalLake(tmp_path / "lake")).records("SCRUB_VIOLATION")
    assert record.details | {"quarantine": None} == {
        "partner": "acme-ai",
        "month": "2026-10",
        "rule": "email",
        "count": 1,
        "source": "partner_telemetry",
        "quarantine": None,
    }


# -- analytics -------------------------------------------------------------------------


def test_analytics_are_parquet_partitioned_by_partner_and_month(world: World):
    keys = sorted(item.key for item in world.lake.list("partner/analytics/"))
    assert keys == [
        f"{partition_prefix(table, partner, month)}part-00000.parquet"
        for table in ("partner_errors_daily", "partner_model_daily")
        for partner in ("acme-ai", "anthropic")
        for month in ("2026-09", "2026-10")
    ]
    for partner in MODELS:
        for month in ("2026-09", "2026-10"):
            daily = pq.read_table(
                world.root
                / "lake"
                / partition_prefix("partner_model_daily", partner, month)
                / "part-00000.parquet"
            ).to_pylist()
            expected = _expected(world, partner, month)
            assert sum(row["events"] for row in daily) == len(expected)
            assert sum(row["error_events"] for row in daily) == sum(
                event["status"] == "error" for event in expected
            )
            assert sum(row["tokens_out"] for row in daily) == sum(
                event["tokens_out"] for event in expected
            )
            assert {row["partner_id"] for row in daily} == {partner}
            assert {row["month"] for row in daily} == {month}


# -- bundle ----------------------------------------------------------------------------


def _bundle_path(world: World, partner: str, month: str) -> Path:
    return (
        world.root
        / "lake"
        / "partner"
        / "bundles"
        / partner
        / month
        / f"{partner}-{month}-telemetry.zip"
    )


def test_a_bundle_holds_the_months_files_a_manifest_and_a_signed_certificate(
    world: World, signing_key: bytes, capsys
):
    assert (
        main(["partner", "bundle", "--partner", "anthropic", "--month", "2026-10", *world.flags()])
        == 0
    )
    assert "PII guard passed" in capsys.readouterr().out
    data = _bundle_path(world, "anthropic", "2026-10").read_bytes()
    archive = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(archive.read("manifest.json"))
    certificate = json.loads(archive.read("certificate.json"))
    assert manifest["partner"] == certificate["partner"] == "anthropic"
    assert manifest["period"] == {
        "month": "2026-10",
        "first_day": "2026-10-01",
        "last_day": "2026-10-31",
    }
    assert certificate["result"] == "pass"
    for item in manifest["files"]:
        content = archive.read(item["name"])
        assert hashlib.sha256(content).hexdigest() == item["sha256"]
        assert pq.read_table(io.BytesIO(content)).num_rows == item["rows"] > 0
        assert {"name": "partner_id", "type": "varchar"} in item["schema"]
    certified = {item["name"]: item for item in certificate["files"]}
    assert set(certified) == {item["name"] for item in manifest["files"]}
    for item in certified.values():
        assert item["rows_checked"] == item["rows"]
        rules = {check["rule"] for check in item["checks"]}
        assert {"allowlist", "patterns", "type"} <= rules
        assert all(check["success"] for check in item["checks"])
    daily = pq.read_table(io.BytesIO(archive.read("data/partner_model_daily/part-00000.parquet")))
    assert sum(daily.column("events").to_pylist()) == len(_expected(world, "anthropic", "2026-10"))

    pinned = load_public_pem(signing_key)
    assert verify_bundle(data, pinned).ok
    (created,) = [r for r in world.records("BUNDLE_CREATED") if r.details["partner"] == "anthropic"]
    assert created.details["sha256"] == hashlib.sha256(data).hexdigest()
    assert created.details["rows"] == sum(item["rows"] for item in manifest["files"])


def _rezip(data: bytes, replace: dict[str, bytes]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name in source.namelist():
            target.writestr(name, replace.get(name, source.read(name)))
    return buffer.getvalue()


def test_a_changed_file_or_a_forged_signature_does_not_verify(world: World, tmp_path, capsys):
    data = _bundle_path(world, "anthropic", "2026-10").read_bytes()
    name = "data/partner_model_daily/part-00000.parquet"
    original = zipfile.ZipFile(io.BytesIO(data)).read(name)
    changed = _rezip(data, {name: original[:-9] + b"x" + original[-8:]})
    assert f"{name} does not match its certified SHA-256" in verify_bundle(changed).problems
    # Someone re-signs with their own key and ships it: the pinned key catches it.
    private, public = new_key_pem()
    from partners.signing import _private_key, sign

    certificate = zipfile.ZipFile(io.BytesIO(data)).read("certificate.json")
    forged = _rezip(
        data,
        {
            "certificate.json.sig": sign(_private_key(private.decode()), certificate),
            "public_key.pem": public,
        },
    )
    key_file = tmp_path / "published.pem"
    key_file.write_bytes(zipfile.ZipFile(io.BytesIO(data)).read("public_key.pem"))
    bundle_file = tmp_path / "forged.zip"
    bundle_file.write_bytes(forged)
    assert main(["partner", "verify", str(bundle_file), "--public-key", str(key_file)]) == 1
    assert "signature does not verify" in capsys.readouterr().err


def test_bundle_faults_each_say_what_is_wrong_and_are_audited(world: World, monkeypatch, capsys):
    args = ["partner", "bundle", "--partner", "acme-ai", "--month", "2026-10", *world.flags()]
    monkeypatch.delenv("SAGE_PARTNER_SIGNING_KEY", raising=False)
    errors_before = len(world.records("ERROR"))
    assert main(args) == 2
    assert "SAGE_PARTNER_SIGNING_KEY is not set" in capsys.readouterr().err
    assert not _bundle_path(world, "acme-ai", "2026-10").exists()

    private, _ = new_key_pem()
    monkeypatch.setenv("SAGE_PARTNER_SIGNING_KEY", private.decode())
    empty = ["partner", "bundle", "--partner", "acme-ai", "--month", "2026-07", *world.flags()]
    assert main(empty) == 1
    assert "no partner analytics in the lake for this month" in capsys.readouterr().err

    assert (
        main(["partner", "bundle", "--partner", "acme-ai", "--month", "2026-13", *world.flags()])
        == 2
    )
    assert "not YYYY-MM" in capsys.readouterr().err

    assert main(args) == 0
    first = _bundle_path(world, "acme-ai", "2026-10").read_bytes()
    assert main(args) == 1
    assert "a bundle already exists" in capsys.readouterr().err
    assert _bundle_path(world, "acme-ai", "2026-10").read_bytes() == first
    assert main([*args, "--replace"]) == 0
    latest = [r for r in world.records("BUNDLE_CREATED") if r.details["partner"] == "acme-ai"]
    assert latest[-1].details["replaces"] == hashlib.sha256(first).hexdigest()

    errors = [r.details for r in world.records("ERROR")][errors_before:]
    assert [e["operation"] for e in errors] == ["bundle", "bundle", "bundle"]
    assert all(e["partner"] == "acme-ai" for e in errors)


# -- delivery --------------------------------------------------------------------------


def test_delivery_fails_half_way_and_nothing_is_confirmed_or_deleted(world: World, s3, capsys):
    _client, bucket = s3
    missing = f"s3://{bucket}-gone/outbox"
    args = ["partner", "deliver", "--partner", "acme-ai", "--month", "2026-10", *world.flags()]
    assert main([*args, "--outbox", missing]) == 1
    assert "delivery failed (copy the bundle to the partner's prefix)" in capsys.readouterr().err
    (error,) = [r for r in world.records("ERROR") if r.details.get("operation") == "deliver"]
    assert error.details["step"] == "copy the bundle to the partner's prefix"
    assert not [r for r in world.records("BUNDLE_DELIVERED") if r.details["partner"] == "acme-ai"]

    silver = world.silver_count("acme-ai", "2026-10")
    cleanup = ["partner", "cleanup", "--partner", "acme-ai", "--month", "2026-10", *world.flags()]
    assert main([*cleanup, "--warehouse", world.settings.warehouse]) == 1
    assert "not deleting telemetry that was not delivered" in capsys.readouterr().err
    assert world.silver_count("acme-ai", "2026-10") == silver > 0
    assert world.bronze_lines("acme-ai", "2026-10") == silver
    assert _bundle_path(world, "acme-ai", "2026-10").exists()


def test_delivery_copies_to_the_partners_prefix_and_the_url_downloads_the_bundle(
    world: World, s3, capsys
):
    client, bucket = s3
    outbox = f"s3://{bucket}/outbox"
    args = ["partner", "deliver", "--partner", "anthropic", "--month", "2026-10", *world.flags()]
    assert main([*args, "--outbox", outbox, "--expires", "600"]) == 0
    out = capsys.readouterr().out
    url = out.strip().splitlines()[-1]
    assert url.startswith(s3_endpoint(client)) and "/outbox/anthropic/2026-10/" in url
    assert "X-Amz-Expires=600" in url
    bundle = _bundle_path(world, "anthropic", "2026-10").read_bytes()
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == bundle
    keys = [item["Key"] for item in client.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == ["outbox/anthropic/2026-10/anthropic-2026-10-telemetry.zip"]

    (delivered,) = [
        r for r in world.records("BUNDLE_DELIVERED") if r.details["partner"] == "anthropic"
    ]
    assert delivered.details["sha256"] == hashlib.sha256(bundle).hexdigest()
    assert "X-Amz" not in json.dumps(delivered.details)  # the URL is a credential: never logged

    from lakehouse.lake import S3Lake

    with pytest.raises(PartnerError, match="not inside partner anthropic's prefix"):
        issue_url(
            S3Lake(outbox, client), "anthropic", "acme-ai/2026-10/acme-ai-2026-10-telemetry.zip", 60
        )
    with pytest.raises(PartnerError, match="not inside"):
        issue_url(S3Lake(outbox, client), "anthropic", "anthropic/../acme-ai/x.zip", 60)
    assert main([*args, "--outbox", outbox, "--expires", "9999999"]) == 2


def s3_endpoint(client) -> str:
    return client.meta.endpoint_url


# -- cleanup ---------------------------------------------------------------------------


def test_cleanup_after_delivery_deletes_the_month_everywhere_once(
    world: World, signing_key: bytes, capsys
):
    flags = world.flags("--warehouse", world.settings.warehouse)
    other_silver = world.silver_count("acme-ai", "2026-10")
    september = world.silver_count("anthropic", "2026-09")
    expected = len(_expected(world, "anthropic", "2026-10"))
    assert world.bronze_lines("anthropic", "2026-10") == expected

    assert main(["partner", "cleanup", "--partner", "anthropic", "--month", "2026-10", *flags]) == 0
    (deleted,) = [
        r for r in world.records("TELEMETRY_DELETED") if r.details["partner"] == "anthropic"
    ]
    assert deleted.details["bronze_lines"] == expected
    assert deleted.details["silver_rows"] == expected
    assert deleted.details["gold_rows"] > 0
    assert deleted.details["analytics_files"] == 2 and deleted.details["bundles"] == 1

    assert world.bronze_lines("anthropic", "2026-10") == 0
    assert world.silver_count("anthropic", "2026-10") == 0
    assert not list(
        world.lake.list("partner/analytics/partner_model_daily/partner_id=anthropic/month=2026-10/")
    )
    assert not _bundle_path(world, "anthropic", "2026-10").exists()
    # other partners and other months are untouched
    assert world.silver_count("acme-ai", "2026-10") == other_silver
    assert world.silver_count("anthropic", "2026-09") == september
    assert world.bronze_lines("acme-ai", "2026-10") == other_silver

    # Run again: nothing left, nothing more recorded.
    records = len(world.records())
    assert main(["partner", "cleanup", "--partner", "anthropic", "--month", "2026-10", *flags]) == 0
    assert "already deleted" in capsys.readouterr().out
    assert len(world.records()) == records

    # A rebuild (Silver incremental from Bronze, Gold, the export) brings nothing back.
    world.rebuild()
    assert world.silver_count("anthropic", "2026-10") == 0
    assert not list(
        world.lake.list("partner/analytics/partner_model_daily/partner_id=anthropic/month=2026-10/")
    )
    assert list(
        world.lake.list("partner/analytics/partner_model_daily/partner_id=anthropic/month=2026-09/")
    )

    # A deleted month is not bundled again.
    bundle = ["partner", "bundle", "--partner", "anthropic", "--month", "2026-10", *world.flags()]
    assert main(bundle) == 1
    assert "was deleted after delivery" in capsys.readouterr().err


def test_the_audit_log_shows_every_step_and_its_chain_is_intact(world: World, capsys):
    assert main(["audit", "--verify", "--lake", world.settings.lake]) == 0
    assert "chain intact" in capsys.readouterr().out
    events = [record.event for record in world.records()]
    for event in (
        "SCRUB_VIOLATION",
        "BUNDLE_CREATED",
        "BUNDLE_DELIVERED",
        "TELEMETRY_DELETED",
        "ERROR",
    ):
        assert event in events
    assert main(["partner", "status", "--json", *world.flags()]) == 0
    status = {
        (row["partner"], row["month"]): row["status"] for row in json.loads(capsys.readouterr().out)
    }
    assert status[("anthropic", "2026-10")] == "deleted"
    assert status[("acme-ai", "2026-10")] == "bundled"
    assert status[("acme-ai", "2026-09")] == "built, not bundled"
