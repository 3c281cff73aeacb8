"""Identities planted in real-looking raw input never reach Gold or the pages.

One shared build: a generated sample with every plant added to the raw files in
each source's own format (turn logs as a CloudWatch Logs subscription payload,
CloudFront access-log lines, DynamoDB stream records, Chat Sentinel
observations), ingested, then `sage build`. Each plant must end in one of:

- **build failed**: `sage build` exits 1, and a privacy test names the Silver
  column the plant landed in, with the rule the value breaks;
- **absent**: Silver templated it away (an id-like path segment is `{id}`);
- **restricted column**: Silver (or the private layer) keeps it only in a column
  the allow-list declares restricted (`open_code`), which Gold publishes only
  through a closed vocabulary.

Whatever the outcome, the plant is found in no Gold table (built in full after
the failed build, as if its failure were ignored) and on neither dashboard page.
The outcome of every plant is written to reports/planted-identities.md.
"""

from __future__ import annotations

import base64
import copy
import gzip
import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import quote

import duckdb
import pytest

from lakehouse.dbt import DbtFailed, run_dbt
from lakehouse.settings import PROJECT_ROOT, Settings
from privacy.rules import allowlist
from sage.cli import main

RAW_ID = "3b1f6a52-9c0d-4e7b-8a21-5d4c3b2a1f0e"
SHA = hashlib.sha256(RAW_ID.encode()).digest()
SHA_HEX = SHA.hex()
B64URL = base64.urlsafe_b64encode(SHA).decode().rstrip("=")
B64 = base64.b64encode(SHA).decode()
B64URL_16 = base64.urlsafe_b64encode(SHA[:16]).decode().rstrip("=")
MD5 = hashlib.md5(RAW_ID.encode()).hexdigest()
SAMPLE_START = date(2026, 9, 1)


@dataclass(frozen=True)
class Plant:
    kind: str
    source: str  # turn, request, user, conversation, observation
    field: str  # the raw field it is planted in
    value: str
    needle: str  # what identifies the person, searched for everywhere
    column: str  # the Silver column the field lands in


