"""Warehouse build time and memory on 90 days of turns, next to the floor.

A Bronze lake of `turns` LLM turns over 90 days is synthesised directly with
DuckDB (generating and ingesting 10 million turns through the sample generator
would take most of an hour and measure the ingest, which has its own
benchmark): heavy-tailed users (a cubic skew), 8-turn conversations, the price
list's model mix plus an unpriced model, prompt caching on most conversations,
a few crisis flags. Then, each in its own process so its peak memory is its
own:

- the floor: one plain DuckDB scan of the same raw files, reading every column;
- `dbt parse`: reading the project, which dbt does once per checkout and then
  only for the files that change (partial parsing), so it is timed on its own;
- a full `dbt build` (models and every test) into an empty warehouse;
- one more day of turns landed, and an incremental `dbt build`.

Targets (issue 4): full build within 3x the floor; the incremental day under
10% of the full build; peak memory under 4 GB at 10 million turns.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from benchmarks.report import Section
from lakehouse.dbt import ensure_profiles
from lakehouse.demo import PEPPER_ENV, enable_demo
from lakehouse.settings import PROJECT_ROOT

HERE = Path(__file__).parent
START = date(2026, 6, 1)
DAYS = 90

SYNTHESISE = (HERE / "synthesise_turns.sql").read_text()


FLOOR = (HERE / "floor_scan.sql").read_text()


def synthesise(
    lake: Path, *, first: int, count: int, start: date, days: int, users: int, name: str
) -> None:
    (lake / "bronze").mkdir(parents=True, exist_ok=True)
    sql = SYNTHESISE.format(
        first=first,
        last=first + count,
        count=count,
        users=users,
        start=start.isoformat(),
        seconds=days * 86_400,
        target=lake / "bronze" / "lambda_emf",
        name=name,
    )
    # In a process of its own: Linux reports a child's peak memory as at least its
    # parent's at the fork, so the measured steps must start from a small parent.
    subprocess.run(
        [sys.executable, "-c", f"import duckdb; duckdb.connect().execute({sql!r})"], check=True
    )


@dataclass
class Measured:
    seconds: float
    peak_mb: float


def time_split(measured: Measured, target: Path) -> str:
    """Where a dbt build's time went, from its run_results.json: dbt's start-up (the
    wall time before and after the nodes), and the seconds its models and its tests
    ran, added over dbt's threads."""
    results = json.loads((target / "run_results.json").read_text())
    spent: dict[str, float] = {}
    for node in results["results"]:
        kind = node["unique_id"].split(".")[0]
        spent[kind] = spent.get(kind, 0.0) + node["execution_time"]
    return (
        f"start-up {measured.seconds - results['elapsed_time']:.1f} s; "
        f"models {spent.get('model', 0):.1f} s, tests {spent.get('test', 0):.1f} s"
    )


# Runs the command given to it and writes the peak resident memory of that command
# (its process and theirs) to the file named first. Linux counts a child's peak as
# at least its parent's size when it forked, so the command is started from this
# small process rather than from the benchmark's, which holds the ingest suite's
# memory.
PEAK_WRAPPER = """
import resource, subprocess, sys
status = subprocess.run(sys.argv[2:]).returncode
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
open(sys.argv[1], "w").write(str(peak))
sys.exit(status)
"""


def measure(command: list[str], env: dict[str, str]) -> Measured:
    """Run a command in its own process; its wall time and peak resident memory."""
    with tempfile.TemporaryDirectory() as scratch, tempfile.TemporaryFile() as output:
        peak_file = Path(scratch) / "peak"
        wrapped = [sys.executable, "-c", PEAK_WRAPPER, str(peak_file), *command]
        started = time.perf_counter()
        status = subprocess.run(
            wrapped, env=env, cwd=PROJECT_ROOT, stdout=output, stderr=subprocess.STDOUT
        ).returncode
        seconds = time.perf_counter() - started
        if status != 0:
            output.seek(0)
            tail = output.read().decode(errors="replace")[-3000:]
            raise RuntimeError(f"{' '.join(command[:3])} failed:\n{tail}")
        peak_kb = int(peak_file.read_text())
    return Measured(seconds, peak_kb / 1024)


