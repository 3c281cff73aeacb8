"""What the warehouse costs per month on AWS, computed from a sample's real sizes.

    python -m sage.aws_cost [--daily-users 1000] [--users 1000 --days 30 --seed 7]

It generates a sample with ``sage generate`` (every source the generator
writes), ingests it into a lake, builds the warehouse with dbt on DuckDB, and
measures, per source: raw bytes, files and records (what Firehose delivers),
Bronze and quarantine bytes and objects, ingest CPU time; per Silver and Gold
table: its size as Parquet (zstd, as Athena writes Iceberg). The sample's
daily users are counted in Silver (distinct users with a turn, per day); every
volume is scaled from them to ``--daily-users`` and priced with PRICES below.

What is assumed rather than measured is stated in the report: the dashboard's
query count, Firehose's buffering, and where each source's raw data comes from.
Storage is shown for the first month and at steady state, once each layer holds
its full retention (raw and Bronze 90 days, Silver 2 years; Gold grows like
Silver, an upper bound).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sage.config import PROJECT_ROOT

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

# Retention (days) at steady state, as infra/ and the design set it.
RAW_DAYS = 90
BRONZE_DAYS = 90
SILVER_DAYS = 730
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
class SourceSize:
    raw_bytes: int = 0
    raw_files: int = 0
    raw_records: int = 0  # JSON documents (or lines): Firehose records
    bronze_bytes: int = 0
    bronze_objects: int = 0
    quarantine_bytes: int = 0
    quarantine_objects: int = 0
    landed: int = 0
    ingest_seconds: float = 0.0


@dataclass
class Measurements:
    users: int
    days: int
    daily_users: float  # mean distinct users with a turn per day in the sample
    sources: dict[str, SourceSize] = field(default_factory=dict)
    tables: dict[str, int] = field(default_factory=dict)  # "<layer>.<table>": Parquet bytes
    bronze_tables: dict[str, int] = field(default_factory=dict)  # lake table: Bronze bytes
    build_queries: int = 0  # nodes one `dbt build` runs (models, tests, seeds)
    views: int = 0  # of which views: DDL, which Athena does not charge
    lookback_days: int = 3
    incremental_reads: dict[str, list[str]] = field(default_factory=dict)  # model -> sources
    table_reads: dict[str, list[str]] = field(default_factory=dict)  # model -> tables it reads
    # what each data test reads: (tables, lake sources read through views)
    test_reads: list[tuple[list[str], list[str]]] = field(default_factory=list)


def count_records(data: bytes) -> int:
    """Concatenated JSON documents (Firehose records), else lines."""
    if data[:2] == b"\x1f\x8b":
        with contextlib.suppress(OSError, EOFError):  # truncated: count what is readable
            data = gzip.decompress(data)
    text = data.decode("utf-8", "replace")
    decoder = json.JSONDecoder()
    count, position = 0, 0
    try:
        while True:
            while position < len(text) and text[position].isspace():
                position += 1
            if position >= len(text):
                return count
            _, position = decoder.raw_decode(text, position)
            count += 1
    except json.JSONDecodeError:
        return text.count("\n") + (0 if text.endswith("\n") else 1)


def folder_size(folder: Path) -> tuple[int, int]:
    files = [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []
    return sum(path.stat().st_size for path in files), len(files)


def measure(
    sample: Path, lake: Path, warehouse: str, target_path: Path, manifest: dict, seconds: dict
) -> Measurements:
    """Sizes of a generated, ingested and built sample (generic over its sources)."""
    import duckdb

    connection = duckdb.connect(warehouse, read_only=True)
    schema = "innerverse"
    daily = connection.execute(
        f"select avg(users) from (select turn_date, count(distinct user_key) as users "
        f"from {schema}_silver.turns group by 1)"
    ).fetchone()[0]
    measured = Measurements(manifest["users"], manifest["days"], float(daily or 0))
    for name in manifest["sources"]:
        size = SourceSize(ingest_seconds=seconds.get(name, 0.0))
        for path in sorted((sample / name).rglob("*")):
            if path.is_file():
                size.raw_bytes += path.stat().st_size
                size.raw_files += 1
                size.raw_records += count_records(path.read_bytes())
        # A source lands in bronze/<source>/ or, one table each, bronze/<source>_<table>/.
        for folder in sorted((lake / "bronze").glob(f"{name}*")):
            if folder.name == name or folder.name.startswith(f"{name}_"):
                table_bytes, objects = folder_size(folder)
                measured.bronze_tables[folder.name] = table_bytes
                size.bronze_bytes += table_bytes
                size.bronze_objects += objects
        size.quarantine_bytes, size.quarantine_objects = folder_size(lake / "quarantine" / name)
        measured.sources[name] = size

    with tempfile.TemporaryDirectory() as parquet:
        for layer in ("silver", "private", "gold", "reference"):
            tables = connection.execute(
                "select table_name from information_schema.tables "
                "where table_schema = ? and table_type = 'BASE TABLE'",
                [f"{schema}_{layer}"],
            ).fetchall()
            for (table,) in tables:
                path = Path(parquet, f"{layer}.{table}.parquet")
                connection.execute(
                    f"copy (select * from {schema}_{layer}.{table}) to '{path}' "
                    "(format parquet, compression zstd)"
                )
                measured.tables[f"{layer}.{table}"] = path.stat().st_size
    connection.close()

    _read_graph(measured, json.loads((target_path / "manifest.json").read_text()))
    return measured


def _read_graph(measured: Measurements, dbt_manifest: dict) -> None:
    """Which sources and tables each model and test reads, from dbt's manifest."""
    nodes = dbt_manifest["nodes"]
    # One query (at least) per seed, model, data test and unit test of a `dbt build`.
    measured.build_queries = len(dbt_manifest.get("unit_tests", {})) + sum(
        node["resource_type"] in ("seed", "model", "test") and node["package_name"] == "innerverse"
        for node in nodes.values()
    )
    measured.lookback_days = int(dbt_manifest.get("vars", {}).get("lookback_days", 3) or 3)

    def parents_of(unique_id: str) -> list[str]:
        return nodes[unique_id].get("depends_on", {}).get("nodes", [])

    def is_view(node: dict) -> bool:
        return node["resource_type"] == "model" and node["config"]["materialized"] == "view"

    def layer_table(node: dict) -> str:
        return f"{node['schema'].rsplit('_', 1)[-1]}.{node['alias']}"

    def lake_sources(unique_id: str) -> set[str]:
        """Lake tables read directly or through views."""
        found: set[str] = set()
        for parent in parents_of(unique_id):
            if parent.startswith("source."):
                source = dbt_manifest["sources"][parent]
                if source["source_name"] == "lake":
                    found.add(source["name"])
            elif is_view(nodes[parent]):
                found |= lake_sources(parent)
        return found

    def stored_parents(unique_id: str) -> list[str]:
        """Tables read directly or through views."""
        found: list[str] = []
        for parent in parents_of(unique_id):
            if parent.startswith("source."):
                continue
            node = nodes[parent]
            found += stored_parents(parent) if is_view(node) else [layer_table(node)]
        return found

    for unique_id, node in nodes.items():
        if node["resource_type"] == "test":
            measured.test_reads.append((stored_parents(unique_id), sorted(lake_sources(unique_id))))
        elif is_view(node):
            measured.views += 1
        elif node["resource_type"] == "model":
            measured.table_reads[layer_table(node)] = stored_parents(unique_id)
            if node["config"]["materialized"] == "incremental":
                measured.incremental_reads[layer_table(node)] = sorted(lake_sources(unique_id))


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


