"""The analyst's documentation: every model, source and column is described,
every warehouse column is documented, and lineage reaches the dashboards."""

from __future__ import annotations

import json

import pytest

from lakehouse.dbt import run_dbt
from lakehouse.settings import PROJECT_ROOT
from tests.conftest import Built


@pytest.fixture(scope="module")
def artifacts(built: Built):
    run_dbt(["docs", "generate"], built.settings, quiet=True)
    target = PROJECT_ROOT / "target"
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    return manifest, catalog


def test_every_model_source_and_seed_has_a_description(artifacts):
    manifest, _ = artifacts
    nodes = [
        node
        for node in [*manifest["nodes"].values(), *manifest["sources"].values()]
        if node["resource_type"] in {"model", "source", "seed"}
        and node["package_name"] == "innerverse"
    ]
    assert len(nodes) > 30
    missing = [node["unique_id"] for node in nodes if not node["description"].strip()]
    assert missing == []


def test_every_column_in_the_warehouse_is_documented(artifacts):
    manifest, catalog = artifacts
    undocumented = []
    for unique_id, entry in {**catalog["nodes"], **catalog["sources"]}.items():
        node = manifest["nodes"].get(unique_id) or manifest["sources"].get(unique_id)
        if node is None or node["resource_type"] not in {"model", "seed", "source"}:
            continue
        documented = {
            name.lower(): column["description"].strip() for name, column in node["columns"].items()
        }
        for name in entry["columns"]:
            if not documented.get(name.lower()):
                undocumented.append(f"{unique_id}.{name}")
    assert undocumented == []


def test_lineage_runs_from_the_lake_to_both_dashboards(artifacts):
    manifest, _ = artifacts
    exposures = {exposure["name"]: exposure for exposure in manifest["exposures"].values()}
    assert set(exposures) == {"sage_dashboard", "transparency_page", "partner_bundles"}

    def upstream(unique_id: str, seen: set[str]) -> set[str]:
        node = manifest["nodes"].get(unique_id) or manifest["exposures"].get(unique_id)
        for parent in (node or {}).get("depends_on", {}).get("nodes", []):
            if parent not in seen:
                seen.add(parent)
                upstream(parent, seen)
        return seen

    for name, exposure in exposures.items():
        sources = {
            uid for uid in upstream(exposure["unique_id"], set()) if uid.startswith("source.")
        }
        feed = "partner_telemetry" if name == "partner_bundles" else "lambda_emf"
        assert f"source.innerverse.lake.{feed}" in sources, name
    gold = {
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["name"].startswith("gold_")
    }
    exposed = {
        parent.split(".")[-1]
        for exposure in exposures.values()
        for parent in exposure["depends_on"]["nodes"]
    }
    building_blocks = {"gold_activity_hourly"}
    assert gold - building_blocks <= exposed, "a Gold table is not on any dashboard or bundle"


def test_person_level_tables_are_private_to_their_group(artifacts):
    """The restricted layer's tables with a row per person can be read only by the
    models of the `person_level` group: the Gold models that aggregate them."""
    manifest, _ = artifacts
    models = {
        node["unique_id"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["package_name"] == "innerverse"
    }
    private = {uid: node for uid, node in models.items() if node["name"].startswith("private_")}
    person_level = {uid for uid, node in private.items() if "user_key" in node["columns"]}
    assert {models[uid]["name"] for uid in person_level} == {
        "private_user_daily_activity",
        "private_user_cost",
    }
    for uid in person_level:
        assert models[uid]["access"] == "private" and models[uid]["group"] == "person_level"
        assert models[uid]["schema"].endswith("_private")
    group = manifest["groups"]["group.innerverse.person_level"]
    assert group["owner"]["email"]
    readers = [node for node in models.values() if set(node["depends_on"]["nodes"]) & person_level]
    assert readers and all(node["group"] == "person_level" for node in readers)
    assert all(
        not node["name"].startswith("gold_") or "user_key" not in node["columns"]
        for node in models.values()
    )
