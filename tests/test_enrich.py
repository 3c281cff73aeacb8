"""Device class and bot flag from real user-agent strings: ua-parser's own answers
(its device family "Spider", the device's brand and model, the OS) first, and the
short lists in ingest/enrich.py for what it does not cover. Phones are not
tablets, phone brands are not bots, and the sample data's agents are what they
are labelled."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from ingest.enrich import UserAgentClassifier
from sample_data.cloudfront import BOTS
from sample_data.world import USER_AGENTS

# (agent, device class, bot); each a string a real client sends.
AGENTS = [
    # Android app agents: the runtime (Dalvik) or the app's HTTP client, no "Mobile"
    ("Dalvik/2.1.0 (Linux; U; Android 11; SM-A515F Build/RP1A.200720.012)", "mobile", False),
    ("Dalvik/2.1.0 (Linux; U; Android 12; Pixel 6 Build/SD1A.210817.036)", "mobile", False),
    (
        "Dalvik/2.1.0 (Linux; U; Android 10; Redmi Note 8 Pro MIUI/V12.0.3.0.QGGMIXM)",
        "mobile",
        False,
    ),
    ("Dalvik/2.1.0 (Linux; U; Android 13; 2201117TY Build/TKQ1.221114.001)", "mobile", False),
    ("Dalvik/2.1.0 (Linux; U; Android 9; CUBOT P30 Build/PPR1.180610.011)", "mobile", False),
    ("Dalvik/2.1.0 (Linux; U; Android 9; SM-T510 Build/PPR1.180610.011)", "tablet", False),
    ("Dalvik/2.1.0 (Linux; U; Android 12; SM-X700 Build/SP1A.210812.016)", "tablet", False),
    ("Dalvik/2.1.0 (Linux; U; Android 10; Lenovo TB-X606F Build/QP1A.190711.020)", "tablet", False),
    ("Dalvik/1.6.0 (Linux; U; Android 4.4.2; KFTHWI Build/KOT49H)", "tablet", False),
    ("okhttp/4.9.0", "mobile", False),
    ("okhttp/3.12.1", "mobile", False),
    ("Innerverse/2.3.1 (Android 13; Pixel 7) okhttp/4.11.0", "mobile", False),
    ("Innerverse/2.3.1 (Linux; Android 13; SM-S911B)", "mobile", False),
    (
        "com.innerverse.app/2.3.1 (Linux; U; Android 14; Pixel 8 Build/AP1A.240305.019)",
        "mobile",
        False,
    ),
    ("Innerverse/412 CFNetwork/1410.0.3 Darwin/22.6.0", "mobile", False),
    # CUBOT phones: "BOT" in the brand
    (
        "Mozilla/5.0 (Linux; Android 10; CUBOT_X19 Build/QP1A.190711.020; wv) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Version/4.0 Chrome/87.0.4280.141 Mobile Safari/537.36",
        "mobile",
        False,
    ),
    (
        "Mozilla/5.0 (Linux; Android 9; CUBOT KING KONG 3 Build/PPR1.180610.011) "
        "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/79.0.3945.136 Mobile Safari/537.36",
        "mobile",
        False,
    ),
    (
        "Mozilla/5.0 (Linux; Android 11; CUBOT NOTE 20 PRO) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/108.0.0.0 Mobile Safari/537.36",
        "mobile",
        False,
    ),
    # J2ME / MIDP feature-phone browsers, some with "java/" in the agent
    ("Nokia6300/2.0 (05.00) Profile/MIDP-2.0 Configuration/CLDC-1.1 java/1.0", "mobile", False),
    (
        "Nokia5130c-2/2.0 (07.91) Profile/MIDP-2.1 Configuration/CLDC-1.1 UNTRUSTED/1.0 java/1.0",
        "mobile",
        False,
    ),
    (
        "SonyEricssonK800i/R1KG Browser/NetFront/3.3 Profile/MIDP-2.0 Configuration/CLDC-1.1 "
        "java/1.0",
        "mobile",
        False,
    ),
    ("Opera/9.80 (J2ME/MIDP; Opera Mini/4.2.14912/870; U; id) Presto/2.4.15", "mobile", False),
    (
        "UCWEB/2.0 (Java; U; MIDP-2.0; en-US; Nokia305) U2/1.0.0 UCBrowser/9.5.0.449 U2/1.0.0 "
        "Mobile",
        "mobile",
        False,
    ),
    (
        "Mozilla/5.0 (Mobile; LYF/F300B/LYF-F300B-001-01-15-130718-i;Android; rv:48.0) Gecko/48.0 "
        "Firefox/48.0 KAIOS/2.5",
        "mobile",
        False,
    ),
    # phones and tablets in browsers
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
        "Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
        "mobile",
        False,
    ),
    (
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Mobile Safari/537.36",
        "mobile",
        False,
    ),
    (
        "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/16.6 Mobile/15E148 Safari/604.1",
        "tablet",
        False,
    ),
    (
        "Mozilla/5.0 (Linux; Android 11; SM-T500) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/114.0.0.0 Safari/537.36",
        "tablet",
        False,
    ),
    (
        "Mozilla/5.0 (Linux; Android 9; SAMSUNG SM-T590) AppleWebKit/537.36 (KHTML, like Gecko) "
        "SamsungBrowser/10.1 Chrome/71.0.3578.99 Safari/537.36",
        "tablet",
        False,
    ),
    (
        "Mozilla/5.0 (Linux; Android 12; SM-X906C Build/SP1A.210812.016; wv) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Version/4.0 Chrome/100.0.4896.127 Safari/537.36",
        "tablet",
        False,
    ),
    (
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Safari/537.36",
        "tablet",
        False,
    ),
    (
        "Mozilla/5.0 (Linux; Android 12; Redmi Pad) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/110 Safari/537.36",
        "tablet",
        False,
    ),
    (
        "Mozilla/5.0 (Linux; U; Android 4.0.3; en-us; KFTT Build/IML74K) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Silk/3.68 like Chrome/39.0.2171.93 Safari/537.36",
        "tablet",
        False,
    ),
    (
        "Mozilla/5.0 (Linux; Android 9; KFMAWI) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Silk/119.3.1 like Chrome/119.0.6045.193 Safari/537.36",
        "tablet",
        False,
    ),
    ("Mozilla/5.0 (Android 14; Tablet; rv:121.0) Gecko/121.0 Firefox/121.0", "tablet", False),
    # desktops
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Safari/537.36",
        "desktop",
        False,
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.1 Safari/605.1.15",
        "desktop",
        False,
    ),
    (
        "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Safari/537.36",
        "desktop",
        False,
    ),
    # bots ua-parser calls Spider, smartphone crawlers included
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "bot", True),
    (
        "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like "
        "Gecko) Chrome/119.0.6045.199 Mobile Safari/537.36 (compatible; Googlebot/2.1; "
        "+http://www.google.com/bot.html)",
        "bot",
        True,
    ),
    ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "bot", True),
    (
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; "
        "+http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36",
        "bot",
        True,
    ),
    (
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; "
        "+claudebot@anthropic.com)",
        "bot",
        True,
    ),
    ("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", "bot", True),
    ("Java/1.8.0_292", "bot", True),
    ("python-urllib3/1.26.18", "bot", True),
    ("UptimeRobot/2.0", "bot", True),
    # tools ua-parser names but does not call Spider
    ("curl/8.4.0", "bot", True),
    ("Wget/1.21.4", "bot", True),
    ("python-requests/2.31.0", "bot", True),
    ("Go-http-client/2.0", "bot", True),
    ("Apache-HttpClient/4.5.13 (Java/11.0.16)", "bot", True),
    ("HTTPie/3.2.2", "bot", True),  # ua-parser: a "Generic Feature Phone"
    ("libwww-perl/6.72", "bot", True),  # likewise
    (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "HeadlessChrome/120.0.6099.109 Safari/537.36",
        "bot",
        True,
    ),
    (
        "Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) PhantomJS/2.1.1 "
        "Safari/538.1",
        "bot",
        True,
    ),
    # tools ua-parser does not know at all
    ("node-fetch/1.0 (+https://github.com/bitinn/node-fetch)", "bot", True),
    ("python-httpx/0.25.0", "bot", True),
    ("Java-http-client/17.0.2", "bot", True),
    ("Datadog/Synthetics", "bot", True),
    # neither a person's device nor a bot
    (
        "Mozilla/5.0 (SMART-TV; Linux; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) "
        "SamsungBrowser/4.0 Chrome/76.0.3809.146 TV Safari/537.36",
        "other",
        False,
    ),
    (
        "Mozilla/5.0 (PlayStation; PlayStation 5/2.26) AppleWebKit/605.1.15 (KHTML, like Gecko)",
        "other",
        False,
    ),
]


@pytest.fixture(scope="module", params=[True, False], ids=["accelerated", "pure-python"])
def classifier(request) -> UserAgentClassifier:
    return UserAgentClassifier(accelerated=request.param)


@pytest.mark.parametrize(
    ("agent", "device_class", "is_bot"), AGENTS, ids=[a[:60] for a, *_ in AGENTS]
)
def test_device_class_and_bot(classifier, agent, device_class, is_bot):
    found = classifier.classify(agent)
    assert (found.device_class, found.is_bot) == (device_class, is_bot)


def test_cloudfront_encodings_classify_alike(classifier):
    for agent, device_class, is_bot in AGENTS:
        once = quote(agent, safe="/();,:+")  # CloudFront writes spaces and more as %XX
        twice = once.replace("%", "%25")  # and sometimes encodes that again
        for encoded in (once, twice):
            found = classifier.classify(encoded)
            assert found.text == agent
            assert (found.device_class, found.is_bot) == (device_class, is_bot), encoded


def test_the_sample_data_agents_are_what_they_are_labelled(classifier):
    for label, agents in USER_AGENTS.items():
        for agent in agents:
            found = classifier.classify(agent)
            assert (found.device_class, found.is_bot) == (label, False), agent
    for agent, _ip in BOTS:
        assert classifier.classify(agent).is_bot, agent


def test_no_agent_is_unknown():
    classifier = UserAgentClassifier()
    for raw in ("", "-"):
        found = classifier.classify(raw)
        assert (found.text, found.device_class, found.is_bot) == (None, "other", False)
