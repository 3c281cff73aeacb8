"""The price list compared with catalog snapshots, rate by rate.

The rows compared are those valid on one day (today unless asked otherwise): one
row per model. For each snapshot, each row's model id is looked up as the
snapshot recorded it (:mod:`pricing.snapshot`), and each of the four rates is
compared as a number. A rate that differs is *acknowledged* when
``seeds/pricing_acknowledged.csv`` has a row for the same ``price_id``, catalog
and rate naming the catalog's current value; one naming another value is
*outdated* and does not count.

A model the catalog lacks, or that the snapshot did not look up (it was taken
before the model was added), is reported and is not a failure unless asked
(``fail_on_missing``): a catalog's silence says nothing about the project's rate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from pricing.acknowledged import Acknowledgement, Acknowledgements
from pricing.catalog import RATES, CatalogPrice, Lookup, NotInCatalog
from pricing.pricelist import RATE_LABELS, PriceRow, row_on
from pricing.snapshot import Snapshot, profile_pricing, snapshot_data


@dataclass(frozen=True)
class RateDifference:
    catalog: str
    row: PriceRow
    rate: str  # a seed rate column
    seed: Decimal
    catalog_value: Decimal
    acknowledgement: Acknowledgement | None = None  # names this catalog value
    outdated: Acknowledgement | None = None  # names another catalog value

    @property
    def ratio(self) -> Decimal | None:
        """The seed's rate over the catalog's: 3 means the seed charges three times as much."""
        return self.seed / self.catalog_value if self.catalog_value else None

    @property
    def acknowledged(self) -> bool:
        return self.acknowledgement is not None


@dataclass(frozen=True)
class ModelMatch:
    row: PriceRow
    found: Lookup | None  # None: the snapshot did not look this id up

    @property
    def missing_reason(self) -> str | None:
        if self.found is None:
            return (
                "not in the snapshot: it was taken before this model was added to the price "
                "list (refresh it)"
            )
        if isinstance(self.found, NotInCatalog):
            return f"not in the catalog: {self.found.reason}"
        return None


@dataclass
class CatalogComparison:
    snapshot: Snapshot
    file: str  # the snapshot's path as the user knows it
    matches: list[ModelMatch] = field(default_factory=list)
    differences: list[RateDifference] = field(default_factory=list)
    # (row, rate) the seed charges for and the catalog gives no rate for
    unrated: list[tuple[PriceRow, str]] = field(default_factory=list)

    @property
    def missing(self) -> list[ModelMatch]:
        return [match for match in self.matches if match.missing_reason]

    @property
    def unacknowledged(self) -> list[RateDifference]:
        return [difference for difference in self.differences if not difference.acknowledged]


@dataclass
class PriceCheck:
    on: date
    rows: list[PriceRow]
    comparisons: list[CatalogComparison]
    unused: list[Acknowledgement] = field(default_factory=list)
    fail_on_missing: bool = False

    @property
    def differences(self) -> list[RateDifference]:
        return [item for comparison in self.comparisons for item in comparison.differences]

    @property
    def unacknowledged(self) -> list[RateDifference]:
        return [item for item in self.differences if not item.acknowledged]

    @property
    def missing(self) -> list[ModelMatch]:
        return [item for comparison in self.comparisons for item in comparison.missing]

    @property
    def failed(self) -> bool:
        return bool(self.unacknowledged) or (self.fail_on_missing and bool(self.missing))


def rows_on(rows: list[PriceRow], day: date) -> list[PriceRow]:
    """The row valid on ``day`` of each model that has one, by model id."""
    found = [row_on(rows, model_id, day) for model_id in sorted({row.model_id for row in rows})]
    return [row for row in found if row is not None]


def compare(
    rows: list[PriceRow],
    snapshots: list[tuple[Snapshot, str]],
    acknowledgements: Acknowledgements,
    *,
    on: date,
    fail_on_missing: bool = False,
) -> PriceCheck:
    compared = rows_on(rows, on)
    check = PriceCheck(on=on, rows=compared, comparisons=[], fail_on_missing=fail_on_missing)
    used: set[int] = set()
    for snapshot, file in snapshots:
        comparison = CatalogComparison(snapshot, file)
        for row in compared:
            found = snapshot.models.get(row.model_id)
            comparison.matches.append(ModelMatch(row, found))
            if isinstance(found, CatalogPrice):
                _compare_rates(row, found, snapshot.catalog, acknowledgements, comparison, used)
        check.comparisons.append(comparison)
    catalogs = {snapshot.catalog for snapshot, _ in snapshots}
    price_ids = {row.price_id for row in compared}
    check.unused = [
        item
        for item in acknowledgements.rows
        if item.line not in used and item.price_id in price_ids and item.catalog in catalogs
    ]
    return check


def _compare_rates(
    row: PriceRow,
    found: CatalogPrice,
    catalog: str,
    acknowledgements: Acknowledgements,
    comparison: CatalogComparison,
    used: set[int],
) -> None:
    for rate in RATES:
        seed: Decimal = getattr(row, rate)
        value = found.rates.get(rate)
        if value is None:
            if seed:
                comparison.unrated.append((row, rate))
            continue
        if seed == value:
            continue
        acknowledgement = acknowledgements.find(row.price_id, catalog, rate)
        if acknowledgement is not None:
            used.add(acknowledgement.line)
        current = acknowledgement and acknowledgement.catalog_usd_per_mtok == value
        comparison.differences.append(
            RateDifference(
                catalog=catalog,
                row=row,
                rate=rate,
                seed=seed,
                catalog_value=value,
                acknowledgement=acknowledgement if current else None,
                outdated=None if current else acknowledgement,
            )
        )


def ratio_text(ratio: Decimal | None) -> str:
    """``3.60x``; the catalog's rate is 0 when there is no ratio."""
    return "n/a (catalog: 0)" if ratio is None else f"{ratio:.2f}x"


