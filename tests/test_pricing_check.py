"""`sage pricing check` and `sage pricing snapshot`: the price list against dated
snapshots of public price catalogs.

On the project's own seed and committed snapshots, and on snapshots taken here
from real package files: wheels and source distributions packed from excerpts of
the real catalogs (tests/fixtures/pricing_catalogs/), read directly or fetched by
pip from a local folder standing in for PyPI. Nothing reaches the network.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import tarfile
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from pricing.acknowledged import COLUMNS as ACKNOWLEDGED_COLUMNS
from pricing.catalog import CatalogFormatError, CatalogPrice, NotInCatalog
from pricing.genai_prices_catalog import lookup as genai_lookup
from pricing.litellm_catalog import lookup as litellm_lookup
from pricing.model_ids import parse_bedrock_id, reference_ids
from pricing.pricelist import COLUMNS, RATE_COLUMNS
from pricing.snapshot import CATALOGS, read_snapshot
from sage.cli import main
from tests.conftest import PROJECT_ROOT

FIXTURES = Path(__file__).parent / "fixtures" / "pricing_catalogs"
LITELLM_CATALOG = (FIXTURES / "litellm_model_prices.json").read_bytes()
GENAI_CATALOG = (FIXTURES / "genai_prices_data.py.txt").read_bytes()
LITELLM_MEMBER = "litellm/model_prices_and_context_window_backup.json"
GENAI_MEMBER = "genai_prices/data.py"
SNAPSHOTS = PROJECT_ROOT / "pricing" / "snapshots"
TODAY = datetime.now(UTC).date()

HAIKU = "anthropic.claude-haiku-4-5-20251001-v1:0"
OPUS_46 = "anthropic.claude-opus-4-6-v1"
OPUS_47 = "anthropic.claude-opus-4-7"
SONNET_US = "us.anthropic.claude-sonnet-4-6"


# -- building real package files --------------------------------------------------------


def wheel(directory: Path, name: str, version: str, member: str, content: bytes) -> Path:
    """A wheel as PyPI serves it: the file, and a dist-info with METADATA, WHEEL, RECORD."""
    dist_info = f"{name.replace('-', '_')}-{version}.dist-info"
    path = directory / f"{name.replace('-', '_')}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(member, content)
        archive.writestr(
            f"{dist_info}/METADATA", f"Metadata-Version: 2.4\nName: {name}\nVersion: {version}\n"
        )
        archive.writestr(
            f"{dist_info}/WHEEL",
            "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
        archive.writestr(f"{dist_info}/RECORD", "")
    return path


def sdist(directory: Path, name: str, version: str, member: str, content: bytes) -> Path:
    top = f"{name.replace('-', '_')}-{version}"
    path = directory / f"{top}.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for inside, data in (
            (f"{top}/PKG-INFO", f"Metadata-Version: 2.4\nName: {name}\nVersion: {version}\n"),
            (f"{top}/{member}", content),
        ):
            raw = data.encode() if isinstance(data, str) else data
            info = tarfile.TarInfo(inside)
            info.size = len(raw)
            archive.addfile(info, io.BytesIO(raw))
    return path


# -- price lists ---------------------------------------------------------------------------


def price_row(
    price_id: str, model_id: str, rates: str, start: str = "2026-01-01", end: str = ""
) -> str:
    return f"{price_id},{model_id},anthropic,{start},{end},{rates},a note"


def write_price_list(directory: Path, *rows: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "pricing.csv"
    path.write_text("\n".join([",".join(COLUMNS), *rows]) + "\n")
    return path


def take_snapshots(tmp_path: Path, price_list: Path, capsys) -> Path:
    """Both catalogs' snapshots of ``price_list``'s models, from real package files."""
    packages = tmp_path / "packages"
    packages.mkdir(exist_ok=True)
    snapshots = tmp_path / "snapshots"
    litellm = wheel(packages, "litellm", "1.110.2", LITELLM_MEMBER, LITELLM_CATALOG)
    genai = sdist(packages, "genai-prices", "0.2.5", GENAI_MEMBER, GENAI_CATALOG)
    for catalog, package in (("litellm", litellm), ("genai-prices", genai)):
        status = main(
            [
                "pricing", "snapshot", "--catalog", catalog, "--package-file", str(package),
                "--file", str(price_list), "--snapshots", str(snapshots),
            ]
        )  # fmt: skip
        assert status == 0, capsys.readouterr().err
    capsys.readouterr()
    return snapshots


def check(capsys, *args: str) -> tuple[int, str, str]:
    status = main(["pricing", "check", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def check_json(capsys, *args: str) -> tuple[int, dict]:
    status, out, err = check(capsys, "--json", *args)
    assert out, err
    return status, json.loads(out)


def differences(data: dict) -> dict[tuple[str, str, str], tuple[str, str]]:
    """(catalog, model, rate) -> (seed, catalog) for every differing rate."""
    return {
        (catalog["catalog"], item["model_id"], item["rate"]): (
            item["seed_usd_per_mtok"],
            item["catalog_usd_per_mtok"],
        )
        for catalog in data["catalogs"]
        for item in catalog["differences"]
    }


# -- the seed as it stands ----------------------------------------------------------------


def test_the_seed_as_it_stands_differs_from_the_published_rates(capsys):
    """The memo's rates for Opus 4.6 and 4.7 are three times and more the published
    $5 / $25, Haiku 4.5's below the published $1 / $5: the check names each rate and
    fails. (When the founder corrects or acknowledges these rates, this changes with
    the seed: it pins what the check says about the list of the analytics memo.)"""
    status, data = check_json(capsys)
    assert status == 1
    assert data["failed"] is True
    found = differences(data)
    for catalog in ("litellm", "genai-prices"):
        assert found[(catalog, OPUS_46, "input")][0] == "15.000000"
        assert found[(catalog, OPUS_46, "output")][0] == "75.000000"
        assert found[(catalog, OPUS_47, "input")][0] == "18.000000"
        assert found[(catalog, OPUS_47, "output")][0] == "90.000000"
        assert found[(catalog, HAIKU, "input")][0] == "0.800000"
        assert found[(catalog, HAIKU, "output")][0] == "4.000000"
    # LiteLLM prices the base ids at the published (global) rate.
    assert found[("litellm", OPUS_46, "input")][1] == "5"
    assert found[("litellm", OPUS_46, "output")][1] == "25"
    assert found[("litellm", OPUS_47, "input")][1] == "5"
    assert found[("litellm", OPUS_47, "output")][1] == "25"
    assert found[("litellm", HAIKU, "input")][1] == "1"
    assert found[("litellm", HAIKU, "output")][1] == "5"
    # genai-prices prices a base id as in-region, 10% above the global rate.
    assert found[("genai-prices", OPUS_46, "input")][1] == "5.5"
    assert found[("genai-prices", HAIKU, "output")][1] == "5.5"
    # Both price the us. profile 10% above the memo's Sonnet rate.
    assert found[("litellm", SONNET_US, "input")] == ("3.000000", "3.3")

    status, out, _ = check(capsys)
    assert status == 1
    lines = out.splitlines()
    assert any(
        line.split() == [OPUS_47, "input", "18.000000", "5.000000", "3.60x", "differs"]
        for line in lines
    )
    assert any(
        line.split() == [HAIKU, "output", "4.000000", "5.000000", "0.80x", "differs"]
        for line in lines
    )
    assert "not acknowledged" in out


def test_every_difference_reported_is_the_seeds_rate_against_the_snapshots(capsys):
    """Whatever the seed and snapshots hold: each reported rate is read from them, and a
    rate that agrees is never reported."""
    status, data = check_json(capsys)
    with (PROJECT_ROOT / "seeds" / "pricing.csv").open(newline="") as file:
        seed = {row["model_id"]: row for row in csv.DictReader(file)}
    for catalog in data["catalogs"]:
        snapshot = read_snapshot(PROJECT_ROOT / catalog["snapshot"])
        for item in catalog["differences"]:
            price = snapshot.models[item["model_id"]]
            assert isinstance(price, CatalogPrice)
            assert item["seed_usd_per_mtok"] == seed[item["model_id"]][item["rate_column"]]
            assert Decimal(item["catalog_usd_per_mtok"]) == price.rates[item["rate_column"]]
            assert Decimal(item["seed_usd_per_mtok"]) != price.rates[item["rate_column"]]
    assert status == (1 if data["unacknowledged"] else 0)


def test_the_committed_snapshots_say_where_and_when_they_come_from():
    for name in CATALOGS:
        snapshot = read_snapshot(SNAPSHOTS / f"{name}.json")
        assert snapshot.catalog == name
        assert snapshot.package == CATALOGS[name].package
        assert snapshot.version and snapshot.url.startswith("https://")
        assert len(snapshot.package_sha256) == 64
        assert snapshot.package_file.startswith(CATALOGS[name].package.replace("-", "_"))
        assert snapshot.taken_on <= TODAY


# -- acknowledgements ---------------------------------------------------------------------

HAIKU_MEMO = price_row("haiku@2026-01-01", HAIKU, "0.800000,4.000000,0.080000,1.000000")


def acknowledge(directory: Path, *rows: str) -> Path:
    path = directory / "pricing_acknowledged.csv"
    path.write_text("\n".join([",".join(ACKNOWLEDGED_COLUMNS), *rows]) + "\n")
    return path


def test_acknowledged_rates_pass_and_say_why(tmp_path, capsys):
    price_list = write_price_list(tmp_path / "seeds", HAIKU_MEMO)
    snapshots = take_snapshots(tmp_path, price_list, capsys)
    args = ("--file", str(price_list), "--snapshots", str(snapshots), "--catalog", "litellm")
    assert check(capsys, *args)[0] == 1

    reason = "negotiated rate: contract 2026-03"
    acknowledge(
        price_list.parent,
        *(
            f"haiku@2026-01-01,litellm,{rate},{value},{reason}"
            for rate, value in zip(RATE_COLUMNS, ("1", "5", "0.1", "1.25"), strict=True)
        ),
    )
    status, out, _ = check(capsys, *args)
    assert status == 0
    assert any(
        line.split()[:5] == [HAIKU, "input", "0.800000", "1.000000", "0.80x"]
        and line.endswith(f"acknowledged: {reason}")
        for line in out.splitlines()
    )
    assert "4 rates differ from the catalog, every one acknowledged" in out

    # genai-prices prices the same id 10% higher: those acknowledgements do not cover it.
    status, data = check_json(capsys, "--file", str(price_list), "--snapshots", str(snapshots))
    assert status == 1
    assert data["differences"] == 8 and data["unacknowledged"] == 4


def test_an_acknowledgement_against_an_old_catalog_value_no_longer_counts(tmp_path, capsys):
    price_list = write_price_list(tmp_path / "seeds", HAIKU_MEMO)
    snapshots = take_snapshots(tmp_path, price_list, capsys)
    acknowledge(
        price_list.parent,
        f"haiku@2026-01-01,litellm,input_usd_per_mtok,0.9,{'the catalog said 0.90'}",
        "haiku@2026-01-01,litellm,output_usd_per_mtok,5,contract",
        "haiku@2026-01-01,litellm,cache_read_usd_per_mtok,0.1,contract",
        "haiku@2026-01-01,litellm,cache_write_usd_per_mtok,1.25,contract",
    )
    args = ("--file", str(price_list), "--snapshots", str(snapshots), "--catalog", "litellm")
    status, out, _ = check(capsys, *args)
    assert status == 1
    assert "differs (acknowledged against 0.9, line 2: the catalog has moved)" in out
    assert "4 rates differ from the catalog, 1 not acknowledged" in out
    status, data = check_json(capsys, *args)
    (item,) = [d for d in data["catalogs"][0]["differences"] if not d["acknowledged"]]
    assert (item["rate"], item["acknowledged_against"]) == ("input", "0.9")


def test_an_acknowledgement_of_a_rate_that_agrees_is_pointed_out(tmp_path, capsys):
    price_list = write_price_list(
        tmp_path / "seeds", price_row("haiku@2026-01-01", HAIKU, "1.000000,5.000000,0.1,1.25")
    )
    snapshots = take_snapshots(tmp_path, price_list, capsys)
    acknowledge(price_list.parent, "haiku@2026-01-01,litellm,input_usd_per_mtok,1,contract")
    status, out, _ = check(
        capsys, "--file", str(price_list), "--snapshots", str(snapshots), "--catalog", "litellm"
    )
    assert status == 0
    assert "Every rate agrees with the catalog." in out
    assert "line 2 (haiku@2026-01-01, litellm, input_usd_per_mtok) acknowledges no difference" in (
        out
    )


def test_a_bad_acknowledgements_file_is_refused_naming_line_and_rule(tmp_path, capsys):
    price_list = write_price_list(tmp_path / "seeds", HAIKU_MEMO)
    path = acknowledge(
        price_list.parent,
        "haiku@2026-01-01,litellm,input_usd_per_mtok,1,contract",
        "haiku@2026-01-01,litellm,input_usd_per_mtok,1,again",
        "haiku@2025-01-01,litellm,output_usd_per_mtok,5,contract",
        "haiku@2026-01-01,openrouter,input_usd_per_mtok,1,contract",
        "haiku@2026-01-01,litellm,input,1,contract",
        "haiku@2026-01-01,litellm,cache_read_usd_per_mtok,0.1000001,contract",
        "haiku@2026-01-01,litellm,cache_write_usd_per_mtok,1.25,",
    )
    assert main(["pricing", "validate", "--file", str(price_list)]) == 1
    err = capsys.readouterr().err
    expected = [
        f"{path}, line 3 (haiku@2026-01-01), rate: litellm input_usd_per_mtok of this row is "
        "already acknowledged on line 2 [one_acknowledgement_per_rate]",
        f"{path}, line 4 (haiku@2025-01-01), price_id: 'haiku@2025-01-01' is not a price_id "
        "of the price list [price_id_in_price_list]",
        f"{path}, line 5 (haiku@2026-01-01), catalog: 'openrouter' is not a catalog (one of: "
        "genai-prices, litellm) [known_catalog]",
        f"{path}, line 6 (haiku@2026-01-01), rate: 'input' is not one of input_usd_per_mtok, "
        "output_usd_per_mtok, cache_read_usd_per_mtok, cache_write_usd_per_mtok [known_rate]",
        f"{path}, line 7 (haiku@2026-01-01), catalog_usd_per_mtok: 0.1000001 does not fit "
        "decimal(12, 6)",
        f"{path}, line 8 (haiku@2026-01-01), reason: is empty; every acknowledgement needs "
        "one [required_value]",
        f"error: {path} has 6 problems (listed above)",
    ]
    for message in expected:
        assert message in err
    # The check refuses to run on it too: a data problem, exit status 1.
    assert check(capsys, "--file", str(price_list))[0] == 1


def test_the_projects_acknowledgements_are_valid_and_typed_like_the_dbt_seed(capsys):
    assert main(["pricing", "validate"]) == 0
    assert "seeds/pricing_acknowledged.csv: " in capsys.readouterr().out
    header = (PROJECT_ROOT / "seeds" / "pricing_acknowledged.csv").read_text().splitlines()[0]
    assert tuple(header.split(",")) == ACKNOWLEDGED_COLUMNS
    seeds = yaml.safe_load((PROJECT_ROOT / "seeds" / "_seeds.yml").read_text())["seeds"]
    (seed,) = [seed for seed in seeds if seed["name"] == "pricing_acknowledged"]
    assert tuple(seed["config"]["column_types"]) == ACKNOWLEDGED_COLUMNS
    assert [column["name"] for column in seed["columns"]] == list(ACKNOWLEDGED_COLUMNS)
    accepted = {
        column["name"]: test["accepted_values"]["arguments"]["values"]
        for column in seed["columns"]
        for test in column.get("data_tests", [])
        if isinstance(test, dict) and "accepted_values" in test
    }
    assert set(accepted["catalog"]) == set(CATALOGS)
    assert accepted["rate"] == list(RATE_COLUMNS)


# -- matching model ids --------------------------------------------------------------------


def test_bedrock_ids_are_taken_apart_into_profile_model_and_version():
    parsed = parse_bedrock_id("us.anthropic.claude-haiku-4-5-20251001-v1:0")
    assert (parsed.profile, parsed.base) == ("us", "anthropic.claude-haiku-4-5-20251001-v1:0")
    assert parsed.model == "anthropic.claude-haiku-4-5-20251001"
    assert parse_bedrock_id("anthropic.claude-opus-4-6-v1").model == "anthropic.claude-opus-4-6"
    assert parse_bedrock_id("us-gov.anthropic.claude-opus-4-7").profile == "us-gov"
    assert parse_bedrock_id("anthropic.claude-opus-4-7").profile is None
    assert reference_ids(["us.anthropic.claude-sonnet-4-6"]) == [
        "anthropic.claude-sonnet-4-6",
        "eu.anthropic.claude-sonnet-4-6",
        "global.anthropic.claude-sonnet-4-6",
        "us.anthropic.claude-sonnet-4-6",
    ]


def rates(found) -> tuple[str, ...]:
    assert isinstance(found, CatalogPrice), found
    return tuple(f"{found.rates[column]}" for column in RATE_COLUMNS)


def test_litellm_prices_a_profile_as_its_own_key_and_a_base_id_as_the_base():
    day = date(2026, 12, 1)
    found = litellm_lookup(
        LITELLM_CATALOG,
        [SONNET_US, "anthropic.claude-sonnet-4-6", "global.anthropic.claude-sonnet-4-6"],
        day,
    )
    assert rates(found[SONNET_US]) == ("3.3", "16.5", "0.33", "4.125")
    assert found[SONNET_US].matched_by == "exact id"
    assert rates(found["anthropic.claude-sonnet-4-6"]) == ("3", "15", "0.3", "3.75")
    assert rates(found["global.anthropic.claude-sonnet-4-6"]) == ("3", "15", "0.3", "3.75")


def test_genai_prices_prices_a_base_id_like_a_geographic_profile():
    found = genai_lookup(
        GENAI_CATALOG,
        [SONNET_US, "anthropic.claude-sonnet-4-6", "global.anthropic.claude-sonnet-4-6"],
        date(2026, 12, 1),
    )
    assert rates(found[SONNET_US]) == ("3.3", "16.5", "0.33", "4.125")
    assert found[SONNET_US].matched_by == (
        "the catalog's rule: contains 'us.anthropic.claude-sonnet-4-6'"
    )
    assert found[SONNET_US].catalog_model == "regional.anthropic.claude-sonnet-4-6-v1:0"
    assert rates(found["anthropic.claude-sonnet-4-6"]) == ("3.3", "16.5", "0.33", "4.125")
    assert rates(found["global.anthropic.claude-sonnet-4-6"]) == ("3", "15", "0.3", "3.75")


def test_a_profile_the_catalog_does_not_list_takes_the_base_ids_price_and_says_so():
    jp_opus = "jp.anthropic.claude-opus-4-6-v1"  # LiteLLM lists au., eu., us., global. only
    found = litellm_lookup(LITELLM_CATALOG, [jp_opus], date(2026, 12, 1))[jp_opus]
    assert rates(found) == ("5", "25", "0.5", "6.25")
    assert found.catalog_model == OPUS_46
    assert found.matched_by == "base id: the catalog lists no jp. profile of this model"
    # genai-prices' rule for the regional entry names jp. itself.
    found = genai_lookup(GENAI_CATALOG, [jp_opus], date(2026, 12, 1))[jp_opus]
    assert rates(found) == ("5.5", "27.5", "0.55", "6.875")
    assert found.matched_by == "the catalog's rule: contains 'jp.anthropic.claude-opus-4-6'"


def test_another_version_suffix_is_the_same_model_and_another_date_is_not():
    ids = [
        "anthropic.claude-opus-4-7-v1:0",  # LiteLLM's key: anthropic.claude-opus-4-7
        "anthropic.claude-opus-4-6-v1:0",  # LiteLLM's key: anthropic.claude-opus-4-6-v1
        "anthropic.claude-haiku-4-5-20250101-v1:0",  # no such model
    ]
    found = litellm_lookup(LITELLM_CATALOG, ids, date(2026, 12, 1))
    assert found[ids[0]].catalog_model == OPUS_47
    assert found[ids[0]].matched_by == "same model, version suffix differs"
    assert found[ids[1]].catalog_model == OPUS_46
    assert isinstance(found[ids[2]], NotInCatalog)


def test_two_keys_of_one_model_priced_differently_match_neither():
    catalog = json.dumps(
        {
            "anthropic.claude-x-v1:0": {
                "litellm_provider": "bedrock",
                "input_cost_per_token": 1e-06,
                "output_cost_per_token": 5e-06,
            },
            "anthropic.claude-x-v2:0": {
                "litellm_provider": "bedrock_converse",
                "input_cost_per_token": 2e-06,
                "output_cost_per_token": 1e-05,
            },
            # Another product's key for the same id: never matched.
            "bedrock/us-gov-west-1/anthropic.claude-x": {
                "litellm_provider": "bedrock",
                "input_cost_per_token": 3e-06,
            },
        }
    ).encode()
    found = litellm_lookup(catalog, ["anthropic.claude-x", "anthropic.claude-x-v1:0"], TODAY)
    missing = found["anthropic.claude-x"]
    assert isinstance(missing, NotInCatalog)
    assert missing.reason.startswith("ambiguous: anthropic.claude-x-v1:0, anthropic.claude-x-v2:0")
    # The per-token floats become exact rates per million; an absent rate is None.
    assert found["anthropic.claude-x-v1:0"].rates == {
        "input_usd_per_mtok": Decimal("1"),
        "output_usd_per_mtok": Decimal("5"),
        "cache_read_usd_per_mtok": None,
        "cache_write_usd_per_mtok": None,
    }


def test_regional_profiles_checked_both_ways(tmp_path, capsys):
    """One list, both catalogs: a us. id is compared with the catalog's us. price, a base
    id with its base price; LiteLLM and genai-prices differ on what a base id costs."""
    price_list = write_price_list(
        tmp_path / "seeds",
        # The us. profile at LiteLLM's and genai-prices' us. rate (10% above global).
        price_row("sonnet@2026-01-01", SONNET_US, "3.300000,16.500000,0.330000,4.125000"),
        # The base id at the global rate: LiteLLM's base id price, not genai-prices'.
        price_row("opus@2026-01-01", OPUS_46, "5.000000,25.000000,0.500000,6.250000"),
        # The global profile at the global rate: both agree.
        price_row(
            "opus-global@2026-01-01",
            "global.anthropic.claude-opus-4-7",
            "5.000000,25.000000,0.500000,6.250000",
        ),
    )
    snapshots = take_snapshots(tmp_path, price_list, capsys)
    args = ("--file", str(price_list), "--snapshots", str(snapshots))
    status, data = check_json(capsys, *args)
    assert status == 1
    assert differences(data) == {
        ("genai-prices", OPUS_46, "input"): ("5.000000", "5.5"),
        ("genai-prices", OPUS_46, "output"): ("25.000000", "27.5"),
        ("genai-prices", OPUS_46, "cache read"): ("0.500000", "0.55"),
        ("genai-prices", OPUS_46, "cache write"): ("6.250000", "6.875"),
    }
    litellm, genai = (
        next(item for item in data["catalogs"] if item["catalog"] == name)
        for name in ("litellm", "genai-prices")
    )
    assert litellm["profile_pricing"] == "global. same, eu. +10%, us. +10%"
    assert genai["profile_pricing"] == "global. -9.1%, eu. same, us. same"
    assert check(capsys, *args, "--catalog", "litellm")[0] == 0

    # The same models with the memo's us. rate for Sonnet: both catalogs name it.
    price_list.write_text(price_list.read_text().replace("3.300000,16.500000", "3.000000,15.0"))
    status, data = check_json(capsys, *args)
    assert ("litellm", SONNET_US, "input") in differences(data)
    assert ("genai-prices", SONNET_US, "output") in differences(data)


# -- missing models, dates -----------------------------------------------------------------


def test_a_model_the_catalog_lacks_is_reported_not_failed(tmp_path, capsys):
    price_list = write_price_list(
        tmp_path / "seeds",
        price_row("haiku@2026-01-01", HAIKU, "1.000000,5.000000,0.100000,1.250000"),
        price_row("haiku-3@2026-01-01", "anthropic.claude-3-haiku-20240307-v1:0", "0.25,1.25,0,0"),
    )
    snapshots = take_snapshots(tmp_path, price_list, capsys)
    args = ("--file", str(price_list), "--snapshots", str(snapshots), "--catalog", "litellm")
    status, out, _ = check(capsys, *args)
    assert status == 0
    assert "anthropic.claude-3-haiku-20240307-v1:0: not in the catalog: no Bedrock entry" in out
    assert "1 model not priced by every catalog (anthropic.claude-3-haiku-20240307-v1:0): " in out
    assert "not a failure." in out
    assert check(capsys, *args, "--fail-on-missing")[0] == 1


def test_a_model_added_after_the_snapshot_asks_for_a_refresh(tmp_path, capsys):
    price_list = write_price_list(
        tmp_path / "seeds",
        price_row("haiku@2026-01-01", HAIKU, "1.000000,5.000000,0.100000,1.250000"),
    )
    snapshots = take_snapshots(tmp_path, price_list, capsys)
    price_list.write_text(
        price_list.read_text()
        + price_row("opus@2026-01-01", OPUS_47, "5.000000,25.000000,0.500000,6.250000")
        + "\n"
    )
    status, out, _ = check(
        capsys, "--file", str(price_list), "--snapshots", str(snapshots), "--catalog", "litellm"
    )
    assert status == 0
    assert (
        f"{OPUS_47}: not in the snapshot: it was taken before this model was added to the "
        "price list (refresh it)"
    ) in out


def test_on_a_date_the_rows_valid_that_day_are_compared(tmp_path, capsys):
    price_list = write_price_list(
        tmp_path / "seeds",
        price_row(
            "haiku@2026-01-01", HAIKU, "0.800000,4.000000,0.080000,1.000000", end="2026-06-01"
        ),
        price_row(
            "haiku@2026-06-01", HAIKU, "1.000000,5.000000,0.100000,1.250000", start="2026-06-01"
        ),
    )
    snapshots = take_snapshots(tmp_path, price_list, capsys)
    args = ("--file", str(price_list), "--snapshots", str(snapshots), "--catalog", "litellm")
    status, data = check_json(capsys, *args)
    assert (status, data["rows_compared"]) == (0, ["haiku@2026-06-01"])
    status, data = check_json(capsys, *args, "--on", "2026-05-31")
    assert (status, data["rows_compared"], data["differences"]) == (1, ["haiku@2026-01-01"], 4)
    status, data = check_json(capsys, *args, "--on", "2025-12-31")
    assert (status, data["rows_compared"]) == (0, [])


# -- usage errors --------------------------------------------------------------------------


def test_no_snapshot_is_a_usage_error(tmp_path, capsys):
    status, _, err = check(capsys, "--snapshots", str(tmp_path / "none"))
    assert status == 2
    assert "no catalog snapshot to compare with; take one with `sage pricing snapshot`" in err
    status, _, err = check(capsys, "--snapshots", str(tmp_path), "--catalog", "litellm")
    assert status == 2
    assert "litellm.json: no such snapshot; take it with `sage pricing snapshot --catalog" in err


def test_a_damaged_snapshot_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "litellm.json").write_text('{"format": 1, "catalog": "litellm"')
    status, _, err = check(capsys, "--snapshots", str(tmp_path))
    assert status == 2 and "litellm.json: not a readable JSON snapshot" in err
    data = json.loads((SNAPSHOTS / "litellm.json").read_text())
    data["format"] = 2
    (tmp_path / "litellm.json").write_text(json.dumps(data))
    status, _, err = check(capsys, "--snapshots", str(tmp_path))
    assert status == 2 and "not a snapshot this version reads (format 2, expected 1)" in err
    del data["source"]
    data["format"] = 1
    (tmp_path / "litellm.json").write_text(json.dumps(data))
    status, _, err = check(capsys, "--snapshots", str(tmp_path))
    assert status == 2 and "missing field 'source'" in err


def test_a_date_not_written_yyyy_mm_dd_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as raised:
        main(["pricing", "check", "--on", "1 June 2026"])
    assert raised.value.code == 2
    assert "'1 June 2026' is not a date written YYYY-MM-DD" in capsys.readouterr().err


# -- taking a snapshot ---------------------------------------------------------------------


def test_a_snapshot_from_a_wheel_and_from_an_sdist_has_the_committed_format(tmp_path, capsys):
    seed = PROJECT_ROOT / "seeds" / "pricing.csv"
    snapshots = take_snapshots(tmp_path, seed, capsys)
    for name in CATALOGS:
        taken = json.loads((snapshots / f"{name}.json").read_text())
        committed = json.loads((SNAPSHOTS / f"{name}.json").read_text())
        assert list(taken) == list(committed)
        assert list(taken["source"]) == list(committed["source"])
        assert taken["taken_on"] == TODAY.isoformat()
        assert taken["refresh"] == f"sage pricing snapshot --catalog {name}"
        entry_keys = {tuple(entry) for entry in taken["models"].values()}
        assert entry_keys == {tuple(entry) for entry in committed["models"].values()}
        # Every id of the seed, with its base id and reference profiles.
        assert set(taken["models"]) >= {HAIKU, OPUS_46, OPUS_47, SONNET_US}
        assert "global.anthropic.claude-opus-4-6-v1" in taken["models"]
    litellm = read_snapshot(snapshots / "litellm.json")
    assert (litellm.version, litellm.member) == ("1.110.2", LITELLM_MEMBER)
    package = tmp_path / "packages" / "litellm-1.110.2-py3-none-any.whl"
    assert litellm.package_sha256 == hashlib.sha256(package.read_bytes()).hexdigest()
    assert rates(litellm.models[OPUS_47]) == ("5", "25", "0.5", "6.25")
    genai = read_snapshot(snapshots / "genai-prices.json")
    assert (genai.package_file, genai.member) == ("genai_prices-0.2.5.tar.gz", GENAI_MEMBER)
    assert rates(genai.models[HAIKU]) == ("1.1", "5.5", "0.11", "1.375")


def test_the_refresh_downloads_the_one_package_file_with_pip(tmp_path, capsys, monkeypatch):
    """`sage pricing snapshot` asks pip for the package, as from PyPI: here pip's index is a
    local folder (PIP_NO_INDEX / PIP_FIND_LINKS), so the real download runs offline."""
    index = tmp_path / "index"
    index.mkdir()
    wheel(index, "litellm", "1.110.2", LITELLM_MEMBER, LITELLM_CATALOG)
    wheel(index, "litellm", "1.109.0", LITELLM_MEMBER, LITELLM_CATALOG.replace(b"3.3e", b"3.4e"))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(index))
    snapshots = tmp_path / "snapshots"
    command = ["pricing", "snapshot", "--catalog", "litellm", "--snapshots", str(snapshots)]
    assert main(command) == 0
    out = capsys.readouterr().out
    assert "litellm.json: LiteLLM model prices and context windows, litellm 1.110.2 (PyPI)" in out
    assert "4 of the price list's 4 models found, 16 ids looked up" in out
    assert read_snapshot(snapshots / "litellm.json").version == "1.110.2"

    assert main([*command, "--version", "1.109.0"]) == 0
    older = read_snapshot(snapshots / "litellm.json")
    assert older.version == "1.109.0"
    assert rates(older.models[SONNET_US])[0] == "3.4"

    assert main([*command, "--version", "9.9.9"]) == 2
    err = capsys.readouterr().err
    assert "litellm: pip download litellm==9.9.9 failed:" in err
    assert read_snapshot(snapshots / "litellm.json").version == "1.109.0"  # left as it was


def test_a_package_that_is_not_the_catalog_is_refused(tmp_path, capsys):
    command = ["pricing", "snapshot", "--catalog", "litellm", "--snapshots", str(tmp_path)]
    other = wheel(tmp_path, "litellm-proxy", "1.0", LITELLM_MEMBER, LITELLM_CATALOG)
    assert main([*command, "--package-file", str(other)]) == 2
    assert "is the package 'litellm-proxy', not 'litellm'" in capsys.readouterr().err

    without = wheel(tmp_path, "litellm", "2.0", "litellm/other.json", b"{}")
    assert main([*command, "--package-file", str(without)]) == 2
    assert f"a wheel with {LITELLM_MEMBER} and one *.dist-info/METADATA was expected" in (
        capsys.readouterr().err
    )

    damaged = wheel(tmp_path, "litellm", "3.0", LITELLM_MEMBER, b'{"anthropic.x": ')
    assert main([*command, "--package-file", str(damaged)]) == 2
    assert f"{damaged.name}, {LITELLM_MEMBER} is not JSON" in capsys.readouterr().err
    assert not (tmp_path / "litellm.json").exists()

    assert main([*command, "--version", "1.0", "--catalog", "genai-prices"]) == 2
    assert "give one --catalog" in capsys.readouterr().err


def test_the_genai_prices_source_is_read_never_run(tmp_path, capsys):
    """The catalog's data.py is parsed, not imported: a call the reader does not know stays a
    value to inspect, and an expression that is not a literal is refused with its line."""
    marker = tmp_path / "ran"
    source = GENAI_CATALOG.replace(
        b"providers: list[Provider] = [",
        f"open({str(marker)!r}, 'w')\nproviders: list[Provider] = [".encode(),
    )
    found = genai_lookup(source, [HAIKU], TODAY)
    assert isinstance(found[HAIKU], CatalogPrice)
    assert not marker.exists()

    broken = GENAI_CATALOG.replace(b"input_mtok=Decimal('1.1')", b"input_mtok=Decimal('1') + 0")
    with pytest.raises(CatalogFormatError, match=r"line \d+: BinOp is not a literal"):
        genai_lookup(broken, [HAIKU], TODAY)
    package = wheel(tmp_path, "genai-prices", "0.2.5", GENAI_MEMBER, broken)
    command = ["pricing", "snapshot", "--catalog", "genai-prices", "--package-file", str(package)]
    assert main([*command, "--snapshots", str(tmp_path / "snapshots")]) == 2
    assert f"genai-prices: {package.name}, {GENAI_MEMBER} line" in capsys.readouterr().err


def test_genai_prices_dated_and_tiered_prices_are_read_for_the_day():
    source = b"""
