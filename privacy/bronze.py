"""Removing one user's records from the lake's raw files (Bronze and quarantine).

Bronze lines carry the app's pseudonym of the user (``uid`` = sha256 of the raw
id) and of the conversation (``cid``). A user's records are the lines with their
``uid``, the lines of their conversations that carry no ``uid`` (a feedback or
observation record whose user field was empty), and, when the raw id is known,
lines that name it (a CloudFront request for a page with the id in its path).
Each object that holds any is rewritten without them (whole, as the lake writes
every object), or deleted when nothing else is left in it.

Closed days rolled up to Parquet (lakehouse/rollup.py) are searched with DuckDB
instead of line by line: the same rule (the user's ``uid``, the uid-less rows of
their conversations, any text value naming the raw id), and each day's file is
rewritten whole without those rows (lakehouse/columnar.py), or deleted when
nothing else is left in it.

Quarantine lines hold the rejected record as it arrived (``raw``); a line that
mentions the user's pseudonym, one of their conversations, or their raw id when
it is known, is removed. A quarantined copy of an unreadable file cannot be
searched reliably (it is usually a broken gzip); those expire after 30 days.

The user's conversations are found from their ``uid`` lines, so those go last:
a scrub that stops part-way and runs again still finds every conversation.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import orjson

from lakehouse.columnar import Scratch, connect, quote, rewrite_without
from lakehouse.lake import Lake
from lakehouse.ndjson import gzip_lines, lines_of
from lakehouse.tables import LakeTable, table_for_key

BRONZE = "bronze/"
QUARANTINE = "quarantine/"


@dataclass
class ScrubResult:
    objects_scanned: int = 0
    objects_rewritten: int = 0
    objects_deleted: int = 0
    lines_removed: Counter[str] = field(default_factory=Counter)  # by bronze/<table>
    unreadable_copies: list[str] = field(default_factory=list)  # quarantine/*.file-*
    conversations: int = 0

    def as_dict(self) -> dict:
        return {
            "objects_scanned": self.objects_scanned,
            "objects_rewritten": self.objects_rewritten,
            "objects_deleted": self.objects_deleted,
            "lines_removed": dict(sorted(self.lines_removed.items())),
            "conversations": self.conversations,
            "unsearchable_quarantine_copies": len(self.unreadable_copies),
        }


def table_of(key: str) -> str:
    """``bronze/lambda_emf/dt=.../x.ndjson.gz`` → ``bronze/lambda_emf``."""
    return "/".join(key.split("/")[:2])


def field_of(line: bytes, name: str) -> str | None:
    try:
        value = orjson.loads(line).get(name)
    except (orjson.JSONDecodeError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def search_for(needles: list[str]) -> re.Pattern[bytes]:
    return re.compile(b"|".join(re.escape(needle.encode()) for needle in needles))


def is_parquet(key: str) -> bool:
    return key.endswith(".parquet")


def parquet_days(lake: Lake, prefix: str) -> list[tuple[str, LakeTable]]:
    """The rolled-up days under ``prefix``, each with its table."""
    found = []
    for item in lake.list(prefix):
        table = table_for_key(item.key) if is_parquet(item.key) else None
        if table is not None and item.key == table.parquet_key(item.key.split("/dt=")[1][:10]):
            found.append((item.key, table))
    return found


def user_rows(table: LakeTable, app_hash: str, conversations: set[str], raw_id: str | None) -> str:
    """SQL: the rows of a Parquet day that are the user's (the rule of the NDJSON lines)."""
    picks = []
    if table.has_column("uid"):
        picks.append(f"uid = {quote(app_hash)}")
        if conversations and table.has_column("cid"):
            listed = ", ".join(quote(cid) for cid in sorted(conversations))
            picks.append(f"(uid is null and cid in ({listed}))")
    elif conversations and table.has_column("cid"):
        listed = ", ".join(quote(cid) for cid in sorted(conversations))
        picks.append(f"cid in ({listed})")
    if raw_id:
        for name, kind in table.columns:
            if kind == "VARCHAR":
                picks.append(f"contains({name}, {quote(raw_id)})")
            elif kind == "VARCHAR[]":
                picks.append(f"contains(array_to_string({name}, chr(10)), {quote(raw_id)})")
    return " or ".join(picks) if picks else "false"


def rewrite_parquet(
    lake: Lake,
    prefix: str,
    where: Callable[[LakeTable], str],
    result: ScrubResult,
    on_change: Callable[[str, int, bool], None] | None,
    dry_run: bool,
) -> None:
    """Rewrite each Parquet day under ``prefix`` without the rows ``where(table)`` picks."""
    days = parquet_days(lake, prefix)
    if not days:
        return
    connection = connect()
    try:
        with Scratch(lake) as scratch:
            for key, table in days:
                removed, deleted = rewrite_without(
                    lake, scratch, connection, table, key, where(table), dry_run=dry_run
                )
                if not removed:
                    continue
                result.lines_removed[table_of(key)] += removed
                if dry_run:
                    continue
                if deleted:
                    result.objects_deleted += 1
                else:
                    result.objects_rewritten += 1
                if on_change:
                    on_change(key, removed, deleted)
    finally:
        connection.close()


