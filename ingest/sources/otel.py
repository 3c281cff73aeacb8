"""LLM turns from OpenTelemetry spans: the GenAI semantic conventions, in OTLP/JSON.

Two deliveries, one shape (``TracesData`` and ``ExportTraceServiceRequest`` are
both ``{"resourceSpans": [{"resource": ..., "scopeSpans": [{"spans": [...]}]}]}``):

- files of the OpenTelemetry Collector's file exporter: one document per line,
  gzip or not (a single pretty-printed document is read too);
- OTLP/HTTP request bodies (``Content-Type: application/json``), posted to the
  Lambda function in :mod:`ingest.handler` by any OTLP exporter.

One span is one record. A span whose ``gen_ai.operation.name`` is ``chat``,
``generate_content`` or ``text_completion`` is an LLM call and lands as a turn:
the model (``gen_ai.response.model``, else ``gen_ai.request.model``), the
provider (``gen_ai.provider.name``, else the deprecated ``gen_ai.system``), the
token counts (``gen_ai.usage.input_tokens`` / ``output_tokens``, else the
deprecated ``prompt_tokens`` / ``completion_tokens``; ``cache_read.input_tokens``
and ``cache_creation.input_tokens``) and the span's duration as latency. The
convention counts cached tokens inside ``input_tokens``, so the uncached input
Silver prices at the input rate is input minus both cache counts; a span whose
cache counts exceed its input is quarantined, never costed twice.

Every other span (embeddings, tool calls, agents, HTTP and database spans) is
counted by its operation and skipped: it is not an LLM turn and not a bad one.

User and conversation ids come from the attributes the app sets, looked for on
the span and then on its resource, by the names in ``SAGE_OTEL_USER_ATTRIBUTES``
and ``SAGE_OTEL_CONVERSATION_ATTRIBUTES`` (comma-separated, first found wins).
They are replaced here by the app's pseudonym ``sha256(id)``, as every source
does (an id that already is one, 64 lower-case hex, is kept), so raw ids never
reach the lake; Silver keys them with the pepper. A turn without a user id is
quarantined; one without a conversation id takes its trace as the conversation.

Message content (``gen_ai.prompt*``, ``gen_ai.completion*``,
``gen_ai.input.messages``, ``gen_ai.output.messages``,
``gen_ai.system_instructions``, span events) is never read and lands nowhere,
quarantine included: a rejected span is kept as its skeleton and the attributes
this parser reads (ids as their pseudonyms), a line that does not parse by its
size and digest, and an unreadable file by a record naming it, without a copy.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from ingest import otlp
from ingest import validate as v
from ingest.json_input import read_documents
from ingest.limits import MAX_DEPTH, deeper_than, json_bytes, json_text
from ingest.records import (
    INVALID_TYPE,
    INVALID_VALUE,
    MALFORMED_JSON,
    MISSING_FIELD,
    NOT_A_RECORD,
    OUT_OF_RANGE,
    TOO_DEEP,
    FileRejected,
    IngestContext,
    Landed,
    RecordError,
    Rejected,
    Skipped,
    envelope,
)

NAME = "otel"
MAX_TOKENS = 10_000_000
MAX_LATENCY_MS = 3_600_000
MAX_RAW = 65_536  # a quarantined span keeps at most this many characters
# One line of the file exporter is one export batch (up to 512 spans by default, with
# whatever content the instrumentation captured), so a line is allowed far more than a
# record; each span in it is then held to the field limits below.
MAX_LINE_BYTES = 64 * 1024 * 1024

# gen_ai.operation.name of the spans that are LLM turns, and the convention's other
# operations, which are counted under their own name when skipped.
TURN_OPERATIONS = frozenset({"chat", "generate_content", "text_completion"})
OTHER_OPERATIONS = frozenset(
    {"embeddings", "execute_tool", "create_agent", "invoke_agent", "retrieval"}
)
NOT_GENAI = "not_genai"  # a span with no gen_ai.operation.name
OTHER_OPERATION = "other_operation"  # an operation name outside the convention's list

OPERATION = "gen_ai.operation.name"
REQUEST_MODEL = "gen_ai.request.model"
RESPONSE_MODEL = "gen_ai.response.model"
PROVIDER = ("gen_ai.provider.name", "gen_ai.system")  # the second is the deprecated name
INPUT_TOKENS = ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens")
OUTPUT_TOKENS = ("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens")
CACHE_READ = "gen_ai.usage.cache_read.input_tokens"
CACHE_CREATION = "gen_ai.usage.cache_creation.input_tokens"

USER_ATTRIBUTES_ENV = "SAGE_OTEL_USER_ATTRIBUTES"
CONVERSATION_ATTRIBUTES_ENV = "SAGE_OTEL_CONVERSATION_ATTRIBUTES"
DEFAULT_USER_ATTRIBUTES = ("user.id", "enduser.id")
DEFAULT_CONVERSATION_ATTRIBUTES = ("gen_ai.conversation.id", "session.id")
ATTRIBUTE_NAME = re.compile(r"[A-Za-z0-9_.:/-]{1,128}")

APP_HASH = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class IdAttributes:
    """Which attributes hold the user and the conversation id, first found wins."""

    user: tuple[str, ...] = DEFAULT_USER_ATTRIBUTES
    conversation: tuple[str, ...] = DEFAULT_CONVERSATION_ATTRIBUTES

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> IdAttributes:
        env = os.environ if environ is None else environ
        return cls(
            _names(env, USER_ATTRIBUTES_ENV, DEFAULT_USER_ATTRIBUTES),
            _names(env, CONVERSATION_ATTRIBUTES_ENV, DEFAULT_CONVERSATION_ATTRIBUTES),
        )

    @property
    def read(self) -> frozenset[str]:
        return frozenset(self.user + self.conversation)


def _names(env: Any, variable: str, default: tuple[str, ...]) -> tuple[str, ...]:
    text = env.get(variable, "").strip()
    if not text:
        return default
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    bad = [name for name in names if not ATTRIBUTE_NAME.fullmatch(name)]
    if bad or not names:
        raise ValueError(
            f"{variable} must be attribute names separated by commas, got {text[:80]!r}"
        )
    return names


# The attributes a quarantined span keeps (besides the id attributes, as pseudonyms).
KEPT_ATTRIBUTES = frozenset(
    {OPERATION, REQUEST_MODEL, RESPONSE_MODEL, CACHE_READ, CACHE_CREATION}
    | set(PROVIDER)
    | set(INPUT_TOKENS)
    | set(OUTPUT_TOKENS)
)


def sniff(data: bytes) -> str | None:
    """Why this input is not OTLP/JSON traces, or None if it looks right."""
    head = data[:4096].lstrip()
    if not head.startswith(b"{"):
        # What the file starts with is not quoted: it may be message content.
        return "expected OTLP/JSON traces, the file does not start with '{'"
    if (
        b'"resourceSpans"' not in head
        and b'"resource_spans"' not in head
        and not (b'"requestContext"' in head and b'"body"' in data)
    ):
        return "expected OTLP/JSON traces (no 'resourceSpans' key, not a saved OTLP/HTTP event)"
    return None


def parse(data: bytes, context: IngestContext) -> Iterator[Landed | Rejected | Skipped]:
    """Every span of every document, one item each. A document may also be an
    OTLP/HTTP request as the Lambda function gets it (a saved test event)."""
    names = IdAttributes.from_env()
    whole, documents = read_documents(data, max_piece_bytes=MAX_LINE_BYTES)
    for document in documents:
        where = "document" if whole else f"line {document.line}"
        if document.problem is not None:
            message = f"line is {document.message}"
            yield Rejected(where, document.problem, None, message, withheld(document.raw))
            continue
        value = document.value
        if type(value) is dict and "requestContext" in value and "body" in value:
            try:
                value = orjson.loads(otlp.request_body(value))
            except otlp.Refused as refused:
                raw = withheld(document.raw)
                yield Rejected(where, NOT_A_RECORD, None, refused.message, raw)
                continue
            except FileRejected as problem:
                yield Rejected(
                    where, problem.reason, "body", problem.message, withheld(document.raw)
                )
                continue
            except orjson.JSONDecodeError as exc:
                message = f"the request body is not valid JSON ({exc})"
                yield Rejected(where, MALFORMED_JSON, "body", message, withheld(document.raw))
                continue
            where = f"{where}, body"
        yield from parse_traces(value, where, context, names)


def withheld(raw: bytes) -> str:
    """What quarantine keeps of text that could not be read as spans: it may hold
    prompts, so only its size and digest (to find it again where it came from)."""
    digest = hashlib.sha256(raw).hexdigest()
    return f"<{len(raw):,} bytes not kept: may hold message content; sha256 {digest}>"


def parse_traces(
    value: Any, where: str, context: IngestContext, names: IdAttributes
) -> Iterator[Landed | Rejected | Skipped]:
    """The spans of one TracesData / ExportTraceServiceRequest document."""
    if deeper_than(value, MAX_DEPTH):
        problem = f"document nests deeper than {MAX_DEPTH} levels"
        yield Rejected(where, TOO_DEEP, None, problem, withheld(json_bytes(value)))
        return
    resource_spans = otlp.field(value, "resourceSpans") if type(value) is dict else None
    if type(resource_spans) is not list:
        problem = "not OTLP traces (no 'resourceSpans' list)"
        yield Rejected(where, NOT_A_RECORD, "resourceSpans", problem, _keys_of(value))
        return
    for r_index, block in enumerate(resource_spans):
        here = f"{where}, resourceSpans[{r_index}]"
        scope_spans = otlp.field(block, "scopeSpans") if type(block) is dict else None
        if type(scope_spans) is not list:
            problem = "resourceSpans entry has no 'scopeSpans' list"
            yield Rejected(here, NOT_A_RECORD, "scopeSpans", problem, _keys_of(block))
            continue
        resource = otlp.field(block, "resource")
        resource_attributes: dict[str, Any] | RecordError
        try:
            resource_attributes = otlp.attribute_map(
                otlp.field(resource, "attributes") if type(resource) is dict else None,
                "resource.attributes",
            )
        except RecordError as err:
            resource_attributes = err
        for s_index, scope in enumerate(scope_spans):
            at = f"{here}, scopeSpans[{s_index}]"
            spans = otlp.field(scope, "spans") if type(scope) is dict else None
            if type(spans) is not list:
                problem = "scopeSpans entry has no 'spans' list"
                yield Rejected(at, NOT_A_RECORD, "spans", problem, _keys_of(scope))
                continue
            for index, span in enumerate(spans):
                yield span_item(span, resource_attributes, f"{at}, span {index}", context, names)


def span_item(
    span: Any,
    resource: dict[str, Any] | RecordError,
    locator: str,
    context: IngestContext,
    names: IdAttributes,
) -> Landed | Rejected | Skipped:
    attributes: dict[str, Any] = {}
    try:
        if type(span) is not dict:
            raise RecordError(NOT_A_RECORD, None, "span is not a JSON object")
        attributes = otlp.attribute_map(otlp.field(span, "attributes"), "attributes")
        operation = otlp.text(attributes, OPERATION, 64)
        if operation not in TURN_OPERATIONS:
            if operation is None:
                return Skipped(NOT_GENAI)
            return Skipped(operation if operation in OTHER_OPERATIONS else OTHER_OPERATION)
        if isinstance(resource, RecordError):
            raise resource
        return to_landed(span, attributes, resource, context, names)
    except RecordError as err:
        raw = quarantine_view(span, attributes, resource, names)
        return Rejected(locator, err.reason, err.field, err.message, raw)


def to_landed(
    span: dict[str, Any],
    attributes: dict[str, Any],
    resource: dict[str, Any],
    context: IngestContext,
    names: IdAttributes,
) -> Landed:
    trace_id = otlp.hex_id(span, "traceId", otlp.TRACE_ID, "32 hex digits")
    span_id = otlp.hex_id(span, "spanId", otlp.SPAN_ID, "16 hex digits")
    start = otlp.nanos(span, "startTimeUnixNano")
    end = otlp.nanos(span, "endTimeUnixNano")
    v.check_event_micros(start // 1000, "startTimeUnixNano", now=context.now)
    if end < start:
        raise RecordError(
            OUT_OF_RANGE, "endTimeUnixNano", "field 'endTimeUnixNano' is before 'startTimeUnixNano'"
        )
    latency_ms = (end - start + 500_000) // 1_000_000
    if latency_ms > MAX_LATENCY_MS:
        raise RecordError(
            OUT_OF_RANGE, "endTimeUnixNano", f"the span lasts {latency_ms:,} ms, over an hour"
        )

    request_model = otlp.text(attributes, REQUEST_MODEL, 200)
    model = otlp.text(attributes, RESPONSE_MODEL, 200) or request_model
    if model is None:
        raise RecordError(
            MISSING_FIELD,
            REQUEST_MODEL,
            f"attribute {REQUEST_MODEL!r} (or {RESPONSE_MODEL!r}) is missing",
        )
    provider = otlp.first_text(attributes, PROVIDER, 64)
    tokens_input = otlp.first_count(attributes, INPUT_TOKENS, MAX_TOKENS)
    tokens_out = otlp.first_count(attributes, OUTPUT_TOKENS, MAX_TOKENS)
    cache_read = otlp.count(attributes, CACHE_READ, MAX_TOKENS) or 0
    cache_write = otlp.count(attributes, CACHE_CREATION, MAX_TOKENS) or 0
    if tokens_input is None or tokens_out is None:
        name = INPUT_TOKENS[0] if tokens_input is None else OUTPUT_TOKENS[0]
        raise RecordError(MISSING_FIELD, name, f"attribute {name!r} is missing")
    if cache_read + cache_write > tokens_input:
        raise RecordError(
            INVALID_VALUE,
            INPUT_TOKENS[0],
            f"input tokens ({tokens_input:,}) are fewer than the cached tokens inside them "
            f"(cache read {cache_read:,} + cache creation {cache_write:,})",
        )

    user = _id(attributes, resource, names.user)
    if user is None:
        raise RecordError(
            MISSING_FIELD,
            names.user[0],
            f"no user id: none of the attributes {', '.join(names.user)} is set on the span "
            f"or its resource (SAGE_OTEL_USER_ATTRIBUTES names them)",
        )
    conversation = _id(attributes, resource, names.conversation)

    event_at, partition = context.utc.from_micros(start // 1000)
    event = envelope(NAME, f"{trace_id}/{span_id}", event_at, context.received_at)
    event["trace_id"] = trace_id
    event["span_id"] = span_id
    event["operation_name"] = otlp.text(attributes, OPERATION, 64)
    event["provider"] = provider
    event["model_id"] = model
    event["request_model_id"] = request_model
    event["uid"] = user
    event["cid"] = (
        conversation if conversation is not None else hashlib.sha256(trace_id.encode()).hexdigest()
    )
    event["is_conversation_from_trace"] = conversation is None
    event["latency_ms"] = latency_ms
    event["tokens_input_total"] = tokens_input
    event["tokens_in"] = tokens_input - cache_read - cache_write
    event["tokens_out"] = tokens_out
    event["tokens_cache_read"] = cache_read
    event["tokens_cache_write"] = cache_write
    return Landed(event, partition)


def _id(attributes: dict[str, Any], resource: dict[str, Any], names: tuple[str, ...]) -> str | None:
    """The app's pseudonym of the first id attribute set, on the span or its resource."""
    for scope in (attributes, resource):
        for name in names:
            value = scope.get(name)
            if value is None:
                continue
            raw = otlp.scalar(scope, name, "stringValue")
            if raw is None and type(value) is dict:
                raw = otlp.field(value, "intValue")
                raw = (
                    str(raw)
                    if type(raw) is int or (type(raw) is str and otlp.DIGITS.fullmatch(raw))
                    else None
                )
            if raw is None or raw == "":
                raise RecordError(
                    INVALID_TYPE, name, f"attribute {name!r} must be a stringValue or intValue"
                )
            if type(raw) is not str:
                raise RecordError(INVALID_TYPE, name, f"attribute {name!r} must be a stringValue")
            if len(raw) > 256:
                raise RecordError(
                    OUT_OF_RANGE, name, f"attribute {name!r} is {len(raw):,} characters, over 256"
                )
            return (
                raw
                if APP_HASH.fullmatch(raw)
                else hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()
            )
    return None


