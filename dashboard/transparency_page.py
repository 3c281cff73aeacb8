"""The public /safety/transparency page.

It reads only the two Gold tables built for publication
(gold_transparency_quarterly, gold_transparency_crisis_levels), whose every
published cell describes at least the minimum cohort (vars.min_cohort_size in
dbt_project.yml), and says in plain words what the app's analytics collect and
what they never do.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from dashboard import formatting as fmt
from dashboard.gold import Gold, Table
from dashboard.html import Html, hidden_cell, join, notice, table, tag
from dashboard.layout import page
from dashboard.panels.markup import people_cell
from lakehouse.project import min_cohort_size

CRISIS_LEVELS = ["none", "low", "medium", "high"]
MIN_COHORT = min_cohort_size()  # vars.min_cohort_size in dbt_project.yml


def _quarter_label(start: date, today: datetime) -> str:
    label = fmt.quarter(start)
    end_month = start.month + 2
    in_progress = (today.year, today.month) <= (start.year, end_month)
    return f"{label} (in progress)" if in_progress else label


def _problem(table_: Table) -> Html | None:
    if table_.missing:
        return notice(
            "missing",
            "These figures have not been prepared yet. They are published once the quarter's "
            "numbers have been built.",
        )
    if table_.empty:
        return notice("empty", "No figures yet: the app has no recorded activity to report.")
    return None


MEASURES = [
    "People who used the app",
    "Conversations",
    "Messages",
    "People with a message flagged",
    "Messages flagged",
    "Share of messages flagged",
    "95% range of that share",
]
QUARTERS_SHOWN = 8


def _quarter_column(row: dict) -> list[object]:
    """One quarter's figures, top to bottom in the order of MEASURES."""
    if row["is_suppressed"]:
        return [hidden_cell(_reason(row["suppression_reason"]))] * len(MEASURES)
    activity: list[object] = [
        fmt.count(row["active_users"]),
        fmt.count(row["conversations"]),
        fmt.count(row["turns"]),
    ]
    if row["flags_suppressed"]:
        return [*activity, *[hidden_cell(_reason(row["suppression_reason"]))] * 4]
    return [
        *activity,
        fmt.count(row["users_flagged"]),
        fmt.count(row["turns_flagged"]),
        fmt.percent(row["share_of_turns_flagged"], 2),
        fmt.interval(row["share_ci_low"], row["share_ci_high"], lambda v: fmt.percent(v, 2)),
    ]


def _reason(reason: str | None) -> str:
    return reason.replace("users", "people") if reason else f"fewer than {MIN_COHORT} people"


def quarterly_table(gold: Gold) -> Html:
    quarterly = gold["transparency_quarterly"]
    problem = _problem(quarterly)
    if problem:
        return problem
    quarters = sorted(quarterly.rows, key=lambda r: r["quarter_start"], reverse=True)
    quarters = quarters[:QUARTERS_SHOWN]
    columns = [_quarter_column(row) for row in quarters]
    rows = [
        [measure, *[column[index] for column in columns]] for index, measure in enumerate(MEASURES)
    ]
    parts: list[object] = []
    if all(row["is_suppressed"] for row in quarterly.rows):
        parts.append(
            notice(
                "suppressed",
                f"Nothing can be published yet: every quarter so far had fewer than {MIN_COHORT} "
                "people using the app, and we never publish a number about fewer than "
                f"{MIN_COHORT} people.",
            )
        )
    parts.append(
        table(
            ["", *[_quarter_label(row["quarter_start"], gold.read_at) for row in quarters]],
            rows,
            numeric=list(range(1, len(quarters) + 1)),
            kind="transparency-quarterly",
        )
    )
    return join(*parts)


def crisis_levels_table(gold: Gold) -> Html:
    levels = gold["transparency_crisis_levels"]
    problem = _problem(levels)
    if problem:
        return problem
    by_quarter: dict[date, dict[str, dict]] = defaultdict(dict)
    for row in levels.rows:
        by_quarter[row["quarter_start"]][row["crisis_level"]] = row
    rows = []
    for quarter_start in sorted(by_quarter, reverse=True):
        cells: list[object] = [_quarter_label(quarter_start, gold.read_at)]
        for level in CRISIS_LEVELS:
            cells.append(people_cell(by_quarter[quarter_start].get(level), _reason))
        rows.append(cells)
    return table(
        ["Quarter", "Not flagged", "Low", "Medium", "High"],
        rows,
        numeric=[1, 2, 3, 4],
        kind="transparency-crisis-levels",
    )


