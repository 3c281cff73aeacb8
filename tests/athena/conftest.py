"""The project compiled for Athena once per test session, offline (see
sage/checks/athena_offline.py), for every test of the Athena side to read."""

from __future__ import annotations

import pytest

from sage.checks.athena_offline import AthenaSql, compile_for_athena


@pytest.fixture(scope="session")
def athena_sql(tmp_path_factory: pytest.TempPathFactory) -> AthenaSql:
    return compile_for_athena(tmp_path_factory.mktemp("athena-target"))
