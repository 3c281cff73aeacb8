"""sage generate: realistic raw input in each source's own format."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from lakehouse.console import Progress
from sage.commands.common import EXIT_OK, CommandError, say


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "generate",
        help="write a realistic sample of every source's raw files",
        description="Simulate the app's users for a number of days and write what each "
        "source would deliver, with the defects real pipelines see. Deterministic for a "
        "given seed and dates.",
    )
    parser.add_argument(
        "--out",
        required=True,
        type=Path,
        help="folder to write (replaced if it holds a previous sample)",
    )
    parser.add_argument("--users", type=int, default=1000, help="simulated users (default 1000)")
    parser.add_argument("--days", type=int, default=30, help="days of activity (default 30)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument(
        "--start",
        type=date.fromisoformat,
        help="first day, YYYY-MM-DD (default: so that the last day is yesterday, UTC)",
    )
    parser.add_argument(
        "--no-defects", action="store_true", help="clean input only (for benchmarks)"
    )
    parser.set_defaults(handler=run)


def default_start(days: int) -> date:
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    return yesterday - timedelta(days=days - 1)


def run(args: argparse.Namespace) -> int:
    from sample_data.generate import generate

    if args.users < 1 or args.days < 1:
        raise CommandError("--users and --days must be at least 1", status=2)
    start = args.start or default_start(args.days)
    progress = Progress("generate")
    try:
        manifest = generate(
            args.out,
            users=args.users,
            days=args.days,
            start=start,
            seed=args.seed,
            defects=not args.no_defects,
            progress=lambda done, total: progress.update(done, total, "days"),
        )
    except FileExistsError as exc:
        raise CommandError(str(exc), status=2) from None
    progress.done()
    period = f"{manifest['start']} .. {manifest['end']}"
    say(f"sample of {args.users:,} users, {period}, seed {args.seed} → {args.out}")
    for source, counts in manifest["sources"].items():
        detail = ", ".join(
            f"{key} {value:,}" for key, value in counts.items() if isinstance(value, int)
        )
        say(f"  {source:<12} {detail}")
    return EXIT_OK
