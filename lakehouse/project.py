"""What dbt_project.yml declares that the Python code needs too, read from it, so
that each value has one definition: the dbt var.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml  # type: ignore[import-untyped]  # PyYAML, installed with dbt-core

from lakehouse.settings import PROJECT_ROOT

DBT_PROJECT = PROJECT_ROOT / "dbt_project.yml"


class ProjectError(RuntimeError):
    pass


@cache
def dbt_vars() -> dict[str, Any]:
    """The ``vars:`` of dbt_project.yml, as written (a Jinja value stays text)."""
    try:
        project = yaml.safe_load(DBT_PROJECT.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ProjectError(f"cannot read {DBT_PROJECT}: {exc}") from None
    found = project.get("vars") if isinstance(project, dict) else None
    if not isinstance(found, dict):
        raise ProjectError(f"{DBT_PROJECT} has no vars: mapping")
    return found


def dbt_var_int(name: str) -> int:
    value = dbt_vars().get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProjectError(f"{DBT_PROJECT}: vars.{name} must be a whole number, got {value!r}")
    return value


def min_cohort_size() -> int:
    """No published cell describes fewer people than this (vars.min_cohort_size)."""
    return dbt_var_int("min_cohort_size")
