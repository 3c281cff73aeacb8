"""Retention: how long each layer keeps data, and removing what is older.

==========  =========  =====================================================
layer       kept for   why
==========  =========  =====================================================
Bronze      90 days    raw events, still with the app's unkeyed ids and
                       client IPs; long enough to rebuild Silver after a fix
quarantine  30 days    raw records that failed validation, possibly with
                       personal data in them (that is often why they
                       failed); long enough to look at and replay them, and
                       no longer than the 30 days an erasure may take
Silver      2 years    cleaned, pseudonymised rows
private     2 years    tables with a row per person (per-user cost and
                       days), restricted like Silver
Gold        kept       aggregates only
==========  =========  =====================================================

Bronze and quarantine expire by partition: every object under
``bronze/<table>/dt=YYYY-MM-DD/`` whose date is before the horizon (a date
exactly 90 days ago is kept). Quarantine's ``dt`` is the day the record was
received. Silver and the private layer expire by row, on the date column each
table declares in the allow-list (``retention:``), with a DELETE (an Iceberg DELETE on Athena, then
OPTIMIZE and VACUUM so the rows also leave the data files).

A later build cannot bring expired Silver rows back: an incremental run reads
only the last few days of Bronze, and a full refresh reads Bronze, which holds
90 days, far inside Silver's two years.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from lakehouse.lake import Lake
from lakehouse.settings import Settings
from lakehouse.warehouse import Warehouse
from privacy.catalog import Table, identifier, layer_tables
from privacy.rules import KEEP, RESTRICTED_LAYERS, Allowlist

BRONZE_DAYS = 90
QUARANTINE_DAYS = 30
SILVER_YEARS = 2
LAYER_PREFIXES = {"bronze": "bronze/", "quarantine": "quarantine/"}
_PARTITION = re.compile(r"^(bronze|quarantine)/([^/]+)/dt=(\d{4}-\d{2}-\d{2})/")


class RetentionError(RuntimeError):
    """Retention cannot run as asked (bad input or configuration); nothing was deleted."""


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True)
class Horizons:
    today: date
    bronze: date
    quarantine: date
    silver: date

    @classmethod
    def on(cls, today: date) -> Horizons:
        return cls(
            today=today,
            bronze=today - timedelta(days=BRONZE_DAYS),
            quarantine=today - timedelta(days=QUARANTINE_DAYS),
            silver=years_before(today, SILVER_YEARS),
        )

    def for_layer(self, layer: str) -> date:
        return {"bronze": self.bronze, "quarantine": self.quarantine}[layer]


@dataclass
class ExpiredObjects:
    """The expired objects of one lake table (``bronze/lambda_emf``...)."""

    layer: str
    table: str
    keys: list[str] = field(default_factory=list)
    bytes: int = 0
    dates: set[date] = field(default_factory=set)


@dataclass
class ExpiredRows:
    table: str  # silver.turns
    relation: str
    column: str
    rows: int


@dataclass
class RetentionPlan:
    horizons: Horizons
    lake: str
    objects: list[ExpiredObjects]
    rows: list[ExpiredRows]
    lake_objects_seen: int
    kept: list[str] = field(default_factory=list)  # Silver tables declared `keep`
    notes: list[str] = field(default_factory=list)

    @property
    def nothing_to_do(self) -> bool:
        return not self.objects and not any(item.rows for item in self.rows)

    def summary(self) -> dict:
        """What the plan removes, as the audit record keeps it."""
        return {
            "today": self.horizons.today.isoformat(),
            "horizons": {
                "bronze": self.horizons.bronze.isoformat(),
                "quarantine": self.horizons.quarantine.isoformat(),
                "silver": self.horizons.silver.isoformat(),
            },
            "lake": self.lake,
            "objects": {
                f"{item.layer}/{item.table}": {
                    "objects": len(item.keys),
                    "bytes": item.bytes,
                    "partitions": len(item.dates),
                    "first_date": min(item.dates).isoformat(),
                    "last_date": max(item.dates).isoformat(),
                }
                for item in self.objects
            },
            "silver_rows": {item.table: item.rows for item in self.rows},
        }


def plan_objects(lake: Lake, horizons: Horizons) -> tuple[list[ExpiredObjects], int, list[str]]:
    """Expired Bronze and quarantine objects, per table; the number of objects seen;
    notes on objects outside any dt= partition (never deleted)."""
    found: dict[tuple[str, str], ExpiredObjects] = {}
    seen = 0
    unpartitioned: dict[str, int] = defaultdict(int)
    for layer, prefix in LAYER_PREFIXES.items():
        horizon = horizons.for_layer(layer)
        for item in lake.list(prefix):
            seen += 1
            match = _PARTITION.match(item.key)
            if not match:
                unpartitioned[item.key.split("/", 2)[1] if "/" in item.key else item.key] += 1
                continue
            try:
                day = date.fromisoformat(match.group(3))
            except ValueError:
                unpartitioned[match.group(2)] += 1
                continue
            if day < horizon:
                entry = found.setdefault(
                    (layer, match.group(2)), ExpiredObjects(layer, match.group(2))
                )
                entry.keys.append(item.key)
                entry.bytes += item.size
                entry.dates.add(day)
    notes = [
        f"{count} object(s) under {name}/ are in no dt=YYYY-MM-DD partition: left alone"
        for name, count in sorted(unpartitioned.items())
    ]
    return [found[key] for key in sorted(found)], seen, notes


def _retention_column(table: Table, rules: Allowlist) -> str | None:
    declared = rules.table(table.layer, table.name)
    if declared is None or declared.retention is None:
        raise RetentionError(
            f"{table.label} declares no retention column in {rules.file.name} "
            "(`retention:` a date column, or keep): Silver retention did not run"
        )
    if declared.retention == KEEP:
        return None
    if table.column(declared.retention) is None:
        raise RetentionError(
            f"{table.label}: its retention column {declared.retention!r} is not built"
        )
    return declared.retention


def plan_rows(
    warehouse: Warehouse, settings: Settings, horizons: Horizons, rules: Allowlist
) -> tuple[list[ExpiredRows], list[str]]:
    """Expired Silver and private rows, per table. Every table must declare its retention
    first: one undeclared table stops the whole plan, before anything is deleted."""
    tables = [
        table
        for layer in RESTRICTED_LAYERS
        for table in layer_tables(warehouse, settings, layer).values()
    ]
    columns = {table.label: _retention_column(table, rules) for table in tables}
    rows: list[ExpiredRows] = []
    kept: list[str] = []
    for table in tables:
        column = columns[table.label]
        if column is None:
            kept.append(table.label)
            continue
        count = warehouse.query(
            f"select count(*) as n from {table.relation} "
            f"where {identifier(column)} < {_date_literal(horizons.silver)}"
        )[0]["n"]
        rows.append(ExpiredRows(table.label, table.relation, column, int(count)))
    return rows, kept


def _date_literal(day: date) -> str:
    return f"date '{day.isoformat()}'"


def delete_statements(target: str, relation: str, predicate: str) -> list[str]:
    """The statements that remove matching rows for good. On Athena an Iceberg DELETE
    writes delete files; OPTIMIZE rewrites the data files without the rows, and VACUUM
    removes the old files once their snapshots are older than the table's
    vacuum_max_snapshot_age_seconds."""
    statements = [f"delete from {relation} where {predicate}"]
    if target == "athena":
        statements += [
            f"optimize {relation} rewrite data using bin_pack",
            f"vacuum {relation}",
        ]
    return statements


def expire_rows(warehouse: Warehouse, settings: Settings, plan: RetentionPlan) -> None:
    for item in plan.rows:
        if not item.rows:
            continue
        predicate = f"{identifier(item.column)} < {_date_literal(plan.horizons.silver)}"
        for statement in delete_statements(settings.target, item.relation, predicate):
            warehouse.execute(statement)


def expire_objects(lake: Lake, plan: RetentionPlan) -> int:
    return sum(lake.delete(item.keys) for item in plan.objects)
