"""The daily rollup: each closed day of each Bronze table becomes one Parquet object.

A day is closed once it is older than the late-data window (``--late-days``,
``SAGE_ROLLUP_LATE_DAYS``, default 3: CloudFront delivers up to a day late, mobile
clients later, and dbt's incremental look-back is 3 days too). For each closed day
that still has NDJSON.gz objects:

1. its objects are listed once; only those are read and, at the end, deleted (an
   object landing meanwhile waits for the next rollup);
2. they are read with the declared column types, together with the day's existing
   Parquet when late lines landed after an earlier rollup, and written to one new
   Parquet file (lakehouse/columnar.py: zstd, sorted, sized row groups);
3. the file is published whole (a rename in the local lake, one PUT on S3) under
   the day's one Parquet key, replacing the earlier one;
4. it is read back from the lake and checked: the same number of rows as went in,
   and the same event ids, each as many times. Only then are the NDJSON objects
   deleted. A check that fails puts the earlier Parquet back (or removes the new
   one) and leaves every NDJSON object where it was.

A run stopped between 3 and 4 leaves the NDJSON objects beside a Parquet that
already holds them. The Parquet names the objects it was made from, so the next
rollup deletes those (once it has checked that their event ids are in the file)
instead of adding their rows a second time. Running it again therefore never
duplicates, and a day with nothing new is left alone.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import duckdb

from lakehouse.columnar import (
    Scratch,
    connect,
    path_list,
    publish,
    quote,
    read_parquet_sql,
    rolled_from,
    scalar,
    write_parquet,
)
from lakehouse.lake import Lake, LakeError, LakeObject
from lakehouse.tables import LakeTable, columnar_tables

LATE_DAYS_ENV = "SAGE_ROLLUP_LATE_DAYS"
DEFAULT_LATE_DAYS = 3
# NDJSON.gz read in one pass (several days of a table): one DuckDB read over many small
# files is far cheaper than one per day, and ~128 MB compressed stays well inside a
# laptop's (and the rollup function's 3 GB) memory once decoded.
BATCH_BYTES = 128 * 2**20
_DAY_OBJECT = re.compile(r"^dt=(\d{4}-\d{2}-\d{2})/(.+)$")


class RollupError(ValueError):
    """The rollup cannot run as asked (bad setting); nothing was changed."""


def late_days_from_env(value: int | None = None) -> int:
    if value is None:
        text = os.environ.get(LATE_DAYS_ENV, str(DEFAULT_LATE_DAYS))
        try:
            value = int(text)
        except ValueError:
            raise RollupError(f"{LATE_DAYS_ENV}={text!r} is not a whole number of days") from None
    if value < 1:
        raise RollupError(f"the late-data window must be at least 1 day, not {value}")
    return value


@dataclass
class DayPlan:
    table: LakeTable
    day: str
    ndjson: list[LakeObject] = field(default_factory=list)
    parquet: LakeObject | None = None

    def relative(self, key: str) -> str:
        return key[len(self.table.day_prefix(self.day)) :]


@dataclass
class DayResult:
    table: str
    day: str
    files: int = 0  # NDJSON objects folded into the Parquet and deleted
    already_in: int = 0  # objects an interrupted run had folded in already, deleted
    rows_added: int = 0
    rows: int = 0  # in the day's Parquet after the run
    late: bool = False  # the day had a Parquet already: late lines merged
    ndjson_bytes: int = 0
    parquet_bytes: int = 0
    seconds: float = 0.0
    error: str | None = None


@dataclass
class RollupResult:
    lake: str
    today: date
    late_days: int
    dry_run: bool = False
    days: list[DayResult] = field(default_factory=list)
    open_days: int = 0  # (table, day) pairs with NDJSON still inside the window
    notes: list[str] = field(default_factory=list)

    @property
    def closed_before(self) -> date:
        return self.today - timedelta(days=self.late_days)

    @property
    def errors(self) -> list[str]:
        return [f"{day.table} {day.day}: {day.error}" for day in self.days if day.error]

    @property
    def changed(self) -> bool:
        return any((day.files or day.already_in) and not day.error for day in self.days)

    def by_table(self) -> dict[str, dict[str, int]]:
        tables: dict[str, dict[str, int]] = {}
        for day in self.days:
            entry = tables.setdefault(
                day.table,
                {
                    "days": 0,
                    "late_days_merged": 0,
                    "files": 0,
                    "already_in": 0,
                    "rows_added": 0,
                    "ndjson_bytes": 0,
                    "parquet_bytes": 0,
                    "failed_days": 0,
                },
            )
            if day.error:
                entry["failed_days"] += 1
                continue
            entry["days"] += 1
            entry["late_days_merged"] += int(day.late)
            entry["files"] += day.files
            entry["already_in"] += day.already_in
            entry["rows_added"] += day.rows_added
            entry["ndjson_bytes"] += day.ndjson_bytes
            entry["parquet_bytes"] += day.parquet_bytes
        return tables

    def summary(self) -> dict[str, Any]:
        """What the rollup did, as its audit record and ``--json`` keep it."""
        rolled = [day for day in self.days if not day.error]
        return {
            "lake": self.lake,
            "today": self.today.isoformat(),
            "late_days": self.late_days,
            "closed_before": self.closed_before.isoformat(),
            "days_rolled": len(rolled),
            "first_day": min((day.day for day in rolled), default=None),
            "last_day": max((day.day for day in rolled), default=None),
            "ndjson_objects_deleted": sum(day.files + day.already_in for day in rolled),
            "rows_added": sum(day.rows_added for day in rolled),
            "ndjson_bytes": sum(day.ndjson_bytes for day in rolled),
            "parquet_bytes": sum(day.parquet_bytes for day in rolled),
            "open_days": self.open_days,
            "tables": self.by_table(),
            "errors": self.errors,
        }


def plan_days(
    lake: Lake, tables: tuple[LakeTable, ...], closed_before: date
) -> tuple[list[DayPlan], int, list[str]]:
    """Closed days with NDJSON objects to roll up; the number of open days; notes."""
    plans: list[DayPlan] = []
    open_days = 0
    notes: list[str] = []
    for table in tables:
        days: dict[str, DayPlan] = {}
        for item in lake.list(table.prefix + "/"):
            match = _DAY_OBJECT.match(item.key[len(table.prefix) + 1 :])
            if not match:
                continue
            day = match.group(1)
            plan = days.setdefault(day, DayPlan(table, day))
            if item.key == table.parquet_key(day):
                plan.parquet = item
            elif item.key.endswith(".ndjson.gz"):
                plan.ndjson.append(item)
        for day, plan in sorted(days.items()):
            if not plan.ndjson:
                continue
            try:
                closed = date.fromisoformat(day) < closed_before
            except ValueError:
                notes.append(f"{table.prefix}/dt={day}/ is not a date: left alone")
                continue
            if closed:
                plans.append(plan)
            else:
                open_days += 1
    return plans, open_days, notes


def _json_sql(table: LakeTable, paths: list[str], *, with_dt: bool = False) -> str:
    columns = ", ".join(f"{quote(name)}: {quote(kind)}" for name, kind in table.columns)
    partitions = ", ".join(f"{quote(key)}: 'VARCHAR'" for key in table.partitions)
    selected = ", ".join(table.stored_columns + (["dt"] if with_dt else []))
    return (
        f"select {selected} from read_json({path_list(paths)}, "
        "format = 'newline_delimited', compression = 'gzip', hive_partitioning = true, "
        f"hive_types = {{{partitions}}}, columns = {{{columns}}})"
    )


@dataclass
class _Day:
    """One day's work inside a batch."""

    plan: DayPlan
    result: DayResult
    fresh: list[LakeObject]
    already: list[LakeObject] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    old: str | None = None  # local path of the day's earlier Parquet
    previous: bytes | None = None  # its bytes, to put back if the new one fails its check
    rows_before: int = 0
    published: bool = False

    @property
    def key(self) -> str:
        return self.plan.table.parquet_key(self.plan.day)

    def fail(self, exc: BaseException) -> None:
        self.result.error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def batches(plans: list[DayPlan]) -> list[list[DayPlan]]:
    """Consecutive days of one table read together, up to BATCH_BYTES of NDJSON.gz."""
    grouped: list[list[DayPlan]] = []
    size = 0
    for plan in plans:
        bytes_in = sum(item.size for item in plan.ndjson)
        if not grouped or grouped[-1][0].table != plan.table or size + bytes_in > BATCH_BYTES:
            grouped.append([])
            size = 0
        grouped[-1].append(plan)
        size += bytes_in
    return grouped


