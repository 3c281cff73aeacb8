"""`sage dashboard` on the session's warehouse, and on copies of it made empty,
fully suppressed or missing a table: the pages say what they show, in words
when there is nothing to draw, and the public page shows only publishable numbers."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest
import sqlglot

from dashboard import formatting as fmt
from dashboard import gold as gold_tables
from dashboard import transparency_page
from dashboard.site import SAGE_PAGE, TRANSPARENCY_PAGE
from lakehouse.settings import Settings
from sage.cli import main

PANELS = ["cost", "usage", "demographics", "sentiment", "crisis"]


class PageParser(HTMLParser):
    """Collects, per panel, its charts, its table cells and its notices."""

    def __init__(self) -> None:
        super().__init__()
        self.panel: str | None = None
        self.charts: dict[str, list[str]] = {}
        self.marks: dict[str, int] = {}
        self.notices: dict[str, list[str]] = {}
        self.cells: dict[str, list[str]] = {}
        self.external: list[str] = []
        self.scripts = 0
        self._cell: list[str] | None = None
        self._table: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name in ("src", "href"):
            value = attributes.get(name) or ""
            if re.match(r"^(https?:)?//", value):
                self.external.append(value)
        if tag == "script":
            self.scripts += 1
        if tag == "section" and attributes.get("data-panel"):
            self.panel = attributes["data-panel"]
        panel = self.panel or ""
        if tag == "svg" and "chart" in (attributes.get("class") or ""):
            self.charts.setdefault(panel, []).append(attributes["data-chart"])
        if tag in ("rect", "circle") and attributes.get("class") in ("bar", "point", "cell"):
            self.marks[panel] = self.marks.get(panel, 0) + 1
        if tag == "p" and "notice" in (attributes.get("class") or ""):
            self.notices.setdefault(panel, []).append(attributes["data-state"])
        if tag == "table":
            self._table = attributes.get("data-table")
        if tag in ("td", "th") and self._table:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._table:
            self.cells.setdefault(self._table, []).append(" ".join("".join(self._cell).split()))
            self._cell = None
        if tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def parse(path: Path) -> tuple[str, PageParser]:
    text = path.read_text(encoding="utf-8")
    parser = PageParser()
    parser.feed(text)
    return text, parser


def build(settings: Settings, out: Path, capsys) -> tuple[int, str, str]:
    status = main(
        ["dashboard", "--out", str(out), "--warehouse", settings.warehouse, "--target", "local"]
    )
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture(scope="module")
def site(built, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    assert main(["dashboard", "--out", str(out), "--warehouse", built.settings.warehouse]) == 0
    return out


def copy_warehouse(built, tmp_path: Path) -> Settings:
    """A private copy of the session's warehouse, to break without touching the original."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(built.settings.warehouse, path)
    return Settings.from_env(warehouse=str(path), site=str(tmp_path / "site"), target="local")


def gold_relations(connection) -> list[str]:
    return [
        f"innerverse_gold.{name}"
        for (name,) in connection.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'innerverse_gold' and table_type = 'BASE TABLE'"
        ).fetchall()
    ]


def test_every_panel_is_built_with_charts_and_no_external_load(site, built, warehouse):
    text, page = parse(site / SAGE_PAGE)
    assert page.scripts == 0 and page.external == []
    for panel in PANELS:
        assert page.charts.get(panel), f"panel {panel} has no chart"
        assert page.marks.get(panel, 0) > 0, f"panel {panel} draws nothing"
        # a dimension of the small sample may be all hidden; nothing is missing or empty
        assert set(page.notices.get(panel, [])) <= {"warning", "suppressed"}, panel
    for chart in [
        "cost-distribution",
        "cost-by-day",
        "active-users",
        "new-returning",
        "activity-heatmap",
        "latency",
        "demographics-country",
        "sentiment",
        "emotions",
        "crisis-share",
    ]:
        assert f'data-chart="{chart}"' in text
    for leak in ("None", "nan", "Traceback", "inf%"):
        assert not re.search(rf"\b{leak}\b", text), leak
    # every panel says what it rests on and how recent it is
    assert text.count('class="basis"') == len(PANELS)
    assert text.count("Data through") + text.count("Latest") >= len(PANELS)


def test_the_cost_panel_shows_golds_numbers(site, warehouse):
    summary = warehouse.execute(
        "select users, total_cost_usd, avg_cost_per_user_usd, avg_cost_ci_low_usd, "
        "avg_cost_ci_high_usd, max_cost_per_user_usd from innerverse_gold.cost_summary "
        "where window_name = 'last 30 days'"
    ).fetchone()
    users, total, average, low, high, maximum = summary
    text = (site / SAGE_PAGE).read_text(encoding="utf-8")
    cost = text.split('data-panel="cost"', 1)[1].split('data-panel="usage"', 1)[0]
    assert f"Based on {users:,} people" in cost
    assert fmt.usd(total) in cost and fmt.usd(average) in cost and fmt.usd(maximum) in cost
    assert f"95% interval {fmt.usd(low)} {fmt.DASH} {fmt.usd(high)}" in cost
    assert re.fullmatch(r"\$[\d,]+\.\d\d", fmt.usd(total))  # money as dollars and cents


