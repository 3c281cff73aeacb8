"""The declared vocabularies (seeds/vocabularies.csv) name what they say they name,
and Gold publishes a client-controlled dimension only as one of its values, a value
of at least 50 people, or `other`."""

from __future__ import annotations

import csv
from collections import defaultdict

import pytest
import pytz
from ua_parser import load_builtins

from ingest.sources.dynamodb import PLANS
from ingest.sources.sentinel import EMOTIONS
from lakehouse.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def declared() -> dict[str, set[str]]:
    values: dict[str, set[str]] = defaultdict(set)
    with open(PROJECT_ROOT / "seeds" / "vocabularies.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            values[row["dimension"]].add(row["value"])
    return values


def test_countries_are_the_iso_3166_codes(declared):
    assert declared["country"] == set(pytz.country_names)


def test_plans_and_emotion_labels_are_the_ones_ingest_accepts(declared):
    assert declared["plan"] == set(PLANS)
    assert declared["emotion"] == set(EMOTIONS)


@pytest.mark.parametrize(("dimension", "matchers"), [("browser_family", 0), ("os_family", 1)])
def test_user_agent_families_are_ones_ua_parser_names(declared, dimension, matchers):
    """Each family is a replacement ua-parser's rules write, or text its rules capture."""
    rules = load_builtins()[matchers]
    patterns = [
        rule.pattern if isinstance(rule.pattern, str) else rule.pattern.pattern for rule in rules
    ]
    families = {rule.family for rule in rules}
    unknown = [
        family
        for family in declared[dimension] - {"Other"}
        if family not in families
        and not any(
            family in pattern or family.replace(" ", r"\ ") in pattern for pattern in patterns
        )
    ]
    assert unknown == []


def test_gold_publishes_closed_dimensions_only(warehouse):
    vocabulary = defaultdict(set)
    for dimension, value in warehouse.execute(
        "select dimension, value from innerverse_private.vocabularies"
    ).fetchall():
        vocabulary[dimension].add(value)
    published = {
        "model_id": "select distinct model_id from innerverse_gold.cost_daily_by_model",
        "route": "select distinct route from innerverse_gold.cost_daily_by_route",
        "emotion": "select distinct emotion from innerverse_gold.emotions_weekly",
        "browser_family": "select distinct value from innerverse_gold.demographics_monthly "
        "where dimension = 'browser'",
        "country": "select distinct value from innerverse_gold.demographics_monthly "
        "where dimension = 'country'",
    }
    for dimension, sql in published.items():
        values = {value for (value,) in warehouse.execute(sql).fetchall()}
        assert values and values <= vocabulary[dimension] | {"other", "unknown"}, dimension
    # the price list's model ids, and the sample's retired model as 'other'
    assert "other" in {
        value
        for (value,) in warehouse.execute(
            "select distinct model_id from innerverse_gold.cost_daily_by_model"
        ).fetchall()
    }
    # model ids and countries come from their declared lists only
    bases = dict(
        warehouse.execute(
            "select dimension, max(basis) from innerverse_private.vocabularies "
            "where dimension in ('model_id', 'country') group by 1"
        ).fetchall()
    )
    assert all(basis.startswith("declared") for basis in bases.values())
