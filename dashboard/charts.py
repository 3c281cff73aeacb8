"""Charts as inline SVG, drawn here: no script, no library, nothing to load.

Each function returns one ``<svg>`` element as text. Sizes are in viewBox
units; the stylesheet scales the chart to the page's width. Colours are set
with presentation attributes (not ``style=``), so a Content-Security-Policy
without ``'unsafe-inline'`` renders them. Every mark carries a ``<title>``:
hovering it shows the exact number.

The pieces they are drawn with are in dashboard/svg.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dashboard.svg import (
    GRID,
    HIDDEN,
    INK,
    MUTED,
    PALETTE,
    WIDTH,
    Formatter,
    attrs,
    element,
    hover_title,
    legend_rows,
    nice_ticks,
    polyline,
    svg_root,
    text_at,
    x_labels,
    y_axis,
)


@dataclass
class Series:
    name: str
    values: Sequence[float | None]
    colour: str
    # Points before this index are drawn dashed: a rolling window not yet full.
    partial_until: int = 0


def stacked_bars(
    kind: str,
    label: str,
    categories: Sequence[str],
    stacks: Sequence[Series],
    fmt: Formatter,
    *,
    category_titles: Sequence[str] | None = None,
    y_title: str = "",
    legend: bool = True,
) -> str:
    """Vertical bars, one per category, each stacked from the series' values."""
    left, right, bottom = 64, WIDTH - 24, 36
    legend_parts, legend_height = (
        legend_rows([(s.name, s.colour, False) for s in stacks], left, right, 16)
        if legend and len(stacks) > 1
        else ([], 0.0)
    )
    top = legend_height + (30 if y_title else 14)
    height = top + 230 + bottom
    totals = [
        sum(series.values[index] or 0 for series in stacks) for index in range(len(categories))
    ]
    ticks = nice_ticks(0, max(totals, default=0) or 1)
    y_max = ticks[-1]

    def scale(value: float) -> float:
        return height - bottom - (height - top - bottom) * value / y_max

    slot = (right - left) / max(len(categories), 1)
    bar_width = max(slot * 0.72, 1)
    body = y_axis(ticks, scale, left, right, fmt) + legend_parts
    if y_title:
        body.append(text_at(left - 56, top - 14, y_title, fill=MUTED))
    for index, category in enumerate(categories):
        x = left + slot * index + (slot - bar_width) / 2
        base = 0.0
        heading = category_titles[index] if category_titles else category
        for series in stacks:
            value = series.values[index] or 0
            if value <= 0:
                continue
            y_top, y_bottom = scale(base + value), scale(base)
            body.append(
                element(
                    "rect",
                    hover_title(
                        f"{heading}: {series.name} {fmt(value)}"
                        if len(stacks) > 1
                        else f"{heading}: {fmt(value)}"
                    ),
                    class_="bar",
                    x=x,
                    y=y_top,
                    width=bar_width,
                    height=max(y_bottom - y_top, 0.5),
                    fill=series.colour,
                )
            )
            base += value
    body.append(f"<line {attrs(x1=left, x2=right, y1=scale(0), y2=scale(0), stroke=MUTED)}/>")
    body += x_labels(categories, lambda i: left + slot * (i + 0.5), height - bottom + 16)
    return svg_root(kind, height, label, body)


def line_chart(
    kind: str,
    label: str,
    categories: Sequence[str],
    series: Sequence[Series],
    fmt: Formatter,
    *,
    y_title: str = "",
) -> str:
    left, right, bottom = 64, WIDTH - 24, 36
    legend_items = [(s.name, s.colour, True) for s in series]
    if any(s.partial_until for s in series):
        legend_items.append(("dashed: window not yet full", MUTED, True))
    legend_parts, legend_height = legend_rows(legend_items, left, right, 16)
    top = legend_height + (30 if y_title else 14)
    height = top + 230 + bottom
    values = [v for s in series for v in s.values if v is not None]
    ticks = nice_ticks(0, max(values, default=0) or 1)
    y_max = ticks[-1]

    def scale(value: float) -> float:
        return height - bottom - (height - top - bottom) * value / y_max

    step = (right - left) / max(len(categories) - 1, 1)

    def x_of(index: int) -> float:
        return left + step * index if len(categories) > 1 else (left + right) / 2

    body = y_axis(ticks, scale, left, right, fmt) + legend_parts
    if y_title:
        body.append(text_at(left - 56, top - 14, y_title, fill=MUTED))
    for line in series:
        # a missing value breaks the line: no segment is drawn across a gap
        runs: list[list[tuple[int, float, float]]] = [[]]
        for index, value in enumerate(line.values):
            if value is None:
                runs.append([])
            else:
                runs[-1].append((index, x_of(index), scale(value)))
        for run in runs:
            dashed = [(x, y) for index, x, y in run if index <= line.partial_until - 1]
            solid = [(x, y) for index, x, y in run if index >= line.partial_until - 1]
            if line.partial_until and len(dashed) > 1:
                body.append(polyline(dashed, line.colour, dashed=True))
            if len(solid) > 1:
                body.append(polyline(solid, line.colour))
        for index, value in enumerate(line.values):
            if value is None:
                continue
            body.append(
                element(
                    "circle",
                    hover_title(f"{categories[index]}: {line.name} {fmt(value)}"),
                    class_="point",
                    cx=x_of(index),
                    cy=scale(value),
                    r=2.6,
                    fill=line.colour,
                )
            )
    body.append(f"<line {attrs(x1=left, x2=right, y1=scale(0), y2=scale(0), stroke=MUTED)}/>")
    body += x_labels(categories, x_of, height - bottom + 16)
    return svg_root(kind, height, label, body)


