"""sage demo: sample data → lake → warehouse → summary, from nothing, repeatable."""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

from ingest.pipeline import ingest_paths
from ingest.sources import SOURCES, get_source
from lakehouse.audit.head import default_head_path
from lakehouse.console import Progress
from lakehouse.lake import is_s3, open_lake
from sage.commands import build as build_command
from sage.commands import ingest as ingest_command
from sage.commands import summary as summary_command
from sage.commands.common import EXIT_OK, CommandError, say, settings_from
from sage.commands.generate import default_start

DEMO_MARKER = ".sage-demo"


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="generate a sample month, ingest it, build the warehouse, print the summary",
        description="Uses ./sample, ./lake and ./warehouse.duckdb (or SAGE_LAKE / "
        "SAGE_WAREHOUSE). A lake the demo did not create is never touched.",
    )
    parser.add_argument(
        "--sample",
        type=Path,
        default=Path("sample"),
        help="where to write the raw sample (default ./sample)",
    )
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.set_defaults(handler=run)


def _reset_lake(lake_url: str) -> None:
    """Empty the demo's own lake; refuse to touch one with other data in it."""
    if is_s3(lake_url):
        raise CommandError(
            "the demo writes a local lake; unset SAGE_LAKE or point it at a folder", status=2
        )
    lake = Path(lake_url)
    if lake.exists() and any(lake.iterdir()):
        if not (lake / DEMO_MARKER).exists():
            raise CommandError(
                f"{lake} holds data the demo did not write; set SAGE_LAKE to another folder",
                status=2,
            )
        shutil.rmtree(lake)
        # the audit head of the demo's own log, beside the lake: a new log starts afresh
        default_head_path(lake).unlink(missing_ok=True)
    lake.mkdir(parents=True, exist_ok=True)
    (lake / DEMO_MARKER).write_text("written by `sage demo`; safe to delete\n")


def run(args: argparse.Namespace) -> int:
    from sample_data.generate import generate

    settings = settings_from(args)
    timings: list[tuple[str, float]] = []

    started = time.monotonic()
    start = default_start(args.days)
    progress = Progress("generate")
    manifest = generate(
        args.sample, users=args.users, days=args.days, start=start, seed=args.seed,
        progress=lambda done, total: progress.update(done, total, "days"),
    )  # fmt: skip
    progress.done()
    timings.append(("generate", time.monotonic() - started))

    started = time.monotonic()
    _reset_lake(settings.lake)
    lake = open_lake(settings.lake)
    for name in manifest["sources"]:
        if name not in SOURCES:
            continue
        progress = Progress(f"ingest {name}")
        report = ingest_paths(
            get_source(name), lake, [args.sample / name], progress=ingest_command.show(progress)
        )
        progress.done()
        say(ingest_command.describe(report, lake.url))
        for problem in report.rejected_files:
            say(f"  unreadable: {problem.message} (copied to quarantine)")
    timings.append(("ingest", time.monotonic() - started))

    started = time.monotonic()
    # The demo's lake was just replaced, so Silver is rebuilt from it as well.
    build_command.build(settings, full_refresh=True, rebuild_silver=True)
    timings.append(("dbt build", time.monotonic() - started))

    say()
    say(summary_command.describe(summary_command.cost_summary(settings)))
    say()
    say("outputs")
    say(f"  raw sample   {args.sample.absolute()}")
    say(f"  lake         {settings.lake}  (bronze/, quarantine/)")
    say(
        f"  warehouse    {settings.warehouse}  "
        f"(schemas {settings.schema}_bronze, _silver, _private, _gold)"
    )
    say("  docs         make docs")
    say("timings  " + "  ".join(f"{name} {seconds:.1f}s" for name, seconds in timings))
    return EXIT_OK
