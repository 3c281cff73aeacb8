"""AWS Lambda entry point of the daily rollup (infra/rollup.tf runs it on a schedule).

The same code as ``sage rollup``: :func:`lakehouse.rollup.rollup` over the lake in
``SAGE_LAKE``, with the late-data window from ``SAGE_ROLLUP_LATE_DAYS``, recorded in
the audit log (``SAGE_AUDIT_TABLE``, ``SAGE_AUDIT_KEY``) as ``BRONZE_ROLLED_UP``.
A day that fails is left as NDJSON.gz and named in the result and an ``ERROR``
record; the function then raises, so the failure shows in the function's error
metric and its dead-letter queue, and the next scheduled run tries the day again.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from lakehouse.audit.log import AuditLog
from lakehouse.lake import open_lake
from lakehouse.rollup import rollup


class RollupFailed(RuntimeError):
    """Some days could not be rolled up; the message lists them."""


def rollup_handler(event: dict[str, Any] | None, context: Any) -> dict[str, Any]:
    try:
        lake = open_lake(os.environ["SAGE_LAKE"])
    except KeyError:
        raise RuntimeError("SAGE_LAKE is not set: the function does not know the lake") from None
    log = AuditLog.from_env(lake)
    log.check_writable()
    today = (event or {}).get("today")
    result = rollup(
        lake,
        today=datetime.fromisoformat(today).date() if today else datetime.now(UTC).date(),
        late_days=None,
    )
    summary = result.summary()
    if result.changed:
        log.append("BRONZE_ROLLED_UP", summary)
    if result.errors:
        log.append("ERROR", {"operation": "rollup", "lake": result.lake, "errors": result.errors})
        raise RollupFailed("; ".join(result.errors))
    return summary
