"""Charts as inline SVG, drawn here: no script, no library, nothing to load.

Each function returns one ``<svg>`` element as text. Sizes are in viewBox
units; the stylesheet scales the chart to the page's width. Colours are set
with presentation attributes (not ``style=``), so a Content-Security-Policy
without ``'unsafe-inline'`` renders them. Every mark carries a ``<title>``:
hovering it shows the exact number.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999999"]
INK = "#1f2933"
MUTED = "#6b7785"
GRID = "#e3e7eb"
HIDDEN = "#b8c0c8"

WIDTH = 720
FONT = 12

Formatter = Callable[[float], str]


def _attrs(**attributes: object) -> str:
    parts = []
    for key, value in attributes.items():
        if value is None:
            continue
        name = key.rstrip("_").replace("_", "-")
        if isinstance(value, float):
            value = f"{value:.2f}".rstrip("0").rstrip(".")
        parts.append(f'{name}="{escape(str(value), quote=True)}"')
    return " ".join(parts)


def _text(x: float, y: float, content: str, **attributes: object) -> str:
    attributes.setdefault("font_size", FONT)
    attributes.setdefault("fill", INK)
    return f"<text {_attrs(x=x, y=y, **attributes)}>{escape(content)}</text>"


def _el(name: str, *children: str, **attributes: object) -> str:
    """One SVG element: ``_el("rect", x=1, fill="#fff")``; ``class_`` is ``class``."""
    opening = f"{name} {_attrs(**attributes)}".rstrip()
    return f"<{opening}>{''.join(children)}</{name}>" if children else f"<{opening}/>"


def _title(content: str) -> str:
    return f"<title>{escape(content)}</title>"


def _svg(kind: str, height: float, label: str, body: list[str], width: float = WIDTH) -> str:
    return (
        f'<svg class="chart" data-chart="{escape(kind)}" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'role="img" aria-label="{escape(label, quote=True)}" '
        f"font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif\">"
        f"{_title(label)}{''.join(body)}</svg>"
    )


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high]: 0, 0.5, 1, 1.5 or 0, 20, 40."""
    if high <= low:
        high = low + 1
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(
        multiple * magnitude for multiple in (1, 2, 2.5, 5, 10) if multiple * magnitude >= raw
    )
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value < high + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks


@dataclass
class Series:
    name: str
    values: Sequence[float | None]
    colour: str
    # Points before this index are drawn dashed: a rolling window not yet full.
    partial_until: int = 0


def _y_axis(
    ticks: list[float], scale: Callable[[float], float], left: float, right: float, fmt: Formatter
) -> list[str]:
    parts = []
    for tick in ticks:
        y = scale(tick)
        parts.append(f"<line {_attrs(x1=left, x2=right, y1=y, y2=y, stroke=GRID)}/>")
        parts.append(_text(left - 6, y + 4, fmt(tick), text_anchor="end", fill=MUTED))
    return parts


def _x_labels(
    labels: Sequence[str], centre: Callable[[int], float], y: float, max_labels: int = 12
) -> list[str]:
    every = max(1, math.ceil(len(labels) / max_labels))
    return [
        _text(centre(index), y, label, text_anchor="middle", fill=MUTED)
        for index, label in enumerate(labels)
        if index % every == 0 or (index == len(labels) - 1 and len(labels) <= max_labels)
    ]


