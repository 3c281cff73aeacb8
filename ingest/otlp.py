"""OTLP/JSON as OpenTelemetry exporters write it: field names, attribute values,
ids and times, and the bodies of OTLP/HTTP export requests.

The protobuf JSON mapping the OTLP specification uses writes field names in
lowerCamelCase (``traceId``, ``startTimeUnixNano``) and accepts the protobuf
names (``trace_id``) too; 64-bit integers (``intValue``, times in nanoseconds)
as decimal strings or numbers; trace and span ids as hex, not base64. Each
reader returns the typed value or raises :class:`~ingest.records.RecordError`
naming the field and the rule, as :mod:`ingest.validate` does for flat records.
"""

from __future__ import annotations

import base64
import re
from typing import Any

from isal import isal_zlib

from ingest.limits import GZIP_WBITS, ZLIB_ERROR
from ingest.records import (
    INVALID_FORMAT,
    INVALID_TYPE,
    INVALID_VALUE,
    MISSING_FIELD,
    OUT_OF_RANGE,
    TOO_LARGE,
    UNREADABLE_FILE,
    FileRejected,
    RecordError,
)

TRACE_ID = re.compile(r"[0-9a-fA-F]{32}")
SPAN_ID = re.compile(r"[0-9a-fA-F]{16}")
DIGITS = re.compile(r"-?[0-9]{1,20}")


def field(record: dict[str, Any], camel: str) -> Any:
    """A field by its OTLP/JSON name (lowerCamelCase), or by the protobuf field name
    (snake_case), which the protobuf JSON mapping accepts as well."""
    value = record.get(camel)
    if value is None:
        value = record.get(_SNAKE.get(camel) or _snake(camel))
    return value


def _snake(camel: str) -> str:
    snake = re.sub(r"([A-Z])", lambda match: "_" + match.group(1).lower(), camel)
    _SNAKE[camel] = snake
    return snake


_SNAKE: dict[str, str] = {}


def attribute_map(value: Any, where: str) -> dict[str, Any]:
    """Attributes (a list of ``{key, value}``) as key -> AnyValue; the last wins."""
    if value is None:
        return {}
    if type(value) is not list:
        raise RecordError(INVALID_TYPE, where, f"{where!r} must be a list of {{key, value}}")
    found: dict[str, Any] = {}
    for entry in value:
        key = entry.get("key") if type(entry) is dict else None
        if type(key) is not str:
            raise RecordError(
                INVALID_FORMAT, where, f"{where!r} holds an entry that is not {{key, value}}"
            )
        found[key] = entry.get("value")
    return found


def scalar(attributes: dict[str, Any], name: str, camel: str) -> Any:
    """The ``camel`` member of an attribute's AnyValue (``stringValue``...), or None
    when the attribute is absent, empty or of another type."""
    value = attributes.get(name)
    if value is None:
        return None
    if type(value) is not dict:
        raise RecordError(INVALID_TYPE, name, f"attribute {name!r} is not an AnyValue object")
    if not value:
        return None  # an empty AnyValue: the attribute carries no value
    return field(value, camel)


def text(attributes: dict[str, Any], name: str, max_length: int) -> str | None:
    """A stringValue attribute of at most ``max_length`` characters; None if unset."""
    value = scalar(attributes, name, "stringValue")
    if value is None and attributes.get(name):
        raise RecordError(INVALID_TYPE, name, f"attribute {name!r} must be a stringValue")
    if value is None or value == "":
        return None
    if type(value) is not str:
        raise RecordError(INVALID_TYPE, name, f"attribute {name!r} must be a stringValue")
    if len(value) > max_length:
        problem = f"attribute {name!r} is {len(value):,} characters, over {max_length}"
        raise RecordError(OUT_OF_RANGE, name, problem)
    return value


def first_text(attributes: dict[str, Any], names: tuple[str, ...], max_length: int) -> str | None:
    """The first of ``names`` set (a current attribute name before deprecated ones)."""
    for name in names:
        found = text(attributes, name, max_length)
        if found is not None:
            return found
    return None


def count(attributes: dict[str, Any], name: str, maximum: int) -> int | None:
    """A token count: an intValue (a number, or its digits as a string, as OTLP/JSON
    writes 64-bit integers), or a doubleValue that is a whole number."""
    value = attributes.get(name)
    if value is None:
        return None
    number = scalar(attributes, name, "intValue")
    if number is None and type(value) is dict:
        number = field(value, "doubleValue")
        if type(number) is float and number.is_integer():
            number = int(number)
        elif number is not None and type(number) is not int:
            raise RecordError(INVALID_TYPE, name, f"attribute {name!r} must be a whole number")
    if number is None:
        if type(value) is dict and value:
            raise RecordError(INVALID_TYPE, name, f"attribute {name!r} must be an intValue")
        return None
    if type(number) is str and DIGITS.fullmatch(number):
        number = int(number)
    if type(number) is not int:
        raise RecordError(INVALID_TYPE, name, f"attribute {name!r} must be an intValue")
    if not 0 <= number <= maximum:
        raise RecordError(
            OUT_OF_RANGE, name, f"attribute {name!r} is {number}, not 0 .. {maximum:,}"
        )
    return number


