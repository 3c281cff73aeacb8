"""What personal data looks like in text, as the ingest scrubber looks for it.

The rules are the allow-list's (``patterns:`` in ``macros/privacy/allowlist.sql``,
privacy/rules.py): one definition that the PII guard, the partner certificate,
the dbt tests and this scrubber all read, so Python and SQL find the same things
(tests/test_privacy_rules.py runs them side by side on DuckDB). The scrubber
looks for the four that a partner's telemetry must never carry: an email address,
an IPv4 or IPv6 address, a phone number; each rule's name is the reason given in
quarantine and in the audit log. Phone numbers are the fuzzy one: written with
separators or a leading ``+`` they are caught; a bare run of digits is not,
because ids, dates and epoch times look the same.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from privacy.rules import allowlist

# The rules the scrubber applies, in the order it tries them.
SCRUBBED = ("email", "ipv4", "ipv6", "phone")

# A rule that starts with a run of one character class (``[...]+``) and goes on
# with a character outside it, as the email rule does: in Python's backtracking
# engine a search would try every start inside a long run and re-read the rest of
# it each time (80,000 characters took 19 seconds). Searched instead only from the
# start of a run (a look-behind) and with the run taken whole (possessive ++),
# it is linear; which texts match is unchanged, since a match that starts inside
# a run can start at the run's start as well. RE2 (DuckDB, Trino) is linear anyway.
_LEADING_RUN = re.compile(r"(\[(?:\\.|[^\]\\])+\])\+(?!\+)")
_LITERAL = re.compile(r"\\([^A-Za-z0-9])|([^\\()\[\].^$|?*+{}])")


def linear(expression: str) -> re.Pattern[str]:
    """``expression`` compiled for Python's engine, linear in the text's length when it
    starts with a run that ends where the rest begins (see above); as it is otherwise."""
    leading = _LEADING_RUN.match(expression)
    if leading:
        run, rest = leading.group(1), expression[leading.end() :]
        # the rest's first character, when it is a literal (``@``, ``\.``): not a class,
        # a group or an anchor
        # (and not optional: no ``?``, ``*`` or ``{`` after it)
        literal = _LITERAL.match(rest)
        character = literal and (literal.group(1) or literal.group(2))
        optional = literal and rest[literal.end() : literal.end() + 1] in ("?", "*", "{")
        if character and not optional and re.fullmatch(run, character) is None:
            return re.compile(f"(?<!{run}){run}++{rest}")
    return re.compile(expression)


@cache
def rules() -> dict[str, Callable[[str], bool]]:
    """Each scrubbed rule's test of a text."""
    defined = allowlist().rules
    found: dict[str, Callable[[str], bool]] = {}
    for name in SCRUBBED:
        rule = defined[name]
        if not rule.is_regex:  # a run that must match more expressions: as the guard reads it
            found[name] = rule.search
            continue
        found[name] = _searcher(linear(rule.run))
    return found


def _searcher(compiled: re.Pattern[str]) -> Callable[[str], bool]:
    return lambda text: compiled.search(text) is not None


# The email rule as the scrubber searches with it.
EMAIL = linear(allowlist().rules["email"].run)


def find_personal_data(text: str) -> str | None:
    """The name of the first rule ``text`` matches, or None."""
    for name, matches in rules().items():
        if matches(text):
            return name
    return None