def run_size(turns: int, work: Path) -> list[list[object]]:
    lake, warehouse = work / "lake", work / "warehouse.duckdb"
    users = max(1_000, turns // 100)
    print(f"  synthesising {turns:,} turns of {users:,} users over {DAYS} days...", flush=True)
    synthesise(lake, first=0, count=turns, start=START, days=DAYS, users=users, name="base")
    env = {**os.environ, "SAGE_LAKE": str(lake), "SAGE_WAREHOUSE": str(warehouse)}
    env.pop(PEPPER_ENV, None)
    enable_demo(env)

    # The production build: models and data tests (unit tests test the code, in CI).
    def dbt(*command: str) -> list[str]:
        return [
            str(Path(sys.executable).parent / "dbt"), "--quiet", *command,
            "--profiles-dir", str(PROJECT_ROOT), "--target", "local",
            "--target-path", str(work / "target"), "--log-path", str(work / "logs"),
        ]  # fmt: skip

    build = dbt("build", "--exclude-resource-type", "unit_test")
    files = f"{lake}/bronze/lambda_emf/*/*/*.ndjson.gz"
    floor_script = (
        f"import duckdb; duckdb.connect().execute({FLOOR.format(files=files)!r}).fetchall()"
    )

    print("  floor: one plain scan...", flush=True)
    floor = measure([sys.executable, "-c", floor_script], env)
    print(f"    {floor.seconds:.1f}s; dbt parse...", flush=True)
    parse = measure(dbt("parse"), env)
    print(f"    {parse.seconds:.1f}s; full build...", flush=True)
    full = measure(build, env)
    full_split = time_split(full, work / "target")
    print(f"    {full.seconds:.1f}s; one more day, incremental build...", flush=True)
    day = turns // DAYS
    synthesise(
        lake,
        first=turns,
        count=day,
        start=START + timedelta(days=DAYS),
        days=1,
        users=users,
        name="late",
    )
    incremental = measure(build, env)
    incremental_split = time_split(incremental, work / "target")
    print(f"    {incremental.seconds:.1f}s", flush=True)
    label = f"{turns / 1e6:g}M turns"
    return [
        [
            label,
            "floor: one DuckDB scan of the raw files",
            round(floor.seconds, 1),
            "",
            round(floor.peak_mb),
            "",
            "",
        ],
        [
            label,
            "dbt parse (once per checkout; partial afterwards)",
            round(parse.seconds, 1),
            "",
            round(parse.peak_mb),
            "",
            "",
        ],
        [
            label,
            "full dbt build (models + tests)",
            round(full.seconds, 1),
            f"{full.seconds / floor.seconds:.1f}x floor",
            round(full.peak_mb),
            "3x floor",
            full_split,
        ],
        [
            label,
            "incremental build, one more day",
            round(incremental.seconds, 1),
            f"{100 * incremental.seconds / full.seconds:.0f}% of full",
            round(incremental.peak_mb),
            "10% of full",
            incremental_split,
        ],
    ]


def run(*, workdir: Path, sizes: tuple[int, ...] = (1_000_000, 10_000_000)) -> Section:
    ensure_profiles()
    workdir.mkdir(parents=True, exist_ok=True)
    rows = []
    for turns in sizes:
        work = Path(tempfile.mkdtemp(prefix="sage-bench-build-", dir=workdir))
        try:
            print(f"build benchmark, {turns:,} turns", flush=True)
            rows += run_size(turns, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return Section(
        "Warehouse build, 90 days of turns",
        ["size", "step", "seconds", "relative", "peak MB", "target", "where the time went"],
        rows,
        [
            "Bronze synthesised with DuckDB (heavy-tailed users, 8-turn conversations, the "
            "price list's model mix); other sources empty.",
            "Each step runs in its own process; peak MB is its maximum resident memory.",
            "A build's tests read the rows it wrote (`built_at`): every row in the full "
            "build, the look-back window's (3 days) in the incremental one.",
            "Where the time went: dbt's start-up is the wall time outside its nodes; models "
            "and tests are the seconds their nodes ran, added over dbt's 2 threads.",
            "Targets: full build within 3x the floor, incremental day under 10% of the full "
            "build, peak under 4 GB at 10M.",
        ],
    )
