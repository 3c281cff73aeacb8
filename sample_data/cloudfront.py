"""CloudFront standard access logs for the app and the marketing site.

One gzip file per distribution and hour, named as CloudFront names them
(``<distribution>.<YYYY-MM-DD-HH>.<id>.gz``), with ``#Version`` and
``#Fields`` headers. The app distribution logs the legacy layout (26 fields
for the first days, then 33); the marketing site uses a custom field order
with a field the parser does not know (``asn``).

Requests follow the simulated people: each conversation loads the app, its
assets and the conversation (the raw conversation id is in the URL path, as in
real apps), then one API call per turn. Crawlers and anonymous visitors add
traffic. Defects: malformed lines, lines CloudFront delivers twice, and one
file cut short mid-upload (a truncated gzip).
"""

from __future__ import annotations

import base64
import functools
import random
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from urllib.parse import quote

from sample_data.files import by_hour, write_gzip
from sample_data.world import Conversation

APP_DISTRIBUTION = "E2M8T6S9SM3OQY"
SITE_DISTRIBUTION = "E1Q2W3E4R5T6Y7"
APP_HOST, SITE_HOST = "app.innerverse.example", "www.innerverse.example"
APP_DOMAIN, SITE_DOMAIN = "d1a2b3c4d5e6f7.cloudfront.net", "d7f6e5d4c3b2a1.cloudfront.net"

LEGACY_FIELDS = [
    "date",
    "time",
    "x-edge-location",
    "sc-bytes",
    "c-ip",
    "cs-method",
    "cs(Host)",
    "cs-uri-stem",
    "sc-status",
    "cs(Referer)",
    "cs(User-Agent)",
    "cs-uri-query",
    "cs(Cookie)",
    "x-edge-result-type",
    "x-edge-request-id",
    "x-host-header",
    "cs-protocol",
    "cs-bytes",
    "time-taken",
    "x-forwarded-for",
    "ssl-protocol",
    "ssl-cipher",
    "x-edge-response-result-type",
    "cs-protocol-version",
    "fle-status",
    "fle-encrypted-fields",
]
CURRENT_FIELDS = [
    *LEGACY_FIELDS,
    "c-port",
    "time-to-first-byte",
    "x-edge-detailed-result-type",
    "sc-content-type",
    "sc-content-len",
    "sc-range-start",
    "sc-range-end",
]
SITE_FIELDS = [
    "date",
    "time",
    "c-ip",
    "cs-method",
    "cs-uri-stem",
    "sc-status",
    "cs(User-Agent)",
    "x-edge-location",
    "sc-bytes",
    "time-taken",
    "x-edge-request-id",
    "cs(Host)",
    "cs(Referer)",
    "x-edge-result-type",
    "cs-protocol",
    "asn",
]
OLD_LAYOUT_DAYS = 2

BOTS = [
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "66.249.66.{}"),
    ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "40.77.167.{}"),
    ("curl/8.5.0", "198.51.100.{}"),
]
SITE_PAGES = ["/", "/pricing", "/safety", "/safety/transparency", "/about", "/blog/listening-well"]
REFERERS = [
    "https://www.google.com/",
    "https://duckduckgo.com/",
    "https://news.ycombinator.com/",
    "-",
]


@functools.cache
def _encoded_agent(agent: str) -> str:
    """User agents as CloudFront writes them: URL-encoded, spaces as %20."""
    return quote(agent, safe="/;:(),.+")


