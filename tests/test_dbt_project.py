"""The dbt project's own habits: named selectors, groups and owners, the Silver
rebuild guard, the freshness check's partition filter, output without colour
codes when it is not a terminal."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
import yaml

from ingest.pipeline import ingest_paths
from ingest.sources import get_source
from lakehouse.dbt import DbtFailed, run_dbt
from lakehouse.lake import open_lake
from lakehouse.settings import PROJECT_ROOT, Settings

LAYERS = ["bronze", "silver", "private", "gold"]


@pytest.fixture(scope="module")
def nodes(tmp_path_factory) -> dict[str, list[dict]]:
    """What `dbt ls --selector NAME` lists, for every selector of selectors.yml."""
    settings = Settings.from_env(
        warehouse=str(tmp_path_factory.mktemp("ls") / "warehouse.duckdb"), target="local"
    )
    names = [
        item["name"]
        for item in yaml.safe_load((PROJECT_ROOT / "selectors.yml").read_text())["selectors"]
    ]
    listed = {}
    for name in names:
        result = run_dbt(
            ["ls", "--selector", name, "--output", "json",
             "--output-keys", "name", "resource_type", "original_file_path", "group"],
            settings,
            quiet=True,
        )  # fmt: skip
        listed[name] = [json.loads(line) for line in result.result]
    return listed


def _names(nodes: list[dict], resource_type: str) -> set[str]:
    return {node["name"] for node in nodes if node["resource_type"] == resource_type}


def test_nightly_and_ci_select_everything_and_only_ci_runs_unit_tests(nodes):
    models = {path.stem for path in (PROJECT_ROOT / "models").rglob("*.sql")}
    nightly, ci = nodes["nightly"], nodes["ci"]
    assert _names(nightly, "model") == models == _names(ci, "model")
    assert _names(nightly, "seed") == {path.stem for path in (PROJECT_ROOT / "seeds").glob("*.csv")}
    assert "assert_every_turn_has_a_price" in _names(nightly, "test")
    assert _names(nightly, "test") == _names(ci, "test")
    assert not _names(nightly, "unit_test")
    assert {
        "incremental_run_reads_bronze_from_the_lookback_start_on",
        "recosting_restates_silver_turns_from_the_given_day",
        "incremental_run_recomputes_whole_days_from_the_lookback_start",
        "incremental_run_counts_rolling_users_from_before_the_lookback",
    } <= _names(ci, "unit_test")


@pytest.mark.parametrize("layer", LAYERS)
def test_each_layer_has_a_selector_with_exactly_its_folder(nodes, layer):
    folder = PROJECT_ROOT / "models" / layer
    expected = {path.stem for path in folder.rglob("*.sql")}
    assert expected
    assert _names(nodes[layer], "model") == expected


def test_the_reference_selector_is_the_seeds(nodes):
    assert _names(nodes["reference"], "seed") == _names(nodes["nightly"], "seed")
    assert not _names(nodes["reference"], "model")


def test_every_model_has_a_group_with_an_owner_and_person_level_tables_are_private(nodes):
    groups = {
        group["name"]: group
        for group in yaml.safe_load((PROJECT_ROOT / "models" / "_groups.yml").read_text())["groups"]
    }
    assert all(group["owner"].get("email") for group in groups.values())
    models = [node for node in nodes["nightly"] if node["resource_type"] == "model"]
    assert {node["name"]: node["group"] for node in models if node["group"] not in groups} == {}
    # models/private: the person_level group, whose tables only that group may ref
    private = [node for node in models if node["original_file_path"].startswith("models/private/")]
    assert {node["group"] for node in private} == {"person_level"}
    manifest = json.loads((PROJECT_ROOT / "target" / "manifest.json").read_text())
    access = {
        node["name"]: node["access"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["original_file_path"].startswith("models/private/")
    }
    # the vocabularies hold values, not people: every Gold model reads them
    assert access.pop("private_vocabularies") == "protected"
    assert set(access.values()) == {"private"}


def test_rebuild_silver_from_bronze_without_full_refresh_stops_before_building(tmp_path, capsys):
    settings = Settings.from_env(
        lake=str(tmp_path / "lake"), warehouse=str(tmp_path / "warehouse.duckdb"), target="local"
    )
    (tmp_path / "lake").mkdir()
    with pytest.raises(DbtFailed):
        run_dbt(["build", "--vars", "{rebuild_silver_from_bronze: true}"], settings, quiet=True)
    out = capsys.readouterr().out
    assert "rebuild_silver_from_bronze rebuilds Silver from Bronze only together with" in out
    assert "--full-refresh" in out and "Nothing was built." in out
    with duckdb.connect(settings.warehouse, read_only=True) as connection:
        tables = connection.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema like 'innerverse%'"
        ).fetchall()
    assert tables == []


def _ingest_turns(lake: Path, sample: Path, start: date) -> None:
    from sample_data.generate import generate

    generate(sample, users=8, days=1, start=start, seed=3)
    ingest_paths(get_source("lambda_emf"), open_lake(str(lake)), [sample / "lambda_emf"])


def test_freshness_reads_only_the_last_days_partitions(tmp_path):
    """Turns of September landed just now are fresh by `received_at`, but their
    partitions are months old: the check does not read them, so the feed is stale
    until a recent partition lands."""
    lake = tmp_path / "lake"
    settings = Settings.from_env(
        lake=str(lake), warehouse=str(tmp_path / "warehouse.duckdb"), target="local"
    )
    freshness = ["source", "freshness", "--select", "source:lake.lambda_emf"]
    _ingest_turns(lake, tmp_path / "old", date(2026, 9, 1))
    with pytest.raises(DbtFailed):
        run_dbt(freshness, settings, quiet=True)
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    _ingest_turns(lake, tmp_path / "recent", yesterday)
    result = run_dbt(freshness, settings, quiet=True)
    statuses = {
        item.node.unique_id: str(item.status)
        for item in result.result.results
        if item.node.resource_type == "source"
    }
    assert statuses == {"source.innerverse.lake.lambda_emf": "pass"}


LS_BRONZE = (
    "from lakehouse.settings import Settings; from lakehouse.dbt import run_dbt; "
    "run_dbt(['ls', '--selector', 'bronze'], Settings.from_env(warehouse={path!r}))"
)


def _dbt_output(tmp_path: Path, *, terminal: bool) -> bytes:
    code = LS_BRONZE.format(path=str(tmp_path / "warehouse.duckdb"))
    command = [sys.executable, "-c", code]
    environment = {**os.environ, "SAGE_DEMO": "1"}
    if not terminal:
        return subprocess.run(
            command, cwd=PROJECT_ROOT, env=environment, capture_output=True, check=True
        ).stdout
    primary, secondary = pty.openpty()
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=environment, stdout=secondary)
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # the other end closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert process.wait() == 0
    os.close(primary)
    return b"".join(chunks)


def test_dbt_output_has_colour_codes_only_on_a_terminal(tmp_path):
    piped = _dbt_output(tmp_path, terminal=False)
    assert b"bronze_lambda_emf" in piped
    assert b"\x1b[" not in piped
    on_terminal = _dbt_output(tmp_path, terminal=True)
    assert b"bronze_lambda_emf" in on_terminal
    assert b"\x1b[" in on_terminal


def test_exposures_link_to_where_the_site_is_served(tmp_path, monkeypatch):
    settings = Settings.from_env(warehouse=str(tmp_path / "warehouse.duckdb"), target="local")

    def urls() -> dict[str, str | None]:
        result = run_dbt(
            ["ls", "--resource-type", "exposure", "--output", "json",
             "--output-keys", "name", "url"],
            settings,
            quiet=True,
        )  # fmt: skip
        return {item["name"]: item["url"] for item in map(json.loads, result.result)}

    monkeypatch.delenv("SAGE_SITE_URL", raising=False)
    assert urls()["sage_dashboard"] == "http://127.0.0.1:8080/sage"
    monkeypatch.setenv("SAGE_SITE_URL", "https://sage.innerverse.example")
    served = urls()
    assert served["sage_dashboard"] == "https://sage.innerverse.example/sage"
    assert served["transparency_page"] == "https://sage.innerverse.example/safety/transparency"
