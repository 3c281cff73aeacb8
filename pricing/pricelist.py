"""Reading ``seeds/pricing.csv`` into typed rows, one rule at a time.

Every problem names the file, the line, the row's ``price_id`` when it has one,
the field and the rule, so a reviewer can go straight to it. A row with a
problem in one of its own fields is left out of :attr:`PriceList.rows` (the
checks across rows in :mod:`pricing.validate` cannot reason about it); the
other rows are still read, so one pass reports every problem in the file.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

# The seed's columns, in order (seeds/_seeds.yml types them for dbt).
COLUMNS = (
    "price_id",
    "model_id",
    "provider",
    "effective_from",
    "effective_to",
    "input_usd_per_mtok",
    "output_usd_per_mtok",
    "cache_read_usd_per_mtok",
    "cache_write_usd_per_mtok",
    "note",
)
RATE_COLUMNS = COLUMNS[5:9]
RATE_LABELS = {
    "input_usd_per_mtok": "input",
    "output_usd_per_mtok": "output",
    "cache_read_usd_per_mtok": "cache read",
    "cache_write_usd_per_mtok": "cache write",
}
REQUIRED_VALUES = ("price_id", "model_id", "effective_from", *RATE_COLUMNS)
ID_COLUMNS = ("price_id", "model_id", "provider")

# The seed loads rates as decimal(12, 6): at most 6 digits after the point and 6
# before it. More decimals would be rounded by the load without a word.
RATE_SCALE = 6
RATE_INTEGER_DIGITS = 6
PLAIN_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

# Rule names, as they appear in messages (and in the dbt tests' failure rows).
REQUIRED_COLUMNS = "required_columns"
DUPLICATE_COLUMN = "no_duplicate_columns"
ROW_SHAPE = "one_value_per_column"
REQUIRED_VALUE = "required_value"
NO_SURROUNDING_SPACE = "no_surrounding_space"
DATE_FORMAT = "date_is_yyyy_mm_dd"
RATE_IS_A_NUMBER = "rate_is_a_number"
RATE_NOT_NEGATIVE = "rate_not_negative"
RATE_PRECISION = "rate_fits_decimal_12_6"
UNIQUE_PRICE_ID = "unique_price_id"
PRICE_ID_FORMAT = "price_id_ends_with_effective_from"
READABLE_TEXT = "utf8_text"
HAS_ROWS = "has_rows"


@dataclass(frozen=True)
class Problem:
    """One broken rule, located as precisely as the rule allows."""

    rule: str
    message: str
    source: str = "seeds/pricing.csv"
    line: int | None = None
    price_id: str | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where += f", line {self.line}"
        if self.price_id:
            where += f" ({self.price_id})"
        if self.column:
            where += f", {self.column}"
        return f"{where}: {self.message} [{self.rule}]"


@dataclass(frozen=True)
class PriceRow:
    """One validity period of one model's rates, USD per million tokens."""

    line: int
    price_id: str
    model_id: str
    provider: str
    effective_from: date
    effective_to: date | None  # exclusive; None while the rate is current
    input_usd_per_mtok: Decimal
    output_usd_per_mtok: Decimal
    cache_read_usd_per_mtok: Decimal
    cache_write_usd_per_mtok: Decimal
    note: str = ""

    @property
    def rates(self) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        return (
            self.input_usd_per_mtok,
            self.output_usd_per_mtok,
            self.cache_read_usd_per_mtok,
            self.cache_write_usd_per_mtok,
        )

    def applies_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day < self.effective_to)

    def period(self) -> str:
        return f"{self.effective_from} .. {self.effective_to or 'open'}"