class CloudFrontWriter:
    name = "cloudfront"

    def __init__(self, out: Path, seed: int, *, defects: bool = True):
        self.out = out / "cloudfront"
        self.rng = random.Random(seed * 7919 + 2)
        self.defects = defects
        self.counts = {
            "files": 0, "lines": 0, "malformed": 0, "duplicated": 0,
            "truncated_files": 0, "lines_in_truncated_files": 0,
        }  # fmt: skip
        self._day_number = 0
        self._carry: list[tuple[datetime, dict]] = []

    # --- requests -----------------------------------------------------------

    def _request_id(self) -> str:
        """56 characters of URL-safe base64, like CloudFront's request ids."""
        return base64.urlsafe_b64encode(self.rng.getrandbits(336).to_bytes(42, "big")).decode()

    def _app_requests(self, conversation: Conversation) -> list[tuple[datetime, dict]]:
        rng, user = self.rng, conversation.user
        edge = f"{rng.choice(user.edges)}{rng.randint(50, 59)}-P{rng.randint(1, 4)}"
        base = {"ip": user.ip, "agent": user.user_agent, "edge": edge, "host": APP_HOST}
        start = conversation.started_at - timedelta(seconds=rng.uniform(2, 20))
        cookie = f"session={rng.getrandbits(96):024x}"
        requests: list[tuple[datetime, dict]] = [
            (start, {**base, "method": "GET", "path": "/app", "status": 200, "bytes": rng.randint(9000, 14000),
                     "type": "text/html", "result": "Miss", "query": "utm_source=newsletter" if rng.random() < 0.1 else "-",
                     "cookie": cookie, "referer": rng.choice(REFERERS)}),
            (start + timedelta(milliseconds=180), {**base, "method": "GET", "path": "/assets/app.3f9a1c.js",
             "status": 200, "bytes": 412_331, "type": "application/javascript", "result": rng.choice(("Hit", "Hit", "RefreshHit")),
             "query": "-", "cookie": "-", "referer": f"https://{APP_HOST}/app"}),
            (start + timedelta(seconds=1.1), {**base, "method": "GET", "path": f"/api/conversations/{conversation.raw_id}",
             "status": 200, "bytes": rng.randint(800, 60000), "type": "application/json", "result": "Miss",
             "query": "-", "cookie": cookie, "referer": f"https://{APP_HOST}/app"}),
        ]  # fmt: skip
        for turn in conversation.turns:
            path = {"/invoke": "/api/invoke", "/invoke/stream": "/api/invoke/stream"}.get(
                turn.route, "/api/summarise"
            )
            requests.append(
                (turn.at, {**base, "method": "POST", "path": path, "status": turn.status,
                           "bytes": turn.tokens_out * 4 + 350, "type": "application/json",
                           "result": "Miss" if turn.status < 500 else "Error", "query": "-", "cookie": cookie,
                           "referer": f"https://{APP_HOST}/app", "taken": turn.latency_ms / 1000,
                           "received": turn.tokens_in * 4 + 200})
            )  # fmt: skip
        return requests

    def _background(self, day_start: datetime) -> list[tuple[datetime, dict]]:
        """Crawlers and anonymous visitors on the marketing site, through the day."""
        rng = self.rng
        requests = []
        for _ in range(rng.randint(150, 260)):
            at = day_start + timedelta(seconds=rng.uniform(0, 86_399))
            if rng.random() < 0.35:
                agent, ip = rng.choice(BOTS)
                ip = ip.format(rng.randint(1, 254))
                edge = rng.choice(("IAD89-C1", "SEA19-C3", "FRA56-P4"))
            else:
                agent = rng.choice(
                    ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
                     "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"]
                )  # fmt: skip
                ip = f"{rng.randint(11, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
                edge = rng.choice(("IAD89-C1", "LHR61-P2", "BOM78-P1", "SYD62-P2", "GRU3-C1"))
            requests.append(
                (at, {"ip": ip, "agent": agent, "edge": edge, "host": SITE_HOST, "method": "GET",
                      "path": rng.choice(SITE_PAGES), "status": 200 if rng.random() < 0.97 else 404,
                      "bytes": rng.randint(3000, 40000), "type": "text/html", "result": "Hit",
                      "query": "-", "cookie": "-", "referer": rng.choice(REFERERS)})
            )  # fmt: skip
        return requests

    # --- lines --------------------------------------------------------------

    def _values(self, at: datetime, request: dict) -> dict[str, str]:
        rng = self.rng
        taken = request.get("taken", rng.uniform(0.001, 0.09))
        return {
            "date": f"{at.year:04d}-{at.month:02d}-{at.day:02d}",
            "time": f"{at.hour:02d}:{at.minute:02d}:{at.second:02d}",
            "x-edge-location": request["edge"], "sc-bytes": str(request["bytes"]), "c-ip": request["ip"],
            "cs-method": request["method"],
            "cs(Host)": APP_DOMAIN if request["host"] == APP_HOST else SITE_DOMAIN,
            "cs-uri-stem": quote(request["path"]), "sc-status": str(request["status"]),
            "cs(Referer)": request["referer"], "cs(User-Agent)": _encoded_agent(request["agent"]),
            "cs-uri-query": request["query"], "cs(Cookie)": request["cookie"],
            "x-edge-result-type": request["result"], "x-edge-request-id": self._request_id(),
            "x-host-header": request["host"], "cs-protocol": "https",
            "cs-bytes": str(request.get("received", rng.randint(300, 900))), "time-taken": f"{taken:.3f}",
            "x-forwarded-for": "-", "ssl-protocol": "TLSv1.3", "ssl-cipher": "TLS_AES_128_GCM_SHA256",
            "x-edge-response-result-type": request["result"], "cs-protocol-version": "HTTP/2.0",
            "fle-status": "-", "fle-encrypted-fields": "-", "c-port": str(rng.randint(1024, 65535)),
            "time-to-first-byte": f"{max(0.001, taken - 0.002):.3f}", "x-edge-detailed-result-type": request["result"],
            "sc-content-type": request["type"], "sc-content-len": str(request["bytes"]),
            "sc-range-start": "-", "sc-range-end": "-", "asn": str(rng.choice((7922, 3320, 2856, 15169))),
        }  # fmt: skip

    def _line(self, fields: list[str], at: datetime, request: dict) -> tuple[str, bool]:
        """A log line, and whether it was written malformed."""
        values = self._values(at, request)
        line = "\t".join(values[name] for name in fields)
        if not (self.defects and self.rng.random() < 0.003):
            return line, False
        kind = self.rng.randrange(3)
        if kind == 0:
            return "\t".join(line.split("\t")[: len(fields) - 4]), True  # cut off mid-write
        if kind == 1:
            return line.replace(values["c-ip"], "999.12.0.1", 1), True
        return line.replace(f"\t{values['sc-status']}\t", "\t2x0\t", 1), True

    def write_day(self, day: date, conversations: list[Conversation]) -> None:
        requests = [
            request
            for conversation in conversations
            for request in self._app_requests(conversation)
        ]
        app_fields = LEGACY_FIELDS if self._day_number < OLD_LAYOUT_DAYS else CURRENT_FIELDS
        self._write(APP_DISTRIBUTION, app_fields, requests)
        self._write(
            SITE_DISTRIBUTION, SITE_FIELDS, self._background(datetime.combine(day, time(), UTC))
        )
        self._day_number += 1

    def _write(
        self, distribution: str, fields: list[str], requests: list[tuple[datetime, dict]]
    ) -> None:
        rng = self.rng
        for hour, pairs in by_hour(requests):
            written = [self._line(fields, at, request) for at, request in pairs]
            lines = [line for line, _ in written]
            malformed = sum(bad for _, bad in written)
            duplicated = 0
            if self.defects and distribution == APP_DISTRIBUTION and rng.random() < 0.05:
                lines.append(rng.choice([line for line, bad in written if not bad] or lines))
                duplicated = 1  # CloudFront occasionally delivers a line twice
            header = f"#Version: 1.0\n#Fields: {' '.join(fields)}\n"
            path = self.out / f"{distribution}.{hour:%Y-%m-%d-%H}.{rng.getrandbits(32):08x}.gz"
            write_gzip(path, (header + "\n".join(lines) + "\n").encode())
            if self.defects and self.counts["files"] == 40:
                data = path.read_bytes()
                path.write_bytes(data[: len(data) // 2])  # the upload was cut short
                self.counts["truncated_files"] += 1
                self.counts["lines_in_truncated_files"] += len(lines)
            else:
                self.counts["lines"] += len(lines)
                self.counts["malformed"] += malformed
                self.counts["duplicated"] += duplicated
            self.counts["files"] += 1

    def finish(self) -> dict:
        return dict(self.counts)