@dataclass
class Estimate:
    """A point estimate with its 95% interval, or a hidden cell."""

    label: str
    value: float | None
    low: float | None = None
    high: float | None = None
    hidden_reason: str | None = None  # set when the cell is suppressed
    detail: str = ""  # shown in the tooltip, e.g. the sample size


def estimates_over_time(
    kind: str,
    label: str,
    estimates: Sequence[Estimate],
    fmt: Formatter,
    *,
    y_range: tuple[float, float],
    reference: float | None = None,
    reference_label: str = "",
    y_title: str = "",
) -> str:
    """Points with error bars, left to right; a hidden point is a marked gap."""
    height = 300
    top, bottom, left, right = 30, 36, 64, WIDTH - 12
    low_bound, high_bound = y_range
    ticks = nice_ticks(low_bound, high_bound)
    ticks = [t for t in ticks if low_bound - 1e-9 <= t <= high_bound + 1e-9]

    def scale(value: float) -> float:
        clamped = min(max(value, low_bound), high_bound)
        return (
            height
            - bottom
            - (height - top - bottom) * (clamped - low_bound) / (high_bound - low_bound)
        )

    slot = (right - left) / max(len(estimates), 1)
    body = y_axis(ticks, scale, left, right, fmt)
    if y_title:
        body.append(text_at(left, 14, y_title, fill=MUTED))
    if reference is not None:
        y = scale(reference)
        body.append(
            f"<line {attrs(x1=left, x2=right, y1=y, y2=y, stroke=MUTED, stroke_dasharray='5 4')}/>"
        )
        if reference_label:
            body.append(text_at(right - 4, y - 5, reference_label, text_anchor="end", fill=MUTED))
    for index, estimate in enumerate(estimates):
        x = left + slot * (index + 0.5)
        if estimate.value is None:
            reason = estimate.hidden_reason or "no data"
            body.append(
                f'<g class="hidden-estimate">{hover_title(f"{estimate.label}: hidden ({reason})")}'
                + element(
                    "rect",
                    x=x - slot * 0.3,
                    y=top,
                    width=slot * 0.6,
                    height=height - top - bottom,
                    fill="#f3f4f6",
                )
                + text_at(
                    x, (top + height - bottom) / 2, "hidden", text_anchor="middle", fill=MUTED
                )
                + "</g>"
            )
            continue
        tooltip = f"{estimate.label}: {fmt(estimate.value)}"
        if estimate.low is not None and estimate.high is not None:
            tooltip += f" (95% interval {fmt(estimate.low)} to {fmt(estimate.high)})"
            y_low, y_high = scale(estimate.low), scale(estimate.high)
            cap = min(slot * 0.18, 8)
            body.append(
                f'<g class="error-bar" {attrs(stroke=INK, stroke_width=1.4)}>'
                f"<line {attrs(x1=x, x2=x, y1=y_low, y2=y_high)}/>"
                f"<line {attrs(x1=x - cap, x2=x + cap, y1=y_low, y2=y_low)}/>"
                f"<line {attrs(x1=x - cap, x2=x + cap, y1=y_high, y2=y_high)}/></g>"
            )
        if estimate.detail:
            tooltip += f"; {estimate.detail}"
        body.append(
            element(
                "circle",
                hover_title(tooltip),
                class_="point",
                cx=x,
                cy=scale(estimate.value),
                r=4.5,
                fill=PALETTE[0],
            )
        )
    body += x_labels(
        [e.label for e in estimates], lambda i: left + slot * (i + 0.5), height - bottom + 16
    )
    return svg_root(kind, height, label, body)


