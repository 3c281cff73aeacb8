"""The cost answer on a built warehouse, checked against an independent
computation in Python from the Bronze files and seeds/pricing.csv."""

from __future__ import annotations

import csv
import gzip
import json
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal

import numpy as np
import pytest

from privacy.pseudonym import DEMO_PEPPER, pseudonymise
from tests.conftest import PROJECT_ROOT, Built

MILLION = Decimal(1_000_000)
ALL_TIME_USERS = "from innerverse_private.user_cost where window_name = 'all time'"


def price_list() -> list[dict]:
    with open(PROJECT_ROOT / "seeds" / "pricing.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def price_for(prices: list[dict], model_id: str, at: datetime) -> dict | None:
    for row in prices:
        start = datetime.fromisoformat(row["effective_from"]).replace(tzinfo=UTC)
        end = (
            datetime.fromisoformat(row["effective_to"]).replace(tzinfo=UTC)
            if row["effective_to"]
            else None
        )
        if row["model_id"] == model_id and start <= at and (end is None or at < end):
            return row
    return None


def bronze_turns(built: Built) -> dict[str, dict]:
    """Every landed turn, once, read straight from the lake's files: the EMF lines
    and the OpenTelemetry spans (both carry the same token fields, uncached input
    in ``tokens_in``)."""
    turns: dict[str, dict] = {}
    for source in ("lambda_emf", "otel"):
        for path in sorted((built.root / "lake" / "bronze" / source).rglob("*.ndjson.gz")):
            for line in gzip.decompress(path.read_bytes()).splitlines():
                row = json.loads(line)
                turns.setdefault(row["event_id"], row)
    return turns


@pytest.fixture(scope="module")
def expected(built: Built) -> dict[str, tuple[str | None, Decimal | None, str]]:
    prices = price_list()
    result = {}
    for event_id, turn in bronze_turns(built).items():
        at = datetime.fromisoformat(turn["event_at"].replace("Z", "+00:00"))
        row = price_for(prices, turn["model_id"], at)
        cost = None
        if row is not None:
            cost = (
                turn["tokens_in"] * Decimal(row["input_usd_per_mtok"])
                + turn["tokens_out"] * Decimal(row["output_usd_per_mtok"])
                + turn["tokens_cache_read"] * Decimal(row["cache_read_usd_per_mtok"])
                + turn["tokens_cache_write"] * Decimal(row["cache_write_usd_per_mtok"])
            ) / MILLION
        result[event_id] = (
            row["price_id"] if row else None,
            cost,
            pseudonymise(turn["uid"], DEMO_PEPPER),
        )
    return result


def test_silver_has_every_landed_turn_once(built: Built, warehouse):
    emf, spans = built.manifest["sources"]["lambda_emf"], built.manifest["sources"]["otel"]
    expected = {
        "lambda_emf": emf["turns"] - emf["malformed"],
        "otel": spans["records"] - spans["malformed"] - spans["duplicated"],
    }
    counts = {
        source: (count, distinct)
        for source, count, distinct in warehouse.execute(
            "select source, count(*), count(distinct event_id) "
            "from innerverse_silver.turns group by source"
        ).fetchall()
    }
    assert counts == {source: (landed, landed) for source, landed in expected.items()}
    assert expected == {source: built.reports[source].landed for source in expected}


def test_every_turn_costed_as_python_costs_it(warehouse, expected):
    rows = warehouse.execute(
        "select event_id, price_id, cost_usd, user_key from innerverse_silver.turns"
    ).fetchall()
    assert len(rows) == len(expected)
    mismatches = [
        (event_id, price_id, cost, expected[event_id])
        for event_id, price_id, cost, user_key in rows
        if (price_id, cost, user_key) != expected[event_id]
    ]
    assert mismatches == []


def test_unknown_models_are_flagged_and_not_costed(warehouse):
    rows = warehouse.execute(
        "select model_id, count(*), count(cost_usd), count(price_id), bool_or(is_priced) "
        "from innerverse_silver.turns where not is_priced group by 1"
    ).fetchall()
    assert [row[0] for row in rows] == ["anthropic.claude-3-5-sonnet-20240620-v1:0"]
    assert all(row[2] == row[3] == 0 and row[4] is False for row in rows)
    unpriced = warehouse.execute(
        "select unpriced_turns from innerverse_gold.cost_summary where window_name = 'all time'"
    ).fetchone()[0]
    assert unpriced == sum(row[1] for row in rows) > 0


def test_per_user_cost_sums_to_total_turn_cost(warehouse, expected):
    per_user: dict[str, Decimal] = defaultdict(Decimal)
    for _, cost, user_key in expected.values():
        per_user[user_key] += cost or Decimal(0)
    gold = dict(warehouse.execute(f"select user_key, cost_usd {ALL_TIME_USERS}").fetchall())
    assert gold == per_user
    total = warehouse.execute(
        "select total_cost_usd from innerverse_gold.cost_summary where window_name = 'all time'"
    ).fetchone()[0]
    assert total == sum(per_user.values()) == sum(gold.values())


@pytest.mark.parametrize("window", ["all time", "last 30 days"])
def test_summary_statistics_match_numpy(warehouse, window):
    costs = np.array(
        [
            float(cost)
            for (cost,) in warehouse.execute(
                "select cost_usd from innerverse_private.user_cost where window_name = ?", [window]
            ).fetchall()
        ]
    )
    summary = warehouse.execute(
        "select users, avg_cost_per_user_usd, max_cost_per_user_usd, p50_cost_per_user_usd, "
        "p90_cost_per_user_usd, p99_cost_per_user_usd, avg_cost_ci_low_usd, avg_cost_ci_high_usd "
        "from innerverse_gold.cost_summary where window_name = ?",
        [window],
    ).fetchone()
    assert summary[0] == len(costs) > 120
    assert summary[1:6] == pytest.approx(
        (costs.mean(), costs.max(), *np.percentile(costs, [50, 90, 99])), rel=1e-12
    )
    # 95% t-interval with n > 120: the normal quantile.
    half_width = 1.96 * costs.std(ddof=1) / np.sqrt(len(costs))
    assert summary[6:] == pytest.approx((costs.mean() - half_width, costs.mean() + half_width))
    # Heavy-tailed, as the sample is meant to be: the top 1% costs far more than the median.
    assert summary[5] > 5 * summary[3]


def test_daily_cost_by_model_covers_every_model_in_the_price_list(warehouse):
    models = {
        row[0]
        for row in warehouse.execute(
            "select distinct model_id from innerverse_gold.cost_daily_by_model"
        ).fetchall()
    }
    assert {row["model_id"] for row in price_list()} <= models
    # closed to the price list: the sample's retired model is counted as 'other'
    assert models == {row["model_id"] for row in price_list()} | {"other"}


def test_silver_and_gold_hold_no_source_ids(built: Built, warehouse):
    """The app's unkeyed SHA-256 ids stay in Bronze: no Silver/Gold value equals one."""
    source_ids = set()
    for turn in bronze_turns(built).values():
        source_ids.update((turn["uid"], turn["cid"]))
    keys = {
        row[0]
        for row in warehouse.execute(
            "select user_key from innerverse_silver.turns "
            "union select conversation_key from innerverse_silver.turns "
            "union select user_key from innerverse_private.user_cost"
        ).fetchall()
    }
    assert keys and not keys & source_ids
    columns = {
        row[0]
        for row in warehouse.execute(
            "select column_name from information_schema.columns "
            "where table_schema in ('innerverse_silver', 'innerverse_gold')"
        ).fetchall()
    }
    assert not {"uid", "cid", "source_user_id", "source_conversation_id", "request_id"} & columns
