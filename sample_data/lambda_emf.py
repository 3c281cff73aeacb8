"""Turn logs as Firehose delivers a CloudWatch Logs subscription to S3.

One gzip object per hour under ``lambda_emf/YYYY/MM/DD/HH/``, holding
CloudWatch Logs payloads back to back (Firehose adds no separator), each
payload a batch of log events from one Lambda log stream whose messages are
the EMF JSON lines the chat handler prints.

Defects real pipelines see are injected from their own random stream, so the
simulated population is the same with or without them: about 1% malformed
records, redelivered payloads, a CloudWatch control message and fields the
parser does not know yet.
"""

from __future__ import annotations

import gzip
import json
import random
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path

import orjson

from sample_data.world import Conversation, Turn

LOG_GROUP = "/aws/lambda/innerverse-chat"
EVENTS_PER_PAYLOAD = 60

# The app's own per-turn estimate, exactly as the analytics memo's handler computes
# it: no cache rates, and a silent default for unknown models. Bronze keeps it as
# `app_cost_usd` so the warehouse's costing can be compared with it.
APP_PRICING = {
    "us.anthropic.claude-sonnet-4-6": {"in": 3.00, "out": 15.00},
    "anthropic.claude-opus-4-7": {"in": 18.00, "out": 90.00},
    "anthropic.claude-opus-4-6-v1": {"in": 15.00, "out": 75.00},
    "anthropic.claude-haiku-4-5-20251001-v1:0": {"in": 0.80, "out": 4.00},
}


def app_cost(turn: Turn) -> float:
    price = APP_PRICING.get(turn.model_id, {"in": 3.00, "out": 15.00})
    return round(turn.tokens_in / 1e6 * price["in"] + turn.tokens_out / 1e6 * price["out"], 6)


def emf_message(turn: Turn, conversation: Conversation) -> dict:
    user = conversation.user
    message = {
        "_aws": {
            "Timestamp": int(turn.at.timestamp() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": "Innerverse",
                    "Dimensions": [["model_id", "route"]],
                    "Metrics": [
                        {"Name": "latency_ms", "Unit": "Milliseconds"},
                        {"Name": "tokens_in", "Unit": "Count"},
                        {"Name": "tokens_out", "Unit": "Count"},
                        {"Name": "cost_usd", "Unit": "None"},
                    ],
                }
            ],
        },
        "model_id": turn.model_id,
        "route": turn.route,
        "uid": user.uid,
        "cid": conversation.cid,
        "turn_index": turn.turn_index,
        "latency_ms": turn.latency_ms,
        "tokens_in": turn.tokens_in,
        "tokens_out": turn.tokens_out,
        "cost_usd": app_cost(turn),
        "region": user.region,
        "device": user.device,
        "crisis_flag": turn.crisis_flag,
        "request_id": turn.request_id,
    }
    # Older handler versions omit the cache counters when they are zero.
    if turn.tokens_cache_read:
        message["tokens_cache_read"] = turn.tokens_cache_read
    if turn.tokens_cache_write:
        message["tokens_cache_write"] = turn.tokens_cache_write
    return message


def _break(message: dict, rng: random.Random) -> tuple[str, str]:
    """A malformed version of a turn message, and the defect's name."""
    kind = rng.choice(
        ["truncated", "missing_tokens_out", "string_tokens", "negative_latency", "raw_uid",
         "bad_timestamp", "bad_crisis_flag"]
    )  # fmt: skip
    broken = dict(message)
    if kind == "truncated":
        text = json.dumps(message)
        return text[: rng.randint(20, len(text) - 5)], kind
    if kind == "missing_tokens_out":
        del broken["tokens_out"]
    elif kind == "string_tokens":
        broken["tokens_in"] = f"{message['tokens_in']} tokens"
    elif kind == "negative_latency":
        broken["latency_ms"] = -message["latency_ms"]
    elif kind == "raw_uid":
        broken["uid"] = f"user-{rng.randint(1000, 9999)}@example.com"
    elif kind == "bad_timestamp":
        broken["_aws"] = {**message["_aws"], "Timestamp": 86_400_000}
    else:
        broken["crisis_flag"] = "maybe"
    return json.dumps(broken), kind