def _legend(
    items: Sequence[tuple[str, str, bool]], left: float, right: float, y: float
) -> tuple[list[str], float]:
    """(name, colour, is_line) swatches, a square or a line (dashed in the muted colour),
    in rows that wrap at ``right``; returns the parts and the height they take."""
    parts: list[str] = []
    x, row_y = left, y
    for name, colour, line in items:
        dashed = line and colour == MUTED
        width = (24 if line else 18) + 7.0 * len(name) + 18
        if x + width > right and x > left:
            x, row_y = left, row_y + 20
        if line:
            parts.append(
                _el(
                    "line",
                    x1=x,
                    x2=x + 18,
                    y1=row_y - 4,
                    y2=row_y - 4,
                    stroke=colour,
                    stroke_width=2.5,
                    stroke_dasharray="4 3" if dashed else None,
                )
            )
            parts.append(_text(x + 24, row_y, name))
        else:
            parts.append(f"<rect {_attrs(x=x, y=row_y - 10, width=12, height=12, fill=colour)}/>")
            parts.append(_text(x + 18, row_y, name))
        x += width
    return parts, row_y - y + 20


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
        _legend([(s.name, s.colour, False) for s in stacks], left, right, 16)
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
    body = _y_axis(ticks, scale, left, right, fmt) + legend_parts
    if y_title:
        body.append(_text(left - 56, top - 14, y_title, fill=MUTED))
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
                _el(
                    "rect",
                    _title(
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
    body.append(f"<line {_attrs(x1=left, x2=right, y1=scale(0), y2=scale(0), stroke=MUTED)}/>")
    body += _x_labels(categories, lambda i: left + slot * (i + 0.5), height - bottom + 16)
    return _svg(kind, height, label, body)


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
    legend_parts, legend_height = _legend(legend_items, left, right, 16)
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

    body = _y_axis(ticks, scale, left, right, fmt) + legend_parts
    if y_title:
        body.append(_text(left - 56, top - 14, y_title, fill=MUTED))
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
                body.append(_polyline(dashed, line.colour, dashed=True))
            if len(solid) > 1:
                body.append(_polyline(solid, line.colour))
        for index, value in enumerate(line.values):
            if value is None:
                continue
            body.append(
                _el(
                    "circle",
                    _title(f"{categories[index]}: {line.name} {fmt(value)}"),
                    class_="point",
                    cx=x_of(index),
                    cy=scale(value),
                    r=2.6,
                    fill=line.colour,
                )
            )
    body.append(f"<line {_attrs(x1=left, x2=right, y1=scale(0), y2=scale(0), stroke=MUTED)}/>")
    body += _x_labels(categories, x_of, height - bottom + 16)
    return _svg(kind, height, label, body)


def _polyline(points: list[tuple[float, float]], colour: str, dashed: bool = False) -> str:
    if not points:
        return ""
    coordinates = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    return _el(
        "polyline",
        class_="line",
        points=coordinates,
        fill="none",
        stroke=colour,
        stroke_width=2,
        stroke_dasharray="4 3" if dashed else None,
    )


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
    body = _y_axis(ticks, scale, left, right, fmt)
    if y_title:
        body.append(_text(left, 14, y_title, fill=MUTED))
    if reference is not None:
        y = scale(reference)
        body.append(
            f"<line {_attrs(x1=left, x2=right, y1=y, y2=y, stroke=MUTED, stroke_dasharray='5 4')}/>"
        )
        if reference_label:
            body.append(_text(right - 4, y - 5, reference_label, text_anchor="end", fill=MUTED))
    for index, estimate in enumerate(estimates):
        x = left + slot * (index + 0.5)
        if estimate.value is None:
            reason = estimate.hidden_reason or "no data"
            body.append(
                f'<g class="hidden-estimate">{_title(f"{estimate.label}: hidden ({reason})")}'
                + _el(
                    "rect",
                    x=x - slot * 0.3,
                    y=top,
                    width=slot * 0.6,
                    height=height - top - bottom,
                    fill="#f3f4f6",
                )
                + _text(x, (top + height - bottom) / 2, "hidden", text_anchor="middle", fill=MUTED)
                + "</g>"
            )
            continue
        tooltip = f"{estimate.label}: {fmt(estimate.value)}"
        if estimate.low is not None and estimate.high is not None:
            tooltip += f" (95% interval {fmt(estimate.low)} to {fmt(estimate.high)})"
            y_low, y_high = scale(estimate.low), scale(estimate.high)
            cap = min(slot * 0.18, 8)
            body.append(
                f'<g class="error-bar" {_attrs(stroke=INK, stroke_width=1.4)}>'
                f"<line {_attrs(x1=x, x2=x, y1=y_low, y2=y_high)}/>"
                f"<line {_attrs(x1=x - cap, x2=x + cap, y1=y_low, y2=y_low)}/>"
                f"<line {_attrs(x1=x - cap, x2=x + cap, y1=y_high, y2=y_high)}/></g>"
            )
        if estimate.detail:
            tooltip += f"; {estimate.detail}"
        body.append(
            _el(
                "circle",
                _title(tooltip),
                class_="point",
                cx=x,
                cy=scale(estimate.value),
                r=4.5,
                fill=PALETTE[0],
            )
        )
    body += _x_labels(
        [e.label for e in estimates], lambda i: left + slot * (i + 0.5), height - bottom + 16
    )
    return _svg(kind, height, label, body)


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
        body.append(f"<line {_attrs(x1=x, x2=x, y1=8, y2=axis_y, stroke=GRID)}/>")
        body.append(_text(x, axis_y + 16, fmt(tick), text_anchor="middle", fill=MUTED))
    for index, estimate in enumerate(estimates):
        y = 12 + row_height * index
        middle = y + row_height / 2
        name = estimate.label if len(estimate.label) <= 22 else estimate.label[:21] + "…"
        body.append(_text(label_width, middle + 4, name, text_anchor="end"))
        if estimate.value is None:
            reason = estimate.hidden_reason or "no data"
            body.append(
                f'<g class="hidden-cell">{_title(f"{estimate.label}: hidden ({reason})")}'
                + _el(
                    "rect",
                    x=left,
                    y=y + 5,
                    width=right - left,
                    height=row_height - 10,
                    fill="#f3f4f6",
                    stroke=HIDDEN,
                    stroke_dasharray="3 3",
                )
                + _text(left + 8, middle + 4, f"hidden: {reason}", fill=MUTED)
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
        body.append(_el("rect", _title(tooltip), **bar_attributes))
        if estimate.low is not None and estimate.high is not None:
            x_low, x_high = scale(estimate.low), scale(estimate.high)
            body.append(
                f'<g class="error-bar" {_attrs(stroke=INK, stroke_width=1.4)}>'
                f"<line {_attrs(x1=x_low, x2=x_high, y1=middle, y2=middle)}/>"
                f"<line {_attrs(x1=x_low, x2=x_low, y1=middle - 5, y2=middle + 5)}/>"
                f"<line {_attrs(x1=x_high, x2=x_high, y1=middle - 5, y2=middle + 5)}/></g>"
            )
        text = value_text(estimate) if value_text else fmt(estimate.value)
        body.append(_text(right + 10, middle + 4, text))
    return _svg(kind, height, label, body)


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
                _text(
                    left + cell_width * (column_index + 0.5),
                    top - 8,
                    column,
                    text_anchor="middle",
                    fill=MUTED,
                )
            )
    for row_index, row in enumerate(rows):
        y = top + cell_height * row_index
        body.append(_text(left - 6, y + cell_height / 2 + 4, row, text_anchor="end"))
        for column_index, column in enumerate(columns):
            value = values[row_index][column_index]
            fill = "#f3f4f6" if value is None else shade(value)
            text = "no data" if value is None else fmt(value)
            body.append(
                _el(
                    "rect",
                    _title(f"{row} {column}: {text}"),
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
            _el(
                "rect",
                x=left + 150 + step * 22,
                y=legend_y,
                width=22,
                height=12,
                fill=shade(peak * (step + 0.5) / steps),
            )
        )
    body.append(_text(left, legend_y + 10, legend_title, fill=MUTED))
    body.append(_text(left + 146, legend_y + 10, fmt(0), text_anchor="end", fill=MUTED))
    body.append(_text(left + 150 + steps * 22 + 4, legend_y + 10, fmt(peak), fill=MUTED))
    return _svg(kind, height, label, body)
