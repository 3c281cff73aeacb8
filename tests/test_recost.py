"""A corrected price list re-costs Silver's own turns, with no Bronze needed."""

from __future__ import annotations

import dataclasses
import shutil
from decimal import Decimal

import duckdb

from lakehouse.dbt import run_dbt
from tests.conftest import Built

SONNET = "us.anthropic.claude-sonnet-4-6"


def sonnet_input_costs(path: str) -> dict[str, tuple]:
    with duckdb.connect(path, read_only=True) as connection:
        rows = connection.execute(
            "select event_id, turn_date, tokens_in, input_cost_usd from innerverse_silver.turns "
            "where model_id = ?",
            [SONNET],
        ).fetchall()
    return {event_id: (day, tokens, cost) for event_id, day, tokens, cost in rows}


def test_recost_since_a_day_reprices_silver_from_its_own_tokens(built: Built, tmp_path):
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(built.settings.warehouse, path)
    settings = dataclasses.replace(built.settings, warehouse=str(path))
    before = sonnet_input_costs(str(path))
    days = sorted({day for day, _, _ in before.values()})
    since = days[len(days) // 2]

    # The provider corrects Sonnet's input rate from the start: 3.00 -> 2.50.
    with duckdb.connect(str(path)) as connection:
        connection.execute(
            "update innerverse_reference.pricing set input_usd_per_mtok = 2.5 where model_id = ?",
            [SONNET],
        )
    # Bronze plays no part: empty the lake the build reads.
    empty = dataclasses.replace(settings, lake=str(tmp_path / "empty-lake"))
    run_dbt(
        ["run", "--select", "silver_prices", "silver_turns",
         "--vars", f"{{recost_turns_since: '{since.isoformat()}'}}"],
        empty,
        quiet=True,
    )  # fmt: skip
    after = sonnet_input_costs(str(path))

    assert set(after) == set(before)  # nothing lost, nothing added
    for event_id, (day, tokens, cost) in after.items():
        if day >= since:
            assert cost == Decimal(tokens) * Decimal("2.5") / 1_000_000, event_id
        else:
            assert cost == before[event_id][2], event_id
    assert any(day < since for day, _, _ in after.values())