def find_conversations(lake: Lake, app_hash: str) -> set[str]:
    """The ``cid`` of every Bronze line (or Parquet row) of the user."""
    needle = app_hash.encode()
    conversations: set[str] = set()
    days = [(key, table) for key, table in parquet_days(lake, BRONZE) if table.has_column("cid")]
    if days:
        connection = connect()
        with Scratch(lake) as scratch:
            for key, table in days:
                if not table.has_column("uid"):
                    continue
                rows = connection.execute(
                    f"select distinct cid from read_parquet({quote(scratch.local(key))}) "
                    f"where uid = {quote(app_hash)} and cid is not null"
                ).fetchall()
                conversations.update(row[0] for row in rows)
                scratch.forget(key)
        connection.close()
    for item in lake.list(BRONZE):
        if is_parquet(item.key):
            continue
        data = lake.read_bytes(item.key)
        lines = lines_of(data)
        for line in lines or ():
            if needle in line and field_of(line, "uid") == app_hash:
                cid = field_of(line, "cid")
                if cid:
                    conversations.add(cid)
    return conversations


def rewrite_lines(
    lake: Lake,
    prefix: str,
    search: re.Pattern[bytes],
    belongs: Callable[[bytes], bool],
    result: ScrubResult,
    on_change: Callable[[str, int, bool], None] | None,
    dry_run: bool,
) -> None:
    """Rewrite each object under ``prefix`` without the lines ``belongs`` picks (only
    lines ``search`` finds something in are parsed)."""
    for item in lake.list(prefix):
        result.objects_scanned += 1
        if is_parquet(item.key):
            continue  # rolled-up days: rewrite_parquet
        lines = lines_of(lake.read_bytes(item.key))
        if lines is None:
            if prefix == QUARANTINE and ".file-" in item.key:
                result.unreadable_copies.append(item.key)
            continue
        kept = [line for line in lines if not (search.search(line) and belongs(line))]
        removed = len(lines) - len(kept)
        if not removed:
            continue
        result.lines_removed[table_of(item.key)] += removed
        if dry_run:
            continue
        if kept:
            lake.write_bytes(item.key, gzip_lines(kept))
            result.objects_rewritten += 1
        else:
            lake.delete([item.key])
            result.objects_deleted += 1
        if on_change:
            on_change(item.key, removed, not kept)


def scrub(
    lake: Lake,
    app_hash: str,
    *,
    raw_id: str | None = None,
    dry_run: bool = False,
    on_change: Callable[[str, int, bool], None] | None = None,
) -> ScrubResult:
    """Rewrite every Bronze and quarantine object without the user's records;
    ``on_change(key, lines removed, deleted?)`` after each object changed. Running it
    again finds nothing more to remove."""
    conversations = find_conversations(lake, app_hash)
    result = ScrubResult(conversations=len(conversations))
    raw = raw_id.encode() if raw_id else None

    # 1. Lines of the user's conversations that carry no uid (and lines naming the raw id).
    if conversations or raw:

        def orphan(line: bytes) -> bool:
            uid = field_of(line, "uid")
            if raw and raw in line and uid != app_hash:
                return True
            return uid is None and field_of(line, "cid") in conversations

        needles = sorted(conversations) + ([raw_id] if raw_id else [])
        rewrite_lines(lake, BRONZE, search_for(needles), orphan, result, on_change, dry_run)

    # 2. The user's own lines, which are how their conversations are found.
    def own(line: bytes) -> bool:
        return field_of(line, "uid") == app_hash

    rewrite_lines(lake, BRONZE, search_for([app_hash]), own, result, on_change, dry_run)

    # 2b. The rolled-up days, all of the rule at once (their conversations were found first).
    rewrite_parquet(
        lake,
        BRONZE,
        lambda table: user_rows(table, app_hash, conversations, raw_id),
        result,
        on_change,
        dry_run,
    )

    # 3. Quarantine: any line that mentions the user, a conversation of theirs, or the raw id.
    needles = [app_hash, *sorted(conversations)] + ([raw_id] if raw_id else [])
    rewrite_lines(
        lake, QUARANTINE, search_for(needles), lambda line: True, result, on_change, dry_run
    )
    result.objects_scanned = sum(1 for _ in lake.list(BRONZE)) + sum(
        1 for _ in lake.list(QUARANTINE)
    )
    return result
