"""The estimate as a report (reports/aws-cost.md), and the command that makes it."""

from __future__ import annotations

import argparse
import os
import tempfile
from datetime import date
from pathlib import Path

from benchmarks import aws_cost
from benchmarks.aws_cost.bronze_scan import bronze_section
from benchmarks.aws_cost.measure import Measurements, measure
from benchmarks.aws_cost.prices import DELIVERY, Line, estimate
from ingest.sample_run import generate_ingest_build
from lakehouse.dbt import run_dbt
from lakehouse.demo import PEPPER_ENV, enable_demo
from lakehouse.lake import open_lake
from lakehouse.settings import PROJECT_ROOT, Settings


def report(measured: Measurements, lines: list[Line], daily_users: int, command: str) -> str:
    first = sum(line.first_month for line in lines)
    steady = sum(line.steady_state for line in lines)
    out = [
        f"# AWS cost per month at {daily_users:,} daily users",
        "",
        f"Computed by `{command}` from a generated sample of {measured.users:,} users over "
        f"{measured.days} days ({measured.daily_users:,.1f} daily users on average, counted in "
        f"Silver), scaled x{daily_users / measured.daily_users:,.2f}. Prices: us-east-1 list "
        "prices (benchmarks/aws_cost/prices.py, PRICES).",
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
    for name, table_bytes in sorted(measured.tables.items()):
        out.append(f"- {name}: {table_bytes / 2**20:,.2f} MB as Parquet (zstd)")
    out += [
        "",
        "Steady state: raw and Bronze hold 90 days, Silver and Gold two years. Athena bytes are "
        "upper bounds (a query is priced as reading whole tables, though Parquet lets Athena "
        "read only the columns it needs). Not included: the app's own DynamoDB tables and "
        "Lambda functions, QuickSight, data transfer, CloudWatch metrics and logs.",
    ]
    return "\n".join(out) + "\n"


def run(args: argparse.Namespace) -> str:
    if not os.environ.get(PEPPER_ENV):
        enable_demo()  # generated sample data: the public demo pepper
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(args.workdir or scratch)
        sample, lake, target_path = work / "sample", work / "lake", work / "target"
        settings = Settings.from_env(
            lake=str(lake), warehouse=str(work / "warehouse.duckdb"), target="local"
        )
        built = generate_ingest_build(
            sample,
            lambda: open_lake(str(lake)),
            lambda: run_dbt(
                ["build", "--full-refresh", "--target-path", str(target_path)], settings, quiet=True
            ),
            users=args.users,
            days=args.days,
            start=date(2026, 9, 1),
            seed=args.seed,
        )
        measured = measure(
            sample, lake, settings.warehouse, target_path, built.manifest, built.ingest_cpu_seconds
        )
        columnar = bronze_section(lake, measured, args.days, date(2026, 9, 1), args.daily_users)
    lines = estimate(measured, args.daily_users, args.dashboard_queries_per_day)
    command = "python -m benchmarks.aws_cost " + " ".join(
        f"--{key.replace('_', '-')} {value}"
        for key, value in vars(args).items()
        if key not in ("out", "workdir")
    )
    return report(measured, lines, args.daily_users, command) + columnar


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.aws_cost", description=(aws_cost.__doc__ or "").split("\n\n")[0]
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
