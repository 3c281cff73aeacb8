"""The frame both pages share: one stylesheet from the site's own assets, no script."""

from __future__ import annotations

from html import escape

from dashboard.html import Html, text

STYLESHEET = "assets/dashboard.css"
ICON = "assets/favicon.svg"
# A plain mark in the accent colour, so that browsers ask for no /favicon.ico.
ICON_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">'
    '<rect width="16" height="16" rx="3" fill="#0072B2"/>'
    '<path d="M3 12V8h2v4zm4 0V4h2v8zm4 0V6h2v6z" fill="#fff"/></svg>\n'
)


def page(
    title: str,
    header: Html,
    main: Html,
    footer: Html,
    *,
    depth: int,
    private: bool,
) -> str:
    """A whole HTML document; ``depth`` is how many folders below the site root it sits,
    so that the stylesheet's relative link works from a file:// copy and from the server."""
    prefix = "../" * depth
    robots = '<meta name="robots" content="noindex, nofollow">' if private else ""
    return (
        "<!doctype html>\n"
        '<html lang="en">\n<head>\n'
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"{robots}"
        f"<title>{escape(title)}</title>\n"
        f'<link rel="stylesheet" href="{prefix}{STYLESHEET}">\n'
        f'<link rel="icon" type="image/svg+xml" href="{prefix}{ICON}">\n'
        "</head>\n<body>\n"
        f"<header>{text(header)}</header>\n"
        f"<main>{text(main)}</main>\n"
        f"<footer>{text(footer)}</footer>\n"
        "</body>\n</html>\n"
    )


CSS = """\
:root {
  --ink: #1f2933; --muted: #5b6775; --line: #dde2e7; --panel: #ffffff; --page: #f4f6f8;
  --accent: #0072B2; --warn-bg: #fff6e0; --warn: #8a5a00; --hidden: #6b7785;
}
* { box-sizing: border-box; }
html { font-size: 16px; }
body {
  margin: 0; background: var(--page); color: var(--ink);
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", "Liberation Sans",
    sans-serif;
  line-height: 1.5;
}
header, main, footer { max-width: 1040px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 28px; }
h1 { font-size: 1.9rem; margin: 0 0 4px; }
h2 { font-size: 1.45rem; margin: 0 0 4px; }
h3 { font-size: 1.1rem; margin: 28px 0 8px; }
.built { color: var(--muted); margin: 0 0 12px; }
nav { display: flex; gap: 8px; flex-wrap: wrap; margin: 8px 0 4px; }
nav a {
  color: var(--accent); text-decoration: none; border: 1px solid var(--line);
  background: var(--panel); border-radius: 999px; padding: 2px 14px;
}
nav a:hover { border-color: var(--accent); }
.panel {
  background: var(--panel); border: 1px solid var(--line); border-radius: 10px;
  padding: 22px 26px 26px; margin: 22px 0;
}
.lead { margin: 0 0 6px; }
.facts { margin: 0 0 14px; color: var(--muted); font-size: 0.95rem; }
.facts .basis { color: var(--ink); font-weight: 600; }
.tiles {
  display: grid; grid-template-columns: repeat(auto-fill, minmax(215px, 1fr));
  gap: 12px; margin: 10px 0;
}
.tile { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
.tile-label { color: var(--muted); font-size: 0.9rem; }
.tile-value { font-size: 1.6rem; font-weight: 650; font-variant-numeric: tabular-nums; }
.tile-note { color: var(--muted); font-size: 0.85rem; }
.note { color: var(--muted); font-size: 0.92rem; }
figure.chart-figure { margin: 8px 0 12px; }
figure.chart-figure figcaption { color: var(--muted); font-size: 0.9rem; margin-top: 4px; }
svg.chart { width: 100%; height: auto; display: block; }
.table-wrap { overflow-x: auto; margin: 8px 0 4px; }
table.data { border-collapse: collapse; width: 100%; font-size: 0.93rem; }
table.data caption { text-align: left; color: var(--muted); padding-bottom: 6px; }
table.data th, table.data td {
  border-bottom: 1px solid var(--line); padding: 6px 10px; text-align: left; vertical-align: top;
}
table.data thead th { color: var(--muted); font-weight: 600; border-bottom: 2px solid var(--line); }
table.data tbody th { font-weight: 500; }
table.data .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.model-id { display: block; color: var(--muted); font-size: 0.78rem; }
.hidden-value { color: var(--hidden); font-style: italic; }
.notice {
  border-radius: 8px; padding: 12px 16px; margin: 10px 0; border: 1px solid var(--line);
  background: #f8fafb;
}
.notice-missing, .notice-warning {
  background: var(--warn-bg); border-color: #f0d49a; color: var(--warn);
}
.notice-suppressed { background: #f1f3f5; color: var(--ink); }
.explain h2 { margin-top: 8px; }
.explain ul { padding-left: 1.2em; }
.explain li { margin: 4px 0; }
footer { color: var(--muted); font-size: 0.88rem; padding-bottom: 40px; }
footer a, .explain a { color: var(--accent); }
@media print { body { background: #fff; } nav { display: none; } .panel { break-inside: avoid; } }
"""
