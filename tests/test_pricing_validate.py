"""The price list's rules: every bad row is reported with its line, id, column and rule."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pricing.impact import DailyUsage
from pricing.pricelist import COLUMNS
from pricing.validate import check_turns_priced, validate_file, validate_price_list
from sage.cli import main
from sage.commands.common import CommandError
from sage.commands.pricing import check_price_list
from tests.conftest import PROJECT_ROOT

HEADER = ",".join(COLUMNS)
SONNET = "us.anthropic.claude-sonnet-4-6"


def price_list(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


def row(
    price_id: str = "sonnet@2026-01-01",
    start: str = "2026-01-01",
    end: str = "",
    rates: str = "3.000000,15.000000,0.300000,3.750000",
    model: str = SONNET,
) -> str:
    return f"{price_id},{model},anthropic,{start},{end},{rates},a note"


def problems(text: str) -> list[str]:
    return [str(problem) for problem in validate_price_list(text).problems]


def test_the_projects_price_list_is_valid():
    result = validate_file(PROJECT_ROOT / "seeds" / "pricing.csv")
    assert result.problems == []
    assert len(result.rows) == result.rows_read >= 4


def test_a_rate_change_closing_one_row_and_opening_the_next_is_valid():
    text = price_list(
        row(end="2026-03-01"),
        row("sonnet@2026-03-01", "2026-03-01", rates="2.500000,12.500000,0.250000,3.125000"),
    )
    result = validate_price_list(text)
    assert result.problems == []
    assert [r.price_id for r in result.rows] == ["sonnet@2026-01-01", "sonnet@2026-03-01"]


def test_a_retired_model_is_valid():
    assert problems(price_list(row(end="2026-06-01"))) == []


def test_overlapping_periods_name_both_rows_and_the_rule():
    text = price_list(
        row(end="2026-04-01"),
        row("sonnet@2026-03-01", "2026-03-01"),
    )
    assert problems(text) == [
        "seeds/pricing.csv, line 3 (sonnet@2026-03-01), effective_from: the period "
        "2026-03-01 .. open overlaps sonnet@2026-01-01 (line 2, 2026-01-01 .. 2026-04-01) "
        "of the same model: a turn from 2026-03-01 to 2026-04-01 would match both rows "
        "[periods_do_not_overlap]"
    ]


def test_two_rows_starting_the_same_day_overlap():
    text = price_list(row(end="2026-02-01"), row("sonnet-copy@2026-01-01", end="2026-03-01"))
    (message,) = problems(text)
    assert message.startswith("seeds/pricing.csv, line 3 (sonnet-copy@2026-01-01)")
    assert "overlaps sonnet@2026-01-01 (line 2" in message
    assert message.endswith("[periods_do_not_overlap]")


def test_a_gap_between_two_rows_of_a_model_fails():
    # Closed on 2026-03-01 but the next rate starts a day later: a day with no price.
    text = price_list(row(end="2026-03-01"), row("sonnet@2026-03-02", "2026-03-02"))
    assert problems(text) == [
        "seeds/pricing.csv, line 3 (sonnet@2026-03-02), effective_from: starts on 2026-03-02 "
        "but sonnet@2026-01-01 (line 2) ends on 2026-03-01: turns from 2026-03-01 to "
        "2026-03-02 would have no price; the next period starts on the day the previous one "
        "ends [no_gap_between_periods]"
    ]


def test_a_gap_is_measured_from_the_latest_end_so_far():
    # The long first row covers the short second one; the third starts after both.
    text = price_list(
        row("a@2026-01-01", "2026-01-01", "2026-06-01"),
        row("b@2026-02-01", "2026-02-01", "2026-03-01"),
        row("c@2026-07-01", "2026-07-01"),
    )
    messages = problems(text)
    assert any(
        m.startswith("seeds/pricing.csv, line 4 (c@2026-07-01)")
        and "a@2026-01-01 (line 2) ends on 2026-06-01" in m
        and m.endswith("[no_gap_between_periods]")
        for m in messages
    )


def test_an_open_ended_row_must_be_the_latest():
    text = price_list(row(), row("sonnet@2026-03-01", "2026-03-01"))
    assert problems(text) == [
        "seeds/pricing.csv, line 2 (sonnet@2026-01-01), effective_to: is empty (open-ended) "
        "but sonnet@2026-03-01 (line 3) starts later, on 2026-03-01: only a model's latest "
        "row may be open; set this row's effective_to to 2026-03-01 [open_ended_row_is_latest]"
    ]


def test_effective_from_must_be_before_effective_to():
    (message,) = problems(price_list(row(end="2026-01-01")))
    assert message == (
        "seeds/pricing.csv, line 2 (sonnet@2026-01-01), effective_to: 2026-01-01 is not "
        "after effective_from 2026-01-01: the period is empty or runs backwards "
        "[effective_from_before_effective_to]"
    )


def test_a_negative_rate_fails():
    (message,) = problems(price_list(row(rates="3.000000,-15.000000,0.300000,3.750000")))
    assert message == (
        "seeds/pricing.csv, line 2 (sonnet@2026-01-01), output_usd_per_mtok: -15.000000 is "
        "negative; a rate is 0 or more USD [rate_not_negative]"
    )


@pytest.mark.parametrize("rate", ["three", "$3.00", "3,00", "1e3", "NaN", "3."])
def test_a_rate_that_is_not_a_plain_number_fails_before_dbt_would(rate):
    text = price_list(row(rates=f'"{rate}",15.000000,0.300000,3.750000'))
    (message,) = problems(text)
    assert message.startswith(
        f"seeds/pricing.csv, line 2 (sonnet@2026-01-01), input_usd_per_mtok: {rate!r} is not "
        "a number"
    )
    assert message.endswith("[rate_is_a_number]")


def test_a_rate_with_more_decimals_than_the_seed_keeps_fails():
    (message,) = problems(price_list(row(rates="3.0000001,15,0.3,3.75")))
    assert "input_usd_per_mtok: 3.0000001 does not fit decimal(12, 6)" in message
    assert message.endswith("[rate_fits_decimal_12_6]")


def test_a_missing_column_is_named():
    header = HEADER.replace(",cache_read_usd_per_mtok", "")
    text = f"{header}\nsonnet@2026-01-01,{SONNET},anthropic,2026-01-01,,3,15,3.75,n\n"
    (message,) = problems(text)
    assert message.startswith(
        "seeds/pricing.csv, line 1, cache_read_usd_per_mtok: the header has no column "
        "'cache_read_usd_per_mtok'"
    )
    assert message.endswith("[required_columns]")


def test_empty_required_values_and_bad_dates_are_named():
    text = price_list(
        "sonnet@2026-01-01,,anthropic,2026-01-01,,3,15,0.3,3.75,n",
        f"sonnet@2026-02-01,{SONNET},anthropic,2026/02/01,,3,15,0.3,3.75,n",
        f"sonnet@2026-02-30,{SONNET},anthropic,2026-02-30,,3,15,0.3,3.75,n",
    )
    assert problems(text) == [
        "seeds/pricing.csv, line 2 (sonnet@2026-01-01), model_id: is empty; every row needs "
        "one [required_value]",
        "seeds/pricing.csv, line 3 (sonnet@2026-02-01), effective_from: '2026/02/01' is not a "
        "date written YYYY-MM-DD (UTC) [date_is_yyyy_mm_dd]",
        "seeds/pricing.csv, line 4 (sonnet@2026-02-30), effective_from: '2026-02-30' is not a "
        "calendar date [date_is_yyyy_mm_dd]",
    ]


def test_ids_are_unique_and_name_their_start():
    text = price_list(
        row(end="2026-03-01"),
        row("sonnet@2026-01-01", "2026-03-01"),
        row("opus@2026-05-01", "2026-04-01", model="opus"),
    )
    messages = problems(text)
    assert messages == [
        "seeds/pricing.csv, line 3 (sonnet@2026-01-01), price_id: should end with "
        "'@2026-03-01' (`<model short name>@<effective_from>`), so each period has its own id "
        "[price_id_ends_with_effective_from]",
        "seeds/pricing.csv, line 4 (opus@2026-05-01), price_id: should end with '@2026-04-01' "
        "(`<model short name>@<effective_from>`), so each period has its own id "
        "[price_id_ends_with_effective_from]",
    ]
    duplicate = price_list(row(end="2026-03-01"), row(end="2026-03-01"))
    assert problems(duplicate)[0].endswith(
        "price_id: the same price_id is already on line 2; a new period needs a new id "
        "[unique_price_id]"
    )


def test_a_line_with_the_wrong_number_of_values_is_named():
    text = price_list(row(), "opus@2026-01-01,opus,anthropic,2026-01-01,,18,90,1.8,22.5,a, b")
    assert problems(text) == [
        "seeds/pricing.csv, line 3 (opus@2026-01-01): has 11 values, the header has 10 "
        "columns (a comma inside a value needs double quotes) [one_value_per_column]"
    ]


def test_line_numbers_count_physical_lines_of_quoted_multi_line_notes():
    text = price_list(
        row(end="2026-03-01").replace("a note", '"a note\non two lines"'),
        row("sonnet@2026-03-01", "2026-03-01", rates="-1,15,0.3,3.75"),
    )
    (message,) = problems(text)
    assert message.startswith("seeds/pricing.csv, line 4 (sonnet@2026-03-01)")


def test_an_unknown_model_in_turns_is_reported_by_name_and_count():
    rows = validate_price_list(price_list(row(end="2026-03-01"))).rows
    usage = [
        DailyUsage(date(2026, 2, 27), SONNET, 40, 1000, 100, 0, 0),
        DailyUsage(date(2026, 3, 1), SONNET, 7, 1000, 100, 0, 0),  # after the row is closed
        DailyUsage(date(2026, 3, 2), SONNET, 5, 1000, 100, 0, 0),
        DailyUsage(date(2026, 2, 27), "anthropic.claude-3-5-sonnet-20240620-v1:0", 3, 9, 9, 0, 0),
    ]
    assert [str(problem) for problem in check_turns_priced(rows, usage)] == [
        f"seeds/pricing.csv, model_id: model {SONNET!r} has 12 turns from 2026-03-01 to "
        "2026-03-02 with no price: none of its rows is valid on those days [turns_have_a_price]",
        "seeds/pricing.csv, model_id: model 'anthropic.claude-3-5-sonnet-20240620-v1:0' has 3 "
        "turns from 2026-02-27 to 2026-02-27 with no price: the price list has no row for it "
        "[turns_have_a_price]",
    ]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pricing.csv"
    path.write_text(text)
    return path


def test_sage_pricing_validate_exits_1_and_lists_every_problem(tmp_path, capsys):
    path = write(
        tmp_path, price_list(row(end="2026-03-01"), row("sonnet@2026-03-02", "2026-03-02"))
    )
    assert main(["pricing", "validate", "--file", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}, line 3 (sonnet@2026-03-02), effective_from: starts on 2026-03-02" in err
    assert f"error: {path} has 1 problem (listed above)" in err


def test_sage_pricing_validate_passes_the_projects_list(capsys):
    assert main(["pricing", "validate"]) == 0
    assert "rows" in capsys.readouterr().out


def test_sage_pricing_validate_of_a_missing_file_is_a_usage_error(tmp_path, capsys):
    assert main(["pricing", "validate", "--file", str(tmp_path / "nope.csv")]) == 2
    assert "nope.csv: no such file" in capsys.readouterr().err


def test_the_build_check_refuses_a_bad_list_naming_the_row(tmp_path, capsys):
    """`sage build` calls this before dbt: a non-numeric rate never reaches the seed load."""
    path = write(tmp_path, price_list(row(rates="3.000000,fifteen,0.300000,3.750000")))
    with pytest.raises(CommandError) as raised:
        check_price_list(path)
    assert raised.value.status == 1
    assert "line 2 (sonnet@2026-01-01), output_usd_per_mtok: 'fifteen' is not a number" in (
        capsys.readouterr().err
    )


def test_validate_turns_names_the_model_without_a_price_and_its_count(built, tmp_path, capsys):
    location = ["--warehouse", built.settings.warehouse, "--target", "local"]
    assert main(["pricing", "validate", "--turns", *location]) == 1
    with built.connect() as connection:
        unpriced = connection.execute(
            "select count(*) from innerverse_silver.turns where not is_priced"
        ).fetchone()[0]
    err = capsys.readouterr().err
    assert (
        "seeds/pricing.csv, model_id: model 'anthropic.claude-3-5-sonnet-20240620-v1:0' has "
        f"{unpriced:,} turns from 2026-09-" in err
    )
    assert "the price list has no row for it [turns_have_a_price]" in err

    # With a row for that model, every turn of the sample has a price.
    seed = (PROJECT_ROOT / "seeds" / "pricing.csv").read_text()
    extra = "sonnet-3-5@2024-06-20,anthropic.claude-3-5-sonnet-20240620-v1:0,anthropic,"
    path = write(tmp_path, seed + extra + "2024-06-20,,3,15,0.3,3.75,launch price\n")
    assert main(["pricing", "validate", "--turns", "--file", str(path), *location]) == 0
    assert "has a price" in capsys.readouterr().out
