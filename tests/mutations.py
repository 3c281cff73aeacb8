"""Seeded mutations of real input files, for the fuzz test.

Each mutation takes bytes (a file's content) and a random generator and returns
damaged bytes: what a broken client, a flipped bit, a cut-off upload or an
attacker sends. ``mutate`` applies one to three of them; ``mutate_value`` damages
a parsed JSON value in place of a whole file (for Lambda events, which arrive
as Python objects).
"""

from __future__ import annotations

import contextlib
import copy
import gzip
import json
import random
from collections.abc import Callable
from typing import Any

# Values of every JSON type and then some: the wrong type for any field.
ODD_VALUES: list[Any] = [
    None, True, False, 0, -1, 1.5, -0.0, 2**63, 2**64 + 1, 10**30, 1e300, -1e300, "",
    "x", "-", "NaN", "sNaN", "Infinity", "1e999", "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00", "\u2028\u0000\ud7ff\ufffd", "jane.doe@example.com",
    "10.0.0.1", "+44 20 7946 0958", [], {}, [1, 2], {"S": "x"}, {"N": "sNaN"},
    {"M": {}}, -1793927672700, 1721011165891550, 99999999999999999, 1e20,
]  # fmt: skip
UNICODE = ["é", "😀", "\u2028", "\u0000", "\ufeff", "\u202e", "\u00b2", "\u0663", "\\ud800", "\t"]
INVALID_UTF8 = [b"\xff", b"\xfe", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xc0\xaf"]


def _flip_bytes(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return data
    damaged = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        damaged[rng.randrange(len(damaged))] = rng.randrange(256)
    return bytes(damaged)


def _truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def _truncate_gzip(data: bytes, rng: random.Random) -> bytes:
    packed = gzip.compress(data, mtime=0)
    return packed[: rng.randrange(2, len(packed))]


def _corrupt_gzip(data: bytes, rng: random.Random) -> bytes:
    packed = bytearray(gzip.compress(data, mtime=0))
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(10, max(11, len(packed) - 8))  # the deflate data, past the header
        packed[at % len(packed)] ^= 1 << rng.randrange(8)
    return bytes(packed)


def _gzip_of_garbage(data: bytes, rng: random.Random) -> bytes:
    return gzip.compress(rng.randbytes(rng.randint(0, 4000)), mtime=0)


def _garbage(data: bytes, rng: random.Random) -> bytes:
    return rng.choice([b"", b"\n\n  \n", b"\x1f\x8b", rng.randbytes(rng.randint(1, 3000))])


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def _duplicate_lines(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    for _ in range(rng.randint(1, 5)):
        at = rng.randrange(len(lines))
        lines.insert(rng.randrange(len(lines) + 1), lines[at])
    return b"\n".join(lines)


def _drop_or_shuffle_lines(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    if rng.random() < 0.5 and len(lines) > 1:
        del lines[rng.randrange(len(lines))]
    else:
        rng.shuffle(lines)
    return b"\n".join(lines)


def _insert_text(data: bytes, rng: random.Random) -> bytes:
    """Random unicode, escapes, invalid UTF-8, tabs or carriage returns somewhere."""
    pieces = [
        *(text.encode() for text in UNICODE),
        *INVALID_UTF8,
        b"\t",
        b"\r",
        b"\r\n",
        b"\\",
        b'"',
    ]
    damaged = bytearray(data)
    for _ in range(rng.randint(1, 5)):
        at = rng.randrange(len(damaged) + 1)
        damaged[at:at] = rng.choice(pieces)
    return bytes(damaged)


def _huge_value(data: bytes, rng: random.Random) -> bytes:
    """A long run of one character or a long number where a value was."""
    size = rng.choice([300, 5_000, 25_000, 300_000])
    filler = rng.choice([b"a", b"1", b"a.", b"@a.", b"1:", b"%20", b"\xc3\xa9", b" "])
    huge = (filler * (size // len(filler) + 1))[:size]
    quote = data.find(b'"', rng.randrange(len(data) + 1))
    if quote < 0:
        return data + huge
    return data[: quote + 1] + huge + data[quote + 1 :]


def _deep_nesting(data: bytes, rng: random.Random) -> bytes:
    depth = rng.choice([50, 99, 101, 200, 260, 600, 1100])
    opener, closer = rng.choice([(b"[", b"]"), (b'{"a":', b"}"), (b'{"M":{"a":', b"}}")])
    nested = opener * depth + b"1" + closer * depth
    colon = data.find(b'":', rng.randrange(len(data) + 1))
    if colon < 0:
        return nested
    end = colon + 2
    # Replace the value after the key with the nested one (up to the next , or }).
    stop = min((at for at in (data.find(b",", end), data.find(b"}", end)) if at >= 0), default=-1)
    if stop < 0:
        return data[:end] + nested
    return data[:end] + nested + data[stop:]


def _json_values(data: bytes, rng: random.Random) -> bytes:
    """Parse a line (or the whole file), damage a value inside, write it back; in a
    tab-separated log, damage its fields instead."""
    if data.startswith(b"#"):
        return _tsv_fields(data, rng)
    lines = _lines(data)
    candidates = [at for at, line in enumerate(lines) if line.strip()[:1] in (b"{", b"[")]
    whole = None
    with contextlib.suppress(ValueError, RecursionError):
        whole = json.loads(data)
    # Python's own JSON reader and writer give up past about 1,000 levels: then the
    # input stays as it is (other mutations nest deeper, as bytes).
    try:
        if whole is not None and (not candidates or rng.random() < 0.5):
            return _dump(mutate_value(whole, rng), rng)
        if not candidates:
            return data
        at = rng.choice(candidates)
        lines[at] = _dump(mutate_value(json.loads(lines[at]), rng), rng, compact=True)
    except (ValueError, RecursionError):
        return data
    return b"\n".join(lines)


# Field values of a tab-separated log line that break one rule or another.
ODD_FIELDS = [
    "-", "", "0", "-1", "007", "1.5", "1e999", "inf", "nan", "\u00b2", "\u0663", "9" * 30,
    "2026-13-01", "2026-02-30", "0001-01-01", "9999-12-31", "2019-12-31", "24:00:00",
    "23:59:60", "10:60", "::1", "999.1.1.1", "1.2.3", "%zz", "%", "%2520", "http://[::1",
    "é", "\u2028", "\ufeff", "a b", "a" * 25_000, "Googlebot/2.1", "curl/8.5.0",
]  # fmt: skip


def _tsv_fields(data: bytes, rng: random.Random) -> bytes:
    """In a tab-separated log: odd values in a few fields, a field too many or too
    few, or a #Fields header with a name dropped, added or moved."""
    lines = _lines(data)
    headers = [at for at, line in enumerate(lines) if line.startswith(b"#Fields:")]
    rows = [at for at, line in enumerate(lines) if b"\t" in line and not line.startswith(b"#")]
    if headers and (not rows or rng.random() < 0.2):
        at = rng.choice(headers)
        names = lines[at][len(b"#Fields:") :].split()
        if names:
            action = rng.randrange(3)
            if action == 0:
                del names[rng.randrange(len(names))]
            elif action == 1:
                names.insert(rng.randrange(len(names) + 1), rng.choice([b"asn", b"c-ip", b"x"]))
            else:
                rng.shuffle(names)
            lines[at] = b"#Fields: " + b" ".join(names)
        return b"\n".join(lines)
    if not rows:
        return _flip_bytes(data, rng)
    for _ in range(rng.randint(1, 3)):
        at = rng.choice(rows)
        fields = lines[at].split(b"\t")
        action = rng.randrange(6)
        if action == 0:
            del fields[rng.randrange(len(fields))]
        elif action == 1:
            fields.append(rng.choice(ODD_FIELDS).encode())
        else:
            fields[rng.randrange(len(fields))] = rng.choice(ODD_FIELDS).encode()
        lines[at] = b"\t".join(fields)
    return b"\n".join(lines)


def _dump(value: Any, rng: random.Random, *, compact: bool = False) -> bytes:
    indent = None if compact or rng.random() < 0.7 else 2
    return json.dumps(value, indent=indent, ensure_ascii=rng.random() < 0.5).encode()


MUTATIONS: list[Callable[[bytes, random.Random], bytes]] = [
    _flip_bytes,
    _truncate,
    _truncate_gzip,
    _corrupt_gzip,
    _gzip_of_garbage,
    _garbage,
    _duplicate_lines,
    _drop_or_shuffle_lines,
    _insert_text,
    _huge_value,
    _deep_nesting,
    _json_values,
]
GZIPPED = (_truncate_gzip, _corrupt_gzip, _gzip_of_garbage)


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One to three mutations, in a row; a gzip one (which leaves compressed bytes
    that the others would only garble further) always comes last. Half the time
    they are all damage to values that leaves the file readable, so that the
    rules for each field see as much input as the readers of whole files."""
    if rng.random() < 0.5:
        chosen = [_json_values] * rng.randint(1, 3)
    else:
        chosen = [rng.choice(MUTATIONS) for _ in range(rng.randint(1, 3))]
    chosen.sort(key=lambda mutation: mutation in GZIPPED)
    for mutation in chosen:
        data = mutation(data, rng)
        if mutation in GZIPPED:
            break
    if rng.random() < 0.15 and data[:2] != b"\x1f\x8b":
        data = gzip.compress(data, mtime=0)  # the same damage, as a .gz file
    return data


# --- Damage to parsed JSON --------------------------------------------------------


def mutate_value(value: Any, rng: random.Random) -> Any:
    """``value`` (parsed JSON) with one to three places inside it damaged: a value
    replaced by one of another type, a key removed or added, deep nesting, a long
    text, or, inside a string that holds JSON itself (an EMF message, a request
    body), the same damage one level down."""
    for _ in range(rng.randint(1, 3)):
        value = _damage_one(value, rng)
    return value


def _damage_one(value: Any, rng: random.Random) -> Any:
    paths = list(_paths(value))
    path = rng.choice(paths)
    target = _get(value, path)
    action = rng.randrange(7)
    if action == 0 and isinstance(target, str) and target[:1] in ("{", "["):
        try:
            inner = json.loads(target)
        except ValueError:
            inner = None
        if inner is not None:
            damaged = json.dumps(mutate_value(inner, rng))
            if rng.random() < 0.3:  # as a Lambda runtime writes it
                damaged = f"2026-04-21T10:00:00.000Z\tabc\tINFO\t{damaged}\n"
            return _set(value, path, damaged)
    if action == 1 and isinstance(target, dict) and target:
        key = rng.choice(sorted(target))
        return _set(value, path, {k: v for k, v in target.items() if k != key})
    if action == 2 and isinstance(target, dict):
        extra = rng.choice(["extra", "user_id", "_aws", "", "é" * 3, "a" * 300])
        return _set(value, path, {**target, extra: _odd_value(rng)})
    if action == 3:
        nested: Any = _odd_value(rng)
        for _ in range(rng.choice([30, 101, 300, 600])):
            nested = [nested] if rng.random() < 0.5 else {"M": nested}
        return _set(value, path, nested)
    if action == 4:
        filler = rng.choice(["a", "a.", "@a.", "1:", " ", "é"])
        return _set(value, path, filler * rng.choice([200, 30_000]))
    if action == 5 and isinstance(target, list) and target:
        return _set(value, path, target + target[: rng.randint(1, len(target))])
    return _set(value, path, _odd_value(rng))


def _odd_value(rng: random.Random) -> Any:
    return copy.deepcopy(rng.choice(ODD_VALUES))  # a copy: later damage must not reach the list


def _paths(value: Any, path: tuple = ()) -> list[tuple]:
    found = [path]
    if len(path) < 12:
        if isinstance(value, dict):
            for key, item in value.items():
                found += _paths(item, (*path, key))
        elif isinstance(value, list):
            for index, item in enumerate(value[:50]):
                found += _paths(item, (*path, index))
    return found


def _get(value: Any, path: tuple) -> Any:
    for step in path:
        value = value[step]
    return value


def _set(value: Any, path: tuple, new: Any) -> Any:
    if not path:
        return new
    parent = _get(value, path[:-1])
    parent[path[-1]] = new
    return value