def test_the_demographics_panel_shows_suppressed_cells_as_hidden_not_zero(site, warehouse):
    by_dimension = warehouse.execute(
        "select dimension, count(*) filter (where is_suppressed), count(*) "
        "from innerverse_gold.demographics_monthly where month_start = "
        "(select max(month_start) from innerverse_gold.demographics_monthly) group by 1"
    ).fetchall()
    partly = sum(hidden for _, hidden, cells in by_dimension if 0 < hidden < cells)
    wholly = [dimension for dimension, hidden, cells in by_dimension if hidden == cells]
    assert partly > 0  # the sample is small enough to have hidden cells
    text = (site / SAGE_PAGE).read_text(encoding="utf-8")
    demographics = text.split('data-panel="demographics"', 1)[1].split('data-panel="sentiment"')[0]
    # a hidden cell is drawn as hidden, a wholly hidden dimension says so in words
    assert demographics.count('class="hidden-cell"') == partly
    assert demographics.count('data-state="suppressed"') == len(wholly)
    assert "every group is hidden" in demographics or not wholly
    assert not re.search(r">0 people|\(0 people\)", demographics)


def test_the_public_page_shows_only_the_publishable_tables(site, warehouse):
    allowed = {"0"}
    for row in warehouse.execute(
        "select active_users, conversations, turns, users_flagged, turns_flagged, "
        "share_of_turns_flagged, share_ci_low, share_ci_high "
        "from innerverse_gold.transparency_quarterly"
    ).fetchall():
        allowed |= {fmt.count(v) for v in row[:5] if v is not None}
        allowed |= {fmt.percent(v, 2) for v in row[5:] if v is not None}
    allowed |= {
        fmt.count(users)
        for (users,) in warehouse.execute(
            "select users from innerverse_gold.transparency_crisis_levels where users is not null"
        ).fetchall()
    }
    text, page = parse(site / TRANSPARENCY_PAGE)
    assert page.scripts == 0 and page.external == []
    numbers = [
        number
        for kind, cells in page.cells.items()
        if kind.startswith("transparency")
        for cell in cells
        if not re.search(r"[A-Za-z]", cell)  # labels: measures, quarters, levels
        for number in re.findall(r"\d[\d,.]*%?", cell)
    ]
    assert numbers, "the public tables are empty"
    assert set(numbers) <= allowed
    assert "never publish a number about fewer than 50 people" in text
    assert "keyed hash" in text and "shortened" in text and "text of your messages" in text


def test_the_public_page_needs_no_other_table(built):
    gold = gold_tables.load(built.settings, gold_tables.TRANSPARENCY_TABLES)
    assert set(gold.tables) == {"transparency_quarterly", "transparency_crisis_levels"}
    assert "Transparency report" in transparency_page.render(gold)


def test_every_query_is_athena_sql_too(built):
    for name in gold_tables.QUERIES:
        sql = gold_tables.sql_for(name, built.settings)
        sqlglot.parse_one(sql, read="athena")  # raises on anything Athena could not parse


def test_empty_gold_says_no_data_yet_in_every_panel(built, tmp_path, capsys):
    settings = copy_warehouse(built, tmp_path)
    with duckdb.connect(settings.warehouse) as connection:
        for relation in gold_relations(connection):
            connection.execute(f"delete from {relation}")
    status, _, _ = build(settings, tmp_path / "site", capsys)
    assert status == 0
    text, page = parse(tmp_path / "site" / SAGE_PAGE)
    for panel in PANELS:
        assert page.notices.get(panel) == ["empty"], panel
        assert not page.charts.get(panel)
    assert "no data yet" in text
    public = (tmp_path / "site" / TRANSPARENCY_PAGE).read_text(encoding="utf-8")
    assert "No figures yet" in public


def test_a_missing_table_is_named_on_its_panel_and_the_rest_still_renders(built, tmp_path, capsys):
    settings = copy_warehouse(built, tmp_path)
    with duckdb.connect(settings.warehouse) as connection:
        connection.execute("drop table innerverse_gold.demographics_monthly")
        connection.execute("drop table innerverse_gold.transparency_crisis_levels")
    status, out, err = build(settings, tmp_path / "site", capsys)
    assert status == 0 and str(tmp_path / "site" / SAGE_PAGE) in out
    assert "innerverse_gold.demographics_monthly is not built yet" in err
    text, page = parse(tmp_path / "site" / SAGE_PAGE)
    assert page.notices["demographics"] == ["missing"]
    assert "the Gold table innerverse_gold.demographics_monthly is not built yet" in text
    for panel in ("cost", "usage", "sentiment", "crisis"):
        assert page.charts.get(panel), panel
    public = (tmp_path / "site" / TRANSPARENCY_PAGE).read_text(encoding="utf-8")
    assert "have not been prepared yet" in public
    assert 'data-table="transparency-quarterly"' in public  # the other table still shows