@dataclass
class PriceList:
    source: str
    rows: list[PriceRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows_read: int = 0

    @property
    def models(self) -> set[str]:
        return {row.model_id for row in self.rows}


def read_price_list(path: Path, *, source: str | None = None) -> PriceList:
    """Read and check the price list file at ``path`` (its rows and each field)."""
    return parse_price_list(path.read_bytes(), source=source or str(path))


def parse_price_list(content: bytes | str, *, source: str = "seeds/pricing.csv") -> PriceList:
    """The rows of a price list, and every problem found in its header and fields."""
    result = PriceList(source=source)
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            result.problems.append(
                Problem(READABLE_TEXT, f"is not UTF-8 text (byte {exc.start})", source)
            )
            return result
    reader = csv.reader(io.StringIO(content, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        result.problems.append(Problem(REQUIRED_COLUMNS, "is empty: no header row", source))
        return result

    header = [name.strip() for name in header]
    for name in sorted({name for name in header if header.count(name) > 1}):
        result.problems.append(
            Problem(DUPLICATE_COLUMN, f"column {name!r} appears more than once", source, 1)
        )
    missing = [name for name in COLUMNS if name not in header]
    for name in missing:
        result.problems.append(
            Problem(
                REQUIRED_COLUMNS,
                f"the header has no column {name!r} (expected: {', '.join(COLUMNS)})",
                source,
                1,
                column=name,
            )
        )
    if missing or result.problems:
        return result

    seen: dict[str, int] = {}
    line = reader.line_num
    for cells in reader:
        start, line = line + 1, reader.line_num
        result.rows_read += 1
        if not cells:
            result.problems.append(
                Problem(
                    ROW_SHAPE, "is blank; delete it (the loader reads it as a row)", source, start
                )
            )
            continue
        if len(cells) != len(header):
            result.problems.append(
                Problem(
                    ROW_SHAPE,
                    f"has {len(cells)} values, the header has {len(header)} columns "
                    "(a comma inside a value needs double quotes)",
                    source,
                    start,
                    price_id=cells[0].strip() or None,
                )
            )
            continue
        values = dict(zip(header, cells, strict=True))
        row, problems = _typed_row(values, source, start)
        result.problems += problems
        if row is None:
            continue
        if row.price_id in seen:
            result.problems.append(
                Problem(
                    UNIQUE_PRICE_ID,
                    f"the same price_id is already on line {seen[row.price_id]}; "
                    "a new period needs a new id",
                    source,
                    start,
                    row.price_id,
                    "price_id",
                )
            )
            continue
        seen[row.price_id] = start
        result.rows.append(row)
    if result.rows_read == 0:
        result.problems.append(Problem(HAS_ROWS, "has a header but no rows", source))
    return result


def _typed_row(
    values: dict[str, str], source: str, line: int
) -> tuple[PriceRow | None, list[Problem]]:
    price_id = values["price_id"].strip() or None
    problems: list[Problem] = []

    def problem(rule: str, column: str, message: str) -> None:
        problems.append(Problem(rule, message, source, line, price_id, column))

    for name in REQUIRED_VALUES:
        if not values[name].strip():
            problem(REQUIRED_VALUE, name, "is empty; every row needs one")
    for name in ID_COLUMNS:
        value = values[name]
        if value.strip() and value != value.strip():
            problem(
                NO_SURROUNDING_SPACE,
                name,
                f"{value!r} has spaces around it; turns carry the id without them",
            )

    dates: dict[str, date | None] = {}
    for name in ("effective_from", "effective_to"):
        text = values[name].strip()
        dates[name] = None
        if not text:
            continue
        if not ISO_DATE.fullmatch(text):
            problem(DATE_FORMAT, name, f"{text!r} is not a date written YYYY-MM-DD (UTC)")
            continue
        try:
            dates[name] = date.fromisoformat(text)
        except ValueError:
            problem(DATE_FORMAT, name, f"{text!r} is not a calendar date")

    rates: dict[str, Decimal] = {}
    for name in RATE_COLUMNS:
        text = values[name].strip()
        if not text:
            continue
        rate, broken = parse_rate(text)
        if broken is not None:
            problem(broken[0], name, broken[1])
        if rate is not None:
            rates[name] = rate

    start, end = dates["effective_from"], dates["effective_to"]
    if price_id and start is not None and not price_id.endswith(f"@{start.isoformat()}"):
        problem(
            PRICE_ID_FORMAT,
            "price_id",
            f"should end with '@{start.isoformat()}' (`<model short name>@<effective_from>`), "
            "so each period has its own id",
        )

    if problems or start is None or len(rates) != len(RATE_COLUMNS) or price_id is None:
        return None, problems
    return (
        PriceRow(
            line=line,
            price_id=price_id,
            model_id=values["model_id"],
            provider=values["provider"],
            effective_from=start,
            effective_to=end,
            note=values["note"],
            **rates,
        ),
        problems,
    )


def parse_rate(text: str) -> tuple[Decimal, None] | tuple[None, tuple[str, str]]:
    """A rate in USD per million tokens as the seed types it, or the (rule, message) it breaks."""
    if not PLAIN_DECIMAL.fullmatch(text):
        return None, (
            RATE_IS_A_NUMBER,
            f"{text!r} is not a number; write USD per million tokens as a plain decimal, "
            "e.g. 3.000000",
        )
    try:
        rate = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        return None, (RATE_IS_A_NUMBER, f"{text!r} is not a number")
    if rate < 0:
        return None, (RATE_NOT_NEGATIVE, f"{text} is negative; a rate is 0 or more USD")
    scale = -int(rate.as_tuple().exponent)
    integer_digits = len(text.split(".")[0].lstrip("-").lstrip("0"))
    if scale > RATE_SCALE or integer_digits > RATE_INTEGER_DIGITS:
        return None, (
            RATE_PRECISION,
            f"{text} does not fit decimal(12, 6), the seed's type: at most "
            f"{RATE_INTEGER_DIGITS} digits before the point and {RATE_SCALE} after "
            "(the load would round it)",
        )
    return rate, None


def row_on(rows: list[PriceRow], model_id: str, day: date) -> PriceRow | None:
    """The row that prices ``model_id``'s turns on the UTC day ``day``, if any.

    Validity periods start and end at UTC midnights, so one row prices a whole day.
    On a list with overlapping periods (which validation rejects) the latest start wins.
    """
    matches = [row for row in rows if row.model_id == model_id and row.applies_on(day)]
    return max(matches, key=lambda row: row.effective_from) if matches else None
