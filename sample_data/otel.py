"""OpenTelemetry spans of the app's journal worker, as the Collector's file exporter
writes them: OTLP/JSON, one ``TracesData`` per line (one export batch), hourly
files, gzip.

The journal worker summarises some finished conversations (one in seven of those
with three turns or more) a few minutes after their last turn. Its OpenTelemetry
instrumentation writes, per summary, a trace of four spans: the worker's own
span (no GenAI operation), an ``embeddings`` call, a ``chat`` call (the LLM turn
the warehouse costs) and an ``execute_tool`` span. The chat span carries the raw
user and conversation ids in ``user.id`` and ``gen_ai.conversation.id``, the
token usage (cached tokens inside the input count, as the convention says) and,
because the instrumentation captures content, the prompt and the answer: text
the ingest must never land. One chat span in ten is written by an older
instrumentation with the deprecated names (``gen_ai.system``,
``gen_ai.usage.prompt_tokens`` / ``completion_tokens``).

Defects: a chat span without a user id, one whose cache counts exceed its input,
a batch exported twice after a retry, and a line cut short (a crashed write
before the batch was written again whole).
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from sample_data.files import by_hour, write_gzip
from sample_data.world import Conversation

SUMMARY_MODEL = "anthropic.claude-haiku-4-5-20251001-v1:0"
EMBEDDING_MODEL = "amazon.titan-embed-text-v2:0"
SYSTEM_PROMPT_TOKENS = 1024  # the summariser's instructions, cached by the provider
SPANS_PER_BATCH = 64  # the worker's BatchSpanProcessor flushes about this many
# What the instrumentation captures of each call (gen_ai.input.messages and
# gen_ai.output.messages): the ingest never reads it, and it lands nowhere.
PROMPT = orjson.dumps(
    [
        {
            "role": "user",
            "parts": [
                {
                    "type": "text",
                    "content": "Summarise this conversation for the user's journal: "
                    "I could not sleep again and kept thinking about work.",
                }
            ],
        }
    ]
).decode()
ANSWER = orjson.dumps(
    [
        {
            "role": "assistant",
            "parts": [{"type": "text", "content": "A restless night, and worries about work."}],
            "finish_reason": "stop",
        }
    ]
).decode()


def _string(key: str, value: str) -> dict:
    return {"key": key, "value": {"stringValue": value}}


def _int(key: str, value: int) -> dict:
    return {"key": key, "value": {"intValue": str(value)}}


def _nanos(at: datetime) -> str:
    return str(int(at.timestamp()) * 1_000_000_000 + at.microsecond * 1000)


class OtelWriter:
    name = "otel"

    def __init__(self, out: Path, seed: int, *, defects: bool = True):
        self.out = out / "otel"
        self.rng = random.Random(seed * 7919 + 6)
        self.defects = defects
        self.counts: dict[str, Any] = {
            "files": 0,
            "lines": 0,
            "summaries": 0,
            "records": 0,  # chat spans and cut lines: what the ingest reads
            "malformed": 0,  # spans it quarantines and cut lines
            "duplicated": 0,  # chat spans in batches exported twice
            "skipped": {"embeddings": 0, "execute_tool": 0, "not_genai": 0},
        }
        self._malformed: set[str] = set()  # span ids of the chat spans written broken

    def _trace(self, conversation: Conversation) -> tuple[datetime, list[dict]]:
        rng = self.rng
        user = conversation.user
        at = conversation.ended_at + timedelta(seconds=rng.randint(120, 1800))
        trace_id = f"{rng.getrandbits(128) | 1:032x}"
        root, embed, chat, tool = (f"{rng.getrandbits(64) | 1:016x}" for _ in range(4))
        cached = rng.random()
        cache_read = SYSTEM_PROMPT_TOKENS if cached < 0.6 else 0
        cache_write = SYSTEM_PROMPT_TOKENS if 0.6 <= cached < 0.75 else 0
        tokens_in = SYSTEM_PROMPT_TOKENS + 40 * len(conversation.turns) + rng.randint(200, 3000)
        tokens_out = rng.randint(80, 320)
        latency = timedelta(milliseconds=rng.randint(600, 4200))
        model = SUMMARY_MODEL if rng.random() < 0.8 else user.favourite_model
        deprecated = rng.random() < 0.1
        attributes = [
            _string("gen_ai.operation.name", "chat"),
            _string("gen_ai.system" if deprecated else "gen_ai.provider.name", "aws.bedrock"),
            _string("gen_ai.request.model", model),
            _int("gen_ai.request.max_tokens", 400),
            _int(
                "gen_ai.usage.prompt_tokens" if deprecated else "gen_ai.usage.input_tokens",
                tokens_in,
            ),
            _int(
                "gen_ai.usage.completion_tokens" if deprecated else "gen_ai.usage.output_tokens",
                tokens_out,
            ),
            _string("gen_ai.conversation.id", conversation.raw_id),
            _string("user.id", user.raw_id),
            _string("gen_ai.input.messages", PROMPT),
            _string("gen_ai.output.messages", ANSWER),
        ]
        if not deprecated:
            attributes.append(_string("gen_ai.response.model", model))
            if cache_read:
                attributes.append(_int("gen_ai.usage.cache_read.input_tokens", cache_read))
            if cache_write:
                attributes.append(_int("gen_ai.usage.cache_creation.input_tokens", cache_write))
        malformed = False
        if self.defects and rng.random() < 0.01:
            malformed = True
            if rng.random() < 0.5:
                attributes = [item for item in attributes if item["key"] != "user.id"]
            else:  # an instrumentation that counts cached tokens outside the input
                attributes = [
                    item for item in attributes if "input_tokens" not in item["key"]
                    and "prompt_tokens" not in item["key"]
                ]  # fmt: skip
                attributes += [
                    _int("gen_ai.usage.input_tokens", 12),
                    _int("gen_ai.usage.cache_read.input_tokens", SYSTEM_PROMPT_TOKENS),
                ]
        if malformed:
            self._malformed.add(chat)
        start = at - timedelta(seconds=1)
        spans = [
            {
                "traceId": trace_id, "spanId": root, "name": "summarise_conversation",
                "kind": 1, "startTimeUnixNano": _nanos(start),
                "endTimeUnixNano": _nanos(at + latency + timedelta(milliseconds=150)),
                "attributes": [_string("journal.job", "summary")], "status": {},
            },
            {
                "traceId": trace_id, "spanId": embed, "parentSpanId": root,
                "name": f"embeddings {EMBEDDING_MODEL}", "kind": 3,
                "startTimeUnixNano": _nanos(start),
                "endTimeUnixNano": _nanos(start + timedelta(milliseconds=90)),
                "attributes": [
                    _string("gen_ai.operation.name", "embeddings"),
                    _string("gen_ai.provider.name", "aws.bedrock"),
                    _string("gen_ai.request.model", EMBEDDING_MODEL),
                    _int("gen_ai.usage.input_tokens", rng.randint(100, 900)),
                ],
                "status": {},
            },
            {
                "traceId": trace_id, "spanId": chat, "parentSpanId": root,
                "name": f"chat {model}", "kind": 3, "startTimeUnixNano": _nanos(at),
                "endTimeUnixNano": _nanos(at + latency), "attributes": attributes,
                "events": [{"timeUnixNano": _nanos(at + latency), "name": "gen_ai.choice"}],
                "status": {},
            },
            {
                "traceId": trace_id, "spanId": tool, "parentSpanId": chat,
                "name": "execute_tool save_journal_entry", "kind": 1,
                "startTimeUnixNano": _nanos(at + latency),
                "endTimeUnixNano": _nanos(at + latency + timedelta(milliseconds=40)),
                "attributes": [
                    _string("gen_ai.operation.name", "execute_tool"),
                    _string("gen_ai.tool.name", "save_journal_entry"),
                ],
                "status": {},
            },
        ]  # fmt: skip
        return at, spans

    def _batch(self, spans: list[dict]) -> bytes:
        return orjson.dumps(
            {
                "resourceSpans": [
                    {
                        "resource": {
                            "attributes": [
                                _string("service.name", "journal-worker"),
                                _string("telemetry.sdk.language", "python"),
                                _string("telemetry.sdk.name", "opentelemetry"),
                                _string("telemetry.sdk.version", "1.34.1"),
                            ]
                        },
                        "scopeSpans": [
                            {
                                "scope": {"name": "journal.worker", "version": "2.3.0"},
                                "spans": spans,
                            }
                        ],
                    }
                ]
            }
        )

    def _count_spans(self, spans: list[dict], *, duplicate: bool) -> None:
        skipped = self.counts["skipped"]
        for span in spans:
            operation = next(
                (a["value"]["stringValue"] for a in span["attributes"]
                 if a["key"] == "gen_ai.operation.name"),
                None,
            )  # fmt: skip
            if operation == "chat":
                self.counts["records"] += 1
                if span["spanId"] in self._malformed:
                    self.counts["malformed"] += 1  # quarantined again when exported again
                else:
                    self.counts["duplicated"] += duplicate
            else:
                skipped[operation or "not_genai"] += 1

    def write_day(self, day: date, conversations: list[Conversation]) -> None:
        rng = self.rng
        traces = [
            self._trace(conversation)
            for conversation in conversations
            if len(conversation.turns) >= 3 and rng.random() < 1 / 7
        ]
        self.counts["summaries"] += len(traces)
        for hour, pairs in by_hour(traces):
            spans = [span for _, trace in pairs for span in trace]
            lines = []
            for at in range(0, len(spans), SPANS_PER_BATCH):
                batch = spans[at : at + SPANS_PER_BATCH]
                lines.append(self._batch(batch))
                self._count_spans(batch, duplicate=False)
                if self.defects and rng.random() < 0.02:  # exported again after a timeout
                    lines.append(lines[-1])
                    self._count_spans(batch, duplicate=True)
                if self.defects and rng.random() < 0.01:  # a write cut short, then redone
                    lines.insert(-1, lines[-1][: rng.randrange(20, len(lines[-1]) // 2)])
                    self.counts["records"] += 1
                    self.counts["malformed"] += 1
            self.counts["lines"] += len(lines)
            name = f"traces-{hour:%Y-%m-%dT%H}-{rng.getrandbits(64):016x}.jsonl.gz"
            write_gzip(self.out / f"{hour:%Y/%m/%d/%H}" / name, b"\n".join(lines) + b"\n")
            self.counts["files"] += 1

    def finish(self) -> dict:
        return self.counts
