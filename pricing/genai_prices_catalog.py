"""Pydantic's genai-prices catalog, as the ``genai-prices`` wheel ships it.

The wheel carries the catalog as Python source, ``genai_prices/data.py``: a list
``providers = [Provider(...), ...]`` of constructor calls over literals. It is
read here as a syntax tree, never run: only literals and calls by name are
accepted, each call becoming a :class:`Call` to inspect.

The AWS Bedrock provider (``id='aws'``) lists models, each with a matching rule
(clauses such as ``starts_with``, ``contains``, ``equals``, combined by ``or`` /
``and``) and prices in USD per million tokens, possibly dated
(``ConditionalPrice`` with a ``StartDateConstraint``) or tiered by prompt size.
An id is lowercased and takes the first model whose rule it satisfies, then the
provider's fallback providers', as genai-prices itself does; the clause that
matched is quoted in the match. (genai-prices retries an unmatched id with its
date written ``2025-10-01``, for compact ids from other tools; Bedrock's ids match
its rules as written, and that retry is not made.)
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal, InvalidOperation
from typing import Any

from pricing.catalog import (
    Catalog,
    CatalogFormatError,
    CatalogPrice,
    Lookup,
    NotInCatalog,
    usd_per_mtok,
)

PROVIDER = "aws"
# Seed rate column -> genai-prices' price field (USD per million tokens). `cache_write_mtok`
# is the 5-minute cache write; the one-hour write is `cache_write_1h_mtok`.
FIELDS = {
    "input_usd_per_mtok": "input_mtok",
    "output_usd_per_mtok": "output_mtok",
    "cache_read_usd_per_mtok": "cache_read_mtok",
    "cache_write_usd_per_mtok": "cache_write_mtok",
}

MATCHING = (
    "an id, lowercased, matches the first model of the catalog's AWS Bedrock provider "
    "whose rule it satisfies (starts with / contains / equals clauses), as genai-prices "
    "matches; the clause that matched is quoted"
)
PROFILES = (
    "matched by the models' rules, not listed one by one: entries named "
    "global.anthropic... take the global. profiles, entries named regional.anthropic... "
    "take the base id and the geographic profiles (us., eu., ...)"
)


@dataclass(frozen=True)
class Call:
    """A constructor call in the catalog's source: ``ModelPrice(input_mtok=...)``."""

    name: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str, default: Any = None) -> Any:
        return self.kwargs.get(name, default)


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        owner = _name(node.value)
        return f"{owner}.{node.attr}" if owner else None
    return None


def literal(node: ast.expr) -> Any:
    """The value of a literal expression; a call by name becomes a :class:`Call`."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.List | ast.Tuple):
        return [literal(item) for item in node.elts]
    if isinstance(node, ast.Dict):
        pairs = list(zip(node.keys, node.values, strict=True))
        if all(key is not None for key, _ in pairs):
            return {literal(key): literal(value) for key, value in pairs if key is not None}
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = literal(node.operand)
        if isinstance(value, int | float | Decimal):
            return -value
    if isinstance(node, ast.Call) and (name := _name(node.func)) is not None:
        if any(keyword.arg is None for keyword in node.keywords):
            raise CatalogFormatError(f"line {node.lineno}: a **mapping argument is not a literal")
        args = tuple(literal(arg) for arg in node.args)
        kwargs = {keyword.arg: literal(keyword.value) for keyword in node.keywords}
        return _construct(name, args, kwargs, node.lineno)
    raise CatalogFormatError(
        f"line {getattr(node, 'lineno', '?')}: {type(node).__name__} is not a literal "
        "(the catalog's format has changed)"
    )


def _construct(name: str, args: tuple, kwargs: dict, line: int) -> Any:
    try:
        if name == "Decimal":
            return Decimal(str(args[0]))
        if name in {"date", "datetime.date"}:
            return date(*args, **kwargs)
        if name in {"time", "datetime.time"}:
            return time(*args, **kwargs)
    except (IndexError, TypeError, ValueError, InvalidOperation) as exc:
        raise CatalogFormatError(f"line {line}: {name}(...): {exc}") from None
    return Call(name, args, kwargs)


def providers(content: bytes) -> dict[str, ast.expr]:
    """The catalog's providers by id, each still a syntax tree (read only when used)."""
    try:
        tree = ast.parse(content)
    except (SyntaxError, ValueError) as exc:
        raise CatalogFormatError(f"is not Python source: {exc}") from None
    target: ast.expr
    for statement in tree.body:
        if isinstance(statement, ast.AnnAssign):
            target, value = statement.target, statement.value
        elif isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target, value = statement.targets[0], statement.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id == "providers":
            if not isinstance(value, ast.List):
                break
            found: dict[str, ast.expr] = {}
            for item in value.elts:
                if isinstance(item, ast.Call):
                    for keyword in item.keywords:
                        if keyword.arg == "id" and isinstance(keyword.value, ast.Constant):
                            found[str(keyword.value.value)] = item
            return found
    raise CatalogFormatError("has no list `providers = [Provider(...), ...]`")