def first_count(attributes: dict[str, Any], names: tuple[str, ...], maximum: int) -> int | None:
    """The first of ``names`` set (a current attribute name before deprecated ones)."""
    for name in names:
        found = count(attributes, name, maximum)
        if found is not None:
            return found
    return None


def hex_id(span: dict[str, Any], name: str, pattern: re.Pattern[str], rule: str) -> str:
    value = field(span, name)
    if value is None or value == "":
        raise RecordError(MISSING_FIELD, name, f"required field {name!r} is missing")
    if type(value) is not str or not pattern.fullmatch(value):
        raise RecordError(INVALID_FORMAT, name, f"field {name!r} must be {rule}")
    if not value.strip("0"):
        raise RecordError(INVALID_VALUE, name, f"field {name!r} is all zeros (an invalid id)")
    return value.lower()


def nanos(span: dict[str, Any], name: str) -> int:
    """An OTLP time: nanoseconds since the epoch, as digits in a string or a number."""
    value = field(span, name)
    if value is None or value == "":
        raise RecordError(MISSING_FIELD, name, f"required field {name!r} is missing")
    if type(value) is str and value.isascii() and value.isdigit() and len(value) <= 20:
        return int(value)
    if type(value) is int and value >= 0:
        return value
    raise RecordError(INVALID_TYPE, name, f"field {name!r} must be nanoseconds since the epoch")


# --- OTLP/HTTP requests --------------------------------------------------------

# An OTLP/HTTP body after base64 and gzip: exporters send batches of at most 512 spans
# by default; API Gateway takes 10 MB a request and a function URL 6 MB.
MAX_REQUEST_BYTES = 32 * 1024 * 1024


class Refused(Exception):
    """A request that is not an OTLP/JSON export to read: answered, nothing landed."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def request_body(event: Any) -> bytes:
    """The OTLP/JSON bytes a POST carries, from an API Gateway (REST v1 or HTTP v2)
    or Lambda function URL event: base64 decoded when the event says so, gunzipped
    when ``Content-Encoding: gzip``. Refused for a request that is not a JSON POST;
    FileRejected for a body that cannot be read."""
    if type(event) is not dict:
        raise Refused(400, "not an API Gateway or function URL event")
    context = event.get("requestContext")
    http = context.get("http") if type(context) is dict else None
    method = http.get("method") if type(http) is dict else event.get("httpMethod")
    if method != "POST":
        raise Refused(405, "use POST to /v1/traces with an OTLP/JSON body")
    headers = event.get("headers")
    headers = (
        {str(key).lower(): value for key, value in headers.items()} if type(headers) is dict else {}
    )
    content_type = headers.get("content-type")
    if type(content_type) is not str or not content_type.lower().startswith("application/json"):
        raise Refused(
            415,
            "only OTLP/JSON is accepted (Content-Type: application/json): set "
            "OTEL_EXPORTER_OTLP_PROTOCOL=http/json, or encoding: json on a Collector's "
            "otlphttp exporter",
        )
    body = event.get("body")
    if type(body) is not str or not body:
        raise FileRejected(UNREADABLE_FILE, "the request has no body")
    if len(body) > 2 * MAX_REQUEST_BYTES:
        raise FileRejected(TOO_LARGE, f"the request body is over {MAX_REQUEST_BYTES:,} bytes")
    if event.get("isBase64Encoded") is True:
        try:
            data = base64.b64decode(body, validate=True)
        except ValueError:  # binascii.Error, or text that is not ASCII
            raise FileRejected(UNREADABLE_FILE, "the body is not valid base64") from None
    else:
        data = body.encode("utf-8", "surrogatepass")
    encoding = headers.get("content-encoding")
    if type(encoding) is str and encoding.strip().lower() == "gzip":
        data = _gunzip_body(data)
    if len(data) > MAX_REQUEST_BYTES:
        raise FileRejected(TOO_LARGE, f"the request body is over {MAX_REQUEST_BYTES:,} bytes")
    return data


def _gunzip_body(data: bytes) -> bytes:
    """One gzip member, at most ``MAX_REQUEST_BYTES`` of it: a small body can hold
    gigabytes of zeros, and a Lambda function has little memory."""
    inflater = isal_zlib.decompressobj(wbits=GZIP_WBITS)
    try:
        content = inflater.decompress(data, MAX_REQUEST_BYTES + 1)
    except (ValueError, ZLIB_ERROR) as exc:
        raise FileRejected(UNREADABLE_FILE, f"the body is not valid gzip ({exc})") from None
    if len(content) > MAX_REQUEST_BYTES:
        raise FileRejected(
            TOO_LARGE, f"the request body is over {MAX_REQUEST_BYTES:,} bytes uncompressed"
        )
    if not inflater.eof:
        raise FileRejected(UNREADABLE_FILE, "the gzip body ends before its end")
    return content
