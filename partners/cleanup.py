"""Deleting a partner's month of telemetry once its bundle is delivered.

Only after a *confirmed* delivery of the bundle that exists (the audit log's
latest ``BUNDLE_DELIVERED`` for the month names the SHA-256 of its latest
``BUNDLE_CREATED``); otherwise it refuses, says why, and deletes nothing.

What goes, in this order, so that a build running in between cannot bring any
of it back:

1. raw: the partner's lines in Bronze (``bronze/partner_telemetry/dt=<month>-*``;
   objects shared with other partners are rewritten without them), the rolled-up
   days' Parquet included (rewritten without the partner's rows, whole);
2. sanitized: the partner's rows of the month in Silver (``partner_telemetry``);
3. analytics: the month's rows of the Gold partner tables (DuckDB; on Athena the
   tables are the files) and their Parquet files in the lake;
4. the bundle kept in the lake. The delivered copy stays in the partner's
   prefix until the outbox's lifecycle rule expires it.

``TELEMETRY_DELETED`` is audited with the counts. Running it again deletes what
is left (late events of the month) or, when nothing is, says so and records
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lakehouse.audit.log import AuditLog
from lakehouse.columnar import quote
from lakehouse.lake import Lake
from lakehouse.settings import Settings
from lakehouse.warehouse import open_warehouse
from partners.analytics import TABLES, PartnerError, partition_prefix
from partners.bundle import bundle_key, period
from partners.history import month_state
from privacy.bronze import ScrubResult, field_of, rewrite_lines, rewrite_parquet, search_for

BRONZE_TELEMETRY = "bronze/partner_telemetry/"


@dataclass
class Cleanup:
    partner: str
    month: str
    bronze: ScrubResult = field(default_factory=ScrubResult)
    silver_rows: int = 0
    gold_rows: int = 0
    analytics_files: int = 0
    bundles: int = 0
    already_deleted_at: str | None = None

    @property
    def bronze_lines(self) -> int:
        return sum(self.bronze.lines_removed.values())

    @property
    def anything(self) -> bool:
        return bool(
            self.bronze_lines
            or self.silver_rows
            or self.gold_rows
            or self.analytics_files
            or self.bundles
        )

    def details(self) -> dict[str, Any]:
        return {
            "partner": self.partner,
            "month": self.month,
            "bronze_lines": self.bronze_lines,
            "bronze_objects_rewritten": self.bronze.objects_rewritten,
            "bronze_objects_deleted": self.bronze.objects_deleted,
            "silver_rows": self.silver_rows,
            "gold_rows": self.gold_rows,
            "analytics_files": self.analytics_files,
            "bundles": self.bundles,
        }


def cleanup(settings: Settings, lake: Lake, log: AuditLog, partner: str, month: str) -> Cleanup:
    state = month_state(log, partner, month)
    if state.status != "deleted" and not state.delivery_confirmed:
        if state.created is None:
            reason = "no bundle was created for it"
        elif state.delivered is None or state.delivered.seq < state.created.seq:
            reason = "its bundle was never delivered, or its delivery failed"
        else:
            reason = "the delivered bundle is not the latest one"
        log.append(
            "ERROR",
            {
                "operation": "cleanup",
                "partner": partner,
                "month": month,
                "error": f"refused: {reason}",
            },
        )
        raise PartnerError(
            f"{partner} {month}: not deleting telemetry that was not delivered: {reason}. "
            "Deliver it first (`sage partner deliver`)"
        )
    result = Cleanup(partner, month)
    if state.deleted:
        result.already_deleted_at = state.deleted.at
    bounds = period(month)
    first_day, last_day = bounds["first_day"], bounds["last_day"]

    # 1. Bronze: the partner's lines in the month's dt= partitions.
    rewrite_lines(
        lake,
        f"{BRONZE_TELEMETRY}dt={month}-",
        search_for([f'"partner_id":"{partner}"', f'"partner_id": "{partner}"']),
        lambda line: field_of(line, "partner_id") == partner,
        result.bronze,
        None,
        False,
    )
    rewrite_parquet(
        lake,
        f"{BRONZE_TELEMETRY}dt={month}-",
        lambda table: f"partner_id = {quote(partner)}",
        result.bronze,
        None,
        False,
    )

    # 2 and 3. Silver rows, then the Gold rows, in the warehouse.
    where_silver = (
        f"partner_id = '{partner}' and occurred_date between "
        f"date '{first_day}' and date '{last_day}'"
    )
    with open_warehouse(settings, read_only=False) as warehouse:
        silver = settings.relation("silver", "partner_telemetry")
        result.silver_rows = _delete(warehouse, silver, where_silver)
        if settings.target != "athena":
            for table in TABLES:
                relation = settings.relation("gold", table)
                result.gold_rows += _delete(
                    warehouse, relation, f"partner_id = '{partner}' and month = '{month}'"
                )
    keys = [
        item.key for table in TABLES for item in lake.list(partition_prefix(table, partner, month))
    ]
    result.analytics_files = lake.delete(keys) if keys else 0

    # 4. The bundle kept in the lake.
    key = bundle_key(partner, month)
    result.bundles = lake.delete([key]) if lake.exists(key) else 0

    if result.anything or not state.deleted:
        log.append("TELEMETRY_DELETED", result.details())
    return result


def _delete(warehouse, relation: str, where: str) -> int:
    rows = warehouse.query(f"select count(*) as n from {relation} where {where}")
    count = int(rows[0]["n"])
    if count:
        warehouse.execute(f"delete from {relation} where {where}")
    return count