PLANTS = [
    # the nine that reached Silver, Gold or /sage before closed vocabularies
    Plant(
        "route: /u/ + base64url of sha256(raw id)",
        "turn",
        "route",
        f"/u/{B64URL}",
        B64URL,
        "silver.turns.route",
    ),
    Plant(
        "route: /u/ + first 16 hex of sha256(raw id)",
        "turn",
        "route",
        f"/u/{SHA_HEX[:16]}",
        SHA_HEX[:16],
        "silver.turns.route",
    ),
    Plant(
        "route: a profile handle",
        "turn",
        "route",
        "/profile/jane.doe",
        "jane.doe",
        "silver.turns.route",
    ),
    Plant(
        "model id: a name in four words",
        "turn",
        "model_id",
        "claude for Jane Doe",
        "Jane Doe",
        "silver.turns.model_id",
    ),
    Plant(
        "user agent: a phone named after its owner",
        "request",
        "cs(User-Agent)",
        "JaneDoesPhone/2.0 CFNetwork/1408 Darwin/22.5.0",
        "JaneDoesPhone",
        "silver.requests.browser_family",
    ),
    Plant(
        "referer: a personal site",
        "request",
        "cs(Referer)",
        "https://jane-doe.example.com/post/1",
        "jane-doe",
        "silver.requests.referer_host",
    ),
    Plant(
        "path: a name, URL-encoded",
        "request",
        "cs-uri-stem",
        "/u/Jane%20Doe",
        "Jane Doe",
        "silver.requests.path_template",
    ),
    Plant("locale: a name", "user", "locale", "Jane Doe", "Jane Doe", "silver.users.locale"),
    Plant(
        "route: a name in a path",
        "turn",
        "route",
        "/u/Marisol Quintanilla/chat",
        "Marisol Quintanilla",
        "silver.turns.route",
    ),
    # names and handles in every free-text dimension
    Plant(
        "route: a social handle",
        "turn",
        "route",
        "/invoke/@zephyr_k",
        "zephyr_k",
        "silver.turns.route",
    ),
    Plant("region: a name", "turn", "region", "Priya Raman", "Priya Raman", "silver.turns.region"),
    Plant(
        "device: a device named after its owner",
        "turn",
        "device",
        "Kenjis-iPad",
        "Kenjis",
        "silver.turns.device_class",
    ),
    Plant(
        "model id: a handle",
        "turn",
        "model_id",
        "anthropic.claude-for-ngozi-okafor",
        "ngozi-okafor",
        "silver.turns.model_id",
    ),
    Plant(
        "path: a handle",
        "request",
        "cs-uri-stem",
        "/@tomas.lindqvist/journal",
        "tomas.lindqvist",
        "silver.requests.path_template",
    ),
    Plant(
        "user agent: an app build named after a person",
        "request",
        "cs(User-Agent)",
        "AishaBelloDiary/3.1 (iPhone; iOS 17.5; Scale/3.00)",
        "AishaBello",
        "silver.requests.browser_family",
    ),
    Plant(
        "referer: a handle on a social site",
        "request",
        "cs(Referer)",
        "https://lukas-brandt.social.example/@lukas",
        "lukas-brandt",
        "silver.requests.referer_host",
    ),
    Plant(
        "host header: a personal subdomain",
        "request",
        "x-host-header",
        "chloe-martin.innerverse.example",
        "chloe-martin",
        "silver.requests.site",
    ),
    Plant(
        "conversation model id: a name",
        "conversation",
        "model_id",
        "claude for Mei Tanaka",
        "Mei Tanaka",
        "silver.conversations.model_id",
    ),
    Plant(
        "observer model id: a name",
        "observation",
        "observer_model_id",
        "haiku for Alex Moreau",
        "Alex Moreau",
        "silver.observations.observer_model_id",
    ),
    # hashed ids in several encodings and lengths
    Plant(
        "route: /u/ + sha256 hex", "turn", "route", f"/u/{SHA_HEX}", SHA_HEX, "silver.turns.route"
    ),
    Plant("route: /u/ + md5 hex", "turn", "route", f"/u/{MD5}", MD5, "silver.turns.route"),
    Plant(
        "route: /u/ + base64url of 16 bytes",
        "turn",
        "route",
        f"/s/{B64URL_16}",
        B64URL_16,
        "silver.turns.route",
    ),
    Plant(
        "path: /u/ + base64url of sha256",
        "request",
        "cs-uri-stem",
        f"/u/{B64URL}/avatar",
        B64URL,
        "silver.requests.path_template",
    ),
    Plant(
        "model id: standard base64 of sha256",
        "turn",
        "model_id",
        f"claude-{B64}",
        B64[:20],
        "silver.turns.model_id",
    ),
    Plant(
        "region: first 12 hex of sha256",
        "turn",
        "region",
        f"r-{SHA_HEX[:12]}",
        SHA_HEX[:12],
        "silver.turns.region",
    ),
    Plant(
        "locale: first 16 hex of sha256",
        "user",
        "locale",
        SHA_HEX[:16],
        SHA_HEX[:16],
        "silver.users.locale",
    ),
    # emails, phones, addresses, raw ids
    Plant(
        "route: an email",
        "turn",
        "route",
        "/invoke/jane.doe@example.com",
        "jane.doe@example",
        "silver.turns.route",
    ),
    Plant(
        "path: an email",
        "request",
        "cs-uri-stem",
        "/u/marisol.q@example.org/settings",
        "marisol.q@example",
        "silver.requests.path_template",
    ),
    Plant(
        "model id: an email",
        "turn",
        "model_id",
        "claude zephyr.k@example.net",
        "zephyr.k@example",
        "silver.turns.model_id",
    ),
    Plant(
        "route: a phone number",
        "turn",
        "route",
        "/call/+14155550123",
        "14155550123",
        "silver.turns.route",
    ),
    Plant(
        "locale: a phone number",
        "user",
        "locale",
        "+44 20 7946 0958",
        "2079460958",
        "silver.users.locale",
    ),
    Plant(
        "route: an IPv4 address",
        "turn",
        "route",
        "/ip/203.0.113.77",
        "203.0.113.77",
        "silver.turns.route",
    ),
    Plant(
        "region: an IPv6 address",
        "turn",
        "region",
        "2001:db8:85a3::8a2e:370:7334",
        "2001:db8:85a3::8a2e",
        "silver.turns.region",
    ),
    Plant(
        "route: a raw user id (UUID)", "turn", "route", f"/u/{RAW_ID}", RAW_ID, "silver.turns.route"
    ),
    Plant(
        "model id: a raw user id (UUID)",
        "turn",
        "model_id",
        RAW_ID.upper(),
        RAW_ID,
        "silver.turns.model_id",
    ),
    Plant(
        "path: a numeric account id",
        "request",
        "cs-uri-stem",
        "/accounts/483920175564/export",
        "483920175564",
        "silver.requests.path_template",
    ),
]


