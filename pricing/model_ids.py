"""Bedrock model ids taken apart, so a price list's id and a catalog's can be matched
by rule rather than by guess.

An id as the turn logs carry it has up to three parts::

    us.anthropic.claude-haiku-4-5-20251001-v1:0
    └┬┘└──────────────┬──────────────────┘└─┬─┘
    profile      model name             version suffix

- **profile**: a cross-region inference profile. ``global.`` routes to any
  commercial region; ``us.``, ``eu.``, ``apac.``, ``au.``, ``jp.``, ``ca.``, ``in.``
  and ``us-gov.`` stay inside one geography. No prefix is the base model id,
  invoked in one region. Profiles can be priced differently from the base id
  (AWS bills geographic profiles of recent Anthropic models 10% above the global
  one), so a profile is never dropped silently: :mod:`pricing.catalogs` says
  when a catalog's price for a profile comes from its base id.
- **version suffix**: ``-v1``, ``-v1:0``, ``:0``; the same model under another
  suffix is the same model. A date inside the name (``-20251001``) is not a
  suffix: it names another model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Bedrock's cross-region inference profile prefixes (`<prefix>.<provider>.<model>`).
PROFILES = ("global", "us", "eu", "apac", "au", "jp", "ca", "in", "us-gov")
# The profiles a snapshot looks up beside each id of the price list, to show how a
# catalog prices them: the base id, the global profile and the two largest geographies.
REFERENCE_PROFILES: tuple[str | None, ...] = (None, "global", "us", "eu")

VERSION_SUFFIX = re.compile(r"(-v[0-9]+)?(:[0-9]+[a-z]*)*$")


@dataclass(frozen=True)
class BedrockId:
    text: str  # the id as written
    profile: str | None  # "us", "global", ...; None for a base model id
    base: str  # the id without its profile: "anthropic.claude-haiku-4-5-20251001-v1:0"

    @property
    def model(self) -> str:
        """The base id without its version suffix: ``anthropic.claude-haiku-4-5-20251001``."""
        return VERSION_SUFFIX.sub("", self.base)

    def with_profile(self, profile: str | None) -> str:
        return f"{profile}.{self.base}" if profile else self.base


def parse_bedrock_id(text: str) -> BedrockId:
    prefix, dot, rest = text.partition(".")
    # `us.anthropic.x` has a profile; `anthropic.x` does not (its first part is the
    # provider, and a provider is never named like a profile).
    if dot and prefix.lower() in PROFILES and "." in rest:
        return BedrockId(text, prefix.lower(), rest)
    return BedrockId(text, None, text)


def reference_ids(model_ids: list[str] | set[str]) -> list[str]:
    """Each id, and its base id and reference profiles: the ids a snapshot looks up."""
    found: set[str] = set()
    for model_id in model_ids:
        found.add(model_id)
        parsed = parse_bedrock_id(model_id)
        found.update(parsed.with_profile(profile) for profile in REFERENCE_PROFILES)
    return sorted(found)
