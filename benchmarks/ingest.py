"""Ingest throughput per source, on one core, into a local lake.

A sample is generated once (not timed); each source's files are then read,
parsed, validated, enriched and written to Bronze and quarantine, as `sage
ingest` does. CPU time is reported next to wall time: the ingest is single
threaded, so records per CPU-second is the per-core rate.

The two sources with a target run each way: with their fast path (what `sage
ingest` uses) and with the reference parser, record by record. CloudFront also
runs without the user-agent cache: the fast path then parses each file's
distinct user agents with ua-parser, the reference parser every line's.
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from benchmarks.report import Section
from ingest.enrich import UserAgentClassifier
from ingest.pipeline import ingest_paths
from ingest.sources import SOURCES, Source, cloudfront
from lakehouse.lake import LocalLake
from sample_data.generate import generate

TARGETS = {"cloudfront": 50_000, "lambda_emf": 100_000}
A_USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0.0.0 Safari/537.36"


class TimedLake(LocalLake):
    """A local lake that adds up the CPU time spent writing objects (files, folders)."""

    def __init__(self, root: Path):
        super().__init__(root)
        self.write_cpu = 0.0

    def write_bytes(self, key: str, data: bytes) -> None:
        start = time.process_time()
        super().write_bytes(key, data)
        self.write_cpu += time.process_time() - start


@dataclass
class Run:
    name: str
    source: Source
    reference: bool = False
    variant: str = ""

    @property
    def label(self) -> str:
        notes = [
            note for note in ("reference parser" if self.reference else "", self.variant) if note
        ]
        return self.name + (f" ({', '.join(notes)})" if notes else "")


def _with_agents(agents: UserAgentClassifier) -> Source:
    source = SOURCES["cloudfront"]
    return replace(
        source,
        parse=functools.partial(cloudfront.parse, agents=agents),
        land=functools.partial(cloudfront.land, agents=agents),
    )


def run(*, users: int = 1000, days: int = 14, seed: int = 3, workdir: Path) -> Section:
    """``workdir`` holds the sample and the lakes: a folder on the disk the lake would be on
    (the default is the repository's reports/, next to `sage ingest`'s default ./lake)."""
    workdir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".bench-ingest-", dir=workdir))
    load = os.getloadavg()[0]
    try:
        sample = work / "sample"
        print(f"generating a sample of {users:,} users over {days} days (not timed)...", flush=True)
        generate(sample, users=users, days=days, start=date(2026, 9, 1), seed=seed)
        start = time.process_time()
        cached, uncached = UserAgentClassifier(), UserAgentClassifier(cache_size=0)
        for agents in (cached, uncached):
            agents.classify(A_USER_AGENT)  # ua-parser compiles its rules on first use
        startup = (time.process_time() - start) / 2
        resolver = "ua-parser-rs (regex)" if cached.accelerated else "pure Python"
        print(f"user-agent resolver: {resolver}, {startup:.2f} CPU s to start", flush=True)

        with_cache, without_cache = _with_agents(cached), _with_agents(uncached)
        runs = [
            Run("lambda_emf", SOURCES["lambda_emf"]),
            Run("lambda_emf", SOURCES["lambda_emf"], reference=True),
            Run("cloudfront", with_cache),
            Run("cloudfront", without_cache, variant="no user-agent cache"),
            Run("cloudfront", with_cache, reference=True),
            Run("cloudfront", without_cache, reference=True, variant="no user-agent cache"),
        ]
        runs += [Run(name, source) for name, source in SOURCES.items() if source.land is None]
        rows = []
        for number, bench in enumerate(runs):
            lake = TimedLake(work / f"lake-{number}")
            wall, cpu = time.perf_counter(), time.process_time()
            report = ingest_paths(
                bench.source, lake, [sample / bench.name], reference=bench.reference
            )
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            headline = not bench.reference and not bench.variant
            target = TARGETS.get(bench.name) if headline else None
            rate = report.records_read / cpu
            rows.append(
                [
                    bench.label,
                    report.records_read,
                    round(wall, 2),
                    round(cpu, 2),
                    round(lake.write_cpu, 2),
                    round(report.records_read / wall),
                    round(rate),
                    round(report.records_read / (cpu - lake.write_cpu)),
                    f"{target:,}" if target else "",
                    ("met" if rate >= target else "missed") if target else "",
                ]
            )
            print(f"  {bench.label}: {rows[-1][6]:,} records per CPU-second", flush=True)
        return Section(
            "Ingest, one core, local lake",
            [
                "source",
                "records",
                "wall s",
                "CPU s",
                "of which writing files",
                "records/s (wall)",
                "records/CPU-s",
                "records/CPU-s, writing files aside",
                "target",
                "",
            ],
            rows,
            [
                f"Sample: {users:,} users, {days} days, seed {seed}, with its usual ~1% defects.",
                "Records include duplicates and quarantined ones: every record read is counted.",
                "Fast path: what `sage ingest` runs; reference parser: record by record, the "
                "behaviour the fast path is tested to reproduce line for line.",
                f"User agents: {resolver}; its start-up ({startup:.2f} CPU s, once per "
                "process) is not counted. Without the cache the fast path parses each file's "
                "distinct user agents, the reference parser every line's.",
                f"Lake: a local folder under {workdir.resolve()}. 'Writing files' is the CPU "
                "time spent creating folders and writing objects (not compressing them): on a "
                "virtual machine's disk it varies from run to run more than anything else.",
                "Targets are judged on records/CPU-s, everything included.",
                f"Load average when the run started: {load:.1f} on {os.cpu_count()} cores; "
                "other processes on the machine slow a run down, in CPU time too.",
            ],
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
