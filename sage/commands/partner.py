"""sage partner: monthly telemetry bundles for model providers, their delivery and the
deletion of the telemetry once delivered."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from lakehouse.audit.log import AuditLog
from lakehouse.console import Progress, table
from lakehouse.lake import LakeError, open_lake
from lakehouse.settings import Settings
from lakehouse.warehouse import WarehouseError, open_warehouse
from partners.analytics import (
    PartnerError,
    check_month,
    check_partner,
    export,
    partitions_in_lake,
)
from partners.bundle import build_bundle, verify_bundle
from partners.cleanup import cleanup
from partners.delivery import DEFAULT_EXPIRES, MAX_EXPIRES, deliver, open_outbox
from partners.history import MonthState, all_states
from partners.signing import (
    ENV,
    SigningKeyError,
    fingerprint,
    load_public_pem,
    new_key_pem,
    signing_key_from_env,
)
from sage.commands.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    CommandError,
    add_location_flags,
    say,
    settings_from,
)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "partner",
        help="partner telemetry: monthly bundles, delivery, deletion after delivery",
        description="Each month, per partner: `bundle` (the month's Parquet, a manifest and a "
        "signed zero-PII certificate in a ZIP), `deliver` (to the partner's prefix, with a "
        "short-lived URL), then `cleanup` (deletes the month's raw, sanitized and analytics "
        "telemetry, only after a confirmed delivery). Every step is in the audit log "
        "(`sage audit --partner P`).",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    def month_flags(action: argparse.ArgumentParser, *, warehouse: bool = False) -> None:
        action.add_argument("--partner", required=True, help="partner id, e.g. anthropic")
        action.add_argument("--month", required=True, metavar="YYYY-MM", help="the month")
        add_location_flags(action, warehouse=warehouse, target=warehouse)

    bundle = actions.add_parser(
        "bundle",
        help="build, certify and sign the month's bundle",
        description=f"Needs {ENV} (an Ed25519 private key; `sage partner keygen`).",
    )
    month_flags(bundle)
    bundle.add_argument(
        "--replace", action="store_true", help="build again a bundle not yet delivered"
    )
    bundle.set_defaults(handler=run_bundle)

    delivery = actions.add_parser(
        "deliver",
        help="copy the bundle to the partner's prefix and issue a presigned URL",
        description="The outbox is SAGE_PARTNER_OUTBOX (s3://bucket/prefix), by default "
        "partner/outbox/ in the lake; the partner's prefix is <outbox>/<partner>/.",
    )
    month_flags(delivery)
    delivery.add_argument("--outbox", help="outbox URL (env SAGE_PARTNER_OUTBOX)")
    delivery.add_argument(
        "--expires",
        type=int,
        default=DEFAULT_EXPIRES,
        metavar="SECONDS",
        help=f"how long the URL works (default {DEFAULT_EXPIRES}, at most {MAX_EXPIRES})",
    )
    delivery.set_defaults(handler=run_deliver)

    clean = actions.add_parser(
        "cleanup",
        help="delete the month's telemetry, after a confirmed delivery",
    )
    month_flags(clean, warehouse=True)
    clean.set_defaults(handler=run_cleanup)

    status = actions.add_parser("status", help="every partner-month and where it stands")
    add_location_flags(status, warehouse=False, target=False)
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(handler=run_status)

    exporter = actions.add_parser(
        "export",
        help="write the Gold partner tables to the lake as Parquet (sage build does it)",
    )
    add_location_flags(exporter)
    exporter.set_defaults(handler=run_export)

    check = actions.add_parser("verify", help="verify a bundle as a partner would")
    check.add_argument("bundle", type=Path, help="the bundle ZIP")
    check.add_argument(
        "--public-key",
        type=Path,
        help="the published public key (PEM) to pin; default: the one in the bundle",
    )
    check.set_defaults(handler=run_verify)

    keygen = actions.add_parser(
        "keygen", help=f"print a new Ed25519 signing key for {ENV}, and its public key"
    )
    keygen.set_defaults(handler=run_keygen)


def _month_args(args: argparse.Namespace) -> tuple[Settings, str, str]:
    try:
        return settings_from(args), check_partner(args.partner), check_month(args.month)
    except PartnerError as exc:
        raise CommandError(str(exc), status=exc.status) from None


def _audit(settings: Settings):
    lake = open_lake(settings.lake)
    return lake, AuditLog.from_env(lake)


def run_bundle(args: argparse.Namespace) -> int:
    settings, partner, month = _month_args(args)
    lake, log = _audit(settings)
    try:
        key = signing_key_from_env()
        built = build_bundle(lake, log, partner, month, key, replace=args.replace)
    except (SigningKeyError, PartnerError, LakeError) as exc:
        log.append(
            "ERROR",
            {"operation": "bundle", "partner": partner, "month": month, "error": str(exc)},
        )
        status = EXIT_USAGE if isinstance(exc, SigningKeyError) else EXIT_FAILED
        raise CommandError(str(exc), status=getattr(exc, "status", status)) from None
    summary = built.report.to_dict()["summary"]
    say(f"bundle {partner} {month} → {built.uri}")
    say(
        table(
            ["file", "rows", "sha256"],
            [[file.name, file.rows, file.sha256[:16] + "…"] for file in built.files],
        )
    )
    say(
        f"certificate: PII guard passed, {summary['checks']:,} checks over "
        f"{summary['rows_checked']:,} rows; signed with Ed25519 key {fingerprint(key)[:16]}…"
    )
    say(f"sha256 {built.sha256}, {built.size:,} bytes" + (" (replaced)" if built.replaced else ""))
    return EXIT_OK


def run_deliver(args: argparse.Namespace) -> int:
    settings, partner, month = _month_args(args)
    lake, log = _audit(settings)
    try:
        outbox = open_outbox(settings.lake, args.outbox)
        delivery = deliver(lake, outbox, log, partner, month, expires=args.expires)
    except (PartnerError, LakeError) as exc:
        raise CommandError(str(exc), status=getattr(exc, "status", EXIT_FAILED)) from None
    say(f"delivered {partner} {month} → {delivery.object_uri} (read back, sha256 matches)")
    if delivery.expires_at:
        say(f"download URL, valid until {delivery.expires_at}:")
    else:
        say("the outbox is a folder, not S3: no URL to sign; the copy is at:")
    say(delivery.url)
    return EXIT_OK


def run_cleanup(args: argparse.Namespace) -> int:
    settings, partner, month = _month_args(args)
    lake, log = _audit(settings)
    try:
        result = cleanup(settings, lake, log, partner, month)
    except (PartnerError, LakeError, WarehouseError) as exc:
        raise CommandError(str(exc), status=getattr(exc, "status", EXIT_FAILED)) from None
    if not result.anything and result.already_deleted_at:
        say(
            f"{partner} {month}: already deleted on {result.already_deleted_at}; "
            "nothing is left to delete"
        )
        return EXIT_OK
    details = result.details()
    say(f"deleted {partner} {month} (audited as TELEMETRY_DELETED)")
    say(
        table(
            ["what", "removed"],
            [
                ["bronze lines", details["bronze_lines"]],
                ["bronze objects rewritten", details["bronze_objects_rewritten"]],
                ["bronze objects deleted", details["bronze_objects_deleted"]],
                ["silver rows", details["silver_rows"]],
                ["gold rows", details["gold_rows"]],
                ["analytics files", details["analytics_files"]],
                ["bundles in the lake", details["bundles"]],
            ],
        )
    )
    say("the delivered copy stays in the partner's prefix until the outbox expires it")
    return EXIT_OK


def run_status(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    lake, log = _audit(settings)
    states: dict[tuple[str, str], MonthState | None] = dict(all_states(log))
    for partner, month in partitions_in_lake(lake):
        states.setdefault((partner, month), None)
    rows = []
    for (partner, month), state in sorted(states.items()):
        rows.append(
            {
                "partner": partner,
                "month": month,
                "status": state.status if state else "built, not bundled",
                "bundled": state.created.at if state and state.created else None,
                "delivered": state.delivered.at if state and state.delivered else None,
                "deleted": state.deleted.at if state and state.deleted else None,
            }
        )
    if args.json:
        say(json.dumps(rows, indent=2))
    elif not rows:
        say("no partner telemetry built or bundled yet")
    else:
        columns = ["partner", "month", "status", "bundled", "delivered", "deleted"]
        say(table(columns, [[row[c] or "" for c in columns] for row in rows]))
    return EXIT_OK


def export_analytics(settings: Settings) -> None:
    lake = open_lake(settings.lake)
    progress = Progress("partner analytics")
    try:
        with open_warehouse(settings) as warehouse:
            result = export(warehouse, settings, lake, progress=progress.update)
    except WarehouseError as exc:
        raise CommandError(str(exc)) from None
    progress.done(
        f"{result.files_written:,} Parquet files ({result.rows:,} rows) in "
        f"{lake.uri('partner/analytics/')}"
        + (f", {result.files_removed:,} stale removed" if result.files_removed else "")
    )


def run_export(args: argparse.Namespace) -> int:
    export_analytics(settings_from(args))
    return EXIT_OK


def run_verify(args: argparse.Namespace) -> int:
    try:
        data = args.bundle.read_bytes()
        pinned = load_public_pem(args.public_key.read_bytes()) if args.public_key else None
    except (OSError, SigningKeyError) as exc:
        raise CommandError(str(exc), status=EXIT_USAGE) from None
    result = verify_bundle(data, pinned)
    if not result.ok:
        raise CommandError(f"{args.bundle}: does not verify:\n  " + "\n  ".join(result.problems))
    say(
        f"{args.bundle}: verified: {result.partner} {result.month}, {result.files} files, "
        f"{result.rows:,} rows, certificate signed by key {(result.public_key_sha256 or '')[:16]}…"
        + ("" if pinned else " (the bundled key: pin yours with --public-key)")
    )
    return EXIT_OK


def run_keygen(args: argparse.Namespace) -> int:
    private, public = new_key_pem()
    say("# the private key: keep it in your secret store and export it as " + ENV)
    say(private.decode().rstrip())
    say("# the public key: publish it to partners")
    say(public.decode().rstrip())
    return EXIT_OK
