"""Small HTML building blocks shared by the two pages: escaping, tables, notices."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from lakehouse.project import min_cohort_size


class Html(str):
    """Text that is already HTML and goes into a page as is."""


def text(value: object) -> str:
    return value if isinstance(value, Html) else escape(str(value))


def tag(name: str, content: object = "", **attributes: object) -> Html:
    rendered = "".join(
        f' {key.rstrip("_").replace("_", "-")}="{escape(str(value), quote=True)}"'
        for key, value in attributes.items()
        if value is not None
    )
    return Html(f"<{name}{rendered}>{text(content)}</{name}>")


def join(*parts: object) -> Html:
    return Html("".join(text(part) for part in parts if part is not None and part != ""))


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    numeric: Sequence[int] = (),
    caption: str | None = None,
    kind: str = "",
) -> Html:
    """A table; columns in ``numeric`` are right-aligned with tabular figures."""
    head = "".join(
        f'<th scope="col"{" class=num" if index in numeric else ""}>{text(header)}</th>'
        for index, header in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f"<{'th scope=row' if index == 0 else 'td'}{' class=num' if index in numeric else ''}>"
            f"{text(cell)}</{'th' if index == 0 else 'td'}>"
            for index, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    caption_html = f"<caption>{text(caption)}</caption>" if caption else ""
    kind_attribute = f' data-table="{escape(kind, quote=True)}"' if kind else ""
    return Html(
        f'<div class="table-wrap"><table class="data"{kind_attribute}>'
        f"{caption_html}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def hidden_cell(reason: str | None) -> Html:
    """What a suppressed cell shows instead of a number: never a zero."""
    why = reason or f"fewer than {min_cohort_size()} people"
    return Html(f'<span class="hidden-value" title="{escape(why, quote=True)}">hidden</span>')


def notice(state: str, message: object) -> Html:
    """A sentence in place of a chart: ``missing``, ``empty``, ``suppressed``."""
    return Html(f'<p class="notice notice-{state}" data-state="{state}">{text(message)}</p>')


def figure(chart: str, caption: object) -> Html:
    return Html(
        f'<figure class="chart-figure">{chart}<figcaption>{text(caption)}</figcaption></figure>'
    )
