"""The AWS cost estimate: it runs on a generated sample, and its arithmetic scales."""

from __future__ import annotations

import gzip

from benchmarks.aws_cost import measure as aws_measure
from benchmarks.aws_cost import prices as aws_prices
from benchmarks.aws_cost import report as aws_report
from benchmarks.aws_cost.bronze_scan import BronzeSizes, nightly_scan
from lakehouse.settings import PROJECT_ROOT
from tests.conftest import Built


def test_the_estimate_runs_end_to_end(tmp_path, capsys):
    out = tmp_path / "aws-cost.md"
    assert aws_report.main(["--users", "30", "--days", "2", "--out", str(out)]) == 0
    text = out.read_text()
    assert text == capsys.readouterr().out.split(f"written to {out}")[0]
    assert "# AWS cost per month at 1,000 daily users" in text
    assert "- lambda_emf: raw " in text  # every generated source is measured
    total = next(line for line in text.splitlines() if line.startswith("| **total**"))
    first, steady = (float(cell.strip(" *$").replace(",", "")) for cell in total.split("|")[3:5])
    assert 0 < first <= steady
    # The Bronze an Athena nightly build scans, before and after the daily rollup.
    assert "## Bronze scanned by the nightly build on Athena" in text
    bronze = next(line for line in text.splitlines() if line.startswith("| **total** | **"))
    before, after = (float(cell.strip(" *GB").replace(",", "")) for cell in bronze.split("|")[2:4])
    assert 0 < after < before


def test_the_rollup_cuts_what_the_guard_reads_of_the_closed_days():
    """90 days of Bronze at 100 bytes a day of NDJSON.gz, 2 of them the Parquet id column:
    the guard reads all 90 days before, and after only the 4 open days in full."""
    sizes = BronzeSizes(
        days=1,
        ndjson_per_day={"lambda_emf": 100.0},
        parquet_per_day={"lambda_emf": 40.0},
        column_per_day={"lambda_emf": {"uid": 1.0, "cid": 1.0, "tokens_in": 38.0}},
    )
    before, after = nightly_scan(sizes, 1.0, {"silver.turns": ["lambda_emf"]}, [], 3)
    assert before.incremental == after.incremental == 400  # the look-back: open days
    assert before.guard == 9000
    assert after.guard == 4 * 100 + 86 * 2  # open days whole, closed days uid and cid


def measured(built: Built) -> aws_measure.Measurements:
    return aws_measure.measure(
        built.sample,
        built.root / "lake",
        built.settings.warehouse,
        PROJECT_ROOT / "target",
        built.manifest,
        {name: 1.0 for name in built.manifest["sources"]},
    )


def test_sizes_are_measured_from_the_sample(built: Built):
    sizes = measured(built)
    emf = sizes.sources["lambda_emf"]
    payloads = sum(
        gzip.decompress(path.read_bytes()).count(b'{"messageType"')
        for path in (built.sample / "lambda_emf").rglob("*.gz")
    )
    assert emf.raw_records == payloads  # one Firehose record per CloudWatch Logs payload
    assert emf.bronze_objects == built.reports["lambda_emf"].bronze_objects
    assert sizes.tables["silver.turns"] > 0
    assert 0 < sizes.daily_users <= built.manifest["users"]
    # the turn logs and the spans, and the erasure ledger every user-keyed model reads
    assert sizes.incremental_reads["silver.turns"] == ["erasure_requests", "lambda_emf", "otel"]


def test_volume_driven_costs_scale_with_daily_users(built: Built):
    sizes = measured(built)
    at = {
        users: {line.item: line for line in aws_prices.estimate(sizes, users, dashboard_queries=0)}
        for users in (1000, 2000)
    }
    for item in ("raw bucket", "lake (Bronze + quarantine)", "Silver (Parquet)", "ingestion"):
        assert at[2000][item].steady_state > 0
        assert abs(at[2000][item].steady_state - 2 * at[1000][item].steady_state) < 1e-9
    assert at[2000]["customer-managed key"].steady_state == aws_prices.PRICES["kms_key_per_month"]