def report(measured: Measurements, lines: list[Line], daily_users: int, command: str) -> str:
    first = sum(line.first_month for line in lines)
    steady = sum(line.steady_state for line in lines)
    out = [
        f"# AWS cost per month at {daily_users:,} daily users",
        "",
        f"Computed by `{command}` from a generated sample of {measured.users:,} users over "
        f"{measured.days} days ({measured.daily_users:,.1f} daily users on average, counted in "
        f"Silver), scaled x{daily_users / measured.daily_users:,.2f}. Prices: us-east-1 list "
        "prices (sage/aws_cost.py, PRICES).",
        "",
        "| service | item | first month | steady state | basis |",
        "|---|---|---:|---:|---|",
    ]
    out += [
        f"| {line.service} | {line.item} | ${line.first_month:,.2f} | ${line.steady_state:,.2f} "
        f"| {line.basis} |"
        for line in lines
    ]
    out += [f"| **total** | | **${first:,.2f}** | **${steady:,.2f}** | |", "", "Measured sample:"]
    for name, size in measured.sources.items():
        flagged = {
            "api": " (arrives through an API, the telemetry API or the OTLP endpoint: not priced)",
            None: " (delivery path not known: priced as Firehose)",
        }.get(DELIVERY.get(name), "")
        out.append(
            f"- {name}: raw {size.raw_bytes / 2**20:,.1f} MB in {size.raw_files:,} files "
            f"({size.raw_records:,} records), Bronze {size.bronze_bytes / 2**20:,.1f} MB in "
            f"{size.bronze_objects:,} objects, quarantine {size.quarantine_bytes / 2**20:,.2f} MB, "
            f"ingest {size.ingest_seconds:,.1f} s{flagged}"
        )
    for name, size in sorted(measured.tables.items()):
        out.append(f"- {name}: {size / 2**20:,.2f} MB as Parquet (zstd)")
    out += [
        "",
        "Steady state: raw and Bronze hold 90 days, Silver and Gold two years. Athena bytes are "
        "upper bounds (a query is priced as reading whole tables, though Parquet lets Athena "
        "read only the columns it needs). Not included: the app's own DynamoDB tables and "
        "Lambda functions, QuickSight, data transfer, CloudWatch metrics and logs.",
    ]
    return "\n".join(out) + "\n"