providers = [
    Provider(
        id='aws',
        models=[
            ModelInfo(
                id='anthropic.claude-x',
                match=ClauseOr(or_=[ClauseEquals(equals='Anthropic.Claude-X')]),
                prices=[
                    ConditionalPrice(
                        prices=ModelPrice(input_mtok=Decimal('4'), output_mtok=Decimal('20'))
                    ),
                    ConditionalPrice(
                        constraint=StartDateConstraint(start_date=datetime.date(2026, 6, 1)),
                        prices=ModelPrice(
                            input_mtok=TieredPrices(
                                base=Decimal('3'), tiers=[Tier(start=200000, price=Decimal('6'))]
                            ),
                            output_mtok=Decimal('15'),
                        ),
                    ),
                ],
            ),
        ],
    ),
]
"""
    before = genai_lookup(source, ["anthropic.claude-x"], date(2026, 5, 31))["anthropic.claude-x"]
    after = genai_lookup(source, ["anthropic.claude-x"], date(2026, 6, 1))["anthropic.claude-x"]
    assert rates(before) == ("4", "20", "None", "None")
    assert rates(after) == ("3", "15", "None", "None")
    assert before.matched_by == "the catalog's rule: equals 'anthropic.claude-x'"
    assert after.notes == (
        "the catalog's price since 2026-06-01",
        "input_mtok: 3, 6 above 200,000 tokens (prompt-size tiers not compared)",
    )


def test_the_committed_snapshots_can_be_refreshed_in_place(tmp_path, capsys):
    """The refresh writes where the check reads: a snapshot taken into a copy of
    pricing/snapshots replaces the file whole, and the check reads it."""
    copy = tmp_path / "snapshots"
    shutil.copytree(SNAPSHOTS, copy)
    package = wheel(tmp_path, "litellm", "1.110.2", LITELLM_MEMBER, LITELLM_CATALOG)
    command = ["pricing", "snapshot", "--catalog", "litellm", "--package-file", str(package)]
    assert main([*command, "--snapshots", str(copy)]) == 0
    assert sorted(os.listdir(copy)) == sorted(os.listdir(SNAPSHOTS))
    capsys.readouterr()
    status, data = check_json(capsys, "--snapshots", str(copy))
    (litellm,) = [item for item in data["catalogs"] if item["catalog"] == "litellm"]
    assert litellm["source"]["file"] == package.name
    assert status == 1