EXPLANATION = Html(
    f"""
<section class="panel explain" id="what-we-collect">
<h2>What we collect, and what we never do</h2>
<p>Innerverse is a wellness app in which you talk with an AI. To run it well and pay its bills
we keep statistics about how it is used. This is what those statistics are made of.</p>
<h3>What the statistics include</h3>
<ul>
<li><strong>For each message and reply:</strong> when it happened, which AI model answered, how
much text the model processed (counted in tokens, not the text itself), how long the reply took
and what it cost us.</li>
<li><strong>What an automated observer notes about each message:</strong> a mood score from
&minus;1 (very negative) to +1 (very positive), emotion labels from a short fixed list, and a
crisis level (none, low, medium or high). The observer's notes contain no words from your
message.</li>
<li><strong>From our web servers' logs:</strong> the time, the page asked for (without anything
after the <code>?</code>), the browser, operating system and kind of device, and the country.
Your internet address is shortened before any analysis: the last part is removed, so it points
to a network shared by many devices, not to yours.</li>
<li><strong>From your account:</strong> your country, your age band (not your birth date) and
your plan.</li>
<li><strong>From feedback you give:</strong> the rating, and whether you wrote a comment and how
long it was; not the comment itself.</li>
</ul>
<h3>What the statistics never include</h3>
<ul>
<li>The text of your messages, the AI's replies, your feedback comments or your conversation
titles.</li>
<li>Your name, email address or phone number.</li>
<li>Your full internet address, your city or your precise location, cookies, or a fingerprint
of your device.</li>
</ul>
<h3>How you are kept anonymous</h3>
<ul>
<li>Your account id is replaced by a pseudonym computed with a secret key (a keyed hash,
HMAC-SHA256). Without that key, which never leaves our systems, the statistics cannot be traced
back to your account.</li>
<li>A crisis flag is only ever counted. The figures on this page are counts of people and
messages; none of them is linked to a person.</li>
<li>The tables our statistics are published from hold totals over many people only: no row
about one person and no pseudonym. The working tables that do have a row per person (what each
account cost, which days it was used) are kept apart, readable only by the system that builds
the statistics, deleted after two years and at once when you ask us to erase your data.</li>
<li>Anything your app or browser sends that could carry a name (the address of a page, the name
of a browser or device, a link you came from) is published only as one of a fixed list of values,
or a value that at least {MIN_COHORT} people share; anything else is counted as <em>other</em>.
Parts of a page address that look like an id, an email address or a number are removed before
anything is stored.</li>
<li>We never publish a number about fewer than {MIN_COHORT} people. Such a number is shown as
<em>hidden</em>, and when hiding one number would let someone work it out from a total, we hide
another one too.</li>
</ul>
<h3>How to read the figures</h3>
<ul>
<li>A <em>message</em> is one message from a person together with the AI's reply.</li>
<li>A message is <em>flagged</em> when the observer rated its crisis level low, medium or high.
People are counted once a quarter, at the highest level flagged for them.</li>
<li>The range after a share is its 95% interval (Wilson score): given how many messages there
were, the true share is very likely inside it.</li>
<li>Quarters are calendar quarters in UTC. The latest quarter is still in progress.</li>
</ul>
</section>
"""
)


def render(gold: Gold) -> str:
    header = join(
        tag("h1", "Transparency report"),
        tag(
            "p",
            "How many people use Innerverse, and how often our safety observer flags a message "
            "as a possible crisis, quarter by quarter.",
            class_="lead",
        ),
        tag("p", f"Updated {fmt.timestamp(gold.read_at)}.", class_="built"),
    )
    main = join(
        tag(
            "section",
            join(
                tag("h2", "Each quarter"),
                quarterly_table(gold),
                tag("h3", "People by the highest crisis level flagged for them"),
                crisis_levels_table(gold),
                tag(
                    "p",
                    f"\u201chidden\u201d: fewer than {MIN_COHORT} people, or hidden so that a "
                    "smaller number cannot be worked out from the others.",
                    class_="note",
                ),
            ),
            class_="panel",
            id="figures",
            data_panel="transparency",
        ),
        EXPLANATION,
    )
    footer = Html("Innerverse · transparency report · aggregate figures only")
    return page("Transparency report · Innerverse", header, main, footer, depth=2, private=False)
