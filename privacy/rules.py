"""The privacy allow-list and rules, as the PII guard, retention and erasure read them.

They are declared once, as YAML inside ``macros/privacy/allowlist.sql`` (a macro
because that is the one kind of file dbt reads; the dbt tests read the same
block). This module parses that block and answers the questions the guard
asks: which tables and columns are allowed, of which kind, what a kind forbids,
which family an engine's column type belongs to.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml  # type: ignore[import-untyped]  # PyYAML, installed with dbt-core

ALLOWLIST_FILE = Path(__file__).resolve().parent.parent / "macros" / "privacy" / "allowlist.sql"
_BLOCK = re.compile(r"\{%\s*set allowlist_yaml\s*%\}(.*?)\{%\s*endset\s*%\}", re.DOTALL)
LAYERS = ("silver", "private", "gold")
# Layers that may hold a row per person, with retention and erasure; never published.
RESTRICTED_LAYERS = ("silver", "private")
PUBLISHED_LAYER = "gold"
TEXT_FAMILIES = ("text", "list")
KEEP = "keep"


class AllowlistError(ValueError):
    """The allow-list file cannot be read or is inconsistent; the message says where."""


@dataclass(frozen=True)
class Kind:
    name: str
    description: str
    type: str  # text, list, number, boolean, timestamp, date
    forbid: tuple[str, ...] = ()
    format: str | None = None
    not_a_source_id: bool = False
    key: bool = False  # identifies a person, an event or a network
    restricted: bool = False  # a client- or app-controlled value as it came

    @property
    def is_text(self) -> bool:
        return self.type in TEXT_FAMILIES

    @property
    def publishable(self) -> bool:
        """May a Gold column be of this kind? Never a key, never an open vocabulary."""
        return not (self.key or self.restricted)


@dataclass(frozen=True)
class Pattern:
    """What a rule looks for: ``run`` found anywhere in a text, and, when ``with_all``
    is given, a run that also matches each of those expressions (a hashed id in
    base64 mixes letters of both cases and digits; a word or a code does not)."""

    name: str
    run: str
    with_all: tuple[str, ...] = ()

    @property
    def is_regex(self) -> bool:
        """Is the rule one regular expression (``run`` alone)?"""
        return not self.with_all

    def search(self, text: str) -> bool:
        if not self.with_all:
            return re.search(self.run, text) is not None
        return any(
            all(re.search(required, found) for required in self.with_all)
            for found in re.findall(self.run, text)
        )


@dataclass(frozen=True)
class TableRules:
    layer: str
    name: str
    columns: dict[str, str]  # column -> kind name
    retention: str | None = None  # Silver: a date column, or "keep"

    @property
    def label(self) -> str:
        return f"{self.layer}.{self.name}"


@dataclass(frozen=True)
class Allowlist:
    file: Path
    sha256: str
    patterns: dict[str, str]  # the rules that are one expression
    kinds: dict[str, Kind]
    types: dict[str, tuple[str, ...]]
    bronze_source_ids: dict[str, tuple[str, ...]]
    tables: dict[str, dict[str, TableRules]] = field(default_factory=dict)
    rules: dict[str, Pattern] = field(default_factory=dict)  # every rule, by name

    def key_columns(self) -> set[str]:
        """Names of the columns any restricted table declares as a key: a person's,
        an event's or a network's identity."""
        return {
            column
            for layer in RESTRICTED_LAYERS
            for table in self.tables.get(layer, {}).values()
            for column, kind in table.columns.items()
            if self.kinds[kind].key
        }

    def table(self, layer: str, name: str) -> TableRules | None:
        return self.tables.get(layer, {}).get(name)

    def kind(self, name: str) -> Kind:
        return self.kinds[name]

    def type_family(self, sql_type: str) -> str:
        """``VARCHAR`` → text, ``DECIMAL(20,10)`` → number, ``VARCHAR[]`` / ``array(varchar)``
        → list; ``other`` when the type is in no family."""
        text = sql_type.strip().lower()
        if text.endswith("[]") or text.startswith("array"):
            return "list"
        base = text.split("(", 1)[0].strip()
        for family, names in self.types.items():
            if base in names or text in names:
                return family
        return "other"

    def suggested_kind(self, column: str, sql_type: str) -> str:
        """A first guess for ``sage guard --propose``; a reviewer confirms it."""
        family = self.type_family(sql_type)
        if family == "text":
            if column.endswith("_key"):
                return "pseudonym"
            if column == "event_id":
                return "event_id"
            if column.endswith("_network"):
                return "network"
            return "code"
        if family == "list":
            return "code_list"
        return family if family in self.kinds else "code"


def _read_block(path: Path) -> str:
    try:
        text = path.read_text()
    except OSError as exc:
        raise AllowlistError(f"cannot read the privacy allow-list {path}: {exc.strerror}") from None
    match = _BLOCK.search(text)
    if not match:
        raise AllowlistError(
            f"{path}: no `{{% set allowlist_yaml %}} ... {{% endset %}}` block found"
        )
    block = match.group(1)
    for delimiter in ("{{", "{%", "{#"):
        if delimiter in block:
            raise AllowlistError(f"{path}: the YAML block must not contain Jinja ({delimiter!r})")
    return block


def parse_allowlist(path: Path = ALLOWLIST_FILE) -> Allowlist:
    block = _read_block(path)
    try:
        data = yaml.safe_load(block)
    except yaml.YAMLError as exc:
        raise AllowlistError(f"{path}: the allow-list is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise AllowlistError(f"{path}: the allow-list must be a mapping")
    for key in ("patterns", "kinds", "types", "bronze_source_ids", "tables"):
        if not isinstance(data.get(key), dict):
            raise AllowlistError(f"{path}: `{key}` is missing or not a mapping")

    rules: dict[str, Pattern] = {}
    for name, spec in data["patterns"].items():
        if isinstance(spec, dict):
            rule = Pattern(
                str(name), str(spec.get("run", "")), tuple(str(s) for s in spec.get("with_all", ()))
            )
        else:
            rule = Pattern(str(name), str(spec))
        for expression in (rule.run, *rule.with_all):
            try:
                re.compile(expression)
            except re.error as exc:
                raise AllowlistError(f"{path}: pattern {name}: {exc}") from None
        if not rule.run:
            raise AllowlistError(f"{path}: pattern {name} has no expression (`run`)")
        rules[rule.name] = rule
    patterns = {name: rule.run for name, rule in rules.items() if rule.is_regex}

    kinds: dict[str, Kind] = {}
    for name, spec in data["kinds"].items():
        forbid = tuple(spec.get("forbid", ()))
        for rule in forbid:
            if rule not in rules:
                raise AllowlistError(f"{path}: kind {name} forbids unknown pattern {rule!r}")
        if spec.get("type") not in (*data["types"], "list"):
            raise AllowlistError(f"{path}: kind {name} has unknown type {spec.get('type')!r}")
        kinds[name] = Kind(
            name=name,
            description=str(spec.get("description", "")),
            type=spec["type"],
            forbid=forbid,
            format=spec.get("format"),
            not_a_source_id=bool(spec.get("not_a_source_id", False)),
            key=bool(spec.get("key", False)),
            restricted=bool(spec.get("restricted", False)),
        )

    tables: dict[str, dict[str, TableRules]] = {}
    for layer, entries in data["tables"].items():
        if layer not in LAYERS:
            raise AllowlistError(f"{path}: unknown layer {layer!r} (expected {', '.join(LAYERS)})")
        tables[layer] = {}
        for name, spec in (entries or {}).items():
            columns = {str(column): str(kind) for column, kind in spec.get("columns", {}).items()}
            for column, kind in columns.items():
                if kind not in kinds:
                    raise AllowlistError(
                        f"{path}: {layer}.{name}.{column} has unknown kind {kind!r} "
                        f"(kinds: {', '.join(kinds)})"
                    )
            retention = spec.get("retention")
            if layer in RESTRICTED_LAYERS:
                if retention is None:
                    raise AllowlistError(
                        f"{path}: {layer}.{name} declares no `retention` (a date column, or keep)"
                    )
                if retention != KEEP and kinds[columns.get(retention, "code")].type not in (
                    "date",
                    "timestamp",
                ):
                    raise AllowlistError(
                        f"{path}: {layer}.{name}: retention column {retention!r} "
                        "is not one of its date or timestamp columns"
                    )
            if layer == PUBLISHED_LAYER:
                for column, kind in columns.items():
                    if not kinds[kind].publishable:
                        raise AllowlistError(
                            f"{path}: gold.{name}.{column} is declared {kind}, which Gold never "
                            "publishes: a key identifies someone, and an open vocabulary must be "
                            "closed first (macros/privacy/vocabulary.sql)"
                        )
            tables[layer][name] = TableRules(layer, name, columns, retention)

    return Allowlist(
        file=path,
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        patterns=patterns,
        kinds=kinds,
        types={
            family: tuple(str(n).lower() for n in names) for family, names in data["types"].items()
        },
        bronze_source_ids={
            model: tuple(columns) for model, columns in data["bronze_source_ids"].items()
        },
        tables=tables,
        rules=rules,
    )


@cache
def allowlist() -> Allowlist:
    return parse_allowlist()


_RUN = re.compile(r"[A-Za-z0-9]+")
_SUFFIX = re.compile(r"\.[A-Za-z]{2,6}$")


def mask(value: object, limit: int = 40) -> str:
    """An example that shows the shape of a value, not the value:
    ``jane.doe@example.com`` → ``j***.d***@e***.com``, ``203.0.113.7`` → ``2***.*.1***.*``.
    Each run of letters and digits keeps its first character; a final ``.com``-like
    suffix is kept; the result is cut at ``limit`` characters."""
    text = str(value)
    suffix = ""
    found = _SUFFIX.search(text)
    if found and found.start() > 0:
        suffix, text = found.group(0), text[: found.start()]
    masked = _RUN.sub(lambda run: run.group(0)[0] + "***" if len(run.group(0)) > 1 else "*", text)
    masked += suffix
    return masked if len(masked) <= limit else masked[: limit - 1] + "…"
