"""The dbt side of the price list's checks: the session's build warns on unpriced
turns, naming the model and the count; on a copy of its warehouse with broken rows,
a plain `dbt test` fails on the validity periods and on unpriced turns above the
threshold."""

from __future__ import annotations

import dataclasses
import math
import shutil

import duckdb
import pytest

from lakehouse.dbt import DbtFailed, run_dbt
from sage.commands.pricing import warn_unpriced_turns
from tests.conftest import Built

UNKNOWN_MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0"
PERIODS_TEST = "pricing_periods_are_contiguous"
UNPRICED_TEST = "assert_every_turn_has_a_price"
LIMIT_TEST = "assert_unpriced_turns_within_the_limit"


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


def test_the_sample_build_warns_on_unpriced_turns_by_default(built: Built, capsys):
    """The sample has turns on a model left out of the price list on purpose: with the
    default threshold the build passes with a warning that names the model and count."""
    statuses = {
        item.node.name: item.status.value
        for item in built.build_result.result.results
        if item.node.resource_type == "test"
    }
    assert statuses[UNPRICED_TEST] == "warn"
    assert statuses[LIMIT_TEST] == "pass"
    assert statuses[PERIODS_TEST] == "pass"
    with built.connect() as connection:
        unpriced, turns = connection.execute(
            "select count(*) filter (where not is_priced), count(*) from innerverse_silver.turns"
        ).fetchone()
        listed = connection.execute(
            "select model_id, reason, unpriced_turns "
            f"from innerverse_dbt_test__audit.{UNPRICED_TEST}"
        ).fetchall()
    assert listed == [(UNKNOWN_MODEL, "model not in seeds/pricing.csv", unpriced)]
    warn_unpriced_turns(built.settings, built.build_result)
    warned = capsys.readouterr().err
    share = f"{unpriced / turns:.2%}"
    assert (
        f"warning: {unpriced:,} of {turns:,} turns ({share}) are on {UNKNOWN_MODEL} (2026-09-"
        in (warned)
    )
    assert "have no price in seeds/pricing.csv: not costed" in warned


def test_broken_periods_and_unpriced_turns_above_the_threshold_fail(broken_copy, capsys):
    settings, unpriced = broken_copy
    with duckdb.connect(settings.warehouse, read_only=True) as connection:
        turns = connection.execute("select count(*) from innerverse_silver.turns").fetchone()[0]
    ppm = math.ceil(unpriced * 1_000_000 / turns)
    assert 0 < ppm < 10_000  # the sample's unpriced share: a warning by default
    with pytest.raises(DbtFailed):
        run_dbt(
            [
                "test",
                "--select", PERIODS_TEST, UNPRICED_TEST, LIMIT_TEST,
                "--vars", f"{{unpriced_turns_max_ppm: {ppm - 1}}}",
            ],
            settings,
            quiet=False,  # the warning and the count in words are not errors
        )  # fmt: skip
    out = capsys.readouterr().out
    assert f"Failure in test {PERIODS_TEST}" in out
    # dbt's own lines: the unpriced turns counted (a warning), the share over the limit
    # (a failure), then the count and the share in words
    assert f"Warning in test {UNPRICED_TEST}" in out
    assert f"Got {unpriced} results, configured to warn if > 0" in out
    assert f"Failure in test {LIMIT_TEST}" in out
    assert (
        f"Unpriced turns: {unpriced:,} of {turns:,} turns ({unpriced / turns:.2%}) have no price "
        f"valid at their time and are not costed ({UNKNOWN_MODEL} {unpriced:,}); the build "
        f"fails above {(ppm - 1) / 1_000_000:.2%} (var unpriced_turns_max_ppm: {ppm - 1} per "
        "million)."
    ) in out
    with duckdb.connect(settings.warehouse, read_only=True) as connection:
        over = connection.execute(
            "select unpriced_turns, all_turns, share_of_turns "
            f"from innerverse_dbt_test__audit.{LIMIT_TEST}"
        ).fetchall()
    assert over == [(unpriced, turns, pytest.approx(unpriced / turns))]
    with duckdb.connect(settings.warehouse, read_only=True) as connection:
        periods = connection.execute(
            "select price_id, model_id, rule, other_price_id "
            f"from innerverse_dbt_test__audit.{PERIODS_TEST} order by 1"
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