# Clause -> (its argument, how a match reads, the test on the lowercased id).
SIMPLE_CLAUSES: dict[str, tuple[str, str, Callable[[str, str], bool]]] = {
    "ClauseStartsWith": ("starts_with", "starts with", str.startswith),
    "ClauseEndsWith": ("ends_with", "ends with", str.endswith),
    "ClauseContains": ("contains", "contains", lambda text, part: part in text),
    "ClauseEquals": ("equals", "equals", lambda text, value: text == value),
}


def clause_match(clause: Any, text: str) -> str | None:
    """How ``text`` (lowercased) satisfies a matching rule, in words; None if it does not."""
    if not isinstance(clause, Call):
        raise CatalogFormatError(f"{clause!r} is not a matching clause")
    if clause.name in SIMPLE_CLAUSES:
        argument, words, test = SIMPLE_CLAUSES[clause.name]
        value = str(clause.get(argument, "")).lower()
        return f"{words} {value!r}" if test(text, value) else None
    if clause.name == "ClauseRegex":
        pattern = clause.get("regex", "")
        return f"matches regex {pattern!r}" if re.search(pattern, text) else None
    if clause.name == "ClauseOr":
        return next(
            (how for part in clause.get("or_", []) if (how := clause_match(part, text))), None
        )
    if clause.name == "ClauseAnd":
        parts = [clause_match(part, text) for part in clause.get("and_", [])]
        return " and ".join(parts) if parts and all(parts) else None  # type: ignore[arg-type]
    raise CatalogFormatError(f"unknown matching clause {clause.name}")


def _prices_on(model: Call, day: date) -> tuple[Call, list[str]]:
    """The model's prices valid on ``day``, by genai-prices' rule: the last dated price
    that has started, else the first."""
    prices = model.get("prices")
    if isinstance(prices, Call) and prices.name == "ModelPrice":
        return prices, []
    if not isinstance(prices, list) or not prices:
        raise CatalogFormatError(f"model {model.get('id')!r} has no prices")
    notes = []
    conditional = []
    for item in prices:
        constraint = item.get("constraint", item.args[0] if item.args else None)
        conditional.append((constraint, item.get("prices")))
        if isinstance(constraint, Call) and constraint.name == "TimeOfDateConstraint":
            notes.append("a time-of-day price (off-peak hours): not compared")
    chosen = conditional[0][1]
    for constraint, model_price in reversed(conditional):
        if constraint is None or (
            isinstance(constraint, Call)
            and constraint.name == "StartDateConstraint"
            and constraint.get("start_date") <= day
        ):
            chosen = model_price
            if constraint is not None:
                notes.append(f"the catalog's price since {constraint.get('start_date')}")
            break
    if not isinstance(chosen, Call):
        raise CatalogFormatError(f"model {model.get('id')!r}: prices are not a ModelPrice")
    return chosen, notes


def _rates(model: Call, day: date) -> tuple[dict[str, Decimal | None], tuple[str, ...]]:
    model_price, notes = _prices_on(model, day)
    rates: dict[str, Decimal | None] = {}
    for column, name in FIELDS.items():
        value = model_price.get(name)
        if isinstance(value, Call) and value.name == "TieredPrices":
            tiers = ", ".join(
                f"{tier.get('price')} above {tier.get('start'):,} tokens"
                for tier in value.get("tiers", [])
            )
            notes.append(f"{name}: {value.get('base')}, {tiers} (prompt-size tiers not compared)")
            value = value.get("base")
        if value is not None and not (isinstance(value, Decimal) and value >= 0):
            raise CatalogFormatError(f"model {model.get('id')!r}, {name}: {value!r} is not a rate")
        rates[column] = None if value is None else usd_per_mtok(value)
    return rates, tuple(notes)


def _models(provider: Call, catalog: dict[str, ast.expr]) -> list[Call]:
    models = list(provider.get("models", []))
    for fallback in provider.get("fallback_model_providers") or []:
        if fallback in catalog:
            models += literal(catalog[fallback]).get("models", [])
    return models


def lookup(content: bytes, model_ids: Sequence[str], day: date) -> dict[str, Lookup]:
    """The catalog's rates for each id, as valid on ``day``."""
    catalog = providers(content)
    if PROVIDER not in catalog:
        raise CatalogFormatError(f"has no provider {PROVIDER!r} (AWS Bedrock)")
    models = _models(literal(catalog[PROVIDER]), catalog)
    found: dict[str, Lookup] = {}
    for model_id in model_ids:
        text = model_id.lower()
        for model in models:
            how = clause_match(model.get("match"), text)
            if how is not None:
                rates, notes = _rates(model, day)
                found[model_id] = CatalogPrice(
                    str(model.get("id")), f"the catalog's rule: {how}", rates, notes
                )
                break
        else:
            found[model_id] = NotInCatalog("no AWS Bedrock model of the catalog matches it")
    return found


GENAI_PRICES = Catalog(
    name="genai-prices",
    title="Pydantic genai-prices",
    url="https://github.com/pydantic/genai-prices/blob/main/prices/data.json",
    package="genai-prices",
    member="genai_prices/data.py",
    matching=MATCHING,
    profiles=PROFILES,
    lookup=lookup,
)
