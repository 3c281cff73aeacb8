"""The reports of ``sage pricing diff`` (in the terminal, and as Markdown for a pull
request) and of ``sage pricing check`` (in the terminal)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from lakehouse.console import table
from pricing.catalog import CatalogPrice
from pricing.check import CatalogComparison, PriceCheck, RateDifference, ratio_text
from pricing.diff import ADDED, CHANGED, CLOSED, REMOVED, PriceListDiff, RowChange, rates_text
from pricing.impact import MonthImpact, totals
from pricing.pricelist import RATE_COLUMNS, RATE_LABELS
from pricing.snapshot import profile_pricing
from pricing.validate import UnpricedModel

RESTATEMENT_LABEL = "restates-history"
KIND_TITLES = {
    ADDED: "Rows added",
    CLOSED: "Rows closed",
    CHANGED: "Rows changed",
    REMOVED: "Rows removed",
}


@dataclass
class Usage:
    """Where the turns came from and how many there are."""

    source: str  # e.g. "innerverse_private.model_usage_daily (local, /path/warehouse.duckdb)"
    turns: int
    first_day: date | None
    last_day: date | None


@dataclass
class DiffReport:
    file: str
    base: str
    diff: PriceListDiff
    usage: Usage | None  # None when no warehouse could be read
    months: list[MonthImpact] = field(default_factory=list)
    unpriced: list[UnpricedModel] = field(default_factory=list)  # under the new list
    allow_restatement: bool = False
    impact_note: str = ""  # why the impact is missing, when it is

    @property
    def refused(self) -> bool:
        return self.diff.restates_history and not self.allow_restatement


def scale_of(values: list[Decimal]) -> int:
    """Decimals needed to show every one of ``values`` exactly (at least two)."""
    return max([2, *(-int(value.normalize().as_tuple().exponent) for value in values)])


def usd(value: Decimal, *, scale: int | None = None, signed: bool = False) -> str:
    """An exact amount with ``scale`` decimals (default: as many as it needs, at least
    two), thousands separated; padding with zeros only, never rounding."""
    value = value.quantize(Decimal(1).scaleb(-(scale if scale is not None else scale_of([value]))))
    text = f"{value:,f}"
    return f"+{text}" if signed and value > 0 else text


def counts(diff: PriceListDiff) -> str:
    return ", ".join(
        f"{len(diff.of_kind(kind))} {kind}" for kind in (ADDED, CLOSED, CHANGED, REMOVED)
    )


def _row_cells(change: RowChange) -> list[str]:
    row = change.row
    return [
        row.price_id,
        row.model_id,
        str(row.effective_from),
        str(row.effective_to or "open"),
        *(str(getattr(row, column)) for column in RATE_COLUMNS),
    ]


ROW_HEADERS = ["price_id", "model_id", "from", "to", *(RATE_LABELS[c] for c in RATE_COLUMNS)]
CHANGE_HEADERS = ["price_id", "model_id", "column", "was", "now"]
IMPACT_HEADERS = [
    "model_id",
    "month",
    "turns",
    "repriced turns",
    "old total USD",
    "new total USD",
    "difference USD",
]


def _change_rows(changes: list[RowChange]) -> list[list[str]]:
    return [
        [change.row.price_id, change.row.model_id, column, before, after]
        for change in changes
        for column, before, after in change.columns
    ]


def _impact_rows(months: list[MonthImpact], *, bold_total: bool = False) -> list[list[str]]:
    """One row per model and month, then the total; amounts share one number of decimals
    so the points line up, and every amount is exact."""
    old_total, new_total = totals(months)
    amounts = [old_total, new_total, new_total - old_total]
    for month in months:
        amounts += [month.old_cost, month.new_cost, month.difference]
    scale = scale_of(amounts)

    def amount(value: Decimal, unpriced: int) -> str:
        text = usd(value, scale=scale)
        return f"{text} ({unpriced:,} turns unpriced)" if unpriced else text

    rows = [
        [
            month.model_id,
            month.month,
            f"{month.turns:,}",
            f"{month.repriced_turns:,}",
            amount(month.old_cost, month.unpriced_before),
            amount(month.new_cost, month.unpriced_after),
            usd(month.difference, scale=scale, signed=True),
        ]
        for month in months
    ]
    total = [
        "total",
        "",
        f"{sum(month.turns for month in months):,}",
        f"{sum(month.repriced_turns for month in months):,}",
        usd(old_total, scale=scale),
        usd(new_total, scale=scale),
        usd(new_total - old_total, scale=scale, signed=True),
    ]
    rows.append([f"**{text}**" if text else "" for text in total] if bold_total else total)
    return rows


def _usage_text(usage: Usage) -> str:
    period = f", {usage.first_day} .. {usage.last_day}" if usage.first_day else ""
    return f"{usage.turns:,} turns in {usage.source}{period}"


def _restatement_lines(report: DiffReport) -> list[str]:
    return [
        f"{item.model_id}, {item.start} .. {item.end - timedelta(days=1)}: "
        f"{item.old.price_id if item.old else 'no row'} ({rates_text(item.old)}) → "
        f"{item.new.price_id if item.new else 'no row'} ({rates_text(item.new)})"
        for item in report.diff.restatements
    ]


def _verdict(report: DiffReport, code=str) -> tuple[str, str]:
    """(headline, explanation) on restating history; ``code`` marks up flags and labels."""
    today = report.diff.today
    if not report.diff.restates_history:
        return (
            "Restating history: no",
            f"Every price change applies from {today} (today, UTC) on.",
        )
    if report.allow_restatement:
        return (
            "Restating history: YES, allowed",
            f"{code('--allow-restatement')} was given. These past days are priced anew:",
        )
    return (
        "Restating history: YES, refused",
        "This change rewrites the cost of turns already reported. If that is intended (say, "
        f"the provider corrected a rate retroactively), run again with "
        f"{code('--allow-restatement')} (in CI: label the pull request "
        f"{code(RESTATEMENT_LABEL)}). These past days would be priced anew:",
    )


def _full_refresh_note(report: DiffReport, code=str) -> str:
    first = min(item.start for item in report.diff.restatements)
    return (
        f"Once merged, re-cost the turns in Silver from {first} on and rebuild Gold with "
        f"{code(f'sage build --recost-since {first}')}: an incremental build re-costs only "
        f"the last {code('lookback_days')} of turns."
    )


def render_text(report: DiffReport) -> str:
    diff = report.diff
    lines = [f"{report.file}: working tree vs {report.base}", ""]
    if not diff.changes:
        lines.append("no change to the price list")
        return "\n".join(lines)
    lines.append(f"rows: {counts(diff)}")
    for kind in (ADDED, REMOVED):
        changes = diff.of_kind(kind)
        if changes:
            lines += ["", KIND_TITLES[kind].lower()]
            lines.append(table(ROW_HEADERS, [_row_cells(change) for change in changes]))
    for kind in (CLOSED, CHANGED):
        changes = diff.of_kind(kind)
        if changes:
            lines += ["", KIND_TITLES[kind].lower()]
            lines.append(table(CHANGE_HEADERS, _change_rows(changes), right=set()))

    lines += ["", "impact on the cost of past turns, per model and month (UTC)"]
    if report.usage is None:
        lines.append(f"  not computed: {report.impact_note}")
    else:
        lines.append(f"  {_usage_text(report.usage)}")
        if report.months:
            lines.append(table(IMPACT_HEADERS, _impact_rows(report.months), right={2, 3, 4, 5, 6}))
        else:
            lines.append("  no turn falls on a day whose price changes: no cost changes")
        for model in report.unpriced:
            lines.append(
                f"  still unpriced with the new list: {model.model_id}, {model.turns:,} turns "
                f"({model.first_day} .. {model.last_day})"
            )

    headline, explanation = _verdict(report)
    lines += ["", f"{headline}. {explanation}"]
    lines += [f"  {line}" for line in _restatement_lines(report)]
    if diff.restates_history:
        lines.append(_full_refresh_note(report))
    return "\n".join(lines)


def _markdown_table(headers: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    def cell(text: str) -> str:
        return " ".join(text.split()).replace("|", "\\|")

    return [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---:" if index in right else "---" for index in range(len(headers))) + "|",
        *("| " + " | ".join(cell(text) for text in row) + " |" for row in rows),
    ]


def render_markdown(report: DiffReport) -> str:
    diff = report.diff
    lines = [f"### Price list: `{report.file}` vs {report.base}", ""]
    if not diff.changes:
        lines.append("No change to the price list.")
        return "\n".join(lines) + "\n"
    headline, explanation = _verdict(report, code=lambda text: f"`{text}`")
    if diff.restates_history:
        lines += [f"> **{headline}.** {explanation}", ">"]
        lines += [f"> - {line}" for line in _restatement_lines(report)]
        lines += [">", f"> {_full_refresh_note(report, code=lambda text: f'`{text}`')}"]
    else:
        lines.append(f"**{headline}.** {explanation}")
    lines += ["", f"Rows: {counts(diff)}."]
    rate_columns = set(range(4, 4 + len(RATE_COLUMNS)))
    for kind in (ADDED, REMOVED):
        changes = diff.of_kind(kind)
        if changes:
            lines += ["", f"#### {KIND_TITLES[kind]}", ""]
            cells = [[*_row_cells(change), change.row.note] for change in changes]
            lines += _markdown_table([*ROW_HEADERS, "note"], cells, rate_columns)
    for kind in (CLOSED, CHANGED):
        changes = diff.of_kind(kind)
        if changes:
            lines += ["", f"#### {KIND_TITLES[kind]}", ""]
            lines += _markdown_table(CHANGE_HEADERS, _change_rows(changes), set())

    lines += ["", "#### Impact on the cost of past turns, per model and month (UTC)", ""]
    if report.usage is None:
        lines.append(f"Not computed: {report.impact_note}")
    else:
        lines.append(_usage_text(report.usage) + ".")
        if report.months:
            rows = _impact_rows(report.months, bold_total=True)
            lines += ["", *_markdown_table(IMPACT_HEADERS, rows, {2, 3, 4, 5, 6})]
        else:
            lines += ["", "No turn falls on a day whose price changes: no cost changes."]
        if report.unpriced:
            lines += ["", "Still unpriced with the new list:", ""]
            lines += [
                f"- `{model.model_id}`: {model.turns:,} turns ({model.first_day} .. "
                f"{model.last_day})"
                for model in report.unpriced
            ]
    return "\n".join(lines) + "\n"


# A snapshot older than this gets a note: catalogs change a few times a year.
SNAPSHOT_AGE_NOTE_DAYS = 90
MATCH_HEADERS = ["model_id", "catalog entry", "match"]
RATE_HEADERS = ["model_id", "rate", "seed", "catalog", "seed/catalog", "status"]


def _status(item: RateDifference) -> str:
    if item.acknowledgement is not None:
        return f"acknowledged: {item.acknowledgement.reason}"
    if item.outdated is not None:
        return (
            f"differs (acknowledged against {item.outdated.catalog_usd_per_mtok}, line "
            f"{item.outdated.line}: the catalog has moved)"
        )
    return "differs"


def _comparison_lines(comparison: CatalogComparison, today: date) -> list[str]:
    snapshot = comparison.snapshot
    lines = [
        f"{snapshot.catalog}: {snapshot.title}, {snapshot.source}, taken {snapshot.taken_on} "
        f"({comparison.file})",
        f"  {snapshot.url}",
        f"  matching: {snapshot.matching}",
        f"  inference profiles: {snapshot.profiles}",
        f"  profiles' input rate against the base id's here: {profile_pricing(snapshot)}",
    ]
    age = (today - snapshot.taken_on).days
    if age > SNAPSHOT_AGE_NOTE_DAYS:
        lines.append(
            f"  note: the snapshot is {age} days old; take it again with "
            f"`sage pricing snapshot --catalog {snapshot.catalog}`"
        )
    matched = [
        [match.row.model_id, match.found.catalog_model, match.found.matched_by]
        for match in comparison.matches
        if isinstance(match.found, CatalogPrice)
    ]
    if matched:
        lines += ["", _indent(table(MATCH_HEADERS, matched, right=set()))]
    for match in comparison.missing:
        lines.append(f"  {match.row.model_id}: {match.missing_reason}")
    for match in comparison.matches:
        if isinstance(match.found, CatalogPrice):
            lines += [f"  {match.row.model_id}: {note}" for note in match.found.notes]
    if comparison.differences:
        rows = [
            [
                item.row.model_id,
                RATE_LABELS[item.rate],
                f"{item.seed:.6f}",
                f"{item.catalog_value:.6f}",
                ratio_text(item.ratio),
                _status(item),
            ]
            for item in comparison.differences
        ]
        lines += ["", _indent(table(RATE_HEADERS, rows, right={2, 3, 4}))]
    elif any(isinstance(match.found, CatalogPrice) for match in comparison.matches):
        lines += ["", "  every rate of the models it prices agrees"]
    for row, rate in comparison.unrated:
        lines.append(
            f"  {row.model_id} {RATE_LABELS[rate]}: the catalog gives no rate for it, not compared"
        )
    return lines


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.splitlines())


def render_check_text(check: PriceCheck, *, price_list: str, acknowledged: str, today: date) -> str:
    count = len(check.comparisons)
    lines = [
        f"{price_list}: the {len(check.rows)} rows valid on {check.on}, against {count} "
        f"catalog snapshot{'s' if count != 1 else ''}"
    ]
    for comparison in check.comparisons:
        lines += ["", *_comparison_lines(comparison, today)]

    lines.append("")
    differences, open_ = len(check.differences), len(check.unacknowledged)
    catalogs = "the catalog" if count == 1 else "the catalogs"
    differ = f"{differences} rate{'s differ' if differences > 1 else ' differs'} from {catalogs}"
    if not differences:
        lines.append(f"Every rate agrees with {catalogs}.")
    elif not open_:
        lines.append(f"{differ}, every one acknowledged in {acknowledged}.")
    else:
        lines.append(
            f"{differ}, {open_} not acknowledged. Where the catalog is right, change the price "
            f"list (README, Changing a price); where the project's rate is, acknowledge it in "
            f"{acknowledged} with the reason."
        )
    missing = check.missing
    if missing:
        models = sorted({match.row.model_id for match in missing})
        verdict = "a failure (--fail-on-missing)" if check.fail_on_missing else "not a failure"
        lines.append(
            f"{len(models)} model{'s' if len(models) > 1 else ''} not priced by every catalog "
            f"({', '.join(models)}): {verdict}."
        )
    for item in check.unused:
        lines.append(
            f"note: {acknowledged}, line {item.line} ({item.price_id}, {item.catalog}, "
            f"{item.rate}) acknowledges no difference any more: the rates agree; delete it"
        )
    return "\n".join(lines)
