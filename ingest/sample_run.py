"""A generated sample, ingested and built: the one path from nothing to a warehouse
that ``sage demo``, the AWS cost estimate and the test suite all take.

The sample comes from sample_data/ (``sage generate``), every source it wrote is
ingested into the lake, and ``build`` (dbt, as the caller runs it) turns the lake
into a warehouse. What each stage took is kept: wall time per stage, and the CPU
time of each source's ingest (the ingest is single threaded).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ingest.pipeline import IngestReport, ingest_paths
from ingest.sources import SOURCES, get_source
from lakehouse.lake import Lake

IngestProgress = Callable[[int, int, IngestReport], None]


@dataclass
class SampleRun:
    sample: Path
    manifest: dict[str, Any]
    reports: dict[str, IngestReport] = field(default_factory=dict)
    ingest_cpu_seconds: dict[str, float] = field(default_factory=dict)
    timings: list[tuple[str, float]] = field(default_factory=list)  # (stage, wall seconds)
    build_result: object = None


def generate_ingest_build(
    sample: Path,
    lake: Callable[[], Lake],
    build: Callable[[], object],
    *,
    users: int,
    days: int,
    start: date,
    seed: int,
    generate_progress: Callable[[int, int], None] | None = None,
    ingest_progress: Callable[[str], IngestProgress | None] | None = None,
    ingested: Callable[[IngestReport, Lake], None] | None = None,
) -> SampleRun:
    """Generate a sample under ``sample``, ingest it into the lake ``lake()`` opens
    (called once the sample is written), run ``build``.

    ``ingest_progress(source)`` may give a progress callback for that source's
    ingest; ``ingested(report, lake)`` hears of each source once it is in."""
    from sample_data.generate import generate

    started = time.monotonic()
    manifest = generate(
        sample, users=users, days=days, start=start, seed=seed, progress=generate_progress
    )
    run = SampleRun(sample, manifest)
    run.timings.append(("generate", time.monotonic() - started))

    started = time.monotonic()
    target = lake()
    for name in manifest["sources"]:
        if name not in SOURCES:
            continue
        cpu = time.process_time()
        progress = ingest_progress(name) if ingest_progress else None
        report = ingest_paths(get_source(name), target, [sample / name], progress=progress)
        run.ingest_cpu_seconds[name] = time.process_time() - cpu
        run.reports[name] = report
        if ingested:
            ingested(report, target)
    run.timings.append(("ingest", time.monotonic() - started))

    started = time.monotonic()
    run.build_result = build()
    run.timings.append(("dbt build", time.monotonic() - started))
    return run
