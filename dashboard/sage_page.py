"""The private /sage page: cost, usage, demographics, sentiment and crisis panels.

Each panel reads its Gold tables, says how many people it rests on and how
recent its data is, shows every estimate with its 95% interval, and says in
words when there is nothing to show (table not built, no data yet, every cell
hidden) instead of drawing an empty chart.

This module lays the panels out as one page; each panel is a module of
dashboard/panels/.
"""

from __future__ import annotations

from dashboard import formatting as fmt
from dashboard.gold import Gold
from dashboard.html import join, notice, tag
from dashboard.layout import page
from dashboard.panels.cost import cost_panel
from dashboard.panels.crisis import crisis_panel
from dashboard.panels.demographics import demographics_panel
from dashboard.panels.sentiment import sentiment_panel
from dashboard.panels.shaping import latest_turn_at
from dashboard.panels.usage import usage_panel

PANELS = [
    ("cost", "Cost", cost_panel),
    ("usage", "Usage", usage_panel),
    ("demographics", "Who", demographics_panel),
    ("sentiment", "Sentiment", sentiment_panel),
    ("crisis", "Crisis", crisis_panel),
]


def render(gold: Gold) -> str:
    newest = latest_turn_at(gold)
    header = join(
        tag("h1", "SAGE dashboard"),
        tag(
            "p",
            join(
                "Latest data: ",
                tag("strong", fmt.timestamp(newest) if newest else "none yet"),
                f" · page built {fmt.timestamp(gold.read_at)} · all times UTC",
            ),
            class_="built",
        ),
        tag(
            "nav",
            join(*[tag("a", label, href=f"#{key}") for key, label, _ in PANELS]),
            aria_label="Panels",
        ),
    )
    missing = [
        table.relation for table in gold.missing if not table.name.startswith("transparency_")
    ]
    if missing:
        header = join(
            header,
            notice(
                "missing",
                f"{len(missing)} Gold table{'s are' if len(missing) > 1 else ' is'} not built yet "
                f"({', '.join(missing)}): the panels that need "
                f"{'them' if len(missing) > 1 else 'it'} say so below. Run `sage build`.",
            ),
        )
    panels = join(*[build(gold) for _, _, build in PANELS])
    footer = join(
        f"Numbers from {gold.source}. ",
        "Private: for the Innerverse team only. The public page is ",
        tag("a", "/safety/transparency", href="../safety/transparency/index.html"),
        ".",
    )
    return page(
        "SAGE dashboard · Innerverse",
        header,
        panels,
        footer,
        depth=1,
        private=True,
    )
