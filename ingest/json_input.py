"""How a file of JSON is cut into documents, the same way for every JSON source.

A file is read as

1. one document per line (or per piece, for sources that cut their files
   otherwise), when every line parses: the usual case, and the cheapest;
2. else one document, when the whole file parses as one (pretty-printed, or a
   saved Lambda test event);
3. else one document per line still, when at least half of its lines each
   parse as an object or a list: a line-delimited file with some bad lines,
   each of which is one bad record;
4. else, for sources whose documents also come back to back without line
   breaks, those documents one after another;
5. else the file is one broken document: it cannot be read, and it is
   quarantined whole (:class:`~ingest.records.FileRejected`), never as a
   quarantined record per fragment of a line.

A line longer than the record limit is not parsed: it is a bad record of its
own (``too_large``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from ingest.limits import MAX_RECORD_BYTES
from ingest.records import MALFORMED_JSON, TOO_LARGE, UNREADABLE_FILE, FileRejected


@dataclass(slots=True)
class Document:
    """One JSON document of a file, or one line of it that is not one."""

    line: int  # the line it starts on (1-based)
    value: Any  # the parsed value; None when ``problem`` is set
    raw: bytes
    problem: str | None = None  # MALFORMED_JSON or TOO_LARGE
    message: str = ""

    @property
    def text(self) -> str:
        return self.raw.decode("utf-8", "replace")


def lines_of(data: bytes) -> list[tuple[int, bytes]]:
    """The file's non-blank lines, with their line numbers."""
    return [
        (number, line) for number, line in enumerate(data.split(b"\n"), start=1) if line.strip()
    ]


def read_documents(
    data: bytes,
    pieces: Sequence[tuple[int, bytes]] | None = None,
    *,
    back_to_back: bool = False,
    max_piece_bytes: int | None = MAX_RECORD_BYTES,
) -> tuple[bool, list[Document]]:
    """(whether the file is one document, its documents); see the module's rules.
    ``pieces`` are (line, bytes) of the file as the source cuts it (by default its
    lines). Raises FileRejected when the file is one broken document."""
    if pieces is None:
        pieces = lines_of(data)
    documents = [_parse_piece(line, piece, max_piece_bytes) for line, piece in pieces]
    if all(document.problem is None for document in documents):
        return len(documents) == 1, documents
    try:
        return True, [Document(1, orjson.loads(data), data)]
    except orjson.JSONDecodeError as exc:
        whole_error = str(exc)
    measured = [document for document in documents if document.problem != TOO_LARGE]
    containers = sum(isinstance(document.value, dict | list) for document in measured)
    if len(documents) > 1 and containers * 2 >= len(measured):
        return False, documents
    if back_to_back:
        return False, back_to_back_documents(data)
    raise FileRejected(UNREADABLE_FILE, f"not valid JSON ({whole_error})")


def _parse_piece(line: int, piece: bytes, max_piece_bytes: int | None) -> Document:
    if max_piece_bytes is not None and len(piece) > max_piece_bytes:
        message = f"{len(piece):,} bytes long, over the limit of {max_piece_bytes:,}"
        return Document(line, None, piece, TOO_LARGE, message)
    try:
        return Document(line, orjson.loads(piece), piece)
    except orjson.JSONDecodeError as exc:
        return Document(line, None, piece, MALFORMED_JSON, f"not valid JSON ({exc})")


def back_to_back_documents(data: bytes) -> list[Document]:
    """JSON documents written one after another, with or without whitespace
    between them (CloudWatch payloads re-serialised by some tool, pretty-printed
    ones). Each is read by orjson, as every other document is; the standard
    library's decoder only finds where each ends. Any that does not parse makes
    the file unreadable."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileRejected(UNREADABLE_FILE, f"not UTF-8 text at byte {exc.start:,}") from None
    decoder = json.JSONDecoder()
    documents: list[Document] = []
    position, line, counted_to = 0, 1, 0
    while True:
        while position < len(text) and text[position] in " \t\r\n":
            position += 1
        if position >= len(text):
            return documents
        line += text.count("\n", counted_to, position)
        counted_to = position
        try:
            _, end = decoder.raw_decode(text, position)
            raw = text[position:end].encode()
            documents.append(Document(line, orjson.loads(raw), raw))
        except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
            raise FileRejected(
                UNREADABLE_FILE, f"not valid JSON at line {line:,} ({_first_line(exc)})"
            ) from None
        position = end


def _first_line(error: BaseException) -> str:
    return str(error).split("\n", 1)[0][:200]
