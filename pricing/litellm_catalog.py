"""LiteLLM's price catalog, ``model_prices_and_context_window.json``.

One JSON object keyed by model id, rates in USD per token. The ``litellm`` wheel
ships a copy as ``litellm/model_prices_and_context_window_backup.json`` (what
LiteLLM itself reads offline); that copy is the one read here.

Which entries are Bedrock's: keys without a ``/`` whose ``litellm_provider`` is
``bedrock`` or ``bedrock_converse``. Keys such as ``bedrock/us-gov-west-1/...``
(one region's own rate) or ``bedrock_mantle/...`` (another API) are other
products and are never matched.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from pricing.catalog import (
    Catalog,
    CatalogFormatError,
    CatalogPrice,
    Lookup,
    NotInCatalog,
    usd_per_mtok,
)
from pricing.model_ids import parse_bedrock_id

MILLION = Decimal(1_000_000)
# Seed rate column -> LiteLLM's field (USD per token). `cache_creation_input_token_cost`
# is the 5-minute cache write, the one the seed prices; the one-hour write has a
# field of its own.
FIELDS = {
    "input_usd_per_mtok": "input_cost_per_token",
    "output_usd_per_mtok": "output_cost_per_token",
    "cache_read_usd_per_mtok": "cache_read_input_token_cost",
    "cache_write_usd_per_mtok": "cache_creation_input_token_cost",
}
BEDROCK_PROVIDERS = ("bedrock", "bedrock_converse")
# Fields that price the same tokens differently above a prompt size (the seed has one
# rate): `input_cost_per_token_above_200k_tokens`.
PROMPT_SIZE_TIER = re.compile(rf"({'|'.join(FIELDS.values())})_above_[0-9]+k_tokens")

MATCHING = (
    "an id matches the Bedrock key equal to it; failing that, the one Bedrock key of "
    "the same model and profile under another version suffix (-v1, -v1:0, none); "
    "failing that, for an inference profile, the base id's key (said so in the match)"
)
PROFILES = (
    "each inference profile is a key of its own (us.anthropic..., global.anthropic...), "
    "as is the base id"
)


def bedrock_entries(content: bytes) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads(content, parse_float=Decimal)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogFormatError(f"is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise CatalogFormatError("is not a JSON object of model entries")
    return {
        key: entry
        for key, entry in data.items()
        if "/" not in key
        and isinstance(entry, dict)
        and entry.get("litellm_provider") in BEDROCK_PROVIDERS
    }


def _rates(key: str, entry: dict[str, Any]) -> dict[str, Decimal | None]:
    rates: dict[str, Decimal | None] = {}
    for column, name in FIELDS.items():
        value = entry.get(name)
        if value is None:
            rates[column] = None
        elif isinstance(value, int | Decimal) and not isinstance(value, bool) and value >= 0:
            rates[column] = usd_per_mtok(Decimal(value) * MILLION)
        else:
            raise CatalogFormatError(f"entry {key!r}, {name}: {value!r} is not a rate per token")
    return rates


def _price(key: str, entry: dict[str, Any], matched_by: str) -> CatalogPrice:
    tiers = sorted(name for name in entry if PROMPT_SIZE_TIER.fullmatch(name))
    notes = (f"also priced by prompt size ({', '.join(tiers)}): not compared",) if tiers else ()
    return CatalogPrice(key, matched_by, _rates(key, entry), notes)


def _same_model(entries: dict[str, dict[str, Any]], model_id: str) -> Lookup | None:
    """The key of the same profile and model under another version suffix, if one."""
    wanted = parse_bedrock_id(model_id)
    keys = sorted(
        key
        for key in entries
        if (found := parse_bedrock_id(key)).profile == wanted.profile
        and found.model == wanted.model
    )
    if not keys:
        return None
    prices = [_price(key, entries[key], "") for key in keys]
    if any(price.rates != prices[0].rates for price in prices):
        return NotInCatalog(
            f"ambiguous: {', '.join(keys)} are the same model under other version suffixes, "
            "priced differently"
        )
    others = f" (also {', '.join(keys[1:])}, same rates)" if len(keys) > 1 else ""
    return _price(keys[0], entries[keys[0]], f"same model, version suffix differs{others}")


def _lookup_one(entries: dict[str, dict[str, Any]], model_id: str) -> Lookup:
    if model_id in entries:
        return _price(model_id, entries[model_id], "exact id")
    found = _same_model(entries, model_id)
    if found is not None:
        return found
    parsed = parse_bedrock_id(model_id)
    if parsed.profile is None:
        return NotInCatalog("no Bedrock entry for this model")
    base = _lookup_one(entries, parsed.base)
    if isinstance(base, NotInCatalog):
        return NotInCatalog(f"no Bedrock entry for this model, nor for its base id {parsed.base}")
    how = "" if base.matched_by == "exact id" else f", {base.matched_by}"
    return CatalogPrice(
        base.catalog_model,
        f"base id{how}: the catalog lists no {parsed.profile}. profile of this model",
        base.rates,
        base.notes,
    )


def lookup(content: bytes, model_ids: Sequence[str], day: date) -> dict[str, Lookup]:
    """The catalog's rates for each id. LiteLLM keeps no price history: ``day`` is unused."""
    entries = bedrock_entries(content)
    return {model_id: _lookup_one(entries, model_id) for model_id in model_ids}


LITELLM = Catalog(
    name="litellm",
    title="LiteLLM model prices and context windows",
    url="https://github.com/BerriAI/litellm/blob/main/model_prices_and_context_window.json",
    package="litellm",
    member="litellm/model_prices_and_context_window_backup.json",
    matching=MATCHING,
    profiles=PROFILES,
    lookup=lookup,
)
