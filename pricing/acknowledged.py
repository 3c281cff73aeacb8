"""``seeds/pricing_acknowledged.csv``: rates of the price list that differ from a
public catalog on purpose, each with the reason.

One row per price row, catalog and rate::

    price_id,catalog,rate,catalog_usd_per_mtok,reason
    haiku-4-5@2026-01-01,litellm,input_usd_per_mtok,1,negotiated rate (contract 2026-03)

An acknowledgement holds for the catalog value it names: when the catalog's rate
moves, the difference is reported again, so a reason given against one published
price is never silently carried over to another. It names a ``price_id``, not a
model: a new price row is a new decision, acknowledged anew.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from pricing.catalog import RATES
from pricing.pricelist import REQUIRED_COLUMNS, REQUIRED_VALUE, ROW_SHAPE, Problem, parse_rate

FILE_NAME = "pricing_acknowledged.csv"  # beside the price list
COLUMNS = ("price_id", "catalog", "rate", "catalog_usd_per_mtok", "reason")

# Rule names, as in the price list's messages.
KNOWN_PRICE_ID = "price_id_in_price_list"
KNOWN_CATALOG = "known_catalog"
KNOWN_RATE = "known_rate"
ONE_PER_RATE = "one_acknowledgement_per_rate"


@dataclass(frozen=True)
class Acknowledgement:
    line: int
    price_id: str
    catalog: str
    rate: str  # a seed rate column, e.g. input_usd_per_mtok
    catalog_usd_per_mtok: Decimal  # the catalog's rate the difference was acknowledged against
    reason: str


@dataclass
class Acknowledgements:
    source: str
    rows: list[Acknowledgement] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def find(self, price_id: str, catalog: str, rate: str) -> Acknowledgement | None:
        return next(
            (
                row
                for row in self.rows
                if (row.price_id, row.catalog, row.rate) == (price_id, catalog, rate)
            ),
            None,
        )


def read_acknowledgements(
    path: Path, *, price_ids: set[str], catalogs: set[str], source: str | None = None
) -> Acknowledgements:
    """The file's rows and problems; no file is no acknowledgement."""
    if not path.is_file():
        return Acknowledgements(source=source or str(path))
    return parse_acknowledgements(
        path.read_bytes(), price_ids=price_ids, catalogs=catalogs, source=source or str(path)
    )


def parse_acknowledgements(
    content: bytes | str,
    *,
    price_ids: set[str],
    catalogs: set[str],
    source: str = f"seeds/{FILE_NAME}",
) -> Acknowledgements:
    result = Acknowledgements(source=source)
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            result.problems.append(
                Problem("utf8_text", f"is not UTF-8 text (byte {exc.start})", source)
            )
            return result
    reader = csv.reader(io.StringIO(content, newline=""))
    header = [name.strip() for name in next(reader, [])]
    missing = [name for name in COLUMNS if name not in header]
    if missing or len(set(header)) != len(header):
        result.problems.append(
            Problem(
                REQUIRED_COLUMNS,
                f"the header must be {','.join(COLUMNS)} (each once)",
                source,
                1,
            )
        )
        return result

    seen: dict[tuple[str, str, str], int] = {}
    line = reader.line_num
    for cells in reader:
        start, line = line + 1, reader.line_num
        if not cells:
            result.problems.append(Problem(ROW_SHAPE, "is blank; delete it", source, start))
            continue
        if len(cells) != len(header):
            result.problems.append(
                Problem(
                    ROW_SHAPE,
                    f"has {len(cells)} values, the header has {len(header)} columns "
                    "(a comma inside the reason needs double quotes)",
                    source,
                    start,
                )
            )
            continue
        values = {name: value.strip() for name, value in zip(header, cells, strict=True)}
        row = _row(values, source, start, price_ids, catalogs, result.problems)
        if row is None:
            continue
        key = (row.price_id, row.catalog, row.rate)
        if key in seen:
            result.problems.append(
                Problem(
                    ONE_PER_RATE,
                    f"{row.catalog} {row.rate} of this row is already acknowledged on line "
                    f"{seen[key]}",
                    source,
                    start,
                    row.price_id,
                    "rate",
                )
            )
            continue
        seen[key] = start
        result.rows.append(row)
    return result


def _row(
    values: dict[str, str],
    source: str,
    line: int,
    price_ids: set[str],
    catalogs: set[str],
    problems: list[Problem],
) -> Acknowledgement | None:
    price_id = values["price_id"] or None
    found: list[Problem] = []

    def problem(rule: str, column: str, message: str) -> None:
        found.append(Problem(rule, message, source, line, price_id, column))

    for name in COLUMNS:
        if not values[name]:
            problem(REQUIRED_VALUE, name, "is empty; every acknowledgement needs one")
    if price_id and price_id not in price_ids:
        problem(KNOWN_PRICE_ID, "price_id", f"{price_id!r} is not a price_id of the price list")
    if values["catalog"] and values["catalog"] not in catalogs:
        problem(
            KNOWN_CATALOG,
            "catalog",
            f"{values['catalog']!r} is not a catalog (one of: {', '.join(sorted(catalogs))})",
        )
    if values["rate"] and values["rate"] not in RATES:
        problem(KNOWN_RATE, "rate", f"{values['rate']!r} is not one of {', '.join(RATES)}")
    rate = None
    if values["catalog_usd_per_mtok"]:
        rate, broken = parse_rate(values["catalog_usd_per_mtok"])
        if broken is not None:
            problem(broken[0], "catalog_usd_per_mtok", broken[1])
    problems += found
    if found or rate is None or price_id is None:
        return None
    return Acknowledgement(
        line=line,
        price_id=price_id,
        catalog=values["catalog"],
        rate=values["rate"],
        catalog_usd_per_mtok=rate,
        reason=values["reason"],
    )
