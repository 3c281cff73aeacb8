"""What a price list does to the cost of turns, from daily token totals.

Validity periods start and end at UTC midnights, so every turn of a model on one
UTC day is priced by the same row, and a day's token totals (the restricted
``private.model_usage_daily``) priced at that row give exactly the sum of the day's
turn costs. All arithmetic is :class:`~decimal.Decimal`, with enough precision
that nothing is rounded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext

from pricing.pricelist import PriceRow, row_on

MILLION = Decimal(1_000_000)
# Token totals up to 10^15 times rates with 12 significant digits: far below 60 digits.
PRECISION = 60


@dataclass(frozen=True)
class DailyUsage:
    """One UTC day of one model's turns, as ``private.model_usage_daily`` holds them."""

    turn_date: date
    model_id: str
    turns: int
    tokens_in: int
    tokens_out: int
    tokens_cache_read: int
    tokens_cache_write: int


def cost(usage: DailyUsage, row: PriceRow) -> Decimal:
    """The exact cost in USD of a day's tokens at a row's rates (USD per million tokens)."""
    with localcontext() as context:
        context.prec = PRECISION
        return (
            usage.tokens_in * row.input_usd_per_mtok
            + usage.tokens_out * row.output_usd_per_mtok
            + usage.tokens_cache_read * row.cache_read_usd_per_mtok
            + usage.tokens_cache_write * row.cache_write_usd_per_mtok
        ) / MILLION


def same_price(first: PriceRow | None, second: PriceRow | None) -> bool:
    """Whether two rows (or no row) cost the same tokens the same."""
    if first is None or second is None:
        return first is second
    return first.rates == second.rates


@dataclass
class MonthImpact:
    """One model's turns in one calendar month (UTC), under the old and the new list."""

    model_id: str
    month: str  # YYYY-MM
    turns: int = 0
    repriced_turns: int = 0  # turns on days whose price differs between the lists
    old_cost: Decimal = Decimal(0)
    new_cost: Decimal = Decimal(0)
    unpriced_before: int = 0  # turns with no price under the old list
    unpriced_after: int = 0

    @property
    def difference(self) -> Decimal:
        return self.new_cost - self.old_cost


def impact(
    old_rows: list[PriceRow], new_rows: list[PriceRow], usage: Iterable[DailyUsage]
) -> list[MonthImpact]:
    """Per model and month, the cost of the turns under both lists, for every
    model-month with at least one turn on a day whose price changes."""
    months: dict[tuple[str, str], MonthImpact] = {}
    with localcontext() as context:
        context.prec = PRECISION  # the sums too are exact
        for day in usage:
            key = (day.model_id, day.turn_date.strftime("%Y-%m"))
            month = months.setdefault(key, MonthImpact(*key))
            old_row = row_on(old_rows, day.model_id, day.turn_date)
            new_row = row_on(new_rows, day.model_id, day.turn_date)
            month.turns += day.turns
            if not same_price(old_row, new_row):
                month.repriced_turns += day.turns
            if old_row is None:
                month.unpriced_before += day.turns
            else:
                month.old_cost += cost(day, old_row)
            if new_row is None:
                month.unpriced_after += day.turns
            else:
                month.new_cost += cost(day, new_row)
    return sorted(
        (month for month in months.values() if month.repriced_turns),
        key=lambda month: (month.model_id, month.month),
    )


def totals(months: Iterable[MonthImpact]) -> tuple[Decimal, Decimal]:
    """The old and the new cost summed over ``months``, exactly."""
    old_total, new_total = Decimal(0), Decimal(0)
    with localcontext() as context:
        context.prec = PRECISION
        for month in months:
            old_total += month.old_cost
            new_total += month.new_cost
    return old_total, new_total
