"""CloudFront standard access logs: gzip files of tab-separated lines.

Each file starts with ``#Version`` and ``#Fields`` lines; the column order is
whatever ``#Fields`` declares (it differs between distributions, and older
files have fewer fields). ``-`` means empty; the user agent and other text
fields are URL-encoded.

Enriched once, here: browser, OS, device class and a bot flag from the user
agent, and the country of the edge location. The client IP lands as is and is
truncated to its /24 or /48 before Silver.

Fields that analytics never needs and that carry secrets or identifiers are
dropped here and never land: the query string and cookies (session tokens,
ids), ``x-forwarded-for`` (more addresses), the client port, field-level
encryption details and byte ranges. Fields this parser does not know are
reported by name and not landed.

A line over the record limit is quarantined as ``too_large``, a field over the
field limit as ``out_of_range`` (CloudFront itself refuses requests that long),
before any conversion or pattern runs on them.

fields.py holds the fields and the rules a value must pass, log.py the reading of
a file into runs of lines, reference.py the reference parser (``parse``), fast.py
the fast path (``land``).
"""

from ingest.sources.cloudfront.fast import land
from ingest.sources.cloudfront.fields import NAME
from ingest.sources.cloudfront.log import sniff
from ingest.sources.cloudfront.reference import parse

__all__ = ["NAME", "land", "parse", "sniff"]
