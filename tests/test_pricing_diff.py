"""`sage pricing diff`: row changes, restating history, and the exact cost impact,
on real git repositories and real DuckDB warehouses."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from pricing.diff import ADDED, CHANGED, CLOSED, REMOVED, diff_price_lists
from pricing.impact import DailyUsage, impact, totals
from pricing.pricelist import COLUMNS, PriceRow
from pricing.usage import daily_usage
from pricing.validate import validate_price_list
from sage.cli import main
from tests.conftest import PROJECT_ROOT, Built

TODAY = datetime.now(UTC).date()
SOON = TODAY + timedelta(days=10)
HEADER = ",".join(COLUMNS)


def line(price_id, model, start, end, rates, note="n") -> str:
    return f"{price_id},{model},anthropic,{start},{end or ''},{rates},{note}"


# USD per million tokens since 2026-01-01: model m 3 / 15 / 0.30 / 3.75, model n 1 / 5 / 0.1 / 1.25.
M_ROW = line("m@2026-01-01", "m", "2026-01-01", None, "3.000000,15.000000,0.300000,3.750000")
N_ROW = line("n@2026-01-01", "n", "2026-01-01", None, "1.000000,5.000000,0.100000,1.250000")
BASE_LIST = "\n".join([HEADER, M_ROW, N_ROW]) + "\n"

# Lowers m's input rate from 3.00 to 2.50 for the whole period: restates history.
LOWERED_LIST = BASE_LIST.replace(
    "m@2026-01-01,m,anthropic,2026-01-01,,3.000000", "m@2026-01-01,m,anthropic,2026-01-01,,2.500000"
)
# Closes m's row in ten days and adds the next rate from then: only the future changes.
FUTURE_LIST = (
    "\n".join(
        [
            HEADER,
            M_ROW.replace("2026-01-01,,", f"2026-01-01,{SOON},"),
            N_ROW,
            line(f"m@{SOON}", "m", SOON, None, "2.000000,10.000000,0.200000,2.500000"),
        ]
    )
    + "\n"
)

# Gold rows under our control: model m in March and April 2026, model n in April.
USAGE = [
    DailyUsage(date(2026, 3, 31), "m", 10, 1_234_567, 200_000, 500_000, 100_000),
    DailyUsage(date(2026, 4, 1), "m", 5, 250_000, 50_000, 0, 0),
    DailyUsage(date(2026, 4, 1), "n", 3, 1_000, 1_000, 0, 0),
]


def rows(text: str) -> list[PriceRow]:
    result = validate_price_list(text)
    assert result.problems == []
    return result.rows


def test_lowering_a_past_rate_costs_exactly_what_a_hand_computation_says():
    months = impact(rows(BASE_LIST), rows(LOWERED_LIST), USAGE)
    # March: 1,234,567 input tokens at 3.00 then 2.50 per million, the rest unchanged:
    #   old 3.703701 + 200,000 * 15 / 1e6 (3.00) + 500,000 * 0.30 / 1e6 (0.15)
    #       + 100,000 * 3.75 / 1e6 (0.375) = 7.228701
    #   new 3.0864175 + 3.00 + 0.15 + 0.375 = 6.6114175, difference -0.6172835
    # April: 250,000 * 3 / 1e6 + 50,000 * 15 / 1e6 = 1.50, then 0.625 + 0.75 = 1.375
    # Model n's rates did not change: it is not listed.
    assert [(m.model_id, m.month, m.turns, m.old_cost, m.new_cost) for m in months] == [
        ("m", "2026-03", 10, Decimal("7.228701"), Decimal("6.6114175")),
        ("m", "2026-04", 5, Decimal("1.5"), Decimal("1.375")),
    ]
    assert [m.difference for m in months] == [Decimal("-0.6172835"), Decimal("-0.125")]
    old_total, new_total = totals(months)
    assert new_total - old_total == Decimal("-0.7422835")


def test_a_restating_row_from_a_past_mid_period_day_reprices_only_the_days_after_it():
    # m's rate changes on 2026-04-01, decided after the fact: March keeps its cost.
    text = "\n".join(
        [
            HEADER,
            M_ROW.replace("2026-01-01,,", "2026-01-01,2026-04-01,"),
            N_ROW,
            line("m@2026-04-01", "m", "2026-04-01", None, "2.500000,15.000000,0.300000,3.750000"),
        ]
    )
    new = rows(text)
    months = impact(rows(BASE_LIST), new, USAGE)
    assert [(m.month, m.repriced_turns, m.difference) for m in months] == [
        ("2026-04", 5, Decimal("-0.125"))
    ]
    diff = diff_price_lists(rows(BASE_LIST), new, today=TODAY)
    assert [(c.kind, c.row.price_id) for c in diff.changes] == [
        (ADDED, "m@2026-04-01"),
        (CLOSED, "m@2026-01-01"),
    ]
    [restated] = diff.restatements
    assert (restated.model_id, restated.start, restated.end) == ("m", date(2026, 4, 1), TODAY)
    assert (restated.old.price_id, restated.new.price_id) == ("m@2026-01-01", "m@2026-04-01")


def test_a_future_row_has_no_impact_on_past_turns_and_restates_nothing():
    old, new = rows(BASE_LIST), rows(FUTURE_LIST)
    assert impact(old, new, USAGE) == []
    diff = diff_price_lists(old, new, today=TODAY)
    assert [(c.kind, c.row.price_id) for c in diff.changes] == [
        (ADDED, f"m@{SOON}"),
        (CLOSED, "m@2026-01-01"),
    ]
    assert diff.of_kind(CLOSED)[0].columns == (("effective_to", "open", str(SOON)),)
    assert not diff.restates_history


def test_what_counts_as_restating_history():
    base = rows(BASE_LIST)

    def restated(text: str) -> bool:
        return diff_price_lists(base, rows(text), today=TODAY).restates_history

    assert restated(LOWERED_LIST)  # a changed rate of a started period
    assert restated(HEADER + "\n" + N_ROW + "\n")  # a started row removed
    # closing a row on a past day leaves the days after it without a price
    assert restated(
        BASE_LIST.replace("m,anthropic,2026-01-01,,", "m,anthropic,2026-01-01,2026-06-01,")
    )
    # a new model with a row effective before today prices turns that had no price
    assert restated(BASE_LIST + line("o@2026-02-01", "o", "2026-02-01", None, "1,1,1,1") + "\n")
    # a note is no number
    assert not restated(BASE_LIST.replace(",n\n", ",corrected source\n", 1))
    assert not restated(FUTURE_LIST)
    # a row starting today: today's turns are not yet history
    assert not restated(BASE_LIST + line(f"o@{TODAY}", "o", TODAY, None, "1,1,1,1") + "\n")


def test_rates_are_compared_as_numbers():
    reformatted = BASE_LIST.replace("3.000000,15.000000", "3.00,15")
    diff = diff_price_lists(rows(BASE_LIST), rows(reformatted), today=TODAY)
    assert diff.changes == []
    changed = diff_price_lists(rows(BASE_LIST), rows(LOWERED_LIST), today=TODAY)
    assert [(c.kind, c.columns) for c in changed.changes] == [
        (CHANGED, (("input_usd_per_mtok", "3.000000", "2.500000"),))
    ]
    removed = diff_price_lists(rows(BASE_LIST), rows(HEADER + "\n" + N_ROW), today=TODAY)
    assert [(c.kind, c.row.price_id) for c in removed.changes] == [(REMOVED, "m@2026-01-01")]


# --- the command, on real git repositories ------------------------------------------------


def git(directory: Path, *args: str) -> str:
    environment = {
        **os.environ,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": "Price Reviewer",
        "GIT_AUTHOR_EMAIL": "reviewer@example.com",
        "GIT_COMMITTER_NAME": "Price Reviewer",
        "GIT_COMMITTER_EMAIL": "reviewer@example.com",
    }
    result = subprocess.run(
        ["git", "-C", str(directory), *args],
        capture_output=True,
        text=True,
        env=environment,
        check=True,
    )
    return result.stdout.strip()


def commit_list(repo: Path, text: str, message: str) -> None:
    path = repo / "seeds" / "pricing.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    git(repo, "add", "seeds/pricing.csv")
    git(repo, "commit", "--quiet", "-m", message)


@pytest.fixture
def repo(tmp_path) -> Path:
    """A project with the base list on main and a branch `change` checked out."""
    repo = tmp_path / "project"
    repo.mkdir()
    git(repo, "init", "--quiet", "--initial-branch", "main")
    commit_list(repo, BASE_LIST, "price list")
    git(repo, "checkout", "--quiet", "-b", "change")
    return repo


@pytest.fixture
def gold(tmp_path) -> Path:
    """A DuckDB warehouse whose daily totals per logged model id are USAGE."""
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema innerverse_private")
        connection.execute(
            """
            create table innerverse_private.model_usage_daily (
                turn_date date, model_id varchar,
                turns bigint, unpriced_turns bigint, tokens_in hugeint, tokens_out hugeint,
                tokens_cache_read hugeint, tokens_cache_write hugeint, cost_usd decimal(20, 10)
            )
            """
        )
        for day in USAGE:
            connection.execute(
                "insert into innerverse_private.model_usage_daily values "
                "(?, ?, ?, 0, ?, ?, ?, ?, 0)",
                [
                    day.turn_date,
                    day.model_id,
                    day.turns,
                    day.tokens_in,
                    day.tokens_out,
                    day.tokens_cache_read,
                    day.tokens_cache_write,
                ],
            )
    return path


def diff(repo: Path, gold: Path, *args: str) -> int:
    return main(
        [
            "pricing", "diff",
            "--file", str(repo / "seeds" / "pricing.csv"),
            "--warehouse", str(gold),
            "--target", "local",
            *args,
        ]
    )  # fmt: skip


def test_a_lowered_past_rate_is_refused_without_allow_restatement(repo, gold, tmp_path, capsys):
    (repo / "seeds" / "pricing.csv").write_text(LOWERED_LIST)  # not committed: the working file
    markdown = tmp_path / "summary.md"
    assert diff(repo, gold, "--markdown", str(markdown)) == 1
    out = capsys.readouterr().out
    assert "working tree vs merge base with main (" in out
    assert "rows: 0 added, 0 closed, 1 changed, 0 removed" in out
    assert "m@2026-01-01  m         input_usd_per_mtok  3.000000  2.500000" in out
    for expected in ("7.2287010", "6.6114175", "-0.6172835", "1.5000000", "1.3750000"):
        assert expected in out
    assert "-0.7422835" in out  # the total
    assert "Restating history: YES, refused." in out
    assert f"m, 2026-01-01 .. {TODAY - timedelta(days=1)}: m@2026-01-01 (3.000000 /" in out

    text = markdown.read_text()
    assert "> **Restating history: YES, refused.**" in text
    assert "| m | 2026-03 | 10 | 10 | 7.2287010 | 6.6114175 | -0.6172835 |" in text
    assert (
        "| **total** |  | **15** | **15** | **8.7287010** | **7.9864175** | **-0.7422835** |"
        in (text)
    )

    assert diff(repo, gold, "--allow-restatement") == 0
    assert "Restating history: YES, allowed." in capsys.readouterr().out


def test_a_future_row_passes_and_shows_no_impact(repo, gold, capsys):
    commit_list(repo, FUTURE_LIST, "sonnet rate change")  # committed on the branch
    assert diff(repo, gold, "--markdown", "-") == 0
    out = capsys.readouterr().out
    assert out.startswith("### Price list: `")
    assert "**Restating history: no.**" in out
    assert (
        f"| m@{SOON} | m | {SOON} | open | 2.000000 | 10.000000 | 0.200000 | 2.500000 | n |" in out
    )
    assert f"| m@2026-01-01 | m | effective_to | open | {SOON} |" in out
    assert "18 turns in innerverse_private.model_usage_daily" in out
    assert "No turn falls on a day whose price changes: no cost changes." in out


def test_base_can_be_any_ref(repo, gold, capsys):
    commit_list(repo, LOWERED_LIST, "lower m")
    git(repo, "tag", "lowered")
    commit_list(repo, BASE_LIST, "undo")
    # Against the tag, the working list raises m's rate back: a restatement too.
    assert diff(repo, gold, "--base", "lowered") == 1
    out = capsys.readouterr().out
    assert "working tree vs lowered (" in out
    assert "+0.6172835" in out
    # Against main nothing changed.
    assert diff(repo, gold, "--base", "main") == 0
    assert "no change to the price list" in capsys.readouterr().out


def test_an_unknown_base_is_a_usage_error(repo, gold, capsys):
    assert diff(repo, gold, "--base", "no-such-branch") == 2
    assert "--base no-such-branch: no such branch, tag or commit" in capsys.readouterr().err


def test_a_repository_without_main_needs_base(tmp_path, gold, capsys):
    repo = tmp_path / "trunk-project"
    repo.mkdir()
    git(repo, "init", "--quiet", "--initial-branch", "trunk")
    commit_list(repo, BASE_LIST, "price list")
    assert diff(repo, gold) == 2
    assert "there is no branch main (nor origin/main) to compare with: pass --base" in (
        capsys.readouterr().err
    )
    assert diff(repo, gold, "--base", "trunk") == 0


def test_a_shallow_clone_says_how_to_fetch_the_history(tmp_path, repo, gold, capsys):
    # main moves on after the branch was made; a depth-1 clone of each has no common commit.
    git(repo, "checkout", "--quiet", "main")
    commit_list(
        repo, BASE_LIST + line("o@2026-02-01", "o", "2026-02-01", None, "1,1,1,1") + "\n", "o"
    )
    git(repo, "checkout", "--quiet", "change")
    commit_list(repo, FUTURE_LIST, "m changes")
    clone = tmp_path / "clone"
    git(
        tmp_path,
        "clone",
        "--quiet",
        "--depth",
        "1",
        "--branch",
        "change",
        f"file://{repo}",
        str(clone),
    )
    git(clone, "fetch", "--quiet", "--depth", "1", "origin", "main:refs/remotes/origin/main")
    assert diff(clone, gold) == 2
    err = capsys.readouterr().err
    assert "cannot find where HEAD and origin/main diverge: this is a shallow clone" in err
    assert "fetch-depth: 0" in err
    # After fetching the history the default base works.
    git(clone, "fetch", "--quiet", "--unshallow", "origin", "main:refs/remotes/origin/main")
    assert diff(clone, gold) == 0
    assert "working tree vs merge base with origin/main (" in capsys.readouterr().out


def test_outside_a_git_repository_is_a_usage_error(tmp_path, gold, capsys):
    path = tmp_path / "loose" / "pricing.csv"
    path.parent.mkdir()
    path.write_text(BASE_LIST)
    status = main(["pricing", "diff", "--file", str(path), "--warehouse", str(gold)])
    assert status == 2
    assert "is not in a git repository" in capsys.readouterr().err


def test_an_invalid_working_list_is_refused_before_comparing(repo, gold, capsys):
    (repo / "seeds" / "pricing.csv").write_text(
        BASE_LIST.replace("1.000000,5.000000", "1.000000,-5")
    )
    assert diff(repo, gold) == 1
    err = capsys.readouterr().err
    assert "line 3 (n@2026-01-01), output_usd_per_mtok: -5 is negative" in err


def test_without_a_warehouse_the_rows_are_still_compared(repo, tmp_path, capsys):
    (repo / "seeds" / "pricing.csv").write_text(FUTURE_LIST)
    assert diff(repo, tmp_path / "missing.duckdb") == 0
    captured = capsys.readouterr()
    assert "rows: 1 added, 1 closed, 0 changed, 0 removed" in captured.out
    assert "not computed: no warehouse at" in captured.out


# --- on the session's warehouse, built from the sample by dbt ---------------------------


def test_impact_from_gold_matches_silver_turn_by_turn(built: Built, warehouse):
    """Restating haiku's input rate from 0.80 to 0.40: Gold's daily totals give the same
    difference as re-costing each Silver turn; a future row changes nothing."""
    usage = daily_usage(built.settings)
    seed = (PROJECT_ROOT / "seeds" / "pricing.csv").read_text()
    old = rows(seed)
    lowered = rows(seed.replace(",0.800000,4.000000,", ",0.400000,4.000000,"))
    months = impact(old, lowered, usage)
    assert {month.model_id for month in months} == {"anthropic.claude-haiku-4-5-20251001-v1:0"}
    assert {month.month for month in months} == {"2026-09"}

    old_silver, tokens_in = warehouse.execute(
        "select sum(cost_usd), sum(tokens_in) from innerverse_silver.turns "
        "where model_id = 'anthropic.claude-haiku-4-5-20251001-v1:0'"
    ).fetchone()
    old_total, new_total = totals(months)
    assert old_total == old_silver  # Gold's tokens at the old rates = the turns' own costs
    assert new_total - old_total == -Decimal(tokens_in) * Decimal("0.4") / 1_000_000

    future = seed.replace(
        "haiku-4-5@2026-01-01,anthropic.claude-haiku-4-5-20251001-v1:0,anthropic,2026-01-01,,",
        f"haiku-4-5@2026-01-01,anthropic.claude-haiku-4-5-20251001-v1:0,anthropic,2026-01-01,{SOON},",
    ) + line(
        f"haiku-4-5@{SOON}",
        "anthropic.claude-haiku-4-5-20251001-v1:0",
        SOON,
        None,
        "0.4,2,0.04,0.5",
    )
    assert impact(old, rows(future), usage) == []
