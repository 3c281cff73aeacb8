"""One keyed-hash definition: Python and the dbt macro on DuckDB agree."""

from __future__ import annotations

import duckdb
import pytest

from privacy.pseudonym import (
    DEMO_PEPPER,
    PepperError,
    pepper_from_env,
    pseudonymise,
    pseudonymise_raw,
    source_hash,
)
from tests.dbt_sql import compiled


def test_known_value():
    # HMAC-SHA256 test vector computed independently (RFC 2104 construction).
    assert pseudonymise(
        "5d41402abc4b2a76b9719d911017c592", "demo-pepper-not-secret-0123456789"
    ) == ("c202ca2cfd95a5c8f9351dc05f3e550d7d3a7c8a239448ff99dcc9f863c9f553")


def test_raw_ids_are_hashed_then_keyed():
    assert pseudonymise_raw("user-42", DEMO_PEPPER) == pseudonymise(
        source_hash("user-42"), DEMO_PEPPER
    )
    assert pseudonymise_raw("user-42", DEMO_PEPPER) != source_hash("user-42")


def test_pepper_is_required_outside_the_demo():
    with pytest.raises(PepperError, match="SAGE_PEPPER is not set"):
        pepper_from_env({})
    assert pepper_from_env({"SAGE_DEMO": "1"}) == DEMO_PEPPER
    assert pepper_from_env({"SAGE_PEPPER": "a" * 64, "SAGE_DEMO": "1"}) == "a" * 64
    with pytest.raises(PepperError, match="32 to 64 characters"):
        pepper_from_env({"SAGE_PEPPER": "short"})


def test_macro_sql_on_duckdb_matches_python(built):
    """Keys of many ids, computed by the compiled dbt macro inside DuckDB."""
    connection = built.connect()
    rows = connection.execute(
        "select bronze.source_user_id, silver.user_key "
        "from innerverse_bronze.lambda_emf as bronze "
        "join innerverse_silver.turns as silver using (event_id)"
    ).fetchall()
    connection.close()
    assert len(rows) > 1000
    assert all(pseudonymise(source, DEMO_PEPPER) == key for source, key in rows)


@pytest.mark.parametrize("value", ["", "é ü 日本", "back\\slash 'quote'", "x" * 500])
def test_macro_handles_any_text(built, value):
    sql = compiled("{{ pseudonymise('?') }}", built.settings)
    got = duckdb.connect().execute(f"select {sql}", [value]).fetchone()[0]
    assert got == pseudonymise(value, DEMO_PEPPER)