class EmfWriter:
    name = "lambda_emf"

    def __init__(self, out: Path, seed: int, *, defects: bool = True):
        self.out = out / "lambda_emf"
        self.rng = random.Random(seed * 7919 + 1)  # its own stream: defects never change the world
        self.defects = defects
        self.counts = {"files": 0, "turns": 0, "log_events": 0, "malformed": 0, "redelivered": 0}
        self.defect_kinds: dict[str, int] = {}
        self._redeliver: list[str] = []
        self._event_number = 0

    def write_day(self, day: date, conversations: Iterable[Conversation]) -> None:
        by_hour: dict[int, list[tuple[Turn, Conversation]]] = {}
        for conversation in conversations:
            for turn in conversation.turns:
                by_hour.setdefault(turn.at.hour if turn.at.date() == day else 24, []).append(
                    (turn, conversation)
                )
        for hour in sorted(by_hour):
            turns = sorted(by_hour[hour], key=lambda pair: pair[0].at)
            self._write_hour(turns)

    def _write_hour(self, turns: list[tuple[Turn, Conversation]]) -> None:
        rng = self.rng
        first = turns[0][0].at
        streams = [f"{first:%Y/%m/%d}/[$LATEST]{rng.getrandbits(128):032x}" for _ in range(4)]
        payloads: list[str] = []
        if self.defects and self.counts["files"] == 0:
            payloads.append(orjson.dumps(_control_message(first)).decode())
        payloads.extend(self._redeliver)  # Firehose retried these after a timeout
        self.counts["redelivered"] += sum(len(json.loads(p)["logEvents"]) for p in self._redeliver)
        self._redeliver = []
        for start in range(0, len(turns), EVENTS_PER_PAYLOAD):
            batch = turns[start : start + EVENTS_PER_PAYLOAD]
            events = [self._log_event(turn, conversation) for turn, conversation in batch]
            payload = orjson.dumps(
                {
                    "messageType": "DATA_MESSAGE",
                    "owner": "123456789012",
                    "logGroup": LOG_GROUP,
                    "logStream": rng.choice(streams),
                    "subscriptionFilters": ["innerverse-turns-to-firehose"],
                    "logEvents": events,
                }
            ).decode()
            payloads.append(payload)
            if self.defects and rng.random() < 0.03:
                self._redeliver.append(payload)
        stamp = first.replace(minute=0, second=0, microsecond=0)
        name = f"innerverse-turns-1-{stamp:%Y-%m-%d-%H-%M-%S}-{rng.getrandbits(128):032x}.gz"
        path = self.out / f"{stamp:%Y/%m/%d/%H}" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress("".join(payloads).encode(), mtime=0))
        self.counts["files"] += 1

    def _log_event(self, turn: Turn, conversation: Conversation) -> dict:
        self.counts["turns"] += 1
        self.counts["log_events"] += 1
        self._event_number += 1
        message = emf_message(turn, conversation)
        if self.defects and self.rng.random() < 0.02:
            message["experiment_arm"] = self.rng.choice(["a", "b"])  # a field Bronze does not know
        text = orjson.dumps(message).decode()
        if self.defects and self.rng.random() < 0.01:
            text, kind = _break(message, self.rng)
            self.counts["malformed"] += 1
            self.defect_kinds[kind] = self.defect_kinds.get(kind, 0) + 1
        millis = message["_aws"]["Timestamp"]
        return {
            "id": f"{millis:020d}{self._event_number:036d}",
            "timestamp": millis,
            "message": text,
        }

    def finish(self) -> dict:
        return {**self.counts, "malformed_by_kind": dict(sorted(self.defect_kinds.items()))}


def _control_message(at: datetime) -> dict:
    return {
        "messageType": "CONTROL_MESSAGE",
        "owner": "CloudwatchLogs",
        "logGroup": "",
        "logStream": "",
        "subscriptionFilters": [],
        "logEvents": [
            {
                "id": "",
                "timestamp": int(at.replace(tzinfo=UTC).timestamp() * 1000),
                "message": "CWL CONTROL MESSAGE: Checking health of destination Firehose.",
            }
        ],
    }
