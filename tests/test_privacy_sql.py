"""SQL privacy macros give exactly what their Python twins give."""

from __future__ import annotations

import ipaddress
import random

import duckdb

from privacy.network import ip_network
from tests.conftest import Built
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
