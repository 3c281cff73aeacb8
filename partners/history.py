"""Where a partner's month stands, read from the audit log.

The audit log is the record of what happened to a month's telemetry: its
bundle was created (and with which SHA-256), delivered (and that the delivered
copy was read back intact), deleted. Every partner command decides from it, so
a deletion can only follow a confirmed delivery of the bundle that exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from lakehouse.audit.log import AuditLog
from lakehouse.audit.records import AuditRecord

EVENTS = ("BUNDLE_CREATED", "BUNDLE_DELIVERED", "TELEMETRY_DELETED")


@dataclass
class MonthState:
    partner: str
    month: str
    created: AuditRecord | None = None  # the latest of each
    delivered: AuditRecord | None = None
    deleted: AuditRecord | None = None

    @property
    def bundle_sha256(self) -> str | None:
        return self.created.details.get("sha256") if self.created else None

    @property
    def delivered_at(self) -> str | None:
        return self.delivered.at if self.delivered else None

    @property
    def deleted_at(self) -> str | None:
        return self.deleted.at if self.deleted else None

    @property
    def delivery_confirmed(self) -> bool:
        """The latest bundle was delivered and read back intact."""
        return (
            self.delivered is not None
            and self.created is not None
            and self.delivered.seq > self.created.seq
            and self.delivered.details.get("sha256") == self.bundle_sha256
        )

    @property
    def status(self) -> str:
        if self.deleted and (not self.created or self.deleted.seq > self.created.seq):
            return "deleted"
        if self.delivery_confirmed:
            return "delivered"
        if self.created:
            return "bundled"
        return "not bundled"


def month_state(log: AuditLog, partner: str, month: str) -> MonthState:
    return all_states(log).get((partner, month)) or MonthState(partner, month)


def all_states(log: AuditLog) -> dict[tuple[str, str], MonthState]:
    """Every partner-month the log mentions."""
    states: dict[tuple[str, str], MonthState] = {}
    for record in log.records():
        if record.event not in EVENTS:
            continue
        partner, month = record.details.get("partner"), record.details.get("month")
        if not (isinstance(partner, str) and isinstance(month, str)):
            continue
        state = states.setdefault((partner, month), MonthState(partner, month))
        if record.event == "BUNDLE_CREATED":
            state.created = record
        elif record.event == "BUNDLE_DELIVERED":
            state.delivered = record
        else:
            state.deleted = record
    return states