def _prepare(
    lake: Lake, scratch: Scratch, connection: duckdb.DuckDBPyConnection, day: _Day
) -> None:
    """A day with a Parquet already: what it holds, and which NDJSON is already in it."""
    plan = day.plan
    if plan.parquet is None:
        return
    day.old = scratch.local(day.key)
    day.previous = lake.read_bytes(day.key)
    day.sources = rolled_from(connection, day.old)
    listed = set(day.sources)
    day.already = [item for item in plan.ndjson if plan.relative(item.key) in listed]
    day.fresh = [item for item in plan.ndjson if plan.relative(item.key) not in listed]
    if day.already:
        paths = [scratch.local(item.key) for item in day.already]
        outside = scalar(
            connection,
            f"select count(*) from (select event_id from ({_json_sql(plan.table, paths)}) "
            f"except select event_id from read_parquet({quote(day.old)}))",
        )
        if outside:
            raise RollupError(
                f"{len(day.already)} NDJSON object(s) the Parquet names as rolled in hold "
                f"{outside:,} event id(s) it does not: left for a person to look at"
            )
    day.rows_before = scalar(connection, f"select count(*) from read_parquet({quote(day.old)})")


def _stage(
    scratch: Scratch, connection: duckdb.DuckDBPyConnection, table: LakeTable, days: list[_Day]
) -> None:
    """Every row going into the batch's Parquet days, with its day: one read of the NDJSON."""
    files = [scratch.local(item.key) for day in days for item in day.fresh]
    parts = [_json_sql(table, files, with_dt=True)] if files else []
    for day in days:
        if day.old is not None:
            parts.append(
                f"select *, {quote(day.plan.day)} as dt from ({read_parquet_sql(table, day.old)})"
            )
    connection.execute("create or replace temp table staged as " + " union all ".join(parts))