def _difference_data(item: RateDifference) -> dict[str, Any]:
    return {
        "model_id": item.row.model_id,
        "price_id": item.row.price_id,
        "rate": RATE_LABELS[item.rate],
        "rate_column": item.rate,
        "seed_usd_per_mtok": str(item.seed),
        "catalog_usd_per_mtok": f"{item.catalog_value:f}",
        "ratio": None if item.ratio is None else f"{item.ratio:.6f}",
        "acknowledged": item.acknowledged,
        "reason": item.acknowledgement.reason if item.acknowledgement else None,
        "acknowledged_against": (
            str(item.outdated.catalog_usd_per_mtok) if item.outdated else None
        ),
    }


def check_data(check: PriceCheck, *, price_list: str, acknowledged: str) -> dict[str, Any]:
    """The whole result as plain JSON-ready data (``sage pricing check --json``)."""
    catalogs = []
    for comparison in check.comparisons:
        prices = {
            match.row.model_id: match.found
            for match in comparison.matches
            if isinstance(match.found, CatalogPrice)
        }
        snapshot = snapshot_data(comparison.snapshot)
        catalogs.append(
            {
                "catalog": comparison.snapshot.catalog,
                "snapshot": comparison.file,
                "title": snapshot["title"],
                "url": snapshot["url"],
                "source": snapshot["source"],
                "taken_on": snapshot["taken_on"],
                "matching": snapshot["matching"],
                "profiles": snapshot["profiles"],
                "profile_pricing": profile_pricing(comparison.snapshot),
                "models": [
                    {
                        "model_id": match.row.model_id,
                        "price_id": match.row.price_id,
                        "catalog_model": (
                            prices[match.row.model_id].catalog_model
                            if match.row.model_id in prices
                            else None
                        ),
                        "matched_by": (
                            prices[match.row.model_id].matched_by
                            if match.row.model_id in prices
                            else None
                        ),
                        "missing": match.missing_reason,
                    }
                    for match in comparison.matches
                ],
                "differences": [_difference_data(item) for item in comparison.differences],
                "not_compared": [
                    {
                        "model_id": row.model_id,
                        "price_id": row.price_id,
                        "rate": RATE_LABELS[rate],
                        "reason": "the catalog gives no rate for it",
                    }
                    for row, rate in comparison.unrated
                ],
            }
        )
    return {
        "price_list": price_list,
        "acknowledged": acknowledged,
        "on": check.on.isoformat(),
        "rows_compared": [row.price_id for row in check.rows],
        "differences": len(check.differences),
        "unacknowledged": len(check.unacknowledged),
        "missing": len(check.missing),
        "fail_on_missing": check.fail_on_missing,
        "failed": check.failed,
        "catalogs": catalogs,
        "unused_acknowledgements": [
            {
                "line": item.line,
                "price_id": item.price_id,
                "catalog": item.catalog,
                "rate": item.rate,
                "catalog_usd_per_mtok": str(item.catalog_usd_per_mtok),
            }
            for item in check.unused
        ],
    }
