"""The dbt side of the price list's checks, on a copy of the session's warehouse:
a plain `dbt build` fails on broken validity periods, and unpriced turns warn
up to a threshold and fail beyond it, naming the model and the count."""

from __future__ import annotations

import dataclasses
import shutil

import duckdb
import pytest

from sage.commands.pricing import warn_unpriced_turns
from sage.dbt import DbtFailed, run_dbt
from tests.conftest import Built

UNKNOWN_MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0"
PERIODS_TEST = "pricing_periods_are_contiguous"
UNPRICED_TEST = "assert_every_turn_has_a_price"


@pytest.fixture
def broken_copy(built: Built, tmp_path):
    """The session warehouse, copied, with two bad rows added to the loaded price list."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(built.settings.warehouse, path)
    with duckdb.connect(str(path)) as connection:
        connection.execute(
            """
            insert into innerverse_reference.pricing
                (price_id, model_id, provider, effective_from, effective_to,
                 input_usd_per_mtok, output_usd_per_mtok, cache_read_usd_per_mtok,
                 cache_write_usd_per_mtok, note)
            values
                -- overlaps the open-ended sonnet row of seeds/pricing.csv
                ('sonnet-4-6@2025-06-01', 'us.anthropic.claude-sonnet-4-6', 'anthropic',
                 date '2025-06-01', date '2026-02-01', 3, 15, 0.3, 3.75, 'overlap'),
                -- a period that runs backwards
                ('retired@2026-03-01', 'retired-model', 'anthropic',
                 date '2026-03-01', date '2026-02-01', 1, 1, 1, 1, 'backwards')
            """
        )
        unpriced = connection.execute(
            "select count(*) from innerverse_silver.turns where not is_priced"
        ).fetchone()[0]
    assert unpriced > 0  # the sample has turns on a model missing from the price list
    return dataclasses.replace(built.settings, warehouse=str(path)), unpriced


def run_tests(settings, threshold: int):
    return run_dbt(
        [
            "test",
            "--select", PERIODS_TEST, UNPRICED_TEST,
            "--vars", f"{{unpriced_turns_error_threshold: {threshold}}}",
        ],
        settings,
        quiet=True,
    )  # fmt: skip


def test_broken_periods_fail_and_unpriced_turns_warn_up_to_the_threshold(broken_copy, capsys):
    settings, unpriced = broken_copy

    # Broken periods fail; so do unpriced turns above the threshold.
    with pytest.raises(DbtFailed):
        run_tests(settings, threshold=unpriced - 1)
    out = capsys.readouterr().out
    assert f"Failure in test {PERIODS_TEST}" in out
    assert f"Failure in test {UNPRICED_TEST}" in out
    assert f"Got {unpriced} results, configured to fail if > {unpriced - 1}" in out
    with duckdb.connect(settings.warehouse, read_only=True) as connection:
        periods = connection.execute(
            f"select price_id, model_id, rule, other_price_id "
            f"from innerverse_dbt_test__audit.{PERIODS_TEST} order by 1"
        ).fetchall()
        listed = connection.execute(
            "select model_id, reason, unpriced_turns "
            f"from innerverse_dbt_test__audit.{UNPRICED_TEST}"
        ).fetchall()
    assert periods == [
        ("retired@2026-03-01", "retired-model", "effective_from_before_effective_to", None),
        (
            "sonnet-4-6@2026-01-01",
            "us.anthropic.claude-sonnet-4-6",
            "periods_do_not_overlap",
            "sonnet-4-6@2025-06-01",
        ),
    ]
    assert listed == [(UNKNOWN_MODEL, "model not in seeds/pricing.csv", unpriced)]

    # Periods repaired, and one unpriced turn fewer, so no more than the threshold:
    # a warning only. (Same vars as above, so dbt need not parse the project again.)
    with duckdb.connect(settings.warehouse) as connection:
        connection.execute(
            "delete from innerverse_reference.pricing where note in ('overlap', 'backwards')"
        )
        event_id, turn_date = connection.execute(
            "select event_id, turn_date from innerverse_silver.turns where not is_priced "
            "order by event_id limit 1"
        ).fetchone()
        connection.execute("delete from innerverse_silver.turns where event_id = ?", [event_id])
        connection.execute(
            "update innerverse_gold.cost_daily_by_model "
            "set turns = turns - 1, unpriced_turns = unpriced_turns - 1 "
            "where turn_date = ? and model_id = ?",
            [turn_date, UNKNOWN_MODEL],
        )
    result = run_tests(settings, threshold=unpriced - 1)
    statuses = {
        item.node.name: item.status.value
        for item in result.result.results
        if item.node.resource_type == "test"
    }
    assert statuses == {PERIODS_TEST: "pass", UNPRICED_TEST: "warn"}
    warn_unpriced_turns(settings, result)
    warned = capsys.readouterr().err
    assert f"warning: {unpriced - 1:,} turns on {UNKNOWN_MODEL} (2026-09-" in warned
