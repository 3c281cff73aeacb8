"""Two versions of the price list compared: which rows changed, and whether the
change rewrites prices of days already past ("restating history").

Rows are matched by ``price_id``. A row is *added* or *removed*; *closed* when
the only difference is that its ``effective_to`` was set; otherwise *changed*
(with the columns that differ). Rates are compared as numbers, so ``3.00`` and
``3.000000`` are the same rate.

History is restated when, for some model and some UTC day before today, the
two lists price the day differently: other rates, a price where there was none
or none where there was one, or another ``price_id`` (the id every past turn
keeps). That covers editing the rates or dates of a row whose period has
started, removing such a row, adding a row effective before today, and closing
a row on a past day. A change to a past row's ``note`` or ``provider`` changes
no number and is not a restatement; neither is anything from today on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise

from pricing.impact import same_price
from pricing.pricelist import COLUMNS, RATE_COLUMNS, PriceRow, row_on

ADDED = "added"
CLOSED = "closed"
CHANGED = "changed"
REMOVED = "removed"
KINDS = (ADDED, CLOSED, CHANGED, REMOVED)


@dataclass(frozen=True)
class RowChange:
    kind: str
    old: PriceRow | None
    new: PriceRow | None
    # (column, old value, new value) for a changed or closed row
    columns: tuple[tuple[str, str, str], ...] = ()

    @property
    def row(self) -> PriceRow:
        row = self.new or self.old
        assert row is not None
        return row


@dataclass(frozen=True)
class Restatement:
    """Days ``start`` .. ``end`` (exclusive, at most today) of a model, priced differently."""

    model_id: str
    start: date
    end: date
    old: PriceRow | None
    new: PriceRow | None


@dataclass
class PriceListDiff:
    today: date
    changes: list[RowChange] = field(default_factory=list)
    restatements: list[Restatement] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[RowChange]:
        return [change for change in self.changes if change.kind == kind]

    @property
    def restates_history(self) -> bool:
        return bool(self.restatements)


def value_text(row: PriceRow, column: str) -> str:
    value = getattr(row, column)
    if value is None:
        return "open" if column == "effective_to" else ""
    return str(value)


def _differences(old: PriceRow, new: PriceRow) -> tuple[tuple[str, str, str], ...]:
    differences = []
    for column in COLUMNS:
        before, after = getattr(old, column), getattr(new, column)
        if before != after:  # Decimal compares numerically: 3.00 == 3.000000
            differences.append((column, value_text(old, column), value_text(new, column)))
    return tuple(differences)


def diff_price_lists(
    old_rows: list[PriceRow], new_rows: list[PriceRow], *, today: date
) -> PriceListDiff:
    diff = PriceListDiff(today=today)
    old_by_id = {row.price_id: row for row in old_rows}
    new_by_id = {row.price_id: row for row in new_rows}
    for row in new_rows:
        old = old_by_id.get(row.price_id)
        if old is None:
            diff.changes.append(RowChange(ADDED, None, row))
            continue
        differences = _differences(old, row)
        if not differences:
            continue
        closed = (
            len(differences) == 1
            and differences[0][0] == "effective_to"
            and old.effective_to is None
        )
        diff.changes.append(RowChange(CLOSED if closed else CHANGED, old, row, differences))
    for row in old_rows:
        if row.price_id not in new_by_id:
            diff.changes.append(RowChange(REMOVED, row, None))
    diff.changes.sort(key=lambda change: (KINDS.index(change.kind), change.row.line))
    diff.restatements = restatements(old_rows, new_rows, today=today)
    return diff


def restatements(
    old_rows: list[PriceRow], new_rows: list[PriceRow], *, today: date
) -> list[Restatement]:
    """Every stretch of days before ``today`` that the two lists price differently."""
    found: list[Restatement] = []
    models = sorted({row.model_id for row in (*old_rows, *new_rows)})
    for model_id in models:
        # Both lists are constant between these dates: compare them piece by piece.
        boundaries = {today}
        for row in (*old_rows, *new_rows):
            if row.model_id == model_id:
                boundaries.update(
                    day for day in (row.effective_from, row.effective_to) if day is not None
                )
        points = sorted(day for day in boundaries if day <= today)
        for start, end in pairwise(points):
            old = row_on(old_rows, model_id, start)
            new = row_on(new_rows, model_id, start)
            if _prices_alike(old, new):
                continue
            previous = found[-1] if found else None
            if (
                previous is not None
                and previous.model_id == model_id
                and previous.end == start
                and previous.old == old
                and previous.new == new
            ):
                found[-1] = Restatement(model_id, previous.start, end, old, new)
            else:
                found.append(Restatement(model_id, start, end, old, new))
    return found


def _prices_alike(old: PriceRow | None, new: PriceRow | None) -> bool:
    """Same rates under the same price_id (or no price in both)."""
    if old is None or new is None:
        return old is new
    return same_price(old, new) and old.price_id == new.price_id


def rates_text(row: PriceRow | None) -> str:
    """``3.000000 / 15.000000 / 0.300000 / 3.750000`` (input / output / cache read / write)."""
    if row is None:
        return "no price"
    return " / ".join(str(getattr(row, column)) for column in RATE_COLUMNS)
