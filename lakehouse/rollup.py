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
from dataclasses import dataclass, field
from datetime import date, timedelta

from ingest.lake import Lake, LakeError, LakeObject
from lakehouse.columnar import (
    Scratch,
    connect,
    path_list,
    publish,
    quote,
    read_parquet_sql,
    rolled_from,
    write_parquet,
)
from lakehouse.tables import LakeTable, columnar_tables

LATE_DAYS_ENV = "SAGE_ROLLUP_LATE_DAYS"
DEFAULT_LATE_DAYS = 3
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

    def by_table(self) -> dict[str, dict]:
        tables: dict[str, dict] = {}
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

    def summary(self) -> dict:
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


def _json_sql(table: LakeTable, paths: list[str]) -> str:
    columns = ", ".join(f"{quote(name)}: {quote(kind)}" for name, kind in table.columns)
    partitions = ", ".join(f"{quote(key)}: 'VARCHAR'" for key in table.partitions)
    return (
        f"select {', '.join(table.stored_columns)} from read_json({path_list(paths)}, "
        "format = 'newline_delimited', compression = 'gzip', hive_partitioning = true, "
        f"hive_types = {{{partitions}}}, columns = {{{columns}}})"
    )


def _check(connection, written: str, label: str) -> None:
    """The published file against what went in (the ``staged`` table): the same rows,
    the same event ids as often."""
    got, missing, extra = connection.execute(
        f"""
        with
            written as (select event_id from read_parquet({quote(written)})),
            read as (select event_id from staged)
        select
            (select count(*) from written),
            (select count(*) from (select * from read except all select * from written)),
            (select count(*) from (select * from written except all select * from read))
        """
    ).fetchone()
    expected = connection.execute("select count(*) from staged").fetchone()[0]
    if got != expected or missing or extra:
        raise RollupError(
            f"the Parquet read back from {label} holds {got:,} rows for {expected:,} read "
            f"({missing:,} event ids missing, {extra:,} not read)"
        )


def roll_day(lake: Lake, scratch: Scratch, connection, plan: DayPlan) -> DayResult:
    """Roll up one day (see the module's steps); a failure leaves the NDJSON in place."""
    started = time.monotonic()
    table, key = plan.table, plan.table.parquet_key(plan.day)
    result = DayResult(table.name, plan.day, late=plan.parquet is not None)
    previous: bytes | None = None
    published = False
    try:
        already: list[LakeObject] = []
        fresh = list(plan.ndjson)
        parts: list[str] = []
        sources: list[str] = []
        if plan.parquet is not None:
            old = scratch.local(key)
            previous = lake.read_bytes(key)
            sources = rolled_from(connection, old)
            listed = set(sources)
            already = [item for item in plan.ndjson if plan.relative(item.key) in listed]
            fresh = [item for item in plan.ndjson if plan.relative(item.key) not in listed]
            if already:
                paths = [scratch.local(item.key) for item in already]
                outside = connection.execute(
                    f"select count(*) from (select event_id from ({_json_sql(table, paths)}) "
                    f"except select event_id from read_parquet({quote(old)}))"
                ).fetchone()[0]
                if outside:
                    raise RollupError(
                        f"{len(already)} NDJSON object(s) the Parquet names as rolled in hold "
                        f"{outside:,} event id(s) it does not: left for a person to look at"
                    )
            parts.append(read_parquet_sql(table, old))
        if fresh:
            parts.append(_json_sql(table, [scratch.local(item.key) for item in fresh]))
            rows_before = (
                connection.execute(f"select count(*) from ({parts[0]})").fetchone()[0]
                if plan.parquet is not None
                else 0
            )
            connection.execute(
                "create or replace temp table staged as " + " union all ".join(parts)
            )
            output = scratch.output(f"{table.name}-{plan.day}.parquet")
            sources = sources + [plan.relative(item.key) for item in fresh]
            write_parquet(connection, "select * from staged", table, output, sources)
            result.parquet_bytes = publish(lake, key, output)
            published = True
            _check(connection, scratch.local(key, fresh=True), lake.uri(key))
            result.rows = connection.execute("select count(*) from staged").fetchone()[0]
            result.rows_added = result.rows - rows_before
        done = fresh + already
        lake.delete([item.key for item in done])
        result.files, result.already_in = len(fresh), len(already)
        result.ndjson_bytes = sum(item.size for item in fresh)
    except Exception as exc:  # DuckDB's, the store's or the check's: this day only
        result.error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if published:
            _restore(lake, key, previous, result)
    finally:
        for item in plan.ndjson:
            scratch.forget(item.key)
        scratch.forget(key)
        connection.execute("drop table if exists staged")
    result.seconds = time.monotonic() - started
    return result


def _restore(lake: Lake, key: str, previous: bytes | None, result: DayResult) -> None:
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
    try:
        with Scratch(lake) as scratch:
            for plan in plans:
                day = roll_day(lake, scratch, connection, plan)
                result.days.append(day)
                if on_day:
                    on_day(day, len(result.days), len(plans))
    finally:
        connection.close()
    return result
