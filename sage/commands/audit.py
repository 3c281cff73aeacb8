"""sage audit: read and verify the audit log (retention, erasure, partner bundles)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ingest.lake import open_lake
from privacy.audit import EVENTS, AuditError, AuditLog
from sage.commands.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    CommandError,
    add_location_flags,
    say,
    settings_from,
)
from sage.console import table


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "audit",
        help="list the audit log's records; --verify checks its hash chain",
        description="The audit log is append-only: every record holds the hash of the one "
        "before, so a changed, removed or reordered record is found by --verify.",
    )
    parser.add_argument("--event", choices=sorted(EVENTS), help="only records of this event")
    parser.add_argument("--since", metavar="YYYY-MM-DD", help="only records from this day (UTC)")
    parser.add_argument("--json", action="store_true", help="print the records as JSON lines")
    parser.add_argument(
        "--verify", action="store_true", help="check the hash chain; exit status 1 if broken"
    )
    add_location_flags(parser, warehouse=False, target=False)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if not settings.lake.startswith("s3://") and not Path(settings.lake).is_dir():
        raise CommandError(f"no lake at {settings.lake}: check --lake or SAGE_LAKE", EXIT_USAGE)
    log = AuditLog.in_lake(open_lake(settings.lake))
    try:
        if args.verify:
            result = log.verify()
            if result.ok:
                say(f"audit log {log.store.location}: {result.records:,} records, chain intact")
                return EXIT_OK
            for problem in result.problems:
                say(f"broken: {problem}")
            raise CommandError(
                f"the audit log {log.store.location} has been tampered with or damaged: "
                f"{len(result.problems)} problem(s) in {result.records:,} records",
                status=EXIT_FAILED,
            )
        records = [
            record
            for record in log.records(args.event)
            if not args.since or record.at[:10] >= args.since
        ]
    except AuditError as exc:
        raise CommandError(str(exc), status=EXIT_FAILED) from None
    if args.json:
        for record in records:
            say(json.dumps(record.__dict__, sort_keys=True))
        return EXIT_OK
    if not records:
        say(f"no audit records in {log.store.location}")
        return EXIT_OK
    say(
        table(
            ["seq", "at (UTC)", "event", "details"],
            [
                [
                    record.seq,
                    record.at,
                    record.event,
                    json.dumps(record.details, sort_keys=True)[:100],
                ]
                for record in records
            ],
            right={0},
        )
    )
    return EXIT_OK
