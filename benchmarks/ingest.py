"""Ingest throughput per source, on one core, into a local lake.

A sample is generated once (not timed); each source's files are then read,
parsed, validated, enriched and written to Bronze and quarantine, as `sage
ingest` does. CPU time is reported next to wall time: the ingest is single
threaded, so records per CPU-second is the per-core rate. CloudFront runs twice:
with the user-agent cache and without it (every line parsed by ua-parser).
"""

from __future__ import annotations

import functools
import shutil
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

from benchmarks.report import Section
from ingest.enrich import UserAgentClassifier
from ingest.lake import LocalLake
from ingest.pipeline import ingest_paths
from ingest.sources import SOURCES, cloudfront
from sample_data.generate import generate

TARGETS = {"cloudfront": 50_000, "lambda_emf": 100_000}


def run(*, users: int = 1000, days: int = 14, seed: int = 3) -> Section:
    work = Path(tempfile.mkdtemp(prefix="sage-bench-ingest-"))
    try:
        sample = work / "sample"
        print(f"generating a sample of {users:,} users over {days} days (not timed)...", flush=True)
        generate(sample, users=users, days=days, start=date(2026, 9, 1), seed=seed)
        agents = UserAgentClassifier()
        resolver = "ua-parser-rs (regex)" if agents.accelerated else "pure Python"
        print(f"user-agent resolver: {resolver}", flush=True)
        runs = [(name, SOURCES[name], "") for name in SOURCES]
        uncached = replace(
            SOURCES["cloudfront"],
            parse=functools.partial(cloudfront.parse, agents=UserAgentClassifier(cache_size=0)),
        )
        runs.insert(2, ("cloudfront", uncached, "no user-agent cache"))
        rows = []
        for name, source, variant in runs:
            lake = LocalLake(work / f"lake-{name}-{len(rows)}")
            wall, cpu = time.perf_counter(), time.process_time()
            report = ingest_paths(source, lake, [sample / name])
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            target = TARGETS.get(name) if not variant else None
            rate = report.records_read / cpu
            rows.append(
                [
                    name + (f" ({variant})" if variant else ""),
                    report.records_read,
                    round(wall, 2),
                    round(cpu, 2),
                    round(report.records_read / wall),
                    round(rate),
                    f"{target:,}" if target else "",
                    ("met" if rate >= target else "missed") if target else "",
                ]
            )
            print(f"  {rows[-1][0]}: {rows[-1][5]:,} records per CPU-second", flush=True)
        return Section(
            "Ingest, one core, local lake",
            [
                "source",
                "records",
                "wall s",
                "CPU s",
                "records/s (wall)",
                "records/CPU-s",
                "target",
                "",
            ],
            rows,
            [
                f"Sample: {users:,} users, {days} days, seed {seed}, with its usual ~1% defects.",
                "Records include duplicates and quarantined ones: every record read is counted.",
            ],
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
