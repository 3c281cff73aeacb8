"""Partner telemetry as the API receives it: API Gateway proxy events.

The app's SDK flushes a batch of runtime events (one per model call) about
once a minute to the telemetry API; each line of the hourly files here is one
API Gateway event as the ingest Lambda receives it, HTTP API (v2) for most and
REST API (v1) for an older client. Defects: an event carrying a person's email
in a text field, an event with a field the schema does not allow (a user id),
a negative latency, a body that is not JSON, and a request retried.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import orjson

from sample_data.files import iso_millis, write_gzip
from sample_data.world import Conversation, Turn

PARTNER = "anthropic"
SDK_VERSIONS = ["1.8.2", "1.9.0", "1.9.1"]
ERRORS = {429: "throttled", 500: "model_error", 502: "bad_gateway", 504: "timeout"}


class PartnerTelemetryWriter:
    name = "partner_telemetry"

    def __init__(self, out: Path, seed: int, *, defects: bool = True):
        self.out = out / "partner_telemetry"
        self.rng = random.Random(seed * 7919 + 5)
        self.defects = defects
        self.counts = {
            "files": 0,
            "requests": 0,
            "events": 0,
            "malformed": 0,
            "duplicated": 0,
            "malformed_requests": 0,
            "events_in_malformed_requests": 0,
        }

    def _event(self, turn: Turn) -> dict:
        rng = self.rng
        event = {
            "event_id": f"{rng.getrandbits(96):024x}",
            "partner_id": PARTNER,
            "model_id": turn.model_id,
            "event_type": "stream" if turn.route.endswith("stream") else "request",
            "latency_ms": turn.latency_ms,
            "tokens_in": turn.tokens_in + turn.tokens_cache_read + turn.tokens_cache_write,
            "tokens_out": turn.tokens_out,
            "status": "ok" if turn.status < 400 else "error",
            "sdk_version": rng.choice(SDK_VERSIONS),
            "occurred_at": iso_millis(turn.at),
        }
        if event["event_type"] == "stream":
            event["ttft_ms"] = min(turn.latency_ms, rng.randint(250, 1100))
        if turn.status >= 400:
            event["error_code"] = ERRORS[turn.status]
        return event

    def _defect(self, event: dict) -> dict:
        kind = self.rng.randrange(3)
        broken = dict(event)
        if kind == 0:
            broken["sdk_version"] = "jane.doe@example.com"
        elif kind == 1:
            broken["user_id"] = "4f1c2b9e-8d4a-4c3e-9b7a-1f2e3d4c5b6a"
        else:
            broken["latency_ms"] = -broken["latency_ms"]
        return broken

    def _api_event(self, at: datetime, body: bytes) -> dict:
        rng = self.rng
        request_id = f"{rng.getrandbits(64):016x}"
        authorizer = {"partner_id": PARTNER, "client": "innerverse-app"}
        if rng.random() < 0.85:
            # The HTTP API's JWT authorizer (infra/partner_api.tf) passes the token's claims.
            claims = {**authorizer, "sub": f"{PARTNER}-ingest", "iss": "https://auth.example.com/"}
            return {
                "version": "2.0", "routeKey": "POST /v1/telemetry", "rawPath": "/v1/telemetry",
                "headers": {"content-type": "application/json", "user-agent": "innerverse-sdk"},
                "requestContext": {"http": {"method": "POST", "path": "/v1/telemetry"}, "requestId": request_id,
                                   "timeEpoch": int(at.timestamp() * 1000),
                                   "authorizer": {"jwt": {"claims": claims, "scopes": None}}},
                "body": body.decode(), "isBase64Encoded": False,
            }  # fmt: skip
        return {
            "resource": "/v1/telemetry", "path": "/v1/telemetry", "httpMethod": "POST",
            "headers": {"Content-Type": "application/json"},
            "requestContext": {"requestId": request_id, "requestTimeEpoch": int(at.timestamp() * 1000), "authorizer": authorizer},
            "body": body.decode(), "isBase64Encoded": False,
        }  # fmt: skip

    def write_day(self, day: date, conversations: list[Conversation]) -> None:
        rng = self.rng
        minutes: dict[datetime, list[dict]] = defaultdict(list)
        for conversation in conversations:
            for turn in conversation.turns:
                minutes[turn.at.replace(second=0, microsecond=0) + timedelta(minutes=1)].append(
                    self._event(turn)
                )
        hours: dict[datetime, list[bytes]] = defaultdict(list)
        for flushed_at, events in sorted(minutes.items()):
            self.counts["events"] += len(events)
            truncated = self.defects and rng.random() < 0.002
            broken = 0
            if truncated:
                body = orjson.dumps({"events": events})[:-40]  # the client died mid-send
                self.counts["malformed_requests"] += 1
                self.counts["events_in_malformed_requests"] += len(events)
            else:
                for position in range(len(events)):
                    if self.defects and rng.random() < 0.004:
                        events[position] = self._defect(events[position])
                        broken += 1
                self.counts["malformed"] += broken
                body = orjson.dumps({"events": events})
            line = orjson.dumps(self._api_event(flushed_at, body))
            copies = 2 if self.defects and not truncated and rng.random() < 0.01 else 1
            hours[flushed_at.replace(minute=0)].extend([line] * copies)  # a retry after a timeout
            self.counts["requests"] += copies
            if copies == 2:
                self.counts["duplicated"] += len(events) - broken
                self.counts["malformed"] += broken  # rejected again, quarantined again
        for hour, lines in sorted(hours.items()):
            name = f"telemetry-api-{hour:%Y-%m-%d-%H}-{rng.getrandbits(64):016x}.ndjson.gz"
            write_gzip(self.out / f"{hour:%Y/%m/%d}" / name, b"\n".join(lines) + b"\n")
            self.counts["files"] += 1

    def finish(self) -> dict:
        return dict(self.counts)
