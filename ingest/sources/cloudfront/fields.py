"""What a CloudFront log field must be: the fields kept (and under which Bronze
column), the fields dropped, and the rules a value must pass. The reference
parser and the fast path both apply these, so the two cannot disagree.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from urllib.parse import unquote, urlsplit

from ingest.enrich import country_of_edge
from ingest.records import INVALID_TYPE, OUT_OF_RANGE, RecordError

NAME = "cloudfront"

# #Fields name → Bronze column. Kept as delivered (URL-decoded where noted).
KEPT = {
    "x-edge-location": "edge_location",
    "sc-bytes": "bytes_sent",
    "c-ip": "client_ip",
    "cs-method": "method",
    "cs(Host)": "host",
    "cs-uri-stem": "uri_path",
    "sc-status": "status",
    "cs(Referer)": "referer",
    "cs(User-Agent)": "user_agent",
    "x-edge-result-type": "edge_result_type",
    "x-edge-request-id": "request_id",
    "x-host-header": "host_header",
    "cs-protocol": "protocol",
    "cs-bytes": "bytes_received",
    "time-taken": "time_taken",
    "ssl-protocol": "ssl_protocol",
    "x-edge-response-result-type": "response_result_type",
    "cs-protocol-version": "http_version",
    "time-to-first-byte": "time_to_first_byte",
    "x-edge-detailed-result-type": "detailed_result_type",
    "sc-content-type": "content_type",
    "sc-content-len": "content_length",
}
LOG_FIELD = {column: name for name, column in KEPT.items()}  # for messages in CloudFront's terms
DROPPED = frozenset(
    {
        "cs-uri-query", "cs(Cookie)", "x-forwarded-for", "c-port", "ssl-cipher",
        "fle-status", "fle-encrypted-fields", "sc-range-start", "sc-range-end",
    }
)  # fmt: skip
REQUIRED = ("date", "time", "x-edge-location", "c-ip", "cs-method", "cs-uri-stem", "sc-status")
INTEGER_COLUMNS = frozenset({"bytes_sent", "bytes_received", "status", "content_length"})
MAX_BIGINT = 2**63 - 1  # Bronze's type for them
SECONDS_COLUMNS = {"time_taken": "time_taken_ms", "time_to_first_byte": "time_to_first_byte_ms"}
LANDED_AS = {**SECONDS_COLUMNS, "referer": "referer_host"}  # columns transformed on the way in
IPV4 = re.compile(r"(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
TIME = re.compile(r"\d{2}:\d{2}:\d{2}")
# A column of times, one per line, each a plain time of day: 00:00:00 .. 23:59:59.
PLAIN_TIMES = re.compile(r"(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\n)*")


def milliseconds(value: str, column: str) -> int:
    try:
        millis = round(float(value) * 1000)
    except (ValueError, OverflowError):  # OverflowError: "inf", "1e999"
        raise RecordError(
            INVALID_TYPE, column, f"field {column!r} must be seconds, got {value[:40]!r}"
        ) from None
    if abs(millis) > MAX_BIGINT:  # "1e300" seconds: a number, but not a bigint of ms
        raise RecordError(OUT_OF_RANGE, column, f"field {column!r} is {value[:40]!r}, too large")
    return millis


def is_ip_address(text: str) -> bool:
    """An IPv4 address in dotted decimal, or an IPv6 address: what ``c-ip`` must hold."""
    if IPV4.fullmatch(text):
        return True
    if ":" not in text:
        return False
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def decoded_path(path: str) -> str:
    """The URI path as requested: CloudFront writes it URL-encoded."""
    return unquote(path) if "%" in path else path


def referer_host(referer: str | None) -> str | None:
    return host_of(referer) if referer is not None else None


def country_of(edge: str | None) -> str | None:
    """The country of the edge location that served the request: never the client's city."""
    return country_of_edge(edge) if edge is not None else None


def whole_number(value: str) -> int | None:
    """A whole-number field's number: decimal digits only, as int() reads them
    (isdigit() takes "²" too); None otherwise. Bronze holds it as a bigint, so a
    number over MAX_BIGINT is out of range."""
    return int(value) if value.isdecimal() else None


@functools.lru_cache(maxsize=10_000)
def host_of(referer: str) -> str | None:
    """Only the referring site is kept: a full referer URL can carry ids and tokens."""
    text = unquote(referer)
    try:
        host = urlsplit(text).hostname
    except ValueError:
        return None
    return host[:255] if host else None
