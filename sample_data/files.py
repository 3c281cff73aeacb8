"""Small helpers the sample writers share."""

from __future__ import annotations

import gzip
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def write_gzip(path: Path, data: bytes) -> None:
    """Write gzip bytes deterministically (no timestamp in the header)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data, mtime=0))


def by_hour(items: Iterable[tuple[datetime, T]]) -> list[tuple[datetime, list[tuple[datetime, T]]]]:
    """(time, item) pairs grouped by UTC hour: hours in order, pairs in time order."""
    buckets: dict[datetime, list[tuple[datetime, T]]] = defaultdict(list)
    for at, item in items:
        buckets[at.replace(minute=0, second=0, microsecond=0)].append((at, item))
    return [
        (hour, sorted(pairs, key=lambda pair: pair[0])) for hour, pairs in sorted(buckets.items())
    ]


def iso_millis(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"
