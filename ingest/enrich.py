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
    Device,
    Domain,
    load_builtins,
    load_lazy_builtins,
)

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

# What ua-parser answers, used first: its device family "Spider" for bots; its
# device brand and model for tablets ("Generic_Android_Tablet", a "Tablet" model);
# its OS family for phones and desktops. The lists below cover only what it does
# not, each case named in tests/test_enrich.py.

# Tools that ua-parser names (user-agent family) but does not call a Spider.
AUTOMATION_FAMILIES = frozenset(
    {
        "curl",
        "Wget",
        "Python Requests",
        "Python aiohttp",
        "Go-http-client",
        "Apache-HttpClient",
        "HeadlessChrome",
        "PhantomJS",
        "HTTPie",
        "libwww-perl",
        "axios",
        "PostmanRuntime",
    }
)
# Tools ua-parser does not know at all (no family, no OS, no device): matched on
# the header only then, so nothing in a browser's or a device's agent (a CUBOT
# phone, a J2ME browser's "java/") makes a bot.
UNKNOWN_TOOLS = re.compile(
    r"^(node-fetch|undici|python-httpx|java-http-client|ruby|faraday|deno|bun)\b|"
    r"synthetics|uptime|monitor|scanner",
    re.IGNORECASE,
)
# The HTTP client of Android apps: its bare agent is app traffic, from a phone.
APP_CLIENT_FAMILIES = frozenset({"okhttp"})
# Tablets ua-parser names by brand and model without saying "tablet": Samsung's
# SM-T/SM-P/SM-X and GT-P, Lenovo's TB-, Nexus 7/9/10, Kindles, iPads, "... Pad".
TABLET_MODELS = re.compile(
    r"^(ipad|kindle)|\bpad\b|matepad|mediapad|^(sm-[tpx]|gt-p)\d|^tb-|^nexus (7|9|10)\b",
    re.IGNORECASE,
)
TABLET_BRANDS = frozenset({"Generic_Android_Tablet"})
# J2ME feature phones: ua-parser names the phone but no OS.
FEATURE_PHONE = re.compile(r"\b(MIDP|CLDC|J2ME)\b")
MOBILE_OS = frozenset(
    {
        "iOS",
        "Android",
        "Windows Phone",
        "BlackBerry OS",
        "KaiOS",
        "HarmonyOS",
        "Symbian OS",
        "Nokia Series 40",
        "Firefox OS",
    }
)
DESKTOP_OS = frozenset(
    {"Windows", "Mac OS X", "Linux", "Ubuntu", "Chrome OS", "Fedora", "FreeBSD", "Debian"}
)


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
        device = result.device
        is_bot = _is_bot(agent, browser, os_family, device)
        device_class = "bot" if is_bot else _device_class(agent, browser, os_family, device)
        return UserAgentClass(agent, browser, os_family, device_class, is_bot)


def _is_bot(agent: str, browser: str, os_family: str, device: Device | None) -> bool:
    if device is not None and device.family == "Spider":
        return True
    if browser in AUTOMATION_FAMILIES:
        return True
    unknown = browser == "Other" and os_family == "Other" and device is None
    return unknown and bool(UNKNOWN_TOOLS.search(agent))


def _device_class(agent: str, browser: str, os_family: str, device: Device | None) -> str:
    model = (device.model or "") if device is not None else ""
    if device is not None and (
        device.brand in TABLET_BRANDS
        or model == "Tablet"
        or TABLET_MODELS.search(model)
        or TABLET_MODELS.search(device.family)
    ):
        return "tablet"
    if os_family in MOBILE_OS:
        return "mobile"
    if os_family in DESKTOP_OS or (device is not None and device.family == "Mac"):
        return "desktop"
    if model in ("Smartphone", "Feature Phone") or FEATURE_PHONE.search(agent):
        return "mobile"
    if browser in APP_CLIENT_FAMILIES:
        return "mobile"
    return "other"


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
