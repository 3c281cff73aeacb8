"""sage demo: sample data → lake → warehouse → summary, from nothing, repeatable."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from ingest.pipeline import IngestReport
from ingest.sample_run import generate_ingest_build
from lakehouse.audit.head import default_head_path
from lakehouse.console import Progress
from lakehouse.lake import Lake, is_s3, open_lake
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
    settings = settings_from(args)
    generating = Progress("generate")
    ingesting: list[Progress] = []

    def lake() -> Lake:
        generating.done()
        _reset_lake(settings.lake)
        return open_lake(settings.lake)

    def ingest_progress(name: str):
        ingesting.append(Progress(f"ingest {name}"))
        return ingest_command.show(ingesting[-1])

    def ingested(report: IngestReport, lake: Lake) -> None:
        ingesting[-1].done()
        say(ingest_command.describe(report, lake.url))
        for problem in report.rejected_files:
            say(f"  unreadable: {problem.message} (copied to quarantine)")

    run = generate_ingest_build(
        args.sample,
        lake,
        # The demo's lake was just replaced, so Silver is rebuilt from it as well.
        lambda: build_command.build(settings, full_refresh=True, rebuild_silver=True),
        users=args.users,
        days=args.days,
        start=default_start(args.days),
        seed=args.seed,
        generate_progress=lambda done, total: generating.update(done, total, "days"),
        ingest_progress=ingest_progress,
        ingested=ingested,
    )
    timings = run.timings

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
