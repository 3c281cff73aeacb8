"""The rules across rows of the price list, and whether turns have a price.

For each model, the rows' validity periods (``effective_from`` inclusive,
``effective_to`` exclusive, UTC days) must:

- run forwards: ``effective_from`` before ``effective_to``;
- not overlap: a turn must match exactly one row;
- leave no gap between two rows: a turn in the gap would have no price. A model
  that is retired simply has its last row closed; a model that comes back later
  comes back under a new model id (providers version their ids), so a gap
  inside one model's history is a mistake in a date, almost always off by one;
- be open-ended (no ``effective_to``) only on the latest row.

The dbt test ``contiguous_validity_periods`` (macros/tests/) checks the same
rules on the loaded seed, so a plain ``dbt build`` fails on them too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pricing.impact import DailyUsage
from pricing.pricelist import (
    COLUMNS,
    PriceList,
    PriceRow,
    Problem,
    parse_price_list,
    row_on,
)

FROM_BEFORE_TO = "effective_from_before_effective_to"
NO_OVERLAP = "periods_do_not_overlap"
NO_GAP = "no_gap_between_periods"
OPEN_ENDED_IS_LATEST = "open_ended_row_is_latest"
TURNS_HAVE_A_PRICE = "turns_have_a_price"


def validate_price_list(content: bytes | str, *, source: str = "seeds/pricing.csv") -> PriceList:
    """Parse a price list and check every rule; ``problems`` is empty when it is valid."""
    price_list = parse_price_list(content, source=source)
    price_list.problems += check_periods(price_list.rows, source=source)
    price_list.problems.sort(key=_reading_order)
    return price_list


def _reading_order(problem: Problem) -> tuple[int, int, str]:
    column = COLUMNS.index(problem.column) if problem.column in COLUMNS else -1
    return (problem.line or 0, column, problem.rule)


def validate_file(path: Path, *, source: str | None = None) -> PriceList:
    return validate_price_list(path.read_bytes(), source=source or str(path))


def check_periods(rows: list[PriceRow], *, source: str = "seeds/pricing.csv") -> list[Problem]:
    problems: list[Problem] = []

    def problem(rule: str, row: PriceRow, column: str, message: str) -> None:
        problems.append(Problem(rule, message, source, row.line, row.price_id, column))

    by_model: dict[str, list[PriceRow]] = defaultdict(list)
    for row in rows:
        if row.effective_to is not None and row.effective_to <= row.effective_from:
            problem(
                FROM_BEFORE_TO,
                row,
                "effective_to",
                f"{row.effective_to} is not after effective_from {row.effective_from}: "
                "the period is empty or runs backwards",
            )
            continue
        by_model[row.model_id].append(row)

    for model_rows in by_model.values():
        ordered = sorted(model_rows, key=lambda row: (row.effective_from, row.line))
        covered_by = ordered[0]  # the row whose period ends last among those seen so far
        for index, row in enumerate(ordered):
            later = ordered[index + 1 :]
            for other in later:
                if not _overlap(row, other):
                    continue
                if row.effective_to is None and other.effective_from > row.effective_from:
                    continue  # reported once, as an open-ended row that is not the latest
                end = _earliest_end(row, other)
                problem(
                    NO_OVERLAP,
                    other,
                    "effective_from",
                    f"the period {other.period()} overlaps {row.price_id} (line {row.line}, "
                    f"{row.period()}) of the same model: a turn from {other.effective_from} "
                    f"to {end or 'open'} would match both rows",
                )
            starts_later = [other for other in later if other.effective_from > row.effective_from]
            if row.effective_to is None and starts_later:
                successor = starts_later[0]
                problem(
                    OPEN_ENDED_IS_LATEST,
                    row,
                    "effective_to",
                    f"is empty (open-ended) but {successor.price_id} (line {successor.line}) "
                    f"starts later, on {successor.effective_from}: only a model's latest row "
                    f"may be open; set this row's effective_to to {successor.effective_from}",
                )
            if index > 0:
                gap_end = covered_by.effective_to
                if gap_end is not None and row.effective_from > gap_end:
                    problem(
                        NO_GAP,
                        row,
                        "effective_from",
                        f"starts on {row.effective_from} but {covered_by.price_id} "
                        f"(line {covered_by.line}) ends on {gap_end}: turns from {gap_end} "
                        f"to {row.effective_from} would have no price; the next period starts "
                        "on the day the previous one ends",
                    )
                if _ends_later(row, covered_by):
                    covered_by = row
    return problems


def _overlap(first: PriceRow, second: PriceRow) -> bool:
    return (second.effective_to is None or first.effective_from < second.effective_to) and (
        first.effective_to is None or second.effective_from < first.effective_to
    )


def _earliest_end(first: PriceRow, second: PriceRow) -> date | None:
    ends = [row.effective_to for row in (first, second) if row.effective_to is not None]
    return min(ends) if ends else None


def _ends_later(row: PriceRow, than: PriceRow) -> bool:
    if than.effective_to is None:
        return False
    return row.effective_to is None or row.effective_to > than.effective_to


@dataclass(frozen=True)
class UnpricedModel:
    model_id: str
    turns: int
    first_day: date
    last_day: date
    has_rows: bool  # the model is in the price list, but no row covers these days


def unpriced_models(rows: list[PriceRow], usage: Iterable[DailyUsage]) -> list[UnpricedModel]:
    """Models with turns on days no row of ``rows`` prices, most turns first."""
    days: dict[str, list[DailyUsage]] = defaultdict(list)
    for day in usage:
        if day.turns and row_on(rows, day.model_id, day.turn_date) is None:
            days[day.model_id].append(day)
    known = {row.model_id for row in rows}
    found = [
        UnpricedModel(
            model_id=model_id,
            turns=sum(day.turns for day in model_days),
            first_day=min(day.turn_date for day in model_days),
            last_day=max(day.turn_date for day in model_days),
            has_rows=model_id in known,
        )
        for model_id, model_days in days.items()
    ]
    return sorted(found, key=lambda model: (-model.turns, model.model_id))


def check_turns_priced(
    rows: list[PriceRow], usage: Iterable[DailyUsage], *, source: str = "seeds/pricing.csv"
) -> list[Problem]:
    """One problem per model whose turns the price list leaves without a price."""
    return [
        Problem(
            TURNS_HAVE_A_PRICE,
            f"model {model.model_id!r} has {model.turns:,} turns from {model.first_day} to "
            f"{model.last_day} with no price: "
            + (
                "none of its rows is valid on those days"
                if model.has_rows
                else "the price list has no row for it"
            ),
            source,
            column="model_id",
        )
        for model in unpriced_models(rows, usage)
    ]
