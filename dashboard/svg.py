"""The SVG pieces every chart is drawn with: the palette, elements and their
attributes, axes, legends, and tick values a reader can read.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
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


def attrs(**attributes: object) -> str:
    parts = []
    for key, value in attributes.items():
        if value is None:
            continue
        name = key.rstrip("_").replace("_", "-")
        if isinstance(value, float):
            value = f"{value:.2f}".rstrip("0").rstrip(".")
        parts.append(f'{name}="{escape(str(value), quote=True)}"')
    return " ".join(parts)


def text_at(x: float, y: float, content: str, **attributes: object) -> str:
    attributes.setdefault("font_size", FONT)
    attributes.setdefault("fill", INK)
    return f"<text {attrs(x=x, y=y, **attributes)}>{escape(content)}</text>"


def element(name: str, *children: str, **attributes: object) -> str:
    """One SVG element: ``element("rect", x=1, fill="#fff")``; ``class_`` is ``class``."""
    opening = f"{name} {attrs(**attributes)}".rstrip()
    return f"<{opening}>{''.join(children)}</{name}>" if children else f"<{opening}/>"


def hover_title(content: str) -> str:
    return f"<title>{escape(content)}</title>"


def svg_root(kind: str, height: float, label: str, body: list[str], width: float = WIDTH) -> str:
    return (
        f'<svg class="chart" data-chart="{escape(kind)}" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'role="img" aria-label="{escape(label, quote=True)}" '
        f"font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif\">"
        f"{hover_title(label)}{''.join(body)}</svg>"
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


def y_axis(
    ticks: list[float], scale: Callable[[float], float], left: float, right: float, fmt: Formatter
) -> list[str]:
    parts = []
    for tick in ticks:
        y = scale(tick)
        parts.append(f"<line {attrs(x1=left, x2=right, y1=y, y2=y, stroke=GRID)}/>")
        parts.append(text_at(left - 6, y + 4, fmt(tick), text_anchor="end", fill=MUTED))
    return parts


def x_labels(
    labels: Sequence[str], centre: Callable[[int], float], y: float, max_labels: int = 12
) -> list[str]:
    every = max(1, math.ceil(len(labels) / max_labels))
    return [
        text_at(centre(index), y, label, text_anchor="middle", fill=MUTED)
        for index, label in enumerate(labels)
        if index % every == 0 or (index == len(labels) - 1 and len(labels) <= max_labels)
    ]


def legend_rows(
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
                element(
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
            parts.append(text_at(x + 24, row_y, name))
        else:
            parts.append(f"<rect {attrs(x=x, y=row_y - 10, width=12, height=12, fill=colour)}/>")
            parts.append(text_at(x + 18, row_y, name))
        x += width
    return parts, row_y - y + 20


def polyline(points: list[tuple[float, float]], colour: str, dashed: bool = False) -> str:
    if not points:
        return ""
    coordinates = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    return element(
        "polyline",
        class_="line",
        points=coordinates,
        fill="none",
        stroke=colour,
        stroke_width=2,
        stroke_dasharray="4 3" if dashed else None,
    )
