"""NDJSON.gz, the lake's file format: one JSON document a line, gzip-compressed."""

from __future__ import annotations

import zlib

from isal import igzip

GZIP_MAGIC = b"\x1f\x8b"


def is_gzip(data: bytes) -> bool:
    return data[:2] == GZIP_MAGIC


def gzip_lines(rows: list[bytes]) -> bytes:
    """NDJSON.gz bytes. ISA-L level 1 compresses 4x faster than zlib at a similar
    ratio; mtime=0 makes the bytes a function of the content, so re-ingest is
    idempotent."""
    # The empty last row ends the last line: no copy of the joined text to add one.
    return igzip.compress(b"\n".join([*rows, b""]), compresslevel=1, mtime=0)


def lines_of(data: bytes) -> list[bytes] | None:
    """The lines of an NDJSON(.gz) object, or None when it is not readable as one."""
    if is_gzip(data):
        try:
            data = igzip.decompress(data)
        except (EOFError, OSError, zlib.error):
            return None
    return [line for line in data.split(b"\n") if line.strip()]
