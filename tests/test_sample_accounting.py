"""On the generated sample, with every kind of defect injected: each source's
ingest accounts for every record exactly as the generator's manifest says."""

from __future__ import annotations

from tests.conftest import Built


def test_every_record_is_landed_duplicate_or_quarantined(built: Built):
    for name, report in built.reports.items():
        assert report.balanced, name
        assert report.records_read == report.landed + report.duplicates + report.quarantined_total


def test_turn_logs_match_the_manifest(built: Built):
    expected, report = built.manifest["sources"]["lambda_emf"], built.reports["lambda_emf"]
    assert report.landed == expected["turns"] - expected["malformed"]
    # A redelivered payload is counted once more: as duplicates, or quarantined again.
    assert (
        report.duplicates + report.quarantined_total - expected["malformed"]
        == expected["redelivered"]
    )


def test_cloudfront_matches_the_manifest(built: Built):
    expected, report = built.manifest["sources"]["cloudfront"], built.reports["cloudfront"]
    assert report.records_read == expected["lines"]
    assert report.quarantined_total == expected["malformed"]
    assert report.duplicates == expected["duplicated"]
    assert len(report.rejected_files) == expected["truncated_files"] == 1
    assert "truncated or corrupt gzip" in report.rejected_files[0].message
    assert report.unknown_fields["asn"] > 0


def test_line_sources_match_the_manifest(built: Built):
    for name, read_key in (("dynamodb", "records"), ("sentinel", "lines")):
        expected, report = built.manifest["sources"][name], built.reports[name]
        assert report.records_read == expected[read_key], name
        assert report.quarantined_total == expected["malformed"], name
        assert report.duplicates == expected["duplicated"], name
        assert len(report.rejected_files) == expected.get("unreadable_files", 0), name


def test_otel_spans_match_the_manifest(built: Built):
    expected, report = built.manifest["sources"]["otel"], built.reports["otel"]
    assert report.records_read == expected["records"]
    assert report.quarantined_total == expected["malformed"]
    assert report.duplicates == expected["duplicated"]
    assert dict(report.skipped) == expected["skipped"]
    assert report.landed == expected["records"] - expected["malformed"] - expected["duplicated"]


def test_partner_telemetry_matches_the_manifest(built: Built):
    expected, report = (
        built.manifest["sources"]["partner_telemetry"],
        built.reports["partner_telemetry"],
    )
    assert report.quarantined_total == expected["malformed"] + expected["malformed_requests"]
    assert report.duplicates == expected["duplicated"]
    assert report.quarantined["personal_data"] > 0 and report.quarantined["unknown_field"] > 0


def test_reingesting_the_sample_adds_nothing_downstream(built: Built):
    """Same files again: the same Bronze objects are rewritten (same names, same
    events; only the ingest time differs), so nothing is doubled downstream."""
    import gzip
    import json

    from ingest.pipeline import ingest_paths
    from ingest.sources import get_source
    from lakehouse.lake import LocalLake

    lake = LocalLake(built.settings.lake)

    def events() -> dict[str, list[str]]:
        return {
            item.key: sorted(
                json.loads(line)["event_id"]
                for line in gzip.decompress(lake.read_bytes(item.key)).splitlines()
            )
            for item in lake.list("bronze/sentinel/")
        }

    before = events()
    ingest_paths(get_source("sentinel"), lake, [built.sample / "sentinel"])
    assert events() == before
