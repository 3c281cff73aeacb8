"""What a public price catalog is to this project: a file inside a package on PyPI,
read for the model ids of the price list, each answered with the catalog's rates
in the seed's units (USD per million tokens) and how the id was matched.

The catalogs themselves are in :mod:`pricing.litellm_catalog` and
:mod:`pricing.genai_prices_catalog`; the dated extract kept in the repository is
:mod:`pricing.snapshot`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from pricing.pricelist import RATE_COLUMNS, RATE_SCALE

# A catalog entry's rates are keyed by the seed's rate columns.
RATES = RATE_COLUMNS
SCALE = Decimal(1).scaleb(-RATE_SCALE)


class CatalogFormatError(ValueError):
    """The file is not the catalog this reader knows (another format or a damaged file)."""


@dataclass(frozen=True)
class CatalogPrice:
    """A catalog's rates for one model id."""

    catalog_model: str  # the catalog's own key or id for the entry that priced it
    matched_by: str  # how the id was matched, in words
    rates: dict[str, Decimal | None]  # by seed rate column; None: the catalog gives no such rate
    notes: tuple[str, ...] = ()  # what the catalog says that the comparison leaves out


@dataclass(frozen=True)
class NotInCatalog:
    reason: str


Lookup = CatalogPrice | NotInCatalog


@dataclass(frozen=True)
class Catalog:
    name: str  # as the snapshot file and the acknowledgements name it
    title: str
    url: str  # where the catalog is published
    package: str  # the PyPI distribution that ships it
    member: str  # the file inside the package, as the wheel lays it out
    matching: str  # how a model id finds its entry, in words
    profiles: str  # how the catalog represents inference profiles, in words
    # (the file's bytes, the ids to look up, the day the prices are read for) -> lookups
    lookup: Callable[[bytes, Sequence[str], date], dict[str, Lookup]] = field(repr=False)


def usd_per_mtok(value: Decimal) -> Decimal:
    """A rate at the seed's scale (6 decimals; a catalog's float noise is below it),
    without trailing zeros: 5.5 and 25, as catalogs write them."""
    text = f"{value.quantize(SCALE, rounding=ROUND_HALF_EVEN):f}"
    return Decimal(text.rstrip("0").rstrip("."))
