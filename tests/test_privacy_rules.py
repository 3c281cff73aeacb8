"""The allow-list's rules: one definition that Python, DuckDB and Athena read alike."""

from __future__ import annotations

import re
import shutil

import duckdb
import pytest
import sqlglot

from lakehouse.dbt import DbtFailed, run_dbt
from lakehouse.settings import Settings
from privacy import patterns
from privacy.rules import AllowlistError, Pattern, allowlist, mask, parse_allowlist
from tests.conftest import Built

SAMPLES = [
    # personal data the rules must see
    "jane.doe@example.com", "write to user-42+x@mail.example.org today", "(415) 555-0100",
    "415-555-0100", "+44 20 7946 0958", "+14155550100", "203.0.113.7", "/invoke/10.0.0.1/x",
    "2001:db8:85a3::8a2e:370:7334", "fe80::1", "2001:0db8:0000:0042:0000:8a2e:0370:7334",
    "::ffff:203.0.113.7", "6f1c2b9e-8d4a-4c3e-9b7a-1f2e3d4c5b6a", "a" * 64,
    "e018e5460936f66b8e7033914c8a1be1", "/u/4f9c2a1b7d3e8f60", "r-4f9c2a1b7d3e",
    "/u/T2sxZ3h6Q3ZiTm0xMjM0NTY3OA", "claude-q1w2E3r4T5y6U7i8O9p0aS+dFg/HjKlZxCvBnM=",
    "It really helped me through a hard night",
    "x" * 121, "line one\nline two\nthree four five",
    # codes they must leave alone
    "us.anthropic.claude-sonnet-4-6", "anthropic.claude-haiku-4-5-20251001-v1:0",
    "haiku-4-5@2026-01-01", "/api/conversations/:id/turns/:id", "/assets/app.3f9a1c.js",
    "Mobile Safari UI/WKWebView", "Mac OS X", "1.9.1", "1.2.3.4.5", "2026-09-01",
    "20261001", "12:30:45", "en-US", "65+", "SEA19-C1", "HTTP/2.0", "ServiceUnavailableException",
    "/api/conversations/{id}/invoke-stream-experimental", "IAD89-C1", "",
]  # fmt: skip
CODES_START = SAMPLES.index("us.anthropic.claude-sonnet-4-6")


def test_patterns_find_personal_data_and_leave_codes_alone():
    rules = allowlist()
    code = rules.kind("code")
    for number, text in enumerate(SAMPLES):
        hits = [name for name in code.forbid if rules.rules[name].search(text)]
        assert bool(hits) == (number < CODES_START), (text, hits)


def regex_contains_on_duckdb(rules: list[str], texts: list[str], built: Built) -> list[tuple]:
    """For each text, whether the dbt macro regex_contains finds each allow-list rule
    (``rules``: paths into privacy_allowlist(), such as ``['patterns']['email']``) on
    DuckDB: one compile of the macro for every rule, one query for every text."""
    calls = ", ".join(
        "{{ regex_contains('value', privacy_allowlist()" + rule + ") }}" for rule in rules
    )
    result = run_dbt(
        ["compile", "--inline", f"select {calls} from texts", "--no-populate-cache"],
        built.settings,
        quiet=True,
    )
    sql = result.result.results[0].node.compiled_code
    return (
        duckdb.connect()
        .execute(sql.replace("from texts", "from (select unnest(?::varchar[]) as value)"), [texts])
        .fetchall()
    )


def test_duckdb_and_python_agree_on_every_pattern_and_format(built: Built):
    rules = allowlist()
    # each expression as dbt reads it from the allow-list, and as Python does
    jinja = {f"['patterns']['{name}']": rule for name, rule in rules.rules.items()}
    jinja |= {
        f"['kinds']['{k.name}']['format']": k.format for k in rules.kinds.values() if k.format
    }
    names = list(jinja)
    expressions = jinja
    texts = [*SAMPLES, "203.0.113.0/24", "2001:db8:85a3::/48", "2001::/48", "::/48", "1.2.3.4/24"]
    rows = regex_contains_on_duckdb(names, texts, built)
    assert len(rows) == len(texts)
    for text, row in zip(texts, rows, strict=True):
        for name, in_duckdb in zip(names, row, strict=True):
            expected = (
                expressions[name].search(text)
                if isinstance(expressions[name], Pattern)
                else re.search(expressions[name], text) is not None
            )
            assert in_duckdb == expected, (name, text)


