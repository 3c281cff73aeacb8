"""sage erase: a user's erasure request, recorded, applied now and on every build after.

The lifecycle itself is privacy/erasure/lifecycle.py; this command reads the
arguments, runs it and prints its receipt."""

from __future__ import annotations

import argparse
from pathlib import Path

from lakehouse.lake import is_s3, open_lake
from privacy.erasure.ledger import ErasureError, Receipt
from privacy.erasure.lifecycle import erase
from privacy.erasure.subject import ID_TYPES
from privacy.pseudonym import PepperError, pepper_from_env
from sage.commands.common import (
    EXIT_OK,
    EXIT_USAGE,
    CommandError,
    add_location_flags,
    say,
    settings_from,
)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "erase",
        help="erase a user from Silver, Gold and Bronze, now and on every build after",
        description="Records the request in the erasure ledger (lake/erasure/requests/: the "
        "pseudonymous id and the request time), deletes the user's Silver rows, rebuilds Gold, "
        "rewrites the Bronze objects holding their records, and writes a receipt "
        "(lake/erasure/receipts/). A request that stops part-way resumes when run again.",
    )
    parser.add_argument(
        "--user",
        required=True,
        metavar="ID",
        help="the user's raw id, the app's sha256 of it, or their pseudonymous id",
    )
    parser.add_argument(
        "--id-type",
        choices=ID_TYPES,
        help="what --user is, when it cannot be told (64 hex characters are looked up as "
        "both an app sha256 and a pseudonymous id)",
    )
    add_location_flags(parser)
    parser.set_defaults(handler=run)


def describe(receipt: Receipt, location: str) -> str:
    data = receipt.to_dict()
    lines = [
        f"erasure request {receipt.request_id} ({receipt.status})",
        f"  user (pseudonymous id)  {receipt.user_key}  (given as: {receipt.given_as})",
        f"  requested at            {receipt.requested_at}",
        f"  completed at            {receipt.completed_at or '-'}",
        "  removed",
    ]
    for label, count in sorted(
        {**data["removed"]["silver_rows"], **data["removed"]["private_rows"]}.items()
    ):
        lines.append(f"    {label:<34} {count:>8,} {'row' if count == 1 else 'rows'}")
    for label, count in sorted(data["removed"]["gold_rows"].items()):
        lines.append(f"    {label:<34} {count:>8,} {'row' if count == 1 else 'rows'}")
    rebuilt = receipt.steps.get("gold", {}).get("rebuilt", [])
    if rebuilt:
        lines.append(f"    Gold rebuilt from Silver: {', '.join(rebuilt)}")
    bronze = data["removed"]["bronze"]
    for label, count in sorted(bronze.get("lines_removed", {}).items()):
        lines.append(f"    {label:<34} {count:>8,} {'line' if count == 1 else 'lines'}")
    if bronze:
        lines.append(
            f"    lake objects: {bronze['objects_rewritten']:,} rewritten, "
            f"{bronze['objects_deleted']:,} deleted, {bronze['objects_scanned']:,} scanned"
        )
    for note in receipt.notes:
        lines.append(f"  note: {note}")
    lines.append(f"receipt: {location}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    try:
        pepper = pepper_from_env()
    except PepperError as exc:
        raise CommandError(str(exc), status=EXIT_USAGE) from None
    settings = settings_from(args)
    if not is_s3(settings.lake) and not Path(settings.lake).is_dir():
        raise CommandError(f"no lake at {settings.lake}: check --lake or SAGE_LAKE", EXIT_USAGE)
    lake = open_lake(settings.lake)
    try:
        receipt = erase(settings, lake, args.user, id_type=args.id_type, pepper=pepper, say=say)
    except ErasureError as exc:
        raise CommandError(str(exc), status=exc.status) from None
    say(describe(receipt, lake.uri(receipt.key)))
    return EXIT_OK
