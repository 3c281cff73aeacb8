"""What AWS charges, and how the measured volumes of a sample, scaled to a number
of daily users, become a monthly bill line by line.
"""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks.aws_cost.measure import Measurements
from privacy.retention import BRONZE_DAYS, SILVER_YEARS

# USD, region us-east-1, on-demand list prices from the AWS pricing pages
# (aws.amazon.com/athena/pricing, /s3/pricing, /firehose/pricing,
# /lambda/pricing, /eventbridge/pricing, /dynamodb/pricing, /kms/pricing), as
# published in 2025. Update here when they change.
PRICES = {
    "athena_per_tb_scanned": 5.00,  # per TB (2**40 bytes) scanned
    "athena_min_bytes_per_query": 10 * 2**20,  # every query is billed at least 10 MB
    "s3_standard_per_gb_month": 0.023,  # first 50 TB
    "s3_put_per_1000": 0.005,
    "s3_get_per_1000": 0.0004,
    "firehose_per_gb": 0.029,  # Direct PUT ingestion, first 500 TB a month
    "firehose_record_rounding_bytes": 5 * 2**10,  # each record billed as at least 5 KB
    "lambda_per_gb_second": 0.0000166667,  # x86
    "lambda_per_million_requests": 0.20,
    "pipes_per_million_requests": 0.40,  # EventBridge Pipes, one request per 64 KB chunk
    "dynamodb_stream_read_per_100k": 0.02,  # streams read request units
    "kms_key_per_month": 1.00,  # the one customer-managed key
}
DAYS_PER_MONTH = 30.44
GB = 2**30
TB = 2**40

# Retention (days) at steady state, as privacy/retention.py sets it (and infra/s3.tf
# expires the lake): the raw bucket keeps what Bronze keeps, Silver its two years.
RAW_DAYS = BRONZE_DAYS
SILVER_DAYS = SILVER_YEARS * 365
# How each source's raw data reaches S3 (infra/firehose.tf): through Firehose (turn
# logs; DynamoDB streams through EventBridge Pipes), written by the service itself
# (CloudFront's standard logs), or through an API: the partner-telemetry API (API
# Gateway) and the OTLP endpoint (a function URL), whose requests and functions
# are not priced here. A source not listed
# is priced as Firehose, the costlier path, and flagged in the report.
DELIVERY = {
    "lambda_emf": "firehose",
    "dynamodb": "firehose",
    "sentinel": "firehose",
    "cloudfront": "s3",
    "partner_telemetry": "api",
    "otel": "api",
}
# Sources that are DynamoDB stream records (the app tables, the observations table).
CHANGE_CAPTURE = {"dynamodb", "sentinel"}
FIREHOSE_BUFFER_SECONDS = 300  # infra/firehose.tf buffering_interval
FIREHOSE_BUFFER_BYTES = 64 * 2**20  # buffering_size
INGEST_MEMORY_GB = 1.0  # infra/lambda.tf memory_size of ingest_raw
# Assumed, not measured: wall time an invocation bills beyond the parsing measured
# here (start-up, one S3 GET of the raw object, PUTs of Bronze and quarantine).
INGEST_OVERHEAD_SECONDS = 0.2


@dataclass
class Line:
    service: str
    item: str
    first_month: float
    steady_state: float
    basis: str


