"""sage audit: read and verify the audit log (retention, erasure, partner bundles)."""

from __future__ import annotations

import argparse
import json
import os
import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from lakehouse.audit.head import HEAD_ENV
from lakehouse.audit.key import AUDIT_KEY_ENV
from lakehouse.audit.log import AuditLog
from lakehouse.audit.records import EVENTS, TABLE_ENV, AuditError, AuditRecord
from lakehouse.console import table
from lakehouse.lake import Lake, LocalLake, is_s3, open_lake
from privacy.erasure.ledger import audit_expectations
from sage.commands.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    CommandError,
    add_location_flags,
    say,
    settings_from,
)


def _month(text: str) -> str:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a month: expected YYYY-MM, e.g. 2026-10")
    return text


def _partner(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("the partner name is empty")
    return text.strip()


def _instant(text: str, *, end_of_day: bool) -> datetime:
    """A UTC instant from YYYY-MM-DD (the start of that day, or its end for --until)
    or an ISO 8601 instant (without an offset, taken as UTC)."""
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            day = date.fromisoformat(text)
            start = datetime.combine(day, time(), tzinfo=UTC)
            return start + timedelta(days=1) - timedelta(microseconds=1) if end_of_day else start
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is neither a date (YYYY-MM-DD) nor an ISO 8601 instant "
            "(e.g. 2026-10-03T14:00:00Z)"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _since(text: str) -> datetime:
    return _instant(text, end_of_day=False)


def _until(text: str) -> datetime:
    return _instant(text, end_of_day=True)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "audit",
        help="list the audit log's records; --verify checks that none was changed, forged, "
        "removed or reordered",
        description="The audit log is append-only: every record is keyed with the audit key "
        f"({AUDIT_KEY_ENV}) and holds the keyed hash of the one before, and the newest "
        "record's number and hash (the head) are kept apart from the records, so --verify "
        "finds a changed, forged, removed (the newest included) or reordered record. The "
        f"log is the DynamoDB table named by {TABLE_ENV} if that is set, otherwise audit/log/ "
        f"in the lake; the head is at {HEAD_ENV} if set, otherwise in the table or beside "
        "the lake. Filters combine (all must match).",
    )
    parser.add_argument("--event", choices=sorted(EVENTS), help="only records of this event")
    parser.add_argument(
        "--partner", type=_partner, help="only records whose details name this partner"
    )
    parser.add_argument(
        "--month", type=_month, metavar="YYYY-MM", help="only records whose details name this month"
    )
    parser.add_argument(
        "--since",
        type=_since,
        metavar="DATE|INSTANT",
        help="only records at or after this day (UTC) or ISO 8601 instant",
    )
    parser.add_argument(
        "--until",
        type=_until,
        metavar="DATE|INSTANT",
        help="only records up to the end of this day (UTC) or up to this ISO 8601 instant",
    )
    parser.add_argument("--json", action="store_true", help="print the records as JSON lines")
    parser.add_argument(
        "--verify",
        action="store_true",
        help="check the whole log against the key, the head, the erasure ledger and receipts "
        "(filters do not apply); exit status 1 if broken",
    )
    parser.add_argument(
        "--seal",
        action="store_true",
        help="key a log written before the audit key: one LOG_KEYED record fixes the unkeyed "
        "records as they stand",
    )
    add_location_flags(parser, warehouse=False, target=False)
    parser.set_defaults(handler=run)


def _matches(record: AuditRecord, args: argparse.Namespace) -> bool:
    """Filters read the record itself (the hashed content), never a copy of it."""
    if args.event and record.event != args.event:
        return False
    if args.partner is not None and record.details.get("partner") != args.partner:
        return False
    if args.month is not None and record.details.get("month") != args.month:
        return False
    if args.since or args.until:
        try:
            at = datetime.fromisoformat(record.at).astimezone(UTC)
        except ValueError:
            raise AuditError(
                f"audit record {record.seq} has no valid time: {record.at!r}"
            ) from None
        if (args.since and at < args.since) or (args.until and at > args.until):
            return False
    return True


def run(args: argparse.Namespace) -> int:
    if args.since and args.until and args.since > args.until:
        raise CommandError(
            "--since is after --until: no record could match; swap them?", status=EXIT_USAGE
        )
    settings = settings_from(args)
    in_table = bool(os.environ.get(TABLE_ENV, "").strip())
    if not in_table and not is_s3(settings.lake) and not Path(settings.lake).is_dir():
        raise CommandError(
            f"no lake at {settings.lake}: check --lake or SAGE_LAKE (or set {TABLE_ENV} to "
            "read the audit table)",
            EXIT_USAGE,
        )
    try:
        log = AuditLog.from_env(open_lake(settings.lake))
    except AuditError as exc:
        raise CommandError(str(exc), status=EXIT_USAGE) from None
    try:
        if args.seal:
            return seal(log)
        if args.verify:
            return verify(log, open_lake(settings.lake))
        records = [record for record in log.records() if _matches(record, args)]
    except AuditError as exc:
        raise CommandError(str(exc), status=EXIT_FAILED) from None
    if args.json:
        for record in records:
            say(json.dumps(record.__dict__, sort_keys=True))
        return EXIT_OK
    if not records:
        filtered = any(
            getattr(args, name) for name in ("event", "partner", "month", "since", "until")
        )
        say(f"no audit records{' match' if filtered else ''} in {log.store.location}")
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


def verify(log: AuditLog, lake: Lake) -> int:
    expected, problems = audit_expectations(lake)
    result = log.verify(expected)
    problems = [*problems, *result.problems]
    notes = list(result.notes)
    if isinstance(lake, LocalLake) and not lake.root.is_dir():
        notes.append(f"no lake at {lake.root}: the erasure ledger and receipts were not checked")
    for note in notes:
        say(f"note: {note}")
    if not problems:
        say(
            f"audit log {log.store.location}: {result.records:,} records, chain intact, "
            f"keyed, and reaching its head ({result.head_location})"
            if result.records
            else f"audit log {log.store.location}: empty, and nothing says it should not be"
        )
        return EXIT_OK
    for problem in problems:
        say(f"broken: {problem}")
    raise CommandError(
        f"the audit log {log.store.location} has been tampered with or damaged: "
        f"{len(problems)} problem(s) in {result.records:,} records",
        status=EXIT_FAILED,
    )


def seal(log: AuditLog) -> int:
    record = log.seal()
    if record is None:
        say(f"audit log {log.store.location}: no unkeyed records to seal")
    else:
        say(
            f"audit log {log.store.location}: record {record.seq} (LOG_KEYED) keys the log; "
            f"records 1 to {record.seq - 1} stay unkeyed, fixed as they stand"
        )
    return EXIT_OK