def run(args: argparse.Namespace) -> str:
    from ingest.lake import open_lake
    from ingest.pipeline import ingest_paths
    from ingest.sources import SOURCES, get_source
    from sage.config import Settings
    from sage.dbt import run_dbt
    from sample_data.generate import generate

    if not os.environ.get("SAGE_PEPPER"):
        os.environ["SAGE_DEMO"] = "1"  # generated sample data: the public demo pepper
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(args.workdir or scratch)
        sample, lake, target_path = work / "sample", work / "lake", work / "target"
        manifest = generate(
            sample, users=args.users, days=args.days, start=date(2026, 9, 1), seed=args.seed
        )
        seconds: dict[str, float] = {}
        for name in manifest["sources"]:
            if name not in SOURCES:
                continue
            started = time.process_time()
            ingest_paths(get_source(name), open_lake(str(lake)), [sample / name])
            seconds[name] = time.process_time() - started
        settings = Settings.from_env(
            lake=str(lake), warehouse=str(work / "warehouse.duckdb"), target="local"
        )
        run_dbt(
            ["build", "--full-refresh", "--target-path", str(target_path)], settings, quiet=True
        )
        measured = measure(sample, lake, settings.warehouse, target_path, manifest, seconds)
    lines = estimate(measured, args.daily_users, args.dashboard_queries_per_day)
    command = "python -m sage.aws_cost " + " ".join(
        f"--{key.replace('_', '-')} {value}"
        for key, value in vars(args).items()
        if key not in ("out", "workdir")
    )
    return report(measured, lines, args.daily_users, command)


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sage.aws_cost", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--daily-users", type=int, default=1000)
    parser.add_argument("--users", type=int, default=1000, help="simulated users in the sample")
    parser.add_argument("--days", type=int, default=30, help="days in the sample")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dashboard-queries-per-day", type=int, default=200)
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "reports" / "aws-cost.md")
    parser.add_argument("--workdir", type=Path, help="keep the sample, lake and warehouse here")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    text = run(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text, end="")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