def _verify(
    lake: Lake, scratch: Scratch, connection: duckdb.DuckDBPyConnection, days: list[_Day]
) -> dict[str, str]:
    """Every published day read back from the lake against what went in: the same event
    ids, each as often (so the same rows). The days that differ, with what is wrong."""
    paths = [scratch.local(day.key, fresh=True) for day in days]
    listed = ", ".join(quote(day.plan.day) for day in days)
    rows = connection.execute(
        f"""
        with
            written as (
                select
                    regexp_extract(filename, 'dt=([0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}})/parquet/', 1)
                        as dt,
                    event_id
                from read_parquet({path_list(paths)}, filename = true, hive_partitioning = false)
            ),
            read as (select dt, event_id from staged where dt in ({listed})),
            missing as (select * from read except all select * from written),
            extra as (select * from written except all select * from read)
        select dt, sum(is_missing::int), sum((not is_missing)::int)
        from (
            select dt, true as is_missing from missing
            union all
            select dt, false from extra
        ) as differences
        group by dt
        """
    ).fetchall()
    return {
        day: f"the Parquet read back from {lake.uri(f'dt={day}')} lacks {missing:,} event id(s) "
        f"read and holds {extra:,} not read"
        for day, missing, extra in rows
    }


def roll_batch(
    lake: Lake,
    scratch: Scratch,
    connection: duckdb.DuckDBPyConnection,
    plans: list[DayPlan],
    delete: Callable[[DayResult, list[str]], None],
) -> list[DayResult]:
    """Roll up a batch of one table's days (see the module's steps): read together,
    written and checked day by day. ``delete(keys)`` removes a day's NDJSON once its
    Parquet is checked. A failure leaves that day's NDJSON in place."""
    started = time.monotonic()
    table = plans[0].table
    days = []
    for plan in plans:
        day = _Day(plan, DayResult(table.name, plan.day, late=plan.parquet is not None), [])
        day.fresh = list(plan.ndjson)
        try:
            _prepare(lake, scratch, connection, day)
        except Exception as exc:  # DuckDB's or the store's: this day only
            day.fail(exc)
        days.append(day)
    live = [day for day in days if not day.result.error and day.fresh]
    try:
        if live:
            _stage(scratch, connection, table, live)
    except Exception as exc:
        if len(plans) > 1:  # one unreadable object: find its day, roll up the others
            connection.execute("drop table if exists staged")
            return [
                result
                for plan in plans
                for result in roll_batch(lake, scratch, connection, [plan], delete)
            ]
        for day in live:
            day.fail(exc)
        live = []
    for day in live:
        try:
            output = scratch.output(f"{table.name}-{day.plan.day}.parquet")
            select = f"select * exclude (dt) from staged where dt = {quote(day.plan.day)}"
            sources = day.sources + [day.plan.relative(item.key) for item in day.fresh]
            write_parquet(connection, select, table, output, sources)
            day.result.parquet_bytes = publish(lake, day.key, output)
            day.published = True
        except Exception as exc:
            day.fail(exc)
    checked = [day for day in live if day.published]
    try:
        wrong = _verify(lake, scratch, connection, checked) if checked else {}
    except Exception as exc:
        wrong = {day.plan.day: str(exc).splitlines()[0] for day in checked}
    counts = dict(
        connection.execute("select dt, count(*) from staged group by dt").fetchall() if live else []
    )
    for day in days:
        if day.plan.day in wrong:
            day.result.error = wrong[day.plan.day]
        if day.result.error:
            if day.published:
                _restore(lake, day.key, day.previous, day.result)
            continue
        if day.fresh:
            day.result.rows = counts.get(day.plan.day, 0)
            day.result.rows_added = day.result.rows - day.rows_before
        day.result.files, day.result.already_in = len(day.fresh), len(day.already)
        day.result.ndjson_bytes = sum(item.size for item in day.fresh)
        delete(day.result, [item.key for item in day.fresh + day.already])
    for plan in plans:
        for item in plan.ndjson:
            scratch.forget(item.key)
        scratch.forget(plan.table.parquet_key(plan.day))
    connection.execute("drop table if exists staged")
    share = (time.monotonic() - started) / len(days)
    for day in days:
        day.result.seconds = share
    return [day.result for day in days]