def estimate_bars(
    kind: str,
    label: str,
    estimates: Sequence[Estimate],
    fmt: Formatter,
    *,
    x_max: float | None = None,
    value_text: Callable[[Estimate], str] | None = None,
    colour: str = PALETTE[0],
) -> str:
    """Horizontal bars with error bars, one row per cell; hidden cells say so."""
    row_height = 26
    label_width = 150
    text_width = 190
    left, right = label_width + 8, WIDTH - text_width
    height = 20 + row_height * len(estimates) + 24
    ceiling = max([e.high if e.high is not None else (e.value or 0) for e in estimates], default=0)
    ticks = nice_ticks(0, x_max if x_max is not None else (ceiling or 1))
    top_value = ticks[-1]

    def scale(value: float) -> float:
        return left + (right - left) * max(min(value, top_value), 0) / top_value

    body = []
    axis_y = 12 + row_height * len(estimates)
    for tick in ticks:
        x = scale(tick)
        body.append(f"<line {attrs(x1=x, x2=x, y1=8, y2=axis_y, stroke=GRID)}/>")
        body.append(text_at(x, axis_y + 16, fmt(tick), text_anchor="middle", fill=MUTED))
    for index, estimate in enumerate(estimates):
        y = 12 + row_height * index
        middle = y + row_height / 2
        name = estimate.label if len(estimate.label) <= 22 else estimate.label[:21] + "…"
        body.append(text_at(label_width, middle + 4, name, text_anchor="end"))
        if estimate.value is None:
            reason = estimate.hidden_reason or "no data"
            body.append(
                f'<g class="hidden-cell">{hover_title(f"{estimate.label}: hidden ({reason})")}'
                + element(
                    "rect",
                    x=left,
                    y=y + 5,
                    width=right - left,
                    height=row_height - 10,
                    fill="#f3f4f6",
                    stroke=HIDDEN,
                    stroke_dasharray="3 3",
                )
                + text_at(left + 8, middle + 4, f"hidden: {reason}", fill=MUTED)
                + "</g>"
            )
            continue
        tooltip = f"{estimate.label}: {fmt(estimate.value)}"
        bar_attributes = {
            "class_": "bar",
            "x": left,
            "y": y + 5,
            "width": max(scale(estimate.value) - left, 0),
            "height": row_height - 10,
            "fill": colour,
        }
        if estimate.low is not None and estimate.high is not None:
            tooltip += f" (95% interval {fmt(estimate.low)} to {fmt(estimate.high)})"
        if estimate.detail:
            tooltip += f"; {estimate.detail}"
        body.append(element("rect", hover_title(tooltip), **bar_attributes))
        if estimate.low is not None and estimate.high is not None:
            x_low, x_high = scale(estimate.low), scale(estimate.high)
            body.append(
                f'<g class="error-bar" {attrs(stroke=INK, stroke_width=1.4)}>'
                f"<line {attrs(x1=x_low, x2=x_high, y1=middle, y2=middle)}/>"
                f"<line {attrs(x1=x_low, x2=x_low, y1=middle - 5, y2=middle + 5)}/>"
                f"<line {attrs(x1=x_high, x2=x_high, y1=middle - 5, y2=middle + 5)}/></g>"
            )
        text = value_text(estimate) if value_text else fmt(estimate.value)
        body.append(text_at(right + 10, middle + 4, text))
    return svg_root(kind, height, label, body)


def heatmap(
    kind: str,
    label: str,
    rows: Sequence[str],
    columns: Sequence[str],
    values: Sequence[Sequence[float | None]],
    fmt: Formatter,
    *,
    legend_title: str,
) -> str:
    """A grid of cells shaded from white to deep blue by value."""
    left, top = 44, 24
    cell_width = (WIDTH - left - 12) / max(len(columns), 1)
    cell_height = 26
    height = top + cell_height * len(rows) + 58
    peak = max((v for row in values for v in row if v is not None), default=0) or 1

    def shade(value: float) -> str:
        # white -> #08519c in a perceptually even-ish ramp
        t = (value / peak) ** 0.8
        red = round(247 + (8 - 247) * t)
        green = round(251 + (81 - 251) * t)
        blue = round(255 + (156 - 255) * t)
        return f"#{red:02x}{green:02x}{blue:02x}"

    body = []
    for column_index, column in enumerate(columns):
        if column_index % 3 == 0:
            body.append(
                text_at(
                    left + cell_width * (column_index + 0.5),
                    top - 8,
                    column,
                    text_anchor="middle",
                    fill=MUTED,
                )
            )
    for row_index, row in enumerate(rows):
        y = top + cell_height * row_index
        body.append(text_at(left - 6, y + cell_height / 2 + 4, row, text_anchor="end"))
        for column_index, column in enumerate(columns):
            value = values[row_index][column_index]
            fill = "#f3f4f6" if value is None else shade(value)
            text = "no data" if value is None else fmt(value)
            body.append(
                element(
                    "rect",
                    hover_title(f"{row} {column}: {text}"),
                    class_="cell",
                    x=left + cell_width * column_index,
                    y=y,
                    width=cell_width - 1,
                    height=cell_height - 1,
                    fill=fill,
                )
            )
    # legend: a ramp from 0 to the peak
    legend_y = top + cell_height * len(rows) + 22
    steps = 10
    for step in range(steps):
        body.append(
            element(
                "rect",
                x=left + 150 + step * 22,
                y=legend_y,
                width=22,
                height=12,
                fill=shade(peak * (step + 0.5) / steps),
            )
        )
    body.append(text_at(left, legend_y + 10, legend_title, fill=MUTED))
    body.append(text_at(left + 146, legend_y + 10, fmt(0), text_anchor="end", fill=MUTED))
    body.append(text_at(left + 150 + steps * 22 + 4, legend_y + 10, fmt(peak), fill=MUTED))
    return svg_root(kind, height, label, body)