def test_panels_whose_every_cell_is_suppressed_say_so(built, tmp_path, capsys):
    settings = copy_warehouse(built, tmp_path)
    with duckdb.connect(settings.warehouse) as connection:
        connection.execute(
            "update innerverse_gold.demographics_monthly set is_suppressed = true, people = null, "
            "share_of_group = null, share_ci_low = null, share_ci_high = null, "
            "group_people = null, suppression_reason = 'fewer than 50 people'"
        )
        connection.execute(
            "update innerverse_gold.sentiment_weekly set is_suppressed = true, users = null, "
            "observations = null, mean_sentiment = null, mean_sentiment_ci_low = null, "
            "mean_sentiment_ci_high = null, suppression_reason = 'fewer than 50 people'"
        )
        connection.execute(
            "update innerverse_gold.crisis_weekly set is_suppressed = true, users = null, "
            "turns = null, share_of_turns = null, share_ci_low = null, share_ci_high = null, "
            "suppression_reason = 'fewer than 50 people'"
        )
        connection.execute(
            "update innerverse_gold.transparency_quarterly set is_suppressed = true, "
            "flags_suppressed = true, active_users = null, conversations = null, turns = null, "
            "users_flagged = null, turns_flagged = null, share_of_turns_flagged = null, "
            "share_ci_low = null, share_ci_high = null, "
            "suppression_reason = 'fewer than 50 active users'"
        )
    assert build(settings, tmp_path / "site", capsys)[0] == 0
    text, page = parse(tmp_path / "site" / SAGE_PAGE)
    for panel in ("demographics", "sentiment", "crisis"):
        assert page.notices.get(panel) == ["suppressed"], panel
        assert not page.charts.get(panel), panel
    assert "Every group in" in text and "Every week is hidden" in text
    public, public_page = parse(tmp_path / "site" / TRANSPARENCY_PAGE)
    assert "Nothing can be published yet" in public
    assert set(public_page.cells["transparency-quarterly"][2:]) <= {
        "hidden",
        "People who used the app",
        "Conversations",
        "Messages",
        "People with a message flagged",
        "Messages flagged",
        "Share of messages flagged",
        "95% range of that share",
    }


def test_no_warehouse_is_an_error_and_a_foreign_folder_is_left_alone(tmp_path, capsys):
    settings = Settings.from_env(warehouse=str(tmp_path / "none.duckdb"), target="local")
    status, _, err = build(settings, tmp_path / "site", capsys)
    assert status == 1
    assert "no warehouse at" in err
    assert not (tmp_path / "site").exists()


def test_a_warehouse_locked_by_a_build_is_an_error_in_words(built, tmp_path, capsys):
    settings = copy_warehouse(built, tmp_path)
    writer = duckdb.connect(settings.warehouse)  # as `dbt build` holds it while it runs
    try:
        status, _, err = build(settings, tmp_path / "site", capsys)
    finally:
        writer.close()
    assert status == 1
    assert err.startswith("error: cannot open the warehouse:") and "Traceback" not in err


def test_the_site_folder_is_replaced_only_if_the_dashboard_wrote_it(built, tmp_path, capsys):
    foreign = tmp_path / "documents"
    foreign.mkdir()
    (foreign / "thesis.txt").write_text("mine")
    status, _, err = build(built.settings, foreign, capsys)
    assert status == 2
    assert "did not write" in err
    assert (foreign / "thesis.txt").read_text() == "mine"
    # its own folder is rebuilt in place, twice in a row
    for _ in range(2):
        assert build(built.settings, tmp_path / "site", capsys)[0] == 0
    assert sorted(p.name for p in (tmp_path / "site").iterdir()) == [
        ".sage-dashboard",
        "assets",
        "index.html",
        "safety",
        "sage",
    ]


def test_the_exposures_declare_what_the_pages_read(project_root):
    import yaml

    from dashboard.server import PRIVATE_PAGE_PATHS, PUBLIC_PAGE_PATHS

    exposures = {
        exposure["name"]: exposure
        for exposure in yaml.safe_load(
            (project_root / "models" / "gold" / "_exposures.yml").read_text()
        )["exposures"]
    }

    def reads(names: list[str]) -> set[str]:
        return {f"ref('{gold_tables.QUERIES[name][0]}')" for name in names}

    sage = exposures["sage_dashboard"]
    public = exposures["transparency_page"]
    assert set(sage["depends_on"]) == reads(gold_tables.SAGE_TABLES)
    assert set(public["depends_on"]) == reads(gold_tables.TRANSPARENCY_TABLES)
    # the site's address comes from SAGE_SITE_URL when dbt renders the exposures
    site = "{{ env_var('SAGE_SITE_URL', 'http://127.0.0.1:8080') }}"
    assert sage["url"].removeprefix(site) in PRIVATE_PAGE_PATHS
    assert public["url"].removeprefix(site) in PUBLIC_PAGE_PATHS
