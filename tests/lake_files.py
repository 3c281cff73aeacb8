"""Reading what the ingest wrote, in tests."""

from __future__ import annotations

import gzip
import json

from lakehouse.lake import Lake


def lines(lake: Lake, prefix: str) -> list[dict]:
    """Every NDJSON.gz line under ``prefix``, parsed."""
    rows: list[dict] = []
    for item in lake.list(prefix):
        if item.key.endswith(".ndjson.gz"):
            rows += [
                json.loads(line) for line in gzip.decompress(lake.read_bytes(item.key)).splitlines()
            ]
    return rows