def normalised(text: str) -> str:
    """Letters and digits only, lower case: 'Jane%20Doe', 'jane-doe' and 'JaneDoe' meet."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


# --- planting, in each source's own format -------------------------------------------


def _payloads(data: bytes) -> list[dict]:
    text, decoder, found, at = data.decode(), json.JSONDecoder(), [], 0
    while at < len(text):
        document, at = decoder.raw_decode(text, at)
        found.append(document)
    return found


def plant_turns(sample: Path, plants: list[Plant]) -> None:
    for path in sorted((sample / "lambda_emf").rglob("*.gz")):
        for payload in _payloads(gzip.decompress(path.read_bytes())):
            if payload.get("messageType") != "DATA_MESSAGE":
                continue
            for event in payload["logEvents"]:
                try:
                    message = json.loads(event["message"])
                except ValueError:
                    continue
                if message.get("uid") and message.get("request_id"):
                    break
            else:
                continue
            break
        else:
            continue
        break
    events = []
    for number, plant in enumerate(plants):
        planted = copy.deepcopy(message)
        planted[plant.field] = plant.value
        planted["request_id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, plant.kind))
        events.append(
            {
                "id": f"{event['timestamp']:020d}{number:036d}",
                "timestamp": event["timestamp"] + number,
                "message": json.dumps(planted),
            }
        )
    target = path.parent / "innerverse-turns-1-planted.gz"
    target.write_bytes(gzip.compress(json.dumps({**payload, "logEvents": events}).encode()))


def plant_requests(sample: Path, plants: list[Plant]) -> None:
    for path in sorted((sample / "cloudfront").glob("E2M8T6S9SM3OQY.*.gz")):
        lines = gzip.decompress(path.read_bytes()).decode().splitlines()
        fields = lines[1].removeprefix("#Fields: ").split()
        rows = [line.split("\t") for line in lines[2:]]
        good = [
            row
            for row in rows
            if len(row) == len(fields) and row[fields.index("cs-method")] == "GET"
        ]
        if len(fields) > 30 and good:
            break
    template = dict(zip(fields, good[0], strict=True))
    planted = []
    for number, plant in enumerate(plants):
        row = dict(template)
        value = plant.value
        if plant.field == "cs(User-Agent)":
            value = quote(value, safe="/;:(),.+")
        elif plant.field == "cs-uri-stem" and "%" not in value:
            value = quote(value, safe="/@")
        row[plant.field] = value
        row["x-edge-request-id"] = (
            base64.urlsafe_b64encode(hashlib.sha256(plant.kind.encode()).digest()).decode()[:40]
            + f"{number:016d}"
        )
        planted.append("\t".join(row[name] for name in fields))
    text = "\n".join(lines[:2] + planted) + "\n"
    target = path.with_name(f"{path.name.rsplit('.', 2)[0]}.planted01.gz")
    target.write_bytes(gzip.compress(text.encode()))


def _first_record(folder: Path) -> tuple[Path, dict]:
    path = sorted(folder.rglob("*.gz"))[0]
    return path, json.loads(gzip.decompress(path.read_bytes()).splitlines()[0])


def plant_app_tables(sample: Path, users: list[Plant], conversations: list[Plant]) -> None:
    for table, plants, key in (
        ("users", users, "user_id"),
        ("conversations", conversations, "conversation_id"),
    ):
        if not plants:
            continue
        path, record = _first_record(sample / "dynamodb" / table)
        lines = []
        for plant in plants:
            planted = copy.deepcopy(record)
            new_id = str(uuid.uuid5(uuid.NAMESPACE_URL, plant.kind))
            planted["eventID"] = hashlib.md5(plant.kind.encode()).hexdigest()
            planted["dynamodb"]["Keys"][key] = {"S": new_id}
            planted["dynamodb"]["NewImage"][key] = {"S": new_id}
            planted["dynamodb"]["NewImage"][plant.field] = {"S": plant.value}
            lines.append(json.dumps(planted))
        target = path.with_name(path.name.replace(".gz", "-planted.gz"))
        target.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))


def plant_observations(sample: Path, plants: list[Plant]) -> None:
    path, record = _first_record(sample / "sentinel")
    lines = []
    for plant in plants:
        planted = dict(record, **{plant.field: plant.value})
        planted["observation_id"] = "obs-" + hashlib.md5(plant.kind.encode()).hexdigest()[:24]
        lines.append(json.dumps(planted))
    target = path.with_name(path.name.replace(".gz", "-planted.gz"))
    target.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))


# --- the shared build ---------------------------------------------------------------


@dataclass
class Planted:
    settings: Settings
    build_status: int
    findings: set[tuple[str, str, str]]  # (table, column, rule) the privacy tests failed on
    text_values: dict[str, dict[str, set[str]]]  # layer -> "table.column" -> values
    pages: str
    bronze: str


def _text_values(connection, schema_prefix: str) -> dict[str, dict[str, set[str]]]:
    found: dict[str, dict[str, set[str]]] = {}
    for layer in ("silver", "private", "gold"):
        columns = connection.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = ? and (data_type = 'VARCHAR' or data_type like '%[]')",
            [f"{schema_prefix}_{layer}"],
        ).fetchall()
        for table, column in columns:
            values = connection.execute(
                f"select distinct cast({column} as varchar) from {schema_prefix}_{layer}.{table}"
            ).fetchall()
            found.setdefault(layer, {})[f"{layer}.{table}.{column}"] = {
                value for (value,) in values if value is not None
            }
    return found


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> Planted:
    from sample_data.generate import generate

    root = tmp_path_factory.mktemp("planted")
    sample = root / "sample"
    generate(sample, users=80, days=5, start=SAMPLE_START, seed=23)
    by_source: dict[str, list[Plant]] = {}
    for plant in PLANTS:
        by_source.setdefault(plant.source, []).append(plant)
    plant_turns(sample, by_source["turn"])
    plant_requests(sample, by_source["request"])
    plant_app_tables(sample, by_source["user"], by_source["conversation"])
    plant_observations(sample, by_source["observation"])

    lake, warehouse = root / "lake", root / "warehouse.duckdb"
    settings = Settings.from_env(lake=str(lake), warehouse=str(warehouse), target="local")
    for source in ("lambda_emf", "cloudfront", "dynamodb", "sentinel"):
        main(["ingest", "--source", source, "--lake", str(lake), str(sample / source)])
    status = main(
        ["build", "--lake", str(lake), "--warehouse", str(warehouse),
         "--report", str(root / "guard.json")]
    )  # fmt: skip
    # Gold in full, as if the failed build had been ignored; then every privacy rule
    # over every row, with the findings stored.
    run_dbt(["run"], settings, quiet=True)
    with pytest.raises(DbtFailed):
        run_dbt(["test", "--select", "tag:privacy", "--store-failures"], settings, quiet=True)
    site = root / "site"
    assert main(["dashboard", "--warehouse", str(warehouse), "--out", str(site)]) == 0
    pages = "\n".join(page.read_text() for page in sorted(site.rglob("*.html")))
    bronze = "\n".join(
        gzip.decompress(path.read_bytes()).decode(errors="replace")
        for path in sorted((lake / "bronze").rglob("*.ndjson.gz"))
    )
    connection = duckdb.connect(str(warehouse), read_only=True)
    findings = set()
    for test in (
        "silver_holds_no_personal_data",
        "private_holds_no_personal_data",
        "gold_holds_no_personal_data",
    ):
        findings |= set(
            connection.execute(
                f"select table_name, column_name, rule from innerverse_dbt_test__audit.{test}"
            ).fetchall()
        )
    values = _text_values(connection, "innerverse")
    connection.close()
    return Planted(settings, status, findings, values, pages, bronze)


def where_found(planted: Planted, plant: Plant, layers: tuple[str, ...]) -> dict[str, list[str]]:
    needle = normalised(plant.needle)
    return {
        column: [value for value in values if needle in normalised(value)]
        for layer in layers
        for column, values in planted.text_values.get(layer, {}).items()
        if any(needle in normalised(value) for value in values)
    }


def fate(planted: Planted, column: str, values: list[str]) -> str:
    """How a Silver or private column holding planted values keeps them out of Gold:
    the build failed on them, or the column is restricted; else a leak."""
    rules = allowlist()
    layer, table, name = column.split(".")
    kind = rules.kind(rules.table(layer, table).columns[name])
    broken = {rule for value in values for rule in kind.forbid if rules.rules[rule].search(value)}
    if broken and all((f"{layer}.{table}", name, rule) in planted.findings for rule in broken):
        return f"build failed ({column}: {', '.join(sorted(broken))})"
    if kind.restricted:
        return f"restricted column ({column})"
    return f"LEAK: {column} holds it, is not restricted and no rule failed"


def outcome(planted: Planted, plant: Plant) -> str:
    layer = plant.column.split(".")[0]
    needle = normalised(plant.needle)
    values = [
        value
        for value in planted.text_values[layer].get(plant.column, set())
        if needle in normalised(value)
    ]
    if not values:
        return "absent (not in Silver: templated to {id} or not kept)"
    return fate(planted, plant.column, values)


def test_at_least_25_kinds_are_planted_and_landed(planted):
    assert len({plant.kind for plant in PLANTS}) == len(PLANTS) >= 25
    bronze = normalised(planted.bronze)
    not_landed = [plant.kind for plant in PLANTS if normalised(plant.needle) not in bronze]
    assert not_landed == []


def test_the_build_fails_on_the_plants_the_rules_catch(planted):
    assert planted.build_status == 1
    assert {rule for _, _, rule in planted.findings} >= {
        "email", "phone", "ipv4", "ipv6", "uuid", "hex_id", "base64_id"
    }  # fmt: skip


@pytest.mark.parametrize("plant", PLANTS, ids=[plant.kind for plant in PLANTS])
def test_no_plant_reaches_gold_or_the_pages(planted, plant):
    assert where_found(planted, plant, ("gold",)) == {}
    assert normalised(plant.needle) not in normalised(planted.pages)
    assert not outcome(planted, plant).startswith("LEAK"), outcome(planted, plant)


def test_silver_holds_plants_only_in_restricted_or_failing_columns(planted):
    """Wherever a plant is found in Silver or the private layer, not only where it was
    planted (a turn's model id is also in private.model_usage_daily)."""
    leaks = [
        result
        for plant in PLANTS
        for column, values in where_found(planted, plant, ("silver", "private")).items()
        if (result := fate(planted, column, values)).startswith("LEAK")
    ]
    assert leaks == []


def test_where_each_plant_ended(planted):
    """The outcome of each plant, as a table for the reader (reports/planted-identities.md)."""
    rows = [(plant.kind, plant.column, outcome(planted, plant)) for plant in PLANTS]
    assert all(not result.startswith("LEAK") for _, _, result in rows)
    ends = {result.split(" (")[0] for _, _, result in rows}
    assert ends <= {"build failed", "absent", "restricted column"}
    assert {"build failed", "restricted column", "absent"} <= ends
    lines = [
        "| kind | lands in | where it ended |",
        "|---|---|---|",
        *(f"| {kind} | `{column}` | {result} |" for kind, column, result in rows),
    ]
    report = PROJECT_ROOT / "reports" / "planted-identities.md"
    report.parent.mkdir(exist_ok=True)
    report.write_text(
        f"# Planted identities: {len(rows)} kinds, one build\n\nGold and both dashboard "
        "pages hold none of them.\n\n" + "\n".join(lines) + "\n"
    )