# --- What quarantine keeps ----------------------------------------------------------


def _keys_of(value: Any) -> str:
    if type(value) is dict:
        return json_text({"keys": sorted(str(key)[:64] for key in value)[:50]})
    return f"<a JSON {type(value).__name__}, not an object>"


def quarantine_view(
    span: Any, attributes: dict[str, Any], resource: Any, names: IdAttributes
) -> str:
    """A rejected span as quarantine keeps it: its skeleton and the attributes this
    parser reads, ids as their pseudonyms; of every other attribute only the key, and
    of its events only how many there were. No message content can be in it."""
    if type(span) is not dict:
        return withheld(json_text(span).encode())
    view: dict[str, Any] = {}
    for name in (
        "traceId",
        "spanId",
        "parentSpanId",
        "kind",
        "startTimeUnixNano",
        "endTimeUnixNano",
    ):
        value = otlp.field(span, name)
        if value is not None:
            view[name] = value if type(value) in (str, int) else json_text(value)[:200]
    kept, other = [], []
    for key, value in attributes.items():
        if key in KEPT_ATTRIBUTES:
            kept.append({"key": key, "value": value})
        elif key in names.read:
            kept.append({"key": key, "value": {"pseudonym": _pseudonym_of(value)}})
        else:
            other.append(key[:128])
    view["attributes"] = kept
    if other:
        view["attributes_not_kept"] = sorted(other)[:100]
    if type(resource) is dict:
        ids = [
            {"key": key, "value": {"pseudonym": _pseudonym_of(resource[key])}}
            for key in sorted(names.read & resource.keys())
        ]
        if ids:
            view["resource_ids"] = ids
    events = otlp.field(span, "events")
    if events:
        view["events_not_kept"] = len(events) if type(events) is list else 1
    return json_text(view)[:MAX_RAW]


def _pseudonym_of(value: Any) -> str:
    inner = otlp.field(value, "stringValue") if type(value) is dict else None
    raw = inner if type(inner) is str else json_text(value)
    return hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()
