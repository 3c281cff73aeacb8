"""Warehouse build time and memory on 90 days of turns, next to the floor and a Spark peer.

A Bronze lake of `turns` LLM turns over 90 days is synthesised directly with
DuckDB (generating and ingesting 10 million turns through the sample generator
would take most of an hour and measure the ingest, which has its own
benchmark): heavy-tailed users (a cubic skew), 8-turn conversations, the price
list's model mix plus an unpriced model, prompt caching on most conversations,
a few crisis flags. Then, each in its own process so its peak memory is its
own, in this order:

- the floor: one plain DuckDB scan of the raw NDJSON.gz files, reading every column;
- the Spark peer (benchmarks/spark_peer.py, PySpark `local[2]` in `.venv-spark`):
  the same raw files to the cost summary; and the project's own path from the
  same raw files (`dbt build --select +gold_cost_all_time`, models only), the
  totals of the two compared;
- `sage rollup` of the 90 days: every day to Parquet, checked, NDJSON removed;
- one plain DuckDB scan of the Parquet Bronze, the same columns as the floor;
- `dbt parse`: reading the project, which dbt does once per checkout and then
  only for the files that change (partial parsing), so it is timed on its own;
- the project's path to the cost summary again, over the Parquet;
- a full `dbt build` (models and every test) into an empty warehouse;
- one more day of turns landed, rolled up, and an incremental `dbt build`.

Targets (issue 17): full build within 3x the floor at 10M; the rollup within
1.5x the floor; the incremental day under 10 s at 10M and within 1.2x of 1M's;
raw files to the cost summary 5x faster than the Spark peer.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from benchmarks.report import Section
from lakehouse.dbt import ensure_profiles
from lakehouse.demo import PEPPER_ENV, enable_demo
from lakehouse.settings import PROJECT_ROOT

HERE = Path(__file__).parent
START = date(2026, 6, 1)
DAYS = 90

SYNTHESISE = (HERE / "synthesise_turns.sql").read_text()


FLOOR = (HERE / "floor_scan.sql").read_text()
# The floor's columns and sums, over the rolled-up Parquet days instead.
PARQUET_SCAN = FLOOR.split("from read_json")[0] + "from read_parquet('{files}')"
SPARK_PYTHON_ENV = "SAGE_SPARK_PYTHON"  # the interpreter of .venv-spark (make bench)


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


def _row(label: str, step: str, measured: Measured | None, relative="", target="", where=""):
    seconds = round(measured.seconds, 1) if measured else ""
    peak = round(measured.peak_mb) if measured else ""
    return [label, step, seconds, relative, peak, target, where]


def _cost_summary(warehouse: Path) -> dict[str, Any]:
    import duckdb

    connection = duckdb.connect(str(warehouse), read_only=True)
    try:
        cursor = connection.execute(
            "select users, turns, total_cost_usd, max_cost_per_user_usd, p50_cost_per_user_usd, "
            "p90_cost_per_user_usd, p99_cost_per_user_usd "
            "from innerverse_gold.cost_all_time"
        )
        names = [column[0] for column in cursor.description]
        found = cursor.fetchone()
        if found is None:
            raise RuntimeError(f"{warehouse}: gold cost_all_time has no row")
        return dict(zip(names, found, strict=True))
    finally:
        connection.close()


def _compared(project: dict, spark: dict) -> str:
    total = float(project["total_cost_usd"])
    same = (
        project["users"] == spark["users"]
        and project["turns"] == spark["turns"]
        and abs(total - spark["total_cost_usd"]) < 0.005
    )
    return (
        f"{'same' if same else 'DIFFERENT'} totals: ${total:,.2f} over {project['users']:,} "
        f"users (Spark ${spark['total_cost_usd']:,.2f} over {spark['users']:,}); "
        f"p99 ${float(project['p99_cost_per_user_usd']):,.2f} vs "
        f"${spark['p99_cost_per_user_usd']:,.2f}"
    )


def _spark(files: str, env: dict[str, str]) -> tuple[Measured, dict] | None:
    python = os.environ.get(SPARK_PYTHON_ENV)
    if not python or not Path(python).exists():
        print(f"    no Spark peer: {SPARK_PYTHON_ENV} names no interpreter (make bench sets it)")
        return None
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "spark.json"
        pricing = PROJECT_ROOT / "seeds" / "pricing.csv"
        command = [python, str(HERE / "spark_peer.py"), files, str(pricing), str(out)]
        measured = measure(command, env)
        return measured, json.loads(out.read_text())


def run_size(turns: int, work: Path) -> tuple[list[list[object]], dict[str, float]]:
    lake = work / "lake"
    users = max(1_000, turns // 100)
    print(f"  synthesising {turns:,} turns of {users:,} users over {DAYS} days...", flush=True)
    synthesise(lake, first=0, count=turns, start=START, days=DAYS, users=users, name="base")
    base = {**os.environ, "SAGE_LAKE": str(lake)}
    base.pop(PEPPER_ENV, None)
    enable_demo(base)

    def env(warehouse: str) -> dict[str, str]:
        return {**base, "SAGE_WAREHOUSE": str(work / warehouse)}

    def dbt(*command: str) -> list[str]:
        return [
            str(Path(sys.executable).parent / "dbt"), "--quiet", *command,
            "--profiles-dir", str(PROJECT_ROOT), "--target", "local",
            "--target-path", str(work / "target"), "--log-path", str(work / "logs"),
        ]  # fmt: skip

    def scan(sql: str, files: str) -> list[str]:
        script = f"import duckdb; duckdb.connect().execute({sql.format(files=files)!r}).fetchall()"
        return [sys.executable, "-c", script]

    def rollup(today: date) -> list[str]:
        sage = str(Path(sys.executable).parent / "sage")
        return [sage, "rollup", "--lake", str(lake), "--today", today.isoformat(), "--json"]

    # The production build: models and data tests (unit tests test the code, in CI).
    build = dbt("build", "--exclude-resource-type", "unit_test")
    cost_path = dbt(
        "build", "--select", "+gold_cost_all_time", "--exclude-resource-type", "test", "unit_test"
    )
    ndjson = f"{lake}/bronze/lambda_emf/*/*/*.ndjson.gz"
    label = f"{turns / 1e6:g}M turns"
    rows: list[list[object]] = []

    print("  floor: one plain scan of the NDJSON.gz...", flush=True)
    floor = measure(scan(FLOOR, ndjson), env("w0.duckdb"))
    rows.append(_row(label, "floor: one DuckDB scan of the raw NDJSON.gz", floor))
    print(f"    {floor.seconds:.1f}s; Spark peer...", flush=True)
    spark = _spark(ndjson, env("w0.duckdb"))
    print("    project's path to the cost summary over the NDJSON...", flush=True)
    on_ndjson = measure(cost_path, env("cost-ndjson.duckdb"))
    rows.append(
        _row(
            label,
            "raw NDJSON.gz → gold_cost_all_time: dbt, models only (before the rollup)",
            on_ndjson,
            f"{on_ndjson.seconds / floor.seconds:.1f}x floor",
        )
    )
    if spark:
        spark_time, spark_summary = spark
        compared = _compared(_cost_summary(work / "cost-ndjson.duckdb"), spark_summary)
        rows.append(
            _row(
                label,
                "raw NDJSON.gz → cost summary: PySpark local[2], explicit schema",
                spark_time,
                f"{spark_time.seconds / floor.seconds:.1f}x floor",
                "",
                compared,
            )
        )
    print("    rollup of the 90 days...", flush=True)
    ndjson_bytes = sum(path.stat().st_size for path in lake.rglob("*.ndjson.gz"))
    rolled = measure(rollup(START + timedelta(days=DAYS + 4)), env("w0.duckdb"))
    parquet_bytes = sum(path.stat().st_size for path in lake.rglob("*.parquet"))
    rows.append(
        _row(
            label,
            f"sage rollup: {DAYS} days NDJSON.gz → Parquet, checked",
            rolled,
            f"{rolled.seconds / floor.seconds:.1f}x floor",
            "1.5x floor",
            f"NDJSON.gz {ndjson_bytes / 1e6:,.0f} MB → Parquet {parquet_bytes / 1e6:,.0f} MB",
        )
    )
    parquet_files = f"{lake}/bronze/lambda_emf/*/parquet/*.parquet"
    parquet = measure(scan(PARQUET_SCAN, parquet_files), env("w0.duckdb"))
    rows.append(
        _row(
            label,
            "one DuckDB scan of the Parquet Bronze (same columns)",
            parquet,
            f"{parquet.seconds / floor.seconds:.2f}x floor",
        )
    )
    print(f"    {rolled.seconds:.1f}s, scan {parquet.seconds:.1f}s; dbt parse...", flush=True)
    parse = measure(dbt("parse"), env("w0.duckdb"))
    rows.append(_row(label, "dbt parse (once per checkout; partial afterwards)", parse))
    on_parquet = measure(cost_path, env("cost-parquet.duckdb"))
    raw_to_cost = rolled.seconds + on_parquet.seconds
    where = f"rollup {rolled.seconds:.1f} s + dbt {on_parquet.seconds:.1f} s = {raw_to_cost:.1f} s"
    relative = f"{on_parquet.seconds / floor.seconds:.1f}x floor"
    if spark:
        where += f"; Spark {spark[0].seconds / raw_to_cost:.2f}x that (target 5x)"
        where += "; " + _compared(_cost_summary(work / "cost-parquet.duckdb"), spark[1])
    rows.append(
        _row(
            label,
            "Parquet Bronze → gold_cost_all_time: dbt, models only",
            on_parquet,
            relative,
            "",
            where,
        )
    )
    print(f"    {on_parquet.seconds:.1f}s; full build...", flush=True)
    full = measure(build, env("warehouse.duckdb"))
    rows.append(
        _row(
            label,
            "full dbt build over the Parquet Bronze (models + tests)",
            full,
            f"{full.seconds / floor.seconds:.1f}x floor",
            "3x floor",
            time_split(full, work / "target"),
        )
    )
    print(f"    {full.seconds:.1f}s; one more day, rolled up, incremental build...", flush=True)
    day = turns // DAYS
    synthesise(lake, first=turns, count=day, start=START + timedelta(days=DAYS), days=1,
               users=users, name="late")  # fmt: skip
    day_rollup = measure(rollup(START + timedelta(days=DAYS + 5)), env("warehouse.duckdb"))
    rows.append(_row(label, "sage rollup of the new day", day_rollup))
    incremental = measure(build, env("warehouse.duckdb"))
    rows.append(
        _row(
            label,
            "incremental build, one more day",
            incremental,
            f"{100 * incremental.seconds / full.seconds:.0f}% of full",
            "under 10 s at 10M",
            time_split(incremental, work / "target"),
        )
    )
    print(f"    {day_rollup.seconds:.1f}s + {incremental.seconds:.1f}s", flush=True)
    return rows, {"incremental": incremental.seconds, "floor": floor.seconds}


def run(
    *,
    workdir: Path,
    sizes: tuple[int, ...] = (1_000_000, 10_000_000),
    on_size: Callable[[Section], None] | None = None,
) -> Section:
    """Every size in turn; ``on_size(section so far)`` after each, so that what was
    measured is kept if a larger size is stopped."""
    ensure_profiles()
    workdir.mkdir(parents=True, exist_ok=True)
    rows: list[list[object]] = []
    incremental: dict[int, float] = {}
    for turns in sizes:
        work = Path(tempfile.mkdtemp(prefix="sage-bench-build-", dir=workdir))
        try:
            print(f"build benchmark, {turns:,} turns", flush=True)
            size_rows, measured = run_size(turns, work)
            rows += size_rows
            incremental[turns] = measured["incremental"]
        finally:
            shutil.rmtree(work, ignore_errors=True)
        if on_size:
            on_size(_section(rows, incremental))
    return _section(rows, incremental)


def _section(rows: list[list[object]], incremental: dict[int, float]) -> Section:
    notes = [
        "Bronze synthesised with DuckDB (heavy-tailed users, 8-turn conversations, the "
        "price list's model mix); other sources empty.",
        "Each step runs in its own process; peak MB is its maximum resident memory.",
        "The Spark peer and the project's first path read the same NDJSON.gz files; the "
        "project's second path reads them rolled up (its raw-to-summary time is the rollup "
        "plus that build).",
        "A build's tests read the rows it wrote (`built_at`): every row in the full "
        "build, the look-back window's (3 days) in the incremental one.",
        "Where the time went: dbt's start-up is the wall time outside its nodes; models "
        "and tests are the seconds their nodes ran, added over dbt's 2 threads.",
    ]
    if len(incremental) > 1:
        small, large = min(incremental), max(incremental)
        notes.append(
            f"Incremental day at {large / 1e6:g}M: {incremental[large]:.1f} s, "
            f"{incremental[large] / incremental[small]:.2f}x the {small / 1e6:g}M figure "
            "(target: within 1.2x)."
        )
    return Section(
        "Warehouse build, 90 days of turns, Bronze rolled up to Parquet",
        ["size", "step", "seconds", "relative", "peak MB", "target", "where the time went"],
        rows,
        notes,
    )
