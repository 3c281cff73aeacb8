"""The dated extract of a public price catalog kept in the repository
(``pricing/snapshots/<catalog>.json``): the catalog's rates for the price list's
model ids, where they came from (catalog, URL, package, version, file hash) and
the day they were taken.

A snapshot looks up each model id of the price list and, beside it, the base id
and the ``global.``, ``us.`` and ``eu.`` profiles of the same model
(:data:`pricing.model_ids.REFERENCE_PROFILES`), so the file itself shows how the
catalog prices inference profiles. Rates are USD per million tokens at the
seed's scale (6 decimals), written as exact decimal strings.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pricing.catalog import RATES, Catalog, CatalogPrice, Lookup, NotInCatalog
from pricing.genai_prices_catalog import GENAI_PRICES
from pricing.litellm_catalog import LITELLM
from pricing.model_ids import parse_bedrock_id, reference_ids
from pricing.package_file import PackageFile

FORMAT = 1
CATALOGS: dict[str, Catalog] = {catalog.name: catalog for catalog in (LITELLM, GENAI_PRICES)}
REGISTRY = "PyPI"


class SnapshotError(ValueError):
    """A snapshot file that cannot be read: a set-up problem, not a price difference."""


@dataclass(frozen=True)
class Snapshot:
    catalog: str
    title: str
    url: str
    package: str
    version: str
    package_file: str
    package_sha256: str
    member: str
    taken_on: date
    matching: str
    profiles: str
    models: dict[str, Lookup]

    @property
    def source(self) -> str:
        """``litellm 1.110.2 (PyPI)``"""
        return f"{self.package} {self.version} ({REGISTRY})"


def take_snapshot(
    catalog: Catalog, package: PackageFile, model_ids: Iterable[str], *, today: date
) -> Snapshot:
    """The catalog's rates, as valid ``today``, for ``model_ids`` and their profiles."""
    ids = reference_ids(set(model_ids))
    return Snapshot(
        catalog=catalog.name,
        title=catalog.title,
        url=catalog.url,
        package=package.name,
        version=package.version,
        package_file=package.file,
        package_sha256=package.sha256,
        member=package.member,
        taken_on=today,
        matching=catalog.matching,
        profiles=catalog.profiles,
        models=catalog.lookup(package.content, ids, today),
    )


def _rate_text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


def snapshot_data(snapshot: Snapshot) -> dict[str, Any]:
    models: dict[str, Any] = {}
    for model_id in sorted(snapshot.models):
        found = snapshot.models[model_id]
        if isinstance(found, NotInCatalog):
            models[model_id] = {"not_in_catalog": found.reason}
            continue
        models[model_id] = {
            "catalog_model": found.catalog_model,
            "matched_by": found.matched_by,
            **{column: _rate_text(found.rates.get(column)) for column in RATES},
            "notes": list(found.notes),
        }
    return {
        "format": FORMAT,
        "catalog": snapshot.catalog,
        "title": snapshot.title,
        "url": snapshot.url,
        "source": {
            "registry": REGISTRY,
            "package": snapshot.package,
            "version": snapshot.version,
            "file": snapshot.package_file,
            "sha256": snapshot.package_sha256,
            "member": snapshot.member,
        },
        "taken_on": snapshot.taken_on.isoformat(),
        "refresh": f"sage pricing snapshot --catalog {snapshot.catalog}",
        "units": "USD per million tokens, at the seed's scale (6 decimals)",
        "matching": snapshot.matching,
        "profiles": snapshot.profiles,
        "models": models,
    }


def write_snapshot(snapshot: Snapshot, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(snapshot_data(snapshot), indent=2, ensure_ascii=False) + "\n"
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)  # whole or not at all


def read_snapshot(path: Path, *, source: str | None = None) -> Snapshot:
    source = source or str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SnapshotError(f"{source}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SnapshotError(f"{source}: not a readable JSON snapshot ({exc})") from None
    try:
        return _snapshot(data)
    except (KeyError, TypeError, ValueError, InvalidOperation, AttributeError) as exc:
        what = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
        raise SnapshotError(
            f"{source}: not a snapshot this version reads ({what}); take it again with "
            "`sage pricing snapshot`"
        ) from None


def _snapshot(data: dict[str, Any]) -> Snapshot:
    if data["format"] != FORMAT:
        raise ValueError(f"format {data['format']!r}, expected {FORMAT}")
    if data["catalog"] not in CATALOGS:
        raise ValueError(f"unknown catalog {data['catalog']!r} (known: {', '.join(CATALOGS)})")
    models: dict[str, Lookup] = {}
    for model_id, entry in data["models"].items():
        if "not_in_catalog" in entry:
            models[model_id] = NotInCatalog(str(entry["not_in_catalog"]))
            continue
        rates = {
            column: None if entry[column] is None else Decimal(str(entry[column]))
            for column in RATES
        }
        if any(rate is not None and not rate >= 0 for rate in rates.values()):
            raise ValueError(f"{model_id}: a rate is negative or not a number")
        models[model_id] = CatalogPrice(
            str(entry["catalog_model"]),
            str(entry["matched_by"]),
            rates,
            tuple(str(note) for note in entry.get("notes", [])),
        )
    source = data["source"]
    return Snapshot(
        catalog=data["catalog"],
        title=str(data["title"]),
        url=str(data["url"]),
        package=str(source["package"]),
        version=str(source["version"]),
        package_file=str(source["file"]),
        package_sha256=str(source["sha256"]),
        member=str(source["member"]),
        taken_on=date.fromisoformat(data["taken_on"]),
        matching=str(data["matching"]),
        profiles=str(data["profiles"]),
        models=models,
    )


def _relative(ratio: Decimal) -> str:
    if ratio == 1:
        return "same"
    percent = (ratio - 1) * 100
    text = f"{percent:+.1f}".rstrip("0").rstrip(".")
    return f"{text}%"


def profile_pricing(snapshot: Snapshot) -> str:
    """How the snapshot prices each profile relative to the base id, from its own
    input rates: ``global. same, us. +10%, eu. +10%``."""
    ratios: dict[str, set[Decimal]] = {}
    for model_id, found in snapshot.models.items():
        parsed = parse_bedrock_id(model_id)
        base = snapshot.models.get(parsed.base)
        if parsed.profile is None or not isinstance(found, CatalogPrice):
            continue
        if not isinstance(base, CatalogPrice):
            continue
        profile_rate = found.rates["input_usd_per_mtok"]
        base_rate = base.rates["input_usd_per_mtok"]
        if profile_rate is None or not base_rate:
            continue
        ratios.setdefault(parsed.profile, set()).add(profile_rate / base_rate)
    parts = []
    for profile in sorted(ratios, key=lambda name: (name != "global", name)):
        values = sorted(ratios[profile])
        text = " or ".join(_relative(value) for value in values)
        parts.append(f"{profile}. {text}" + (" (varies by model)" if len(values) > 1 else ""))
    return ", ".join(parts) if parts else "no profile and base id both priced"
