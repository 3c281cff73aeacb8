"""Delivering a bundle to the partner's own prefix, with a short-lived URL.

The outbox is ``SAGE_PARTNER_OUTBOX`` (an ``s3://bucket/prefix``, in production
the partner bundle bucket whose policy lets each partner read only its own
prefix), by default ``partner/outbox/`` in the lake. A partner's prefix is
``<outbox>/<partner>/``; delivery copies the bundle to
``<partner>/<month>/<file>``, reads the copy back and compares its SHA-256 with
the one ``BUNDLE_CREATED`` recorded (the delivery is *confirmed* only then, and
``BUNDLE_DELIVERED`` audited), and issues a presigned GET URL that expires
after ``--expires`` seconds. The URL itself is a credential: it is printed for
the operator to pass on, never stored or audited.

A URL is only ever signed for a key under the partner's own prefix
(:func:`partner_object_key`), whatever the inputs.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from lakehouse.audit.log import AuditLog
from lakehouse.lake import Lake, LakeError, S3Lake, open_lake
from partners.analytics import PartnerError, check_partner
from partners.bundle import bundle_key
from partners.history import month_state

OUTBOX_ENV = "SAGE_PARTNER_OUTBOX"
DEFAULT_EXPIRES = 3600  # one hour
MAX_EXPIRES = 7 * 24 * 3600  # what S3 allows for a URL signed with SigV4


def outbox_url(lake_url: str, override: str | None = None) -> str:
    return override or os.environ.get(OUTBOX_ENV) or f"{lake_url.rstrip('/')}/partner/outbox"


def partner_object_key(partner: str, key: str) -> str:
    """``key`` if it names an object inside ``partner``'s prefix; PartnerError if not."""
    check_partner(partner)
    normal = posixpath.normpath(key)
    if normal != key or key.startswith("/") or not key.startswith(f"{partner}/"):
        raise PartnerError(f"{key!r} is not inside partner {partner}'s prefix {partner}/")
    return key


def check_expires(expires: int) -> None:
    if not 1 <= expires <= MAX_EXPIRES:
        raise PartnerError(
            f"--expires must be between 1 and {MAX_EXPIRES} seconds (7 days), not {expires}",
            status=2,
        )


def issue_url(outbox: Lake, partner: str, key: str, expires: int) -> str:
    """A presigned GET URL for an object under the partner's prefix (S3), or the
    local path of a folder outbox (which has no URLs)."""
    key = partner_object_key(partner, key)
    check_expires(expires)
    if isinstance(outbox, S3Lake):
        return outbox.presigned_get(key, expires)
    return outbox.uri(key)


@dataclass
class Delivery:
    partner: str
    month: str
    object_uri: str
    url: str
    expires_at: str | None
    sha256: str
    size: int


def deliver(
    lake: Lake,
    outbox: Lake,
    log: AuditLog,
    partner: str,
    month: str,
    *,
    expires: int = DEFAULT_EXPIRES,
    now: datetime | None = None,
) -> Delivery:
    """Copy, confirm, sign a URL, audit. Any failure is audited as ERROR and raised as
    PartnerError; a delivery that failed is not confirmed, so cleanup refuses."""
    check_expires(expires)  # before anything is copied
    state = month_state(log, partner, month)
    if state.status == "deleted":
        raise PartnerError(
            f"{partner} {month}: the month's telemetry was deleted on {state.deleted_at}, "
            "after its delivery; there is no bundle left to deliver"
        )
    if state.created is None:
        raise PartnerError(
            f"{partner} {month}: no bundle was created for this month; run "
            f"`sage partner bundle --partner {partner} --month {month}` first"
        )
    key = bundle_key(partner, month)
    name = posixpath.basename(key)
    target = f"{partner}/{month}/{name}"
    step = "read the bundle"
    try:
        data = lake.read_bytes(key)
        sha = hashlib.sha256(data).hexdigest()
        if sha != state.bundle_sha256:
            raise PartnerError(
                f"{partner} {month}: the bundle in the lake ({lake.uri(key)}) is not the one "
                f"that was certified (sha256 {sha[:12]}…, recorded "
                f"{(state.bundle_sha256 or '')[:12]}…); "
                "build it again with --replace"
            )
        step = "copy the bundle to the partner's prefix"
        outbox.write_bytes(partner_object_key(partner, target), data)
        step = "read the delivered copy back"
        copy = outbox.read_bytes(target)
        if hashlib.sha256(copy).hexdigest() != sha:
            raise PartnerError(
                f"{partner} {month}: the copy at {outbox.uri(target)} differs from the bundle"
            )
        step = "issue the URL"
        url = issue_url(outbox, partner, target, expires)
    except (LakeError, PartnerError, OSError) as exc:
        log.append(
            "ERROR",
            {
                "operation": "deliver",
                "partner": partner,
                "month": month,
                "step": step,
                "error": str(exc),
            },
        )
        if isinstance(exc, PartnerError):
            raise
        raise PartnerError(f"{partner} {month}: delivery failed ({step}): {exc}") from exc
    moment = now or datetime.now(UTC)
    expires_at = (
        (moment + timedelta(seconds=expires)).isoformat(timespec="seconds").replace("+00:00", "Z")
        if isinstance(outbox, S3Lake)
        else None
    )
    log.append(
        "BUNDLE_DELIVERED",
        {
            "partner": partner,
            "month": month,
            "object": outbox.uri(target),
            "sha256": sha,
            "bytes": len(data),
            "url_expires_at": expires_at,
        },
    )
    return Delivery(partner, month, outbox.uri(target), url, expires_at, sha, len(data))


def open_outbox(lake_url: str, override: str | None = None) -> Lake:
    return open_lake(outbox_url(lake_url, override))