def estimate(measured: Measurements, daily_users: int, dashboard_queries: int) -> list[Line]:
    if measured.daily_users <= 0:
        raise ValueError("the sample has no daily users: nothing to scale")
    scale = daily_users / measured.daily_users
    per_day = scale / measured.days  # sample quantity -> quantity per day at daily_users
    month = DAYS_PER_MONTH
    p = PRICES
    lines: list[Line] = []

    # Storage: GB held (first month / steady state) x price.
    def storage(item: str, bytes_per_day: float, retention_days: int, basis: str) -> None:
        first = bytes_per_day * min(month, retention_days) / GB
        steady = bytes_per_day * retention_days / GB
        price = p["s3_standard_per_gb_month"]
        lines.append(
            Line("S3", item, first * price, steady * price, f"{basis}; {steady:,.1f} GB held")
        )

    raw_day = sum(s.raw_bytes for s in measured.sources.values()) * per_day
    bronze_day = (
        sum(s.bronze_bytes + s.quarantine_bytes for s in measured.sources.values()) * per_day
    )
    silver_day = sum(v for k, v in measured.tables.items() if not k.startswith("gold.")) * per_day
    gold_day = sum(v for k, v in measured.tables.items() if k.startswith("gold.")) * per_day
    storage("raw bucket", raw_day, RAW_DAYS, f"{raw_day / 2**20:,.1f} MB/day, kept {RAW_DAYS} days")
    storage(
        "lake (Bronze + quarantine)", bronze_day, BRONZE_DAYS,
        f"{bronze_day / 2**20:,.1f} MB/day NDJSON.gz, kept {BRONZE_DAYS} days",
    )  # fmt: skip
    storage(
        "Silver (Parquet)", silver_day, SILVER_DAYS,
        f"{silver_day / 2**20:,.2f} MB/day, kept {SILVER_DAYS} days",
    )  # fmt: skip
    storage(
        "Gold (Parquet)", gold_day, SILVER_DAYS, f"{gold_day / 2**20:,.2f} MB/day (upper bound)"
    )

    # Delivery: Firehose for sources that come through it, each record >= 5 KB.
    firehose_bytes = 0.0
    firehose_streams = 0
    for name, size in measured.sources.items():
        if DELIVERY.get(name, "firehose") != "firehose":
            continue
        firehose_streams += 1
        records = size.raw_records * per_day
        firehose_bytes += max(
            size.raw_bytes * per_day, records * p["firehose_record_rounding_bytes"]
        )
    firehose = firehose_bytes * month / GB * p["firehose_per_gb"]
    lines.append(Line(
        "Firehose", "ingestion", firehose, firehose,
        f"{firehose_bytes * month / GB:,.2f} GB/month billed ({firehose_streams} stream(s), "
        "records rounded up to 5 KB)",
    ))  # fmt: skip

    # Ingest functions: one invocation per delivered object; CPU time measured here.
    objects_per_day = 0.0
    seconds_per_day = 0.0  # parsing CPU time, measured
    for name, size in measured.sources.items():
        daily_bytes = size.raw_bytes * per_day
        if daily_bytes == 0:
            continue
        if DELIVERY.get(name, "firehose") == "firehose":  # an object per buffer interval
            objects_per_day += max(
                86400 / FIREHOSE_BUFFER_SECONDS, daily_bytes / FIREHOSE_BUFFER_BYTES
            )
        else:  # objects as the service writes them, as many as in the sample
            objects_per_day += size.raw_files * per_day
        seconds_per_day += size.ingest_seconds * per_day
    invocations = objects_per_day * month
    seconds = seconds_per_day * month + invocations * INGEST_OVERHEAD_SECONDS
    gb_seconds = seconds * INGEST_MEMORY_GB
    compute = gb_seconds * p["lambda_per_gb_second"]
    requests = invocations / 1e6 * p["lambda_per_million_requests"]
    lines.append(Line(
        "Lambda", "ingest", compute + requests, compute + requests,
        f"{invocations:,.0f} invocations, {gb_seconds:,.0f} GB-s (parsing time measured, "
        f"+{INGEST_OVERHEAD_SECONDS:g} s each assumed for start-up and S3; "
        f"{INGEST_MEMORY_GB:g} GB functions)",
    ))  # fmt: skip

    # S3 requests: Firehose and ingest PUTs, ingest GETs of raw objects.
    bronze_puts = sum(s.bronze_objects + s.quarantine_objects for s in measured.sources.values())
    raw_files = sum(s.raw_files for s in measured.sources.values()) or 1
    puts = (objects_per_day + objects_per_day * bronze_puts / raw_files) * month
    gets = objects_per_day * month
    s3_requests = puts / 1000 * p["s3_put_per_1000"] + gets / 1000 * p["s3_get_per_1000"]
    lines.append(Line(
        "S3", "requests", s3_requests, s3_requests,
        f"{puts:,.0f} PUT, {gets:,.0f} GET a month (raw objects, Bronze and quarantine objects)",
    ))  # fmt: skip

    # Athena: one incremental `dbt build` a day, and the dashboard.
    def table_bytes(name: str, days_held: float) -> float:
        return measured.tables.get(name, 0) * per_day * days_held

    def bronze_bytes(lake_tables: list[str], days: float) -> float:
        sizes = measured.bronze_tables
        return sum(sizes.get(table, 0) * per_day * days for table in lake_tables)

    def athena(days_held: float) -> tuple[float, float]:
        """Bytes scanned a month: nightly build, dashboard."""
        minimum = p["athena_min_bytes_per_query"]
        scanned = 0.0
        for model, parents in measured.table_reads.items():
            read = sum(table_bytes(parent, days_held) for parent in parents)
            if model in measured.incremental_reads:
                # the look-back window of Bronze, and the merge reads the target table
                window = measured.lookback_days + 1
                read += bronze_bytes(measured.incremental_reads[model], window)
                read += table_bytes(model, days_held)
            scanned += max(minimum, read)
        for tables, sources in measured.test_reads:
            # a test of a Bronze view reads all of Bronze
            read = bronze_bytes(sources, min(days_held, BRONZE_DAYS))
            scanned += max(minimum, read + sum(table_bytes(t, days_held) for t in tables))
        # seeds, unit tests: small queries, billed the minimum; views are free DDL
        other = (
            measured.build_queries
            - measured.views
            - len(measured.table_reads)
            - len(measured.test_reads)
        )
        scanned += max(0, other) * minimum
        gold = [table_bytes(n, days_held) for n in measured.tables if n.startswith("gold.")]
        dashboard = dashboard_queries * max(minimum, sum(gold) / max(1, len(gold)))
        return scanned * month, dashboard * month

    build_first, dashboard_first = athena(month)
    build_steady, dashboard_steady = athena(SILVER_DAYS)
    price = p["athena_per_tb_scanned"] / TB
    lines.append(Line(
        "Athena", "nightly dbt build", build_first * price, build_steady * price,
        f"{measured.build_queries} queries a build (each billed >= 10 MB); "
        f"{build_steady / GB:,.1f} GB/month scanned at steady state",
    ))  # fmt: skip
    lines.append(Line(
        "Athena", f"dashboard ({dashboard_queries} queries/day, assumed)",
        dashboard_first * price, dashboard_steady * price,
        f"Gold tables, {dashboard_steady / GB:,.1f} GB/month at steady state",
    ))  # fmt: skip

    # DynamoDB streams into the lake: Pipes requests and stream reads, per change record.
    changes = (
        sum(s.raw_records for name, s in measured.sources.items() if name in CHANGE_CAPTURE)
        * per_day
        * month
    )
    dynamodb = (
        changes / 1e6 * p["pipes_per_million_requests"]
        + changes / 1e5 * p["dynamodb_stream_read_per_100k"]
    )
    lines.append(Line(
        "DynamoDB + Pipes", "change capture", dynamodb, dynamodb,
        f"{changes:,.0f} change records a month"
        + ("" if changes else " (no DynamoDB source in this sample)"),
    ))  # fmt: skip

    lines.append(Line("KMS", "customer-managed key", p["kms_key_per_month"], p["kms_key_per_month"],
                      "1 key; S3 bucket keys keep request charges negligible"))  # fmt: skip
    return lines