def _restore(lake: Lake, key: str, previous: bytes | None, result: DayResult) -> None:
    """Put the day's earlier Parquet back (or remove the new one): its NDJSON stays."""
    try:
        if previous is None:
            lake.delete([key])
        else:
            lake.write_bytes(key, previous)
    except LakeError as exc:
        result.error = f"{result.error}; and the earlier Parquet could not be put back: {exc}"


def rollup(
    lake: Lake,
    *,
    today: date,
    late_days: int | None = None,
    tables: list[str] | None = None,
    dry_run: bool = False,
    on_day: Callable[[DayResult, int, int], None] | None = None,
) -> RollupResult:
    """Roll up every closed day of every columnar table (or of ``tables``);
    ``on_day(result, days done, days to do)`` after each day."""
    known = columnar_tables()
    if tables:
        unknown = sorted(set(tables) - {table.name for table in known})
        if unknown:
            raise RollupError(
                f"no rolled-up lake table named {', '.join(unknown)} "
                f"(there are {', '.join(table.name for table in known)})"
            )
        known = tuple(table for table in known if table.name in tables)
    result = RollupResult(lake.url, today, late_days_from_env(late_days), dry_run)
    plans, result.open_days, result.notes = plan_days(lake, known, result.closed_before)
    if dry_run:
        for plan in plans:
            result.days.append(
                DayResult(
                    plan.table.name,
                    plan.day,
                    files=len(plan.ndjson),
                    late=plan.parquet is not None,
                    ndjson_bytes=sum(item.size for item in plan.ndjson),
                )
            )
        return result
    connection = connect()
    # Deleting thousands of small objects is slow I/O (a local rename-based lake, or one
    # S3 request per 1,000 keys): it runs beside the next batch's DuckDB work.
    deleter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rollup-delete")

    def delete(day: DayResult, keys: list[str]) -> None:
        def run() -> None:
            try:
                lake.delete(keys)
            except Exception as exc:
                day.error = (
                    f"its Parquet is checked but its NDJSON.gz could not all be deleted ({exc}); "
                    "the next rollup deletes what is left"
                )

        deleter.submit(run)

    try:
        with Scratch(lake) as scratch:
            for batch in batches(plans):
                for day in roll_batch(lake, scratch, connection, batch, delete):
                    result.days.append(day)
                    if on_day:
                        on_day(day, len(result.days), len(plans))
    finally:
        deleter.shutdown(wait=True)
        connection.close()
    return result
