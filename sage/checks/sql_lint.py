"""sqlfluff on the project's SQL, with the rules in .sqlfluff (Athena dialect).

Two passes:

- **Source**: models and singular data tests as written, through sqlfluff's
  Jinja templater. dbt's own functions (``ref``, ``source``, ``config``,
  ``is_incremental``) come from the templater's dbt built-ins; every macro in
  ``macros/`` is stubbed (``{{ first_row_per('turns', 'event_id') }}`` renders
  ``(select first_row_per from turns)``), so what is linted is the model's own
  SQL and layout, not the macros' expansion.
- **Compiled for Athena**: the same nodes as dbt compiled them for Athena
  (see athena_offline.py), with the raw templater. Layout rules are left out
  here: a macro's expansion keeps the indentation of the macro file, which says
  nothing about the model.

``python -m sage.checks.sql_lint`` runs both and exits 1 on any violation.
"""

from __future__ import annotations

import re
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from lakehouse.settings import PROJECT_ROOT

SOURCE_FOLDERS = ("models", "data-tests", "analyses")
MACRO_DEFINITION = re.compile(r"{%-?\s*macro\s+(\w+)\s*\(")
# Whitespace and line layout of compiled SQL is the macros' (see the module doc).
COMPILED_EXCLUDED_RULES = "layout,references.quoting,jinja"


@dataclass(frozen=True)
class Violation:
    where: str
    line: int
    code: str
    description: str

    def __str__(self) -> str:
        return f"{self.where}:{self.line}: {self.code} {self.description}"


def source_files(root: Path = PROJECT_ROOT) -> list[Path]:
    return sorted(path for folder in SOURCE_FOLDERS for path in (root / folder).rglob("*.sql"))


def macro_names(root: Path = PROJECT_ROOT) -> list[str]:
    return sorted(
        {
            name
            for path in (root / "macros").rglob("*.sql")
            for name in MACRO_DEFINITION.findall(path.read_text())
        }
    )


# The stubs, as a Python library the templater loads into the Jinja context
# (sqlfluff's `library_path`; an __init__.py puts its names at the top level).
# A stub called with arguments renders as a one-column subquery named after the
# macro, which parses wherever a macro's SQL may stand (an expression, a
# relation, a CTE's body, a quoted literal) and selects from the names it was
# given, so a CTE passed to a macro by name counts as used. A modifier (a macro
# whose portable variant renders nothing, such as materialized_cte()) renders
# nothing. It also unpacks as an empty mapping, for
# `config(**day_partitioned('d'))`; `dbt.dateadd(...)` resolves to a stub too.
STUB_LIBRARY = """
import re

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
NOT_ATTRIBUTES = {"unsafe_callable", "alters_data", "jinja_pass_arg"}


class Stub(str):
    def keys(self):
        return []

    def __getattr__(self, name):
        if name.startswith("_") or name in NOT_ATTRIBUTES:
            raise AttributeError(name)
        return _stub(name)


def _stub(name):
    def call(*args, **kwargs):
        if name in MODIFIERS:  # a keyword or nothing, such as materialized_cte()
            return Stub("")
        # Relations passed by name (CTEs) stay referenced, so unused-CTE checks hold.
        names = [a for a in list(args) + list(kwargs.values())
                 if isinstance(a, str) and IDENTIFIER.fullmatch(a)]
        aliased = [f"{n} as {name}__{n}" for n in names]  # own aliases: no clash
        source = f" from {', '.join(aliased)}" if names else ""
        return Stub(f"(select {name}{source})")
    return call


dbt = Stub("dbt")
for _name in NAMES:
    globals()[_name] = _stub(_name)
"""


def modifier_names(root: Path = PROJECT_ROOT) -> list[str]:
    """Macros whose portable (default__ or athena__) variant takes no argument and
    renders nothing, such as materialized_cte(): keywords some engine needs."""
    text = "\n".join(path.read_text() for path in (root / "macros").rglob("*.sql"))
    empty = re.compile(r"{%-?\s*macro\s+(?:default|athena)__(\w+)\(\)\s*-?%}\s*{%-?\s*endmacro")
    return sorted(set(empty.findall(text)))


def write_stub_library(folder: Path, root: Path = PROJECT_ROOT) -> Path:
    library = folder / "innerverse_macro_stubs"
    library.mkdir()
    names = ", ".join(repr(name) for name in macro_names(root))
    modifiers = ", ".join(repr(name) for name in modifier_names(root))
    (library / "__init__.py").write_text(
        f"NAMES = [{names}]\nMODIFIERS = {{{modifiers}}}\n{STUB_LIBRARY}"
    )
    return library


def _config(overrides: dict | None = None, extra_config_path: Path | None = None):
    from sqlfluff.core import FluffConfig

    # The project's .sqlfluff, wherever the command was started from.
    return FluffConfig.from_path(
        str(PROJECT_ROOT),
        extra_config_path=str(extra_config_path) if extra_config_path else None,
        overrides=overrides,
    )


def lint_sources(paths: Iterable[Path] | None = None) -> list[Violation]:
    from sqlfluff.core import Linter

    paths = list(paths) if paths is not None else source_files()
    violations = []
    with tempfile.TemporaryDirectory() as folder:
        library = write_stub_library(Path(folder))
        extra = Path(folder, "stubs.cfg")
        extra.write_text(f"[sqlfluff:templater:jinja]\nlibrary_path = {library}\n")
        linter = Linter(config=_config(extra_config_path=extra))
        for path in paths:
            result = linter.lint_string(path.read_text(), fname=str(path))
            where = path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path
            violations += _violations(result, str(where))
    return violations


def lint_compiled(statements: Iterable[tuple[str, str]]) -> list[Violation]:
    """``statements``: (where, compiled SQL) pairs."""
    from sqlfluff.core import Linter

    config = _config(overrides={"templater": "raw", "exclude_rules": COMPILED_EXCLUDED_RULES})
    linter = Linter(config=config)
    violations = []
    for where, sql in statements:
        violations += _violations(linter.lint_string(sql), where)
    return violations


def _violations(result, where: str) -> list[Violation]:
    return [
        Violation(where, error.line_no, error.rule_code(), error.desc())
        for error in result.get_violations()
    ]


def compiled_project_sql(athena_sql) -> list[tuple[str, str]]:
    """The Athena compilation of the project's own SQL: models and singular data tests."""
    nodes = athena_sql.manifest["nodes"]
    return [
        (statement.origin, statement.sql)
        for statement in athena_sql.statements
        if statement.unique_id
        and (
            nodes[statement.unique_id]["resource_type"] in ("model", "analysis")
            or nodes[statement.unique_id]["original_file_path"].startswith("data-tests/")
        )
    ]


def main() -> int:
    from sage.checks.athena_offline import compile_for_athena

    violations = lint_sources()
    with tempfile.TemporaryDirectory() as target:
        athena_sql = compile_for_athena(Path(target))
    violations += lint_compiled(compiled_project_sql(athena_sql))
    for violation in violations:
        print(violation)
    print(f"sqlfluff: {len(violations)} violation(s)")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
