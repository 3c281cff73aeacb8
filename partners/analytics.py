"""The partner analytics in the lake: Parquet, partitioned by partner and month.

Layout (one prefix per Gold partner table)::

    partner/analytics/partner_model_daily/partner_id=acme/month=2026-10/part-00000.parquet
    partner/analytics/partner_errors_daily/partner_id=acme/month=2026-10/part-00000.parquet

On Athena the Gold tables *are* these files (macros/naming/partner_analytics.sql).
On DuckDB the tables live in the warehouse file, and :func:`export` writes this
layout from them after every build, removing partitions Gold no longer has (a
month deleted after delivery). Bundles are built from the files, whichever
engine wrote them.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ingest.sources.partner_telemetry import PARTNER_ID
from lakehouse.lake import Lake
from lakehouse.settings import Settings
from lakehouse.warehouse import Warehouse

PREFIX = "partner/analytics/"
# The Gold tables a bundle holds, and the order of their rows in a file.
TABLES = {
    "partner_model_daily": "event_date, model_id",
    "partner_errors_daily": "event_date, model_id, error_code",
}
MONTH = re.compile(r"(20\d\d)-(0[1-9]|1[0-2])")
_PARTITION = re.compile(r"partner_id=([^/]+)/month=([^/]+)/")


class PartnerError(RuntimeError):
    """A partner operation that cannot go on; ``status`` is the exit status."""

    def __init__(self, message: str, status: int = 1):
        super().__init__(message)
        self.status = status


def check_partner(partner: str) -> str:
    if not PARTNER_ID.fullmatch(partner or ""):
        raise PartnerError(
            f"partner {partner!r} is not a partner id (2 to 40 lower-case letters, digits "
            "or '-', starting with a letter)",
            status=2,
        )
    return partner


def check_month(month: str) -> str:
    if not MONTH.fullmatch(month or ""):
        raise PartnerError(f"month {month!r} is not YYYY-MM", status=2)
    return month


def partition_prefix(table: str, partner: str, month: str) -> str:
    return f"{PREFIX}{table}/partner_id={partner}/month={month}/"


@dataclass(frozen=True)
class PartitionFile:
    table: str
    partner: str
    month: str
    key: str
    size: int


def partition_files(lake: Lake, partner: str, month: str) -> list[PartitionFile]:
    """The month's Parquet files for the partner, every table, in a stable order."""
    found = []
    for table in TABLES:
        for item in lake.list(partition_prefix(table, partner, month)):
            name = item.key.rsplit("/", 1)[-1]
            if not name.startswith((".", "_")) and not name.endswith("$folder$"):
                found.append(PartitionFile(table, partner, month, item.key, item.size))
    return sorted(found, key=lambda file: file.key)


def partitions_in_lake(lake: Lake) -> set[tuple[str, str]]:
    """Every (partner, month) with analytics files."""
    found = set()
    for table in TABLES:
        for item in lake.list(f"{PREFIX}{table}/"):
            match = _PARTITION.search(item.key)
            if match:
                found.add((match.group(1), match.group(2)))
    return found


@dataclass
class ExportResult:
    files_written: int = 0
    files_removed: int = 0
    rows: int = 0


def export(
    warehouse: Warehouse,
    settings: Settings,
    lake: Lake,
    *,
    progress: Callable[[int, int, str], None] | None = None,
) -> ExportResult:
    """Write every partner-month of the Gold partner tables to the lake as Parquet,
    and remove the partitions Gold no longer has. DuckDB only: on Athena the
    tables are the files already."""
    result = ExportResult()
    if settings.target == "athena":
        return result
    wanted: dict[str, list[tuple[str, str]]] = {}
    for table in TABLES:
        relation = settings.relation("gold", table)
        rows = warehouse.query(
            f"select partner_id, month, count(*) as n from {relation} group by 1, 2 order by 1, 2"
        )
        wanted[table] = [(str(row["partner_id"]), str(row["month"])) for row in rows]
        result.rows += sum(int(row["n"]) for row in rows)
    total = sum(len(pairs) for pairs in wanted.values())
    done = 0
    with tempfile.TemporaryDirectory(prefix="sage-partner-") as scratch:
        for table, pairs in wanted.items():
            relation = settings.relation("gold", table)
            keep = set()
            for partner, month in pairs:
                check_partner(partner)
                check_month(month)
                key = partition_prefix(table, partner, month) + "part-00000.parquet"
                keep.add(key)
                local = Path(scratch) / f"{table}-{partner}-{month}.parquet"
                warehouse.execute(
                    f"copy (select * from {relation} "
                    f"where partner_id = '{partner}' and month = '{month}' "
                    f"order by {TABLES[table]}) "
                    f"to '{local}' (format parquet, compression zstd)"
                )
                lake.write_bytes(key, local.read_bytes())
                local.unlink()
                result.files_written += 1
                done += 1
                if progress:
                    progress(done, total, f"{table} {partner} {month}")
            stale = [item.key for item in lake.list(f"{PREFIX}{table}/") if item.key not in keep]
            result.files_removed += lake.delete(stale) if stale else 0
    return result
