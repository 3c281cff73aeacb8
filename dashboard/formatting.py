"""Numbers as a person reads them: $2.40, 1,204, 12.5%, 1.3 s, 22 Nov 2026."""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal

DASH = "\u2013"  # en dash, between the ends of a range
MISSING = "\u2014"  # em dash, for a value that is not there


def number(value: object) -> float | None:
    """A float from a database value (int, float, Decimal), or None."""
    if value is None:
        return None
    result = float(value)  # type: ignore[arg-type]
    return None if math.isnan(result) else result


def usd(value: object) -> str:
    """Dollars with cents; amounts under a cent keep two significant digits."""
    amount = number(value)
    if amount is None:
        return MISSING
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    if 0 < amount < 0.01:
        return f"{sign}${amount:.2g}" if amount >= 0.0001 else f"{sign}under $0.0001"
    return f"{sign}${amount:,.2f}"


def usd_short(value: object) -> str:
    """For axis ticks: $0, $0.50, $12, $1.2k."""
    amount = number(value) or 0.0
    if amount >= 1000:
        return f"${amount / 1000:,.1f}k".replace(".0k", "k")
    if amount >= 10 or amount == 0:
        return f"${amount:,.0f}"
    return f"${amount:.2f}"


def count(value: object) -> str:
    amount = number(value)
    if amount is None:
        return MISSING
    return f"{round(amount):,}"


def decimal1(value: object) -> str:
    amount = number(value)
    return MISSING if amount is None else f"{amount:,.1f}"


def decimal2(value: object) -> str:
    amount = number(value)
    return MISSING if amount is None else f"{amount:,.2f}"


def percent(value: object, digits: int = 1) -> str:
    """A share in [0, 1] as a percentage; tiny non-zero shares are not rounded to 0."""
    share = number(value)
    if share is None:
        return MISSING
    if 0 < share * 100 < 10 ** (-digits):
        return f"under {10 ** (-digits):.{digits}f}%"
    return f"{share * 100:.{digits}f}%"


def seconds(milliseconds: object) -> str:
    amount = number(milliseconds)
    if amount is None:
        return MISSING
    if amount < 1000:
        return f"{amount:,.0f} ms"
    return f"{amount / 1000:,.1f} s"


def signed(value: float, digits: int = 2) -> str:
    return f"{value:+.{digits}f}"


def interval(low: object, high: object, formatter=usd) -> str:
    if number(low) is None or number(high) is None:
        return MISSING
    return f"{formatter(low)} {DASH} {formatter(high)}"


def day(value: date | datetime | None) -> str:
    if value is None:
        return MISSING
    return f"{value.day} {value:%b %Y}"


def day_short(value: date) -> str:
    return f"{value.day} {value:%b}"


def month(value: date | None) -> str:
    return MISSING if value is None else f"{value:%B %Y}"


def quarter(value: date | None) -> str:
    if value is None:
        return MISSING
    return f"Q{(value.month - 1) // 3 + 1} {value.year}"


def week(value: date | None) -> str:
    """A week by its Monday: ``week of 2 Nov``."""
    return MISSING if value is None else f"week of {day_short(value)}"


def timestamp(value: datetime | None) -> str:
    if value is None:
        return MISSING
    return f"{day(value)}, {value:%H:%M} UTC"


def as_decimal(value: object) -> Decimal:
    if value is None:
        return Decimal(0)
    return value if isinstance(value, Decimal) else Decimal(str(value))
