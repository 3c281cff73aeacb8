"""What personal data looks like in text: the rules shared by the ingest
scrubber, the PII guard and the partner certificate.

Each rule has a name (used in quarantine reasons, guard reports and audit
records). They lean broad: a false alarm costs a look, a miss costs a leak.
Phone numbers are the fuzzy one: written with separators or a leading ``+``
they are caught; a bare run of digits is not, because ids, dates and epoch
times look the same.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

# Linear in the length of the text: a match may start only where a run of
# local-part characters starts (the look-behind), and no run is given back once
# taken (possessive ++). Without both, a search tries every start inside a long run
# and re-reads the rest of it each time: 80,000 characters took 19 seconds. Which
# texts match is unchanged; a match now spans the whole run before the "@".
EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]++@[A-Za-z0-9-]++(?:\.[A-Za-z0-9-]++)*\.[A-Za-z]{2,}"
)
IPV4 = re.compile(
    r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\d.])"
)
IPV6_CANDIDATE = re.compile(
    r"(?<![0-9A-Fa-f:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![0-9A-Fa-f:])"
)
PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}(?!\w)"  # (415) 555-0100
    r"|(?<![\w+])\+\d{1,3}(?:[\s.-]\d{1,5}){2,6}(?!\w)"  # +44 20 7946 0958
    r"|(?<![\w+])\+\d{8,15}(?!\w)"  # +14155550100
)


def _ipv6(text: str) -> bool:
    for match in IPV6_CANDIDATE.finditer(text):
        candidate = match.group(0)
        if len(candidate) < 3:
            continue
        try:
            ipaddress.IPv6Address(candidate)
        except ValueError:
            continue
        return True
    return False


RULES: dict[str, Callable[[str], bool]] = {
    "email": lambda text: EMAIL.search(text) is not None,
    "ipv4": lambda text: IPV4.search(text) is not None,
    "ipv6": _ipv6,
    "phone": lambda text: PHONE.search(text) is not None,
}


def find_personal_data(text: str) -> str | None:
    """The name of the first rule ``text`` matches, or None."""
    for name, matches in RULES.items():
        if matches(text):
            return name
    return None
