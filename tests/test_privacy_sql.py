"""SQL privacy macros give exactly what their Python twins give."""

from __future__ import annotations

import ipaddress
import random
import shutil

import duckdb

from lakehouse.settings import PROJECT_ROOT
from privacy.network import ip_network
from tests.conftest import Built
from tests.copies import copy_build
from tests.dbt_sql import compiled

EDGE_CASES = [
    "203.0.113.7", "0.0.0.0", "255.255.255.255", "10.1.2.3",
    "2001:db8:85a3::8a2e:370:7334", "2001:0DB8:0000:0042:0000:8a2e:0370:7334", "::ffff:203.0.113.7",
    "2001:db8::1", "::1", "::", "0:0:5::1", "1::", "fe80::1:2:3:4:5:6", "2a02:1f:0:9::1",
]  # fmt: skip


def addresses() -> list[str]:
    rng = random.Random(5)
    generated = []
    for _ in range(2000):
        generated.append(str(ipaddress.IPv4Address(rng.getrandbits(32))))
        value = rng.getrandbits(128) & ~((1 << rng.randrange(0, 128)) - 1)  # runs of zeros
        generated.append(str(ipaddress.IPv6Address(value)))
        generated.append(ipaddress.IPv6Address(rng.getrandbits(128)).exploded)
    return EDGE_CASES + generated


def test_ip_network_macro_on_duckdb_matches_python(built: Built):
    sql = compiled("{{ ip_network('ip') }}", built.settings)
    rows = (
        duckdb.connect()
        .execute(f"select ip, {sql} from (select unnest(?::varchar[]) as ip)", [addresses()])
        .fetchall()
    )
    assert len(rows) == len(EDGE_CASES) + 6000
    assert [(ip, network) for ip, network in rows if network != ip_network(ip)] == []


def test_url_path_template_hides_ids_and_keeps_pages(built: Built):
    sql = compiled("{{ url_path_template('?') }}", built.settings)
    uuid = "6f1c2b9e-8d4a-4c3e-9b7a-1f2e3d4c5b6a"
    cases = {
        f"/api/conversations/{uuid}": "/api/conversations/{id}",
        f"/api/conversations/{uuid}/turns/12": "/api/conversations/{id}/turns/{id}",
        "/users/0123456789abcdef0123/avatar": "/users/{id}/avatar",
        "/u/4f9c2a1b7d3e8f60": "/u/{id}",
        "/u/T2sxZ3h6Q3ZiTm0xMjM0NTY3OA/feed": "/u/{id}/feed",
        "/u/jane.doe@example.com": "/u/{id}",
        "/u/jane.doe%40example.com/x": "/u/{id}/x",
        "/files/report-0123456789abcdef.pdf": "/files/report-{id}.pdf",
        "/api/invoke-stream/conversations": "/api/invoke-stream/conversations",
        "/assets/app.3f9a1c.js": "/assets/app.3f9a1c.js",
        "/safety/transparency": "/safety/transparency",
        "/": "/",
    }
    connection = duckdb.connect()
    for path, template in cases.items():
        assert connection.execute(f"select {sql}", [path]).fetchone()[0] == template


def test_silver_requests_hold_networks_not_addresses(built: Built, warehouse):
    networks = warehouse.execute(
        "select distinct client_network from innerverse_silver.requests"
    ).fetchall()
    assert networks and all(value.endswith(("/24", "/48")) for (value,) in networks)
    paths = warehouse.execute(
        "select distinct path_template from innerverse_silver.requests"
    ).fetchall()
    assert ("/api/conversations/{id}",) in paths
    assert not any(len(segment) == 36 for (path,) in paths for segment in path.split("/"))


def test_a_gold_model_with_a_row_per_person_fails_the_build(built: Built, tmp_path):
    """gold_publishes_no_person reads the project's own declarations: a Gold model with
    a user_key column and a grain unique per user is named before any row is built."""
    settings = copy_build(built, tmp_path / "copy", lake=False)
    project = tmp_path / "project"
    for name in ("models", "macros", "seeds", "data-tests"):
        shutil.copytree(PROJECT_ROOT / name, project / name)
    shutil.copy(PROJECT_ROOT / "dbt_project.yml", project / "dbt_project.yml")

    def compiled_findings() -> str:
        from dbt.cli.main import dbtRunner

        with settings.environment():
            result = dbtRunner().invoke(
                ["--quiet", "compile", "--select", "gold_publishes_no_person",
                 "--no-populate-cache", "--project-dir", str(project),
                 "--profiles-dir", str(PROJECT_ROOT), "--target", "local",
                 "--target-path", str(tmp_path / "target")]
            )  # fmt: skip
        assert result.success, result.exception
        return result.result.results[0].node.compiled_code

    clean = compiled_findings()
    assert "person_key" not in clean  # no finding: only the empty first select
    (project / "models" / "gold" / "cost" / "gold_user_totals.sql").write_text(
        "select user_key, sum(cost_usd) as cost_usd\n"
        "from {{ ref('private_user_cost') }}\ngroup by 1\n"
    )
    (project / "models" / "gold" / "cost" / "_user_totals.yml").write_text(
        "version: 2\nmodels:\n  - name: gold_user_totals\n    config: {group: person_level}\n"
        "    columns:\n      - name: user_key\n        data_tests: [unique]\n"
    )
    leaking = compiled_findings()
    assert "'gold.user_totals' as table_name" in leaking
    assert "grain unique per person (unique over user_key)" in leaking
    assert "a key of a restricted table" in leaking