# What a partner's telemetry may carry, and what the scrubber must catch in it.
SCRUBBER_CASES = [
    "sdk 1.4.2 on android 14", "contact jane.doe@example.com", "ip=203.0.113.7;",
    "from 2001:db8::1 today", "call +44 20 7946 0958", "(415) 555-0100", "1.2.3.4.5",
    "claude-sonnet-4-6@2026-01-01", "12:30:45", "v1:0", "a" * 300 + "@example.org",
    "x@y", "mail me at a@b.co", "10.0.0.256", "::", "fe80::1%eth0", "+1 415 555 0100",
]  # fmt: skip


def test_the_scrubber_and_sql_find_the_same_personal_data(built: Built):
    """The ingest scrubber (privacy/patterns.py) reads its rules from the allow-list;
    on DuckDB the SQL macro gives the same answer for every rule and every case."""
    scrubbed = patterns.rules()
    names = list(scrubbed)
    texts = [*SAMPLES, *SCRUBBER_CASES]
    rows = regex_contains_on_duckdb([f"['patterns']['{name}']" for name in names], texts, built)
    assert len(rows) == len(texts)
    for text, row in zip(texts, rows, strict=True):
        in_sql = dict(zip(names, row, strict=True))
        assert in_sql == {name: scrubbed[name](text) for name in names}, text
        first = next((name for name in names if in_sql[name]), None)
        assert patterns.find_personal_data(text) == first, text


def test_the_privacy_macros_compile_for_athena_and_parse_as_athena_sql(built: Built):
    athena = Settings(built.settings.lake, built.settings.warehouse, built.settings.site, "athena")
    calls = [
        "{{ not_erased('user_key') }}",
        "{{ list_any_contains('emotions', '[a-z]+@') }}",
        "{{ privacy_masked(list_as_text('emotions')) }}",
        *(
            "{{ regex_contains('route', privacy_allowlist()['patterns']['" + name + "']) }}"
            for name in allowlist().rules
        ),
    ]
    result = run_dbt(
        [
            "compile",
            "--inline",
            "select " + ", ".join(calls) + " from innerverse_silver.observations",
            "--no-populate-cache",
        ],
        athena,
        quiet=True,
    )
    sql = result.result.results[0].node.compiled_code
    assert "regexp_like(route" in sql and "any_match(emotions, element ->" in sql
    assert "array_join(emotions, ',')" in sql
    assert '"innerverse_lake"."erasure_requests"' in sql.replace("`", '"')
    parsed = sqlglot.parse_one(sql, read="athena")
    assert parsed.find(sqlglot.exp.Select) is not None


def test_mask_keeps_the_shape_not_the_value():
    assert mask("jane.doe@example.com") == "j***.d***@e***.com"
    assert mask("203.0.113.7") == "2***.*.1***.*"
    assert mask("6f1c2b9e-8d4a-4c3e-9b7a-1f2e3d4c5b6a") == "6***-8***-4***-9***-1***"
    long = mask("It really helped me through a hard night, thank you so much")
    assert len(long) == 40 and long.endswith("…") and "really" not in long


def test_a_bad_allow_list_is_named(tmp_path):
    source = allowlist().file
    broken = tmp_path / "allowlist.sql"
    shutil.copyfile(source, broken)
    broken.write_text(broken.read_text().replace("        route: code", "        route: codes"))
    with pytest.raises(
        AllowlistError, match=r"gold\.cost_daily_by_route\.route has unknown kind 'codes'"
    ):
        parse_allowlist(broken)
    broken.write_text(source.read_text().replace("      retention: turn_date\n", ""))
    with pytest.raises(AllowlistError, match=r"silver\.turns declares no `retention`"):
        parse_allowlist(broken)
    broken.write_text(source.read_text().replace("retention: turn_date", "retention: route"))
    with pytest.raises(AllowlistError, match="retention column 'route' is not one of its date"):
        parse_allowlist(broken)


def test_type_families():
    rules = allowlist()
    assert rules.type_family("DECIMAL(20,10)") == "number"
    assert rules.type_family("HUGEINT") == "number"
    assert rules.type_family("VARCHAR[]") == rules.type_family("array(varchar)") == "list"
    assert rules.type_family("timestamp(6)") == "timestamp"
    assert rules.type_family("string") == "text"
    assert rules.type_family("BLOB") == "other"


def test_plain_dbt_refuses_to_build_without_a_pepper(built: Built, monkeypatch):
    monkeypatch.delenv("SAGE_DEMO")
    monkeypatch.delenv("SAGE_PEPPER", raising=False)
    with pytest.raises(DbtFailed, match="SAGE_PEPPER is not set"):
        run_dbt(["build", "--select", "silver_users"], built.settings, quiet=True)
