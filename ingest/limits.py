"""The limits every input is held to, so that no file, record or field can make
the ingest run out of memory, recurse without end or spend minutes on a pattern.

What exceeds a limit is quarantined with a reason like any other bad input:
a file over ``MAX_FILE_BYTES`` whole (``too_large``), a record over
``MAX_RECORD_BYTES`` (``too_large``), a record nested deeper than ``MAX_DEPTH``
(``too_deep``), and a text field over ``MAX_FIELD_CHARS`` (``out_of_range``,
checked before any pattern runs on it). Each limit sits well above what its
source can send: they stop hostile input, never real data.
"""

from __future__ import annotations

import json
from typing import Any, cast

import orjson
from isal import isal_zlib

from ingest.records import TOO_LARGE, UNREADABLE_FILE, FileRejected

# A file after decompression. Firehose delivers at most 128 MiB a file; CloudFront
# log files are far smaller.
MAX_FILE_BYTES = 512 * 1024 * 1024
# One record: a line, a log event's message, a stream record. A CloudWatch log event
# is at most 1 MiB, a DynamoDB item 400 KB (a stream record carries two images).
MAX_RECORD_BYTES = 1024 * 1024
# JSON nesting. The sources' own documents are at most about ten levels deep; a
# DynamoDB stream record with an item at DynamoDB's own limit of 32 nested
# attributes is about 70.
MAX_DEPTH = 100
MAX_ATTRIBUTE_DEPTH = 32  # DynamoDB's own limit on nested attributes
# One text field. CloudFront refuses requests over 20,480 bytes of URL and headers
# together, so no field of its logs is longer.
MAX_FIELD_CHARS = 20_480


def deeper_than(value: Any, limit: int) -> bool:
    """Whether ``value`` (parsed JSON) nests lists and objects more than ``limit``
    levels deep. Walks without recursion, so any depth is safe to ask about."""
    if type(value) is not dict and type(value) is not list:
        return False
    stack = [(value, 1)]
    while stack:
        container, depth = stack.pop()
        for item in container.values() if type(container) is dict else container:
            if type(item) is dict or type(item) is list:
                if depth + 1 > limit:
                    return True
                stack.append((item, depth + 1))
    return False


TRUNCATED = "...(nested too deep)"


def json_text(value: Any) -> str:
    """``value`` as JSON text, for a quarantine record or to read again."""
    return json_bytes(value).decode()


def json_bytes(value: Any) -> bytes:
    """``value`` as JSON. Anything orjson writes is written by orjson. It refuses
    values nested more than 254 levels deep, integers past 64 bits and lone
    surrogates (which
    Python's own parser, the one Lambda hands events over with, reads): then the
    standard library writes it, down to twice ``MAX_DEPTH`` levels, with what lies
    deeper replaced by a marker. Whatever nests that deep is quarantined as
    ``too_deep`` anyway."""
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        pruned = _pruned(value, 2 * MAX_DEPTH)
        return json.dumps(pruned, separators=(",", ":"), default=str).encode()


def _pruned(value: Any, levels: int) -> Any:
    if type(value) is dict:
        if levels == 0:
            return TRUNCATED
        return {str(key): _pruned(item, levels - 1) for key, item in value.items()}
    if type(value) is list:
        if levels == 0:
            return TRUNCATED
        return [_pruned(item, levels - 1) for item in value]
    return value


def gunzip(data: bytes, what: str) -> bytes:
    """The content of gzip data (every member of a multi-member file: what Firehose
    and ``cat a.gz b.gz`` produce), at most ``MAX_FILE_BYTES`` of it: a small gzip
    file can hold gigabytes of zeros. FileRejected naming ``what`` otherwise."""
    members, size = [], 0
    try:
        while data:
            member = isal_zlib.decompressobj(wbits=GZIP_WBITS)
            members.append(member.decompress(data, MAX_FILE_BYTES + 1 - size))
            size += len(members[-1])
            if size > MAX_FILE_BYTES:
                raise FileRejected(
                    TOO_LARGE, f"{what}: over the limit of {MAX_FILE_BYTES:,} bytes uncompressed"
                )
            if not member.eof:
                raise EOFError("compressed data ends before the end of its stream")
            data = member.unused_data.lstrip(b"\0")  # gzip tolerates zeros between members
    except (EOFError, ValueError, ZLIB_ERROR) as exc:
        raise FileRejected(
            UNREADABLE_FILE, f"{what}: truncated or corrupt gzip file ({exc})"
        ) from None
    return b"".join(members)


# What isal raises on corrupt data (its stub does not say it is an exception class).
ZLIB_ERROR = cast(type[Exception], isal_zlib.error)
GZIP_WBITS = 16 + 15  # a gzip header and trailer around a deflate stream, any window size
