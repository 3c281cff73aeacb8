"""Enrichment done once, at ingest: user agent → browser, OS, device class and
bot flag; CloudFront edge location → country.

ua-parser alone manages about 1,500 strings a second. With the ua-parser-rs
accelerator (the regex resolver, chosen automatically when installed) it is
much faster, and a cache keyed on the raw header makes repeats free: an app's
traffic has a few thousand distinct user agents, not millions.
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from ua_parser import (
    BasicResolver,
    BestAvailableResolver,
    Domain,
    load_builtins,
    load_lazy_builtins,
)

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

# Self-declared automation the ua-parser device rules do not all call "Spider".
BOT_PATTERN = re.compile(
    r"bot\b|crawl|spider|slurp|curl/|wget/|python-requests|python-urllib|go-http-client|"
    r"headlesschrome|phantomjs|okhttp|java/|libwww|httpclient|monitor|uptime|scanner",
    re.IGNORECASE,
)
TABLET_DEVICES = re.compile(
    r"ipad|tablet|kindle|silk|playbook|nexus (7|9|10)|sm-t\d|tab", re.IGNORECASE
)
MOBILE_OS = frozenset({"iOS", "Android", "Windows Phone", "BlackBerry OS", "KaiOS", "HarmonyOS"})
DESKTOP_OS = frozenset({"Windows", "Mac OS X", "Linux", "Ubuntu", "Chrome OS", "Fedora", "FreeBSD"})


@dataclass(frozen=True, slots=True)
class UserAgentClass:
    text: str | None  # the header, URL-decoded
    browser_family: str
    os_family: str
    device_class: str  # mobile, tablet, desktop, bot, other
    is_bot: bool


UNKNOWN_AGENT = UserAgentClass(None, "Other", "Other", "other", False)


class UserAgentClassifier:
    """Classifies raw (possibly URL-encoded) User-Agent headers.

    ``cache_size=0`` disables the cache (the benchmark measures both).
    """

    def __init__(self, *, cache_size: int = 50_000, accelerated: bool = True):
        if accelerated:
            self._resolve = BestAvailableResolver(load_lazy_builtins())
        else:
            self._resolve = BasicResolver(load_builtins())
        self.classify = (
            functools.lru_cache(maxsize=cache_size)(self._classify)
            if cache_size
            else self._classify
        )

    @property
    def accelerated(self) -> bool:
        return type(self._resolve).__module__.endswith(("regex", "re2"))

    def _classify(self, raw: str) -> UserAgentClass:
        if not raw or raw == "-":
            return UNKNOWN_AGENT
        agent = unquote(unquote(raw)) if "%" in raw else raw  # CloudFront encodes, sometimes twice
        result = self._resolve(agent, Domain.ALL).complete()
        browser = result.user_agent.family if result.user_agent else "Other"
        os_family = result.os.family if result.os else "Other"
        device = result.device.family if result.device else "Other"
        is_bot = device == "Spider" or bool(BOT_PATTERN.search(agent))
        if is_bot:
            device_class = "bot"
        elif TABLET_DEVICES.search(device) or (os_family == "Android" and "Mobile" not in agent):
            device_class = "tablet"
        elif os_family in MOBILE_OS or "Mobile" in agent:
            device_class = "mobile"
        elif os_family in DESKTOP_OS:
            device_class = "desktop"
        else:
            device_class = "other"
        return UserAgentClass(agent, browser, os_family, device_class, is_bot)


@functools.cache
def edge_countries() -> dict[str, str]:
    """IATA airport code of a CloudFront edge location → ISO country code.

    From ``seeds/edge_locations.csv``, which dbt also loads and documents. An
    edge location is where CloudFront served the viewer, usually in the
    viewer's country: good enough for a country, never a city.
    """
    with open(SEEDS / "edge_locations.csv", newline="") as handle:
        return {row["iata_code"]: row["country_code"] for row in csv.DictReader(handle)}


@functools.lru_cache(maxsize=4096)
def country_of_edge(edge_location: str | None) -> str | None:
    """``SEA19-C1`` → ``US``; None for an unknown or missing location."""
    if not edge_location or len(edge_location) < 3:
        return None
    return edge_countries().get(edge_location[:3].upper())
