"""Writing the static site: two pages and their stylesheet, nothing else.

```
<out>/index.html                       links to both pages (for a file:// copy)
<out>/sage/index.html                  the private dashboard
<out>/safety/transparency/index.html   the public report
<out>/assets/dashboard.css, favicon.svg  the stylesheet and icon; no script, no font file
```

The folder is replaced as a whole: pages are written to a temporary sibling
folder, which then takes the place of the old one, so a server reading it never
sees half a site.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from dashboard import gold as gold_tables
from dashboard import sage_page, transparency_page
from dashboard.layout import CSS, ICON, ICON_SVG, STYLESHEET
from lakehouse.settings import Settings

SAGE_PAGE = Path("sage/index.html")
TRANSPARENCY_PAGE = Path("safety/transparency/index.html")
SITE_MARKER = ".sage-dashboard"

INDEX = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Innerverse</title>
<link rel="stylesheet" href="assets/dashboard.css">
<link rel="icon" type="image/svg+xml" href="assets/favicon.svg"></head>
<body><header><h1>Innerverse</h1></header><main><section class="panel">
<p><a href="safety/transparency/index.html">Transparency report</a> (public)</p>
<p><a href="sage/index.html">SAGE dashboard</a> (private)</p>
</section></main></body></html>
"""


@dataclass
class BuiltSite:
    root: Path
    gold: gold_tables.Gold

    @property
    def pages(self) -> list[Path]:
        return [self.root / SAGE_PAGE, self.root / TRANSPARENCY_PAGE]


class SiteError(RuntimeError):
    pass


def build_site(settings: Settings, out: Path) -> BuiltSite:
    """Read Gold once and write both pages to ``out``."""
    gold = gold_tables.load(settings)
    out = out.absolute()
    if out.exists() and any(out.iterdir()) and not (out / SITE_MARKER).exists():
        raise SiteError(
            f"{out} holds files `sage dashboard` did not write; choose another folder with --out"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        files = {
            SAGE_PAGE: sage_page.render(gold),
            TRANSPARENCY_PAGE: transparency_page.render(gold),
            Path(STYLESHEET): CSS,
            Path(ICON): ICON_SVG,
            Path("index.html"): INDEX,
            Path(SITE_MARKER): "written by `sage dashboard`; the folder is replaced on each run\n",
        }
        for relative, content in files.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
        staging.chmod(0o755)
        if out.exists():
            retired = out.with_name(f".{out.name}-old")
            shutil.rmtree(retired, ignore_errors=True)
            out.rename(retired)
            staging.rename(out)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return BuiltSite(out, gold)
